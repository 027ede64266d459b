"""Import the city's published PDF itself, and refuse what cannot be read from it.

The PDFs in tests/fixtures/pdf/ were printed from the seed laid out as a city's
spreadsheet (LibreOffice) and from an HTML table (Chromium) by
tests/fixtures/pdf/make.py; see its docstring to rebuild them.
"""

from __future__ import annotations

import pytest
from django.core.management import CommandError, call_command

from budgets.exporting import csv_chunks
from budgets.importing import ImportRefused, import_table, parse_table, read_source
from budgets.importing import pdf as pdf_reader
from budgets.models import FiscalYear, Project
from tests.conftest import FIXTURES
from tests.test_importing import SEED_SUMS, assert_seed_facts
from tests.test_uploads import form_with, preview

PDFS = FIXTURES / "pdf"


def pdf_bytes(name: str) -> bytes:
    return (PDFS / name).read_bytes()


def refusal(name: str) -> str:
    """The one sentence a PDF is refused with."""
    with pytest.raises(ImportRefused) as refused:
        read_source(pdf_bytes(name))
    [problem] = refused.value.problems
    return str(problem)


def exported() -> bytes:
    return "".join(csv_chunks(Project.objects.all())).encode()


# --- the seed, printed --------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize("name", ["seed.pdf", "seed_chromium.pdf"])
def test_the_seed_printed_to_pdf_imports_with_the_seeds_facts(name):
    report = import_table(pdf_bytes(name), filename=name)

    assert report.ok, [str(p) for p in report.problems]
    assert report.source_kind == "pdf"
    assert_seed_facts()
    assert FiscalYear.objects.get().title == (
        "令和3年度当初予算 新規事業及びレベルアップ事業一覧"
    )


@pytest.mark.django_db
@pytest.mark.parametrize(
    "name",
    [
        "seed.pdf",
        "seed_chromium.pdf",
        "seed_six_pages.pdf",
        # each page stored upright and turned by /Rotate, as many printers store a
        # landscape page: its table was not found (helper-16)
        "seed_rotated.pdf",
    ],
)
def test_the_seed_pdf_gives_the_same_export_bytes_as_the_seeds_text(name, seed_bytes):
    report = import_table(pdf_bytes(name), filename=name)
    assert report.ok, [str(p) for p in report.problems]
    from_pdf = exported()

    text = import_table(seed_bytes, filename="r03.txt")

    # every field the import compares, the year's title included, is the same
    assert text.counts() == {"new": 0, "changed": 0, "unchanged": 32, "missing": 0}
    assert not text.plan.has_changes and not text.written
    assert exported() == from_pdf


def test_six_pages_break_inside_themes_and_repeat_title_and_header():
    source = read_source(pdf_bytes("seed_six_pages.pdf"))
    table = parse_table(source)

    assert not table.problems
    assert {row.page for row in source.rows} == {1, 2, 3, 4, 5, 6}
    page_three = [row.cells for row in source.rows if row.page == 3]
    assert page_three[0] == ["令和3年度当初予算 新規事業及びレベルアップ事業一覧"]
    assert page_three[1] == ["(単位:千円)"]
    assert page_three[2][:4] == ["No", "部", "課名", "事業名"]
    assert page_three[3][0] == "10"  # theme 2 goes on from page 2
    assert page_three[-1] == ["- 3 -"]
    assert [row.no for row in table.rows] == list(range(1, 33))
    assert [row.theme_number for row in table.rows].count(2) == 18


def test_wrapped_cell_text_joins_japanese_without_a_space_and_latin_words_with_one():
    join = pdf_reader.join_wrapped
    assert join("産業・地域振\n興支援部") == "産業・地域振興支援部"
    assert join("レベルアッ\nプ") == "レベルアップ"
    assert join("Wi-Fi\nZone") == "Wi-Fi Zone"
    assert join("ごみ拾\nいSNS港区版") == "ごみ拾いSNS港区版"
    assert join("GIGA\nスクール") == "GIGAスクール"


def test_chromium_wraps_the_department_and_the_import_joins_it_again():
    source = read_source(pdf_bytes("seed_chromium.pdf"))
    first_project = next(row for row in source.rows if row.cells[0] == "1")

    assert (
        first_project.cells[1] == "産業・地域振興支援部"
    )  # printed 産業・地域振|興支援部
    assert first_project.cells[4] == "レベルアップ"  # printed レベル|アップ
    no_22 = next(row for row in source.rows if row.cells[0] == "22")
    assert "区のCO ₂ 吸収源" in no_22.cells[5]  # as the seed's copy has it


