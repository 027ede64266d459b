"""The admin reads an upload once: the preview's reading is kept for the confirm
step; and a clerk accepts totals that differ by rounding by ticking a box.

Every form here is built from the rendered page (django-webtest)."""

from __future__ import annotations

import json

import pytest
from django.contrib.auth.models import User
from django.core.files.base import ContentFile
from webtest import Upload as FileUpload

from budgets import uploads
from budgets.importing import pdf
from budgets.models import FiscalYear, Project, Upload
from tests.conftest import FIXTURES
from tests.factories import make_staff
from tests.tables import seed_cells, to_xlsx

pytestmark = pytest.mark.django_db

IMPORT_URL = "/admin/budgets/project/import/"
PDFS = FIXTURES / "pdf"
ACCEPT = "端数処理による合計の差を確かめました"


@pytest.fixture
def clerk(db) -> User:
    return make_staff("clerk", "財務担当")


@pytest.fixture
def pdf_reads(monkeypatch) -> list[int]:
    """Count the PDF reads; a second read of one upload fails the test."""
    reads: list[int] = []
    read_pdf = pdf.read_pdf

    def read_once(data: bytes):
        reads.append(len(data))
        assert len(reads) == 1, "the PDF was read again"
        return read_pdf(data)

    monkeypatch.setattr(pdf, "read_pdf", read_once)
    return reads


def form_with(page, field: str):
    return next(form for form in page.forms.values() if field in form.fields)


def preview(app, user, data: bytes, name: str):
    form = form_with(app.get(IMPORT_URL, user=user), "import_file")
    form["import_file"] = FileUpload(name, data)
    return form.submit(user=user)


def confirm_form(page):
    return page.forms["confirm_import_form"]


def test_the_confirm_step_does_not_read_the_pdf_again(django_app, clerk, pdf_reads):
    page = preview(django_app, clerk, (PDFS / "seed.pdf").read_bytes(), "r03.pdf")
    assert "取り込みの確認" in page.text
    assert len(pdf_reads) == 1

    done = confirm_form(page).submit("confirm", user=clerk).follow(user=clerk)

    assert "新規 32 件" in done.text
    assert len(pdf_reads) == 1
    assert Project.objects.count() == 32
    assert Project.objects.get(no=32).source_page == 2  # the kept rows know pages
    assert uploads.storage().listdir("")[1] == []  # upload and parse both gone


def test_a_kept_parse_of_another_file_is_not_used(django_app, clerk, pdf_reads):
    page = preview(django_app, clerk, (PDFS / "seed.pdf").read_bytes(), "r03.pdf")
    upload = Upload.objects.get()
    name = uploads.parse_name(upload)
    with uploads.storage().open(name, "rb") as file:
        kept = json.loads(file.read())
    kept["sha256"] = "0" * 64
    kept["source"]["rows"] = []  # were it used, nothing would import
    uploads.storage().delete(name)
    uploads.storage().save(name, ContentFile(json.dumps(kept).encode()))
    pdf_reads.clear()

    done = confirm_form(page).submit("confirm", user=clerk).follow(user=clerk)

    # not the upload's: what the preview showed is not known, so nothing is done
    assert "この取り込みは確定できません" in done.text
    assert not Project.objects.exists() and pdf_reads == []
    assert uploads.storage().listdir("")[1] == []  # and the upload is let go


def test_an_xlsx_preview_is_kept_too(django_app, clerk, seed_text):
    data = to_xlsx(seed_cells(seed_text))
    page = preview(django_app, clerk, data, "r03.xlsx")
    upload = Upload.objects.get()
    with uploads.storage().open(uploads.parse_name(upload), "rb") as file:
        kept = json.loads(file.read())
    assert kept["sha256"] == upload.sha256
    assert kept["source"]["sheet"] == "Sheet"

    confirm_form(page).submit("confirm", user=clerk)

    assert Project.objects.get(no=1).source_sheet == "Sheet"


# --- rounded totals ------------------------------------------------------------------


def test_rounded_totals_are_confirmed_with_the_box_ticked(django_app, clerk):
    page = preview(
        django_app, clerk, (PDFS / "totals_rounded.pdf").read_bytes(), "r.pdf"
    )

    assert "端数処理されています" in page.text  # the warning, not a refusal
    form = confirm_form(page)
    assert ACCEPT in page.text
    assert "required" in page.html.find(id="id_accept_rounded_totals").attrs
    form["accept_rounded_totals"] = True
    form.submit("confirm", user=clerk).follow(user=clerk)

    assert Project.objects.exists()
    assert FiscalYear.objects.exists()


def test_rounded_totals_without_the_box_ticked_import_nothing(django_app, clerk):
    page = preview(
        django_app, clerk, (PDFS / "totals_rounded.pdf").read_bytes(), "r.pdf"
    )
    form = confirm_form(page)

    refused = form.submit("confirm", user=clerk).follow(user=clerk)

    assert "にチェックを入れてから確定してください" in refused.text
    assert not Project.objects.exists()
    # the upload stays: going back to the preview and ticking the box confirms
    form["accept_rounded_totals"] = True
    form.submit("confirm", user=clerk)
    assert Project.objects.exists()


def test_matching_totals_ask_nothing(django_app, clerk):
    page = preview(django_app, clerk, (PDFS / "totals_match.pdf").read_bytes(), "m.pdf")

    assert "accept_rounded_totals" not in confirm_form(page).fields
    confirm_form(page).submit("confirm", user=clerk)
    assert Project.objects.exists()


def test_totals_that_differ_without_a_rounding_note_are_still_refused(
    django_app, clerk
):
    page = preview(
        django_app, clerk, (PDFS / "totals_differ.pdf").read_bytes(), "d.pdf"
    )

    assert "この表は取り込めません" in page.text
    assert "confirm_import_form" not in page.forms
