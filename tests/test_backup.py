"""Backup and restore: export everything, import into an empty database, and the
public sees exactly the same site."""

import csv
import hashlib
import io
import re
import shutil

import openpyxl
import pytest
from django.apps import apps
from django.core.management import call_command
from django.core.management.base import CommandError
from django.core.management.color import no_style
from django.db import connection

from budgets import opendata
from budgets.admin_citations import mark_edited
from budgets.importing import bulk, import_table
from budgets.models import Department, FiscalYear, ImportEvent, Project, ProjectLineage
from tests.conftest import FIXTURES, SEED
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


def test_a_restored_year_rejoins_its_lineages_found_a_batch_at_a_time(
    seed_text, tmp_path, monkeypatch
):
    build_three_years(seed_text)
    backup = tmp_path / "backup.csv"
    call_command("export_budget_table", "--backup", "-o", str(backup))
    lineage_count = ProjectLineage.objects.count()
    public_ids = {
        (p.fiscal_year.year, p.no): p.lineage.public_id
        for p in Project.objects.select_related("fiscal_year", "lineage")
    }
    Project.objects.filter(fiscal_year__year=2022).delete()  # the lineages stay
    monkeypatch.setattr(bulk, "BATCH_SIZE", 10)  # a statement's worth: 4 batches

    assert import_table(backup.read_bytes()).ok

    assert {
        (p.fiscal_year.year, p.no): p.lineage.public_id
        for p in Project.objects.select_related("fiscal_year", "lineage")
    } == public_ids
    assert ProjectLineage.objects.count() == lineage_count


def test_the_open_data_csv_has_no_backup_columns(fy2021, tmp_path):
    plain = tmp_path / "plain.csv"
    call_command("export_budget_table", "-o", str(plain))
    assert "表題" not in plain.read_text(encoding="utf-8-sig").splitlines()[0]
    assert SEED.exists()


# --- the citations and the source files ------------------------------------------

SEED_PDF = FIXTURES / "pdf" / "seed.pdf"
PDF_SHA256 = hashlib.sha256(SEED_PDF.read_bytes()).hexdigest()
PDF_URL = f"/sources/{PDF_SHA256}.pdf"
PDF_TITLE = "令和3年度当初予算 新規事業及びレベルアップ事業一覧"


def build_cited_years(seed_text: str) -> None:
    """FY2021 from the published PDF, FY2022 from a clerk's text (an internal file,
    cited by name), one FY2022 figure edited in the admin."""
    call_command("import_budget_table", str(SEED_PDF), "--publish")
    import_table(
        seed_text.replace("令和3年度", "令和4年度").encode(),
        filename="r04.txt",
        publish=True,
    )
    edited = Project.objects.get(fiscal_year__year=2022, no=3)
    edited.budgeted += 1
    mark_edited(edited)
    edited.save()


def served(client, url: str) -> tuple[int, bytes]:
    response = client.get(url)
    body = b"".join(response.streaming_content) if response.streaming else b""
    return response.status_code, body


def test_a_restore_with_its_sources_cites_and_serves_the_same_files(
    client, seed_text, tmp_path, private_uploads
):
    empty_the_database()
    build_cited_years(seed_text)
    before = public_site(client)
    page = before[Project.objects.get(fiscal_year__year=2021, no=32).get_absolute_url()]
    cite = f'<a href="{PDF_URL}#page=2">{PDF_TITLE}（PDF）2 ページ</a>'
    assert cite.encode() in page[1]
    backup, sources = tmp_path / "backup.csv", tmp_path / "backup-sources"
    call_command(
        "export_budget_table", "--backup", "-o", str(backup), "--sources", str(sources)
    )
    assert sorted(p.name for p in sources.iterdir()) == sorted(
        [
            f"{PDF_SHA256}.pdf",
            f"{ImportEvent.objects.get(filename='r04.txt').sha256}.txt",
        ]
    )

    empty_the_database()
    shutil.rmtree(private_uploads / "sources")
    call_command("import_budget_table", str(backup), "--sources", str(sources))

    after = public_site(client)
    assert after.keys() == before.keys()
    for url in before:
        assert after[url] == before[url], url
    assert served(client, PDF_URL) == (200, SEED_PDF.read_bytes())
    restored = Project.objects.get(fiscal_year__year=2021, no=32)
    assert (restored.source_event.filename, restored.source_page) == ("seed.pdf", 2)
    assert restored.source_line == 13
    assert Project.objects.get(fiscal_year__year=2022, no=3).source_edited_at