def test_a_theme_row_is_one_merged_cell_like_the_copied_text():
    source = read_source(pdf_bytes("seed.pdf"))
    themes = [row.cells for row in source.rows if row.cells[0].startswith("2 ")]
    assert themes == [["2 誰もが健康で暮らしやすい社会を実現する取組"]]


@pytest.mark.django_db
def test_a_department_merged_down_over_its_projects_belongs_to_each_of_them():
    source = read_source(pdf_bytes("merged_department.pdf"))
    first_four = [r.cells[1] for r in source.rows if r.cells[0] in {"1", "2", "3", "4"}]
    assert first_four == ["産業・地域振興支援部"] * 4

    report = import_table(pdf_bytes("merged_department.pdf"), filename="m.pdf")
    assert report.ok, [str(p) for p in report.problems]
    assert_seed_facts()


@pytest.mark.django_db
def test_an_amount_merged_down_over_two_projects_is_refused_not_counted_twice():
    # helper-18: a merge is given to each row only in 部 and 課名; here No 4 would
    # have taken No 3's 予算額 (13,445) and lost nothing it could be checked against
    source = read_source(pdf_bytes("merged_amount.pdf"))
    no4 = next(row.cells for row in source.rows if row.cells[0] == "4")
    assert no4[8] == ""

    report = import_table(pdf_bytes("merged_amount.pdf"), filename="m.pdf")

    assert [str(p) for p in report.problems] == [
        "1 ページ 8 行目 「予算額」列: 金額が必要です（0 も可）。「-」は使えません。"
    ]
    assert not Project.objects.exists()


@pytest.mark.django_db
def test_a_print_date_under_the_table_is_skipped_and_said_not_a_refusal():
    # helper-16: a footer 「令和3年2月10日 財政課」 refused the PDF: 列が足りません
    report = import_table(pdf_bytes("footer_lines.pdf"), filename="r03.pdf")

    assert report.ok, [str(p) for p in report.problems]
    assert_seed_facts()
    assert [str(w) for w in report.warnings] == [
        f"{page} ページ {line} 行目: 表の下の「令和3年2月10日 財政課」は表の一部では"
        "ないので、読まずに進みます。"
        for page, line in ((1, 31), (2, 16))
    ]


@pytest.mark.parametrize(
    ("text", "skipped"),
    [
        ("令和3年2月10日 財政課", True),
        ("財政課", True),
        ("21 環境リサイクル支援部 環境課 26,000", False),  # a row that lost its lines
        ("合計 14,511,093", False),
        ("計", False),
        ("※ 金額は千円未満を四捨五入しています", False),
        ("- 3 -", False),
        ("1,234", False),
    ],
)
def test_only_a_line_no_row_could_be_is_skipped_under_the_table(text, skipped):
    assert pdf_reader._is_furniture(text) is skipped


# --- problems name the page ---------------------------------------------------


@pytest.mark.django_db
def test_a_bad_amount_is_reported_with_its_page_and_line_on_that_page():
    report = import_table(pdf_bytes("negative_amount.pdf"), filename="bad.pdf")

    [problem] = report.problems
    assert (problem.page, problem.line, problem.column) == (5, 5, "予算額")
    assert str(problem).startswith("5 ページ 5 行目 「予算額」列: ")
    assert "△ 26,000" in str(problem)
    assert not Project.objects.exists()


# --- totals rows --------------------------------------------------------------


@pytest.mark.django_db
def test_a_totals_row_that_matches_is_checked_and_not_imported_as_a_project():
    report = import_table(pdf_bytes("totals_match.pdf"), filename="totals.pdf")

    assert report.ok, [str(p) for p in report.problems]
    assert not report.warnings
    assert_seed_facts()
    assert not Project.objects.filter(name__contains="合計").exists()


@pytest.mark.django_db
def test_a_totals_row_that_differs_is_refused_with_both_figures():
    report = import_table(pdf_bytes("totals_differ.pdf"), filename="totals.pdf")

    [problem] = report.problems
    text = str(problem)
    assert text.startswith("2 ページ 14 行目 「予算額」列: ")
    assert "13,572,990" in text  # printed
    assert f"{SEED_SUMS['budgeted']:,}" in text  # summed
    assert "差 -1,000" in text
    assert not Project.objects.exists()


