"""The projects' search text, rebuilt: each part without its spaces (a word the
PDF split, 「CO ₂」, is found as CO2; budgets.models.project_search_text)."""

from django.db import migrations


def rebuild_search_text(apps, schema_editor):
    from budgets.models.search import rebuild_search_texts

    rebuild_search_texts(apps.get_model("budgets", "Project"))


class Migration(migrations.Migration):
    dependencies = [("budgets", "0010_project_citations")]

    operations = [
        migrations.RunPython(rebuild_search_text, migrations.RunPython.noop),
    ]
