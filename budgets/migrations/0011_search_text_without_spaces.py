"""The projects' search text, rebuilt: each part without its spaces (a word the
PDF split, 「CO ₂」, is found as CO2; budgets.models.project_search_text)."""

from django.db import migrations

BATCH = 1000


def rebuild_search_text(apps, schema_editor):
    from budgets.models.search import project_search_text

    Project = apps.get_model("budgets", "Project")
    projects = Project.objects.select_related("section__department").order_by("pk")
    batch = []
    for project in projects.iterator(chunk_size=BATCH):
        project.search_text = project_search_text(
            name=project.name,
            description=project.description,
            section=project.section.name,
            department=project.section.department.name,
        )
        batch.append(project)
        if len(batch) == BATCH:
            Project.objects.bulk_update(batch, ["search_text"])
            batch = []
    Project.objects.bulk_update(batch, ["search_text"])


class Migration(migrations.Migration):
    dependencies = [("budgets", "0010_project_citations")]

    operations = [
        migrations.RunPython(rebuild_search_text, migrations.RunPython.noop),
    ]
