"""Create the staff groups: 財務担当 (edit and import) and 閲覧 (read-only admin)."""

from django.contrib.auth.management import create_permissions
from django.db import migrations

FINANCE = "財務担当"
READER = "閲覧"
EDITABLE = (
    "fiscalyear",
    "theme",
    "department",
    "section",
    "project",
    "projectlineage",
    # 0008 (successions and links) gives the groups these; listed here so that the
    # groups have one definition
    "departmentsuccession",
    "sectionsuccession",
    "projectlink",
)
READABLE = (*EDITABLE, "importevent")


def group_permissions() -> dict[str, list[str]]:
    """The permission codenames of each staff group (tests re-make the groups with
    it after a transactional test flushed them)."""
    codenames = [
        f"{action}_{model}"
        for model in EDITABLE
        for action in ("add", "change", "delete", "view")
    ]
    return {
        READER: [f"view_{model}" for model in READABLE],
        FINANCE: [*codenames, "view_importevent", "import"],
    }


def make_groups(Group, Permission) -> None:
    budgets = Permission.objects.filter(content_type__app_label="budgets")
    for name, codenames in group_permissions().items():
        group, _ = Group.objects.get_or_create(name=name)
        group.permissions.set(budgets.filter(codename__in=codenames))


def create_groups(apps, schema_editor):
    # permissions are normally made after migrate; groups need them now
    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, verbosity=0, apps=apps)
        app_config.models_module = None
    make_groups(apps.get_model("auth", "Group"), apps.get_model("auth", "Permission"))


def remove_groups(apps, schema_editor):
    apps.get_model("auth", "Group").objects.filter(name__in=[FINANCE, READER]).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("budgets", "0001_initial"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [migrations.RunPython(create_groups, remove_groups)]
