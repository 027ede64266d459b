"""The projects' search text, rebuilt: cp932's forms taken as one with JIS's (〜 and
～, − and －: budgets.text.CP932_EQUIVALENTS), so that a search typed on a Mac finds
what Windows wrote, and the reverse."""

from django.db import migrations


def rebuild_search_text(apps, schema_editor):
    from budgets.models.search import rebuild_search_texts

    rebuild_search_texts(apps.get_model("budgets", "Project"))


class Migration(migrations.Migration):
    dependencies = [("budgets", "0012_fiscal_year_published_at")]

    operations = [
        migrations.RunPython(rebuild_search_text, migrations.RunPython.noop),
    ]