@pytest.mark.django_db
def test_rounded_totals_that_differ_are_refused_with_how_to_accept_them():
    report = import_table(pdf_bytes("totals_rounded.pdf"), filename="rounded.pdf")

    assert [p.column for p in report.problems] == ["要求額", "予算額"]
    assert all("端数処理" in str(p) for p in report.problems)
    assert all("--accept-rounded-totals" in str(p) for p in report.problems)
    assert not Project.objects.exists()


@pytest.mark.django_db
def test_rounded_totals_accepted_on_the_command_line_import_with_warnings(capsys):
    call_command(
        "import_budget_table",
        str(PDFS / "totals_rounded.pdf"),
        "--accept-rounded-totals",
    )

    out = capsys.readouterr().out
    assert "warning: 2 ページ 14 行目: 合計行の「要求額」は 14,511,095" in out
    assert "差 +2" in out and "差 -1" in out
    assert "Imported: 32 created" in out
    assert_seed_facts()


@pytest.mark.django_db
def test_accepting_rounding_does_not_accept_a_difference_without_the_note():
    report = import_table(
        pdf_bytes("totals_differ.pdf"), filename="t.pdf", accept_rounded_totals=True
    )
    assert [p.column for p in report.problems] == ["予算額"]


@pytest.mark.django_db
def test_a_totals_row_in_the_copied_text_is_checked_too(seed_text):
    sums = [f"{SEED_SUMS[key]:,}" for key in SEED_SUMS]
    lines = seed_text.splitlines()
    good = "\n".join([*lines, "\t".join(["合　計", "", "", "", "", "", *sums])])
    bad = good.replace(sums[0], "14,511,000")

    assert import_table(good.encode(), dry_run=True).ok
    [problem] = import_table(bad.encode(), dry_run=True).problems
    assert "14,511,000" in str(problem) and "14,511,093" in str(problem)
    assert problem.line == len(lines) + 1


# --- what cannot be read is refused, naming the page --------------------------


def test_a_scan_has_no_text_and_is_refused_naming_the_page():
    message = refusal("scan.pdf")
    assert message.startswith("1 ページ: ")
    assert "文字がありません" in message and "スキャン" in message


def test_text_whose_fonts_have_no_unicode_map_is_refused_as_garbled():
    message = refusal("garbled.pdf")
    assert message.startswith("1 ページ: ")
    assert "(cid:" in message and "正しく取り出せません" in message


@pytest.mark.parametrize("garbage", ["\ufffd", "\ue001", "\U000f0001"])
def test_replacement_and_private_use_characters_are_refused_as_garbled(garbage):
    chars = [{"text": ch} for ch in "港区産業振興課" + garbage]
    with pytest.raises(ImportRefused) as refused:
        pdf_reader._check_text(chars, 4)
    [problem] = refused.value.problems
    assert problem.page == 4
    assert "正しく取り出せません" in problem.message


@pytest.mark.parametrize(
    ("name", "hidden"),
    [
        # printed 150 points low: its last rows past the page's bottom edge (a 500
        # in the admin, a traceback from the command, before)
        ("past_the_edge.pdf", "「20環境リサイクル支援部環境課環境美化啓…」"),
        # its crop box the top 400 points: the rest in the file, not on the page
        ("cropped.pdf", "「18防災危機管理室防災課避難所機能の強化…」"),
    ],
)
def test_a_table_part_of_which_the_page_does_not_show_is_refused(name, hidden):
    message = refusal(name)

    assert message.startswith("1 ページ: 表の一部がページの外にあり")
    assert hidden in message


def test_a_page_dictionary_the_reader_cannot_read_is_a_broken_file_not_a_500():
    # helper-18: a /Rotate of text raised a TypeError out of pdfplumber
    message = refusal("rotate_of_text.pdf")

    assert message.startswith("PDF として開けません（ファイルが壊れています）: ")
    assert "TypeError" in message


def test_a_pdf_that_needs_a_password_is_refused():
    message = refusal("password.pdf")
    assert "パスワードで保護されて" in message


@pytest.mark.django_db
def test_a_pdf_with_permission_flags_only_is_read():
    report = import_table(pdf_bytes("permissions_only.pdf"), filename="p.pdf")
    assert report.ok, [str(p) for p in report.problems]
    assert_seed_facts()