def test_a_restore_without_its_sources_keeps_the_citations_but_not_the_files(
    client, seed_text, tmp_path, private_uploads
):
    empty_the_database()
    build_cited_years(seed_text)
    before = public_site(client)
    backup = tmp_path / "backup.csv"
    call_command("export_budget_table", "--backup", "-o", str(backup))

    empty_the_database()
    shutil.rmtree(private_uploads / "sources")
    call_command("import_budget_table", str(backup))

    after = public_site(client)
    for url in before:  # the link is kept ...
        assert after[url] == before[url], url
    assert served(client, PDF_URL)[0] == 404  # ... to a file the storage lacks
    cited = ImportEvent.objects.exclude(filename="backup.csv")
    assert sorted(cited.values_list("filename", "source_public", "years")) == [
        ("r04.txt", False, "2022"),
        ("seed.pdf", True, "2021"),
    ]


def test_a_tampered_source_file_is_refused_and_nothing_is_imported(
    seed_text, tmp_path, private_uploads
):
    build_cited_years(seed_text)
    backup, sources = tmp_path / "backup.csv", tmp_path / "backup-sources"
    call_command(
        "export_budget_table", "--backup", "-o", str(backup), "--sources", str(sources)
    )
    pdf = sources / f"{PDF_SHA256}.pdf"
    pdf.write_bytes(pdf.read_bytes() + b"%tampered")
    empty_the_database()
    shutil.rmtree(private_uploads / "sources")

    with pytest.raises(CommandError) as refused:
        call_command("import_budget_table", str(backup), "--sources", str(sources))

    assert "何も取り込みませんでした" in str(refused.value)
    assert f"{PDF_SHA256}.pdf: 中身の SHA-256" in str(refused.value)
    assert not Project.objects.exists()
    assert not ImportEvent.objects.exists()
    assert not (private_uploads / "sources").exists()


def test_the_sources_of_an_open_data_export_are_refused(tmp_path):
    with pytest.raises(CommandError, match="--backup"):
        call_command("export_budget_table", "--sources", str(tmp_path / "s"))


def test_the_open_data_csv_cites_as_the_page_does_and_reimports_unchanged(
    client, seed_text
):
    build_cited_years(seed_text)
    body = b"".join(client.get("/projects.csv").streaming_content)
    rows = list(csv.DictReader(io.StringIO(body.decode("utf-8-sig"))))

    cited = {(row["年度"], row["No"]): row["出典"] for row in rows}
    assert cited["2021", "32"] == f"{PDF_TITLE}（PDF）2 ページ"
    assert cited["2021", "1"] == f"{PDF_TITLE}（PDF）1 ページ"
    assert (
        cited["2022", "1"]
        == "令和4年度当初予算 新規事業及びレベルアップ事業一覧（テキスト）"
    )
    assert cited["2022", "3"].startswith("管理画面で修正（")
    report = import_table(body, filename="projects.csv")
    assert report.ok, report.problems
    assert report.written is False
    assert report.counts()["unchanged"] == 64


def test_the_data_dictionary_and_the_table_schema_describe_the_citation():
    schema = {field["name"]: field for field in opendata.table_schema()["fields"]}
    head = {field["key"]: field for field in opendata.json_head([2021])["fields"]}

    assert schema["出典"]["type"] == "string"
    assert "constraints" not in schema["出典"]  # a project may cite nothing
    assert head["citation"]["header"] == "出典"
    assert "PDF" in head["citation"]["description_ja"]


def test_the_json_and_the_workbook_cite_as_the_csv_does(seed_text):
    build_cited_years(seed_text)
    projects = opendata.projects_of(2021)

    record = next(r for r in opendata.records(projects) if r["no"] == 32)
    sheet = openpyxl.load_workbook(io.BytesIO(opendata.xlsx(projects)))["事業一覧"]
    header, *rows = sheet.iter_rows(values_only=True)

    assert record["citation"] == f"{PDF_TITLE}（PDF）2 ページ"
    cited = dict(zip(header, next(r for r in rows if r[3] == 32), strict=True))
    assert cited["出典"] == record["citation"]
