"""Every figure cites its source: the import that last set it and its place in the
file (a PDF's page and line, a text's or CSV's line, an XLSX's sheet and row), or
the admin edit that changed it; the public page links a public PDF at its page."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import User

from budgets.importing import import_table
from budgets.models import ImportEvent, Project
from tests.conftest import FIXTURES, SEED
from tests.factories import make_staff
from tests.tables import project_line, seed_cells, to_csv, to_xlsx

pytestmark = pytest.mark.django_db

SEED_PDF = (FIXTURES / "pdf" / "seed.pdf").read_bytes()
PDF_TITLE = "令和3年度当初予算 新規事業及びレベルアップ事業一覧"


def imported(data: bytes, filename: str, **kwargs) -> ImportEvent:
    report = import_table(data, filename=filename, **kwargs)
    assert report.ok, report.problems
    return report.event


def cited(no: int) -> tuple:
    project = Project.objects.get(fiscal_year__year=2021, no=no)
    return (
        project.source_event_id,
        project.source_page,
        project.source_line,
        project.source_sheet,
        project.source_edited_at,
    )


@pytest.fixture
def clerk(db) -> User:
    return make_staff("clerk", "財務担当")


# --- the import cites ------------------------------------------------------------


def test_the_seed_pdf_cites_each_project_s_page_and_line_on_it():
    event = imported(SEED_PDF, "r03.pdf", publish=True)

    # No 1 is the fifth line of page 1 (title, unit, header, theme above it);
    # No 32 the thirteenth of page 2, above the page number
    assert cited(1) == (event.pk, 1, 5, "", None)
    assert cited(32) == (event.pk, 2, 13, "", None)
    pages = set(Project.objects.values_list("source_page", flat=True))
    assert pages == {1, 2}


def test_the_text_import_cites_lines(seed_text):
    event = imported(seed_text.encode(), SEED.name)

    rows = seed_cells(seed_text)
    for no in (1, 17, 32):
        assert cited(no) == (event.pk, None, project_line(rows, no), "", None)


def test_a_csv_cites_the_line_a_quoted_multiline_cell_starts_on(seed_text):
    rows = seed_cells(seed_text)
    rows[project_line(rows, 2) - 1][5] += "\n（続き）"  # No 2 spans two lines
    event = imported(to_csv(rows), "r03.csv")

    assert cited(2)[2] == project_line(rows, 2)
    assert cited(3)[2] == project_line(rows, 3) + 1
    assert cited(3)[0] == event.pk


def test_an_xlsx_cites_sheet_and_row(seed_text):
    rows = seed_cells(seed_text)
    event = imported(to_xlsx(rows), "r03.xlsx")

    assert cited(5) == (event.pk, None, project_line(rows, 5), "Sheet", None)


def test_a_reimport_that_changes_nothing_changes_no_citation(seed_text):
    imported(SEED_PDF, "r03.pdf")
    before = {no: cited(no) for no in range(1, 33)}

    again = imported(seed_text.encode(), SEED.name)  # the same figures as text

    assert again.created == again.updated == 0
    assert {no: cited(no) for no in range(1, 33)} == before


def test_a_changed_reimport_cites_the_new_import_for_the_changed_projects_only(
    seed_text,
):
    first = imported(seed_text.encode(), SEED.name)
    second = imported(seed_text.replace("3,191,866", "3,000,000").encode(), "b.txt")

    assert cited(1)[0] == second.pk
    assert cited(2)[0] == first.pk
    project = Project.objects.get(no=1)
    assert [r.source_event_id for r in project.history.all()] == [second.pk, first.pk]


# --- the admin edit cites the admin ------------------------------------------------


def change_form(app, project, user):
    url = f"/admin/budgets/project/{project.pk}/change/"
    return app.get(url, user=user).forms["project_form"]


def test_a_figure_edited_in_the_admin_is_cited_as_the_admin_s(django_app, clerk):
    event = imported(SEED_PDF, "r03.pdf", publish=True)
    project = Project.objects.get(no=1)
    form = change_form(django_app, project, clerk)
    form["budgeted"] = "3200000"

    assert form.submit("_save").status_code == 302

    project.refresh_from_db()
    assert project.source_event is None and project.source_page is None
    assert project.source_edited_at is not None
    edit, import_record = project.history.all()[:2]
    assert (edit.history_user, edit.source_event_id) == (clerk, None)
    assert (import_record.source_event_id, import_record.source_page) == (event.pk, 1)
    shown = change_form(django_app, project, clerk).response.text
    assert "管理画面で修正: clerk" in shown
    page = django_app.get("/projects/2021/1/").text
    assert "出典: 管理画面で修正（" in page
    assert "/sources/" not in page


def test_saving_a_project_without_changing_a_figure_keeps_its_citation(
    django_app, clerk
):
    imported(SEED_PDF, "r03.pdf")
    before = cited(1)

    form = change_form(django_app, Project.objects.get(no=1), clerk)
    assert form.submit("_save").status_code == 302

    assert cited(1) == before


# --- the public page and the file ------------------------------------------------


def test_the_public_page_links_a_public_pdf_at_its_page(client):
    event = imported(SEED_PDF, "r03.pdf", publish=True)
    url = f"/sources/{event.sha256}.pdf"

    page = client.get("/projects/2021/32/").content.decode()

    assert f'出典: <a href="{url}#page=2">{PDF_TITLE}（PDF）2 ページ</a>' in page
    response = client.get(url)
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert b"".join(response.streaming_content) == SEED_PDF


def test_an_english_reader_reads_the_citation_with_its_place_apart(client):
    event = imported(SEED_PDF, "r03.pdf", publish=True)

    page = client.get("/projects/2021/32/", HTTP_ACCEPT_LANGUAGE="en").content.decode()

    url = f"/sources/{event.sha256}.pdf#page=2"
    assert f'Source: <a href="{url}">{PDF_TITLE} (PDF), page 2</a>' in page


def test_an_internal_csv_is_cited_by_name_only_and_never_served(client, seed_text):
    event = imported(to_csv(seed_cells(seed_text)), "r03.csv", publish=True)

    page = client.get("/projects/2021/1/").content.decode()

    assert f"出典: {PDF_TITLE}（CSV）</p>" in page
    assert "/sources/" not in page
    assert client.get(f"/sources/{event.sha256}.csv").status_code == 404


def test_the_file_of_a_draft_year_is_not_served(client):
    event = imported(SEED_PDF, "r03.pdf")  # a draft

    assert event.source_public
    assert client.get(f"/sources/{event.sha256}.pdf").status_code == 404


def test_staff_make_a_pdf_internal_and_its_link_goes(
    django_app, clerk, django_capture_on_commit_callbacks
):
    event = imported(SEED_PDF, "r03.pdf", publish=True)
    url = f"/sources/{event.sha256}.pdf"
    assert url in django_app.get("/projects/2021/1/").text

    form = django_app.get(
        f"/admin/budgets/importevent/{event.pk}/change/", user=clerk
    ).forms["importevent_form"]
    assert form["source_public"].checked
    form["source_public"] = False
    with django_capture_on_commit_callbacks(execute=True):  # the page cache's bump
        assert form.submit("_save").status_code == 302

    django_app.reset()
    page = django_app.get("/projects/2021/1/").text
    assert url not in page
    assert f"出典: {PDF_TITLE}（PDF）</p>" in page
    assert django_app.get(url, expect_errors=True).status_code == 404


def test_a_file_under_another_extension_or_unknown_sha_is_404(client):
    event = imported(SEED_PDF, "r03.pdf", publish=True)

    assert client.get(f"/sources/{event.sha256}.csv").status_code == 404
    assert client.get(f"/sources/{'0' * 64}.pdf").status_code == 404
    assert client.get(f"/sources/../{event.sha256}.pdf").status_code == 404


# --- the API ---------------------------------------------------------------------


def test_the_api_carries_the_page_s_citation(client, seed_text):
    event = imported(SEED_PDF, "r03.pdf", publish=True)
    imported(seed_text.replace("3,191,866", "3,000,000").encode(), "b.txt")

    projects = {
        p["no"]: p for p in client.get("/api/projects/?year=2021").json()["results"]
    }

    assert projects[32]["source"] == {
        "text": f"{PDF_TITLE}（PDF）2 ページ",
        "url": f"http://testserver/sources/{event.sha256}.pdf#page=2",
        "kind": "pdf",
        "page": 2,
        "line": 13,
        "sheet": "",
    }
    # No 1 was changed by the text, an internal file: cited by name only
    assert projects[1]["source"] == {
        "text": f"{PDF_TITLE}（テキスト）",
        "url": None,
        "kind": "text",
        "page": None,
        "line": None,
        "sheet": "",
    }