def test_a_page_whose_table_has_another_number_of_columns_is_refused():
    message = refusal("wrong_columns.pdf")
    assert message.startswith("2 ページ: ")
    assert "9 列" in message and "1 ページの表は 10 列" in message


def test_a_file_that_only_starts_like_a_pdf_is_refused_as_broken():
    with pytest.raises(ImportRefused) as refused:
        read_source(b"%PDF-1.7\nnot really a pdf\n")
    assert "PDF として開けません" in str(refused.value)


def test_too_many_pages_are_refused_before_reading_them(monkeypatch):
    monkeypatch.setattr(pdf_reader, "MAX_PAGES", 5)
    message = refusal("seed_six_pages.pdf")
    assert "ページが多すぎます（6 ページ）" in message


def test_reading_stops_when_it_takes_too_long(monkeypatch):
    monkeypatch.setattr(pdf_reader, "MAX_SECONDS", -1)
    message = refusal("seed.pdf")
    assert message.startswith("1 ページ: ") and "秒を超えた" in message


# --- the command --------------------------------------------------------------


@pytest.mark.django_db
def test_the_command_imports_the_published_pdf(capsys):
    call_command("import_budget_table", str(PDFS / "seed.pdf"), "--publish")

    out = capsys.readouterr().out
    assert "seed.pdf (pdf, sha256 " in out
    assert "Imported: 32 created, 0 updated, 0 unchanged, 0 deleted." in out
    assert FiscalYear.objects.get(year=2021).is_published


@pytest.mark.django_db
def test_the_command_refuses_a_scan_with_a_non_zero_exit(capsys):
    with pytest.raises(CommandError, match="nothing was imported"):
        call_command("import_budget_table", str(PDFS / "scan.pdf"))
    assert "1 ページ: " in capsys.readouterr().out
    assert not Project.objects.exists()


# --- the admin's upload -------------------------------------------------------


@pytest.mark.django_db
def test_the_admin_previews_and_imports_an_uploaded_pdf(django_app, admin_user):
    page = preview(django_app, admin_user, pdf_bytes("seed.pdf"), name="r03.pdf")
    assert "取り込みの確認" in page.text
    assert not Project.objects.exists()

    confirmed = form_with(page, "upload").submit("confirm", user=admin_user)

    assert confirmed.status_code == 302
    assert "新規 32 件" in confirmed.follow(user=admin_user).text
    assert Project.objects.count() == 32
    assert_seed_facts()


@pytest.mark.parametrize(
    "crop", [(0, 0, 0, 0), (-2000, -2000, -1000, -1000), (900, 0, 1000, 595)]
)
def test_a_crop_box_of_no_area_or_off_the_page_shows_the_whole_page(crop):
    # helper-18: viewers show the media box then; such a page was refused
    from types import SimpleNamespace

    from budgets.importing.pdf_geometry import unseen

    char = {"text": "港", "x0": 100, "x1": 110, "top": 100, "bottom": 110}
    page = SimpleNamespace(cropbox=crop, mediabox=(0, 0, 842, 595), chars=[char])

    assert unseen(page, (0, 0, 842, 595)) == ""
    cut = SimpleNamespace(cropbox=(0, 0, 842, 50), mediabox=(0, 0, 842, 595))
    assert unseen(SimpleNamespace(**vars(cut), chars=[char]), (0, 0, 842, 595)) == "港"


@pytest.mark.django_db
def test_a_table_past_the_edge_is_refused_by_the_admin_naming_its_page(
    django_app, admin_user
):
    page = preview(django_app, admin_user, pdf_bytes("past_the_edge.pdf"), "r04.pdf")

    assert page.status_code == 200
    assert "表の一部がページの外にあり" in page.text
    # a problem of the whole page names the page alone (helper-16: "1 ページ None 行目")
    assert "<td>1 ページ</td>" in page.text and "None" not in page.text
    assert not Project.objects.exists()


def test_the_admin_lists_a_pdfs_problem_with_its_page(django_app, admin_user):
    page = preview(django_app, admin_user, pdf_bytes("negative_amount.pdf"), "bad.pdf")

    content = page.text
    assert "この表は取り込めません" in content
    assert "<td>5 ページ 5 行目</td>" in content
    assert not Project.objects.exists()
