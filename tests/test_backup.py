"""Backup and restore: export everything, import into an empty database, and the
public sees exactly the same site."""

import re

import pytest
from django.apps import apps
from django.core.management import call_command
from django.core.management.color import no_style
from django.db import connection

from budgets.importing import import_table
from budgets.models import Department, FiscalYear, Project
from tests.conftest import SEED
from tests.tables import project_line, seed_cells, to_text

pytestmark = pytest.mark.django_db

CSRF = re.compile(rb'name="csrfmiddlewaretoken" value="[^"]+"')


def build_three_years(seed_text: str) -> None:
    """FY2021 and FY2022 published, FY2023 a draft; one link corrected by hand."""
    import_table(seed_text.encode(), filename="r03.txt", publish=True)
    rows = seed_cells(seed_text.replace("令和3年度", "令和4年度"))
    rows[project_line(rows, 5) - 1][3] = "各地区町会等活動支援（拡充）"
    rows[project_line(rows, 7) - 1][8] = "300,000"
    import_table(to_text(rows), filename="r04.txt", publish=True)
    # staff correct the link the importer could not make (the name changed)
    renamed = Project.objects.get(fiscal_year__year=2022, no=5)
    renamed.lineage = Project.objects.get(fiscal_year__year=2021, no=5).lineage
    renamed.save()
    import_table(
        seed_text.replace("令和3年度", "令和5年度").encode(), filename="r05.txt"
    )


def public_site(client) -> dict[str, bytes]:
    urls = ["/", "/projects.csv", "/years/2023/", "/projects/2023/1/"]
    for year in FiscalYear.objects.published():
        urls += [f"/years/{year.year}/", f"/projects/?year={year.year}"]
    urls += [p.get_absolute_url() for p in Project.objects.published().with_related()]
    urls += [d.get_absolute_url() for d in Department.objects.all()]
    urls += ["/projects/?page=1", "/projects/?sort=-budgeted&category=levelup"]
    pages = {}
    for url in urls:
        response = client.get(url)
        body = (
            b"".join(response.streaming_content)
            if response.streaming
            else response.content
        )
        pages[url] = (response.status_code, CSRF.sub(b"", body))
    return pages


def empty_the_database() -> None:
    """What a new, empty database is: no budget rows, identifiers starting at 1."""
    models = [
        model for model in apps.get_app_config("budgets").get_models()
    ]  # history models included
    tables = {model._meta.db_table for model in models}
    with connection.cursor() as cursor:
        for model in (Project, *models):
            model._base_manager.all()._raw_delete(connection.alias)
        sequences = [
            sequence
            for sequence in connection.introspection.sequence_list()
            if sequence["table"] in tables
        ]
        for sql in connection.ops.sequence_reset_by_name_sql(no_style(), sequences):
            cursor.execute(sql)


def test_backup_then_restore_into_an_empty_database_is_the_same_site(
    client, seed_text, tmp_path
):
    empty_the_database()  # identifiers from 1, as in the database restored into
    build_three_years(seed_text)
    before = public_site(client)
    assert before["/years/2023/"][0] == 404
    backup = tmp_path / "backup.csv"
    call_command("export_budget_table", "--backup", "-o", str(backup))

    empty_the_database()
    assert not Project.objects.exists()
    call_command("import_budget_table", str(backup))
    after = public_site(client)

    assert after.keys() == before.keys()
    for url in before:
        assert after[url] == before[url], url
    assert not FiscalYear.objects.get(year=2023).is_published
    history = Project.objects.get(fiscal_year__year=2022, no=5).lineage.projects
    assert history.count() == 3


def test_a_backup_restores_over_itself_with_no_change(seed_text, tmp_path):
    build_three_years(seed_text)
    backup = tmp_path / "backup.csv"
    call_command("export_budget_table", "--backup", "-o", str(backup))

    report = import_table(backup.read_bytes())

    assert report.ok
    assert report.written is False
    assert report.counts()["unchanged"] == 96


def test_the_open_data_csv_has_no_backup_columns(fy2021, tmp_path):
    plain = tmp_path / "plain.csv"
    call_command("export_budget_table", "-o", str(plain))
    assert "表題" not in plain.read_text(encoding="utf-8-sig").splitlines()[0]
    assert SEED.exists()
