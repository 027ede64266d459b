"""Import the FY2021 table as finance staff have it, and refuse what is wrong."""

import gc

import pytest

from budgets.exporting import csv_chunks
from budgets.importing import import_table, service
from budgets.models import Department, FiscalYear, Project, Section, Theme
from tests.tables import (
    FULL_WIDTH,
    project_line,
    seed_cells,
    to_csv,
    to_text,
    to_xlsx,
)

pytestmark = pytest.mark.django_db

SEED_SUMS = {
    "requested": 14_511_093,
    "requested_levelup": 4_189_091,
    "budgeted": 13_573_990,
    "budgeted_levelup": 3_476_133,
}


def assert_seed_facts(year: int = 2021) -> None:
    """The facts ../shared/seed/README.md gives to check an import against."""
    projects = Project.objects.filter(fiscal_year__year=year)
    assert projects.count() == 32
    assert [
        theme.projects.count()
        for theme in Theme.objects.filter(fiscal_year__year=year).order_by("number")
    ] == [7, 18, 7]
    assert (
        Department.objects.filter(sections__projects__in=projects).distinct().count()
        == 11
    )
    assert Section.objects.filter(projects__in=projects).distinct().count() == 21
    assert projects.filter(category=Project.Category.NEW).count() == 10
    assert projects.filter(category=Project.Category.LEVELUP).count() == 22
    totals = projects.totals()
    assert {name: totals[name] for name in SEED_SUMS} == SEED_SUMS


def database_snapshot() -> tuple:
    return (
        list(FiscalYear.objects.values_list("year", "title", "is_published")),
        list(Theme.objects.values_list("fiscal_year__year", "number", "name")),
        list(Department.objects.values_list("name")),
        list(Section.objects.values_list("department__name", "name")),
        "".join(csv_chunks(Project.objects.all())),
    )


# --- the seed, as published ---------------------------------------------------------


def test_import_the_fy2021_seed_gives_the_published_facts(seed_bytes):
    report = import_table(seed_bytes, filename="r03.txt")

    assert report.ok, report.problems
    assert report.source_kind == "text"
    assert report.counts() == {"new": 32, "changed": 0, "unchanged": 0, "missing": 0}
    assert_seed_facts()
    fiscal_year = FiscalYear.objects.get()
    assert fiscal_year.year == 2021
    assert fiscal_year.title == "令和3年度当初予算 新規事業及びレベルアップ事業一覧"
    assert fiscal_year.is_published is False  # a new year starts as a draft


def test_not_applicable_is_null_and_zero_stays_zero(seed_bytes):
    import_table(seed_bytes)

    new_project = Project.objects.get(no=23)  # requested but not funded
    assert new_project.category == Project.Category.NEW
    assert new_project.requested == 32_433
    assert new_project.budgeted == 0
    assert new_project.requested_levelup is None
    assert new_project.budgeted_levelup is None
    levelup = Project.objects.get(no=16)
    assert levelup.budgeted_levelup == 0


def test_names_and_descriptions_are_kept_as_written(seed_bytes):
    import_table(seed_bytes)

    assert "CO ₂ 吸収源" in Project.objects.get(no=22).description
    assert Project.objects.get(no=4).description.startswith(
        "商店街地域力向上事業(商店街の感染症拡大防止の取組など)"
    )
    assert Section.objects.filter(name="危機管理・生活安全担当").exists()


def test_reimporting_the_same_table_changes_nothing_and_says_so(seed_bytes):
    import_table(seed_bytes)
    before = database_snapshot()

    report = import_table(seed_bytes)

    assert report.ok
    assert report.counts() == {"new": 0, "changed": 0, "unchanged": 32, "missing": 0}
    assert report.written is False
    assert database_snapshot() == before


def test_a_changed_table_updates_only_the_changed_projects(seed_text):
    import_table(seed_text.encode())
    rows = seed_cells(seed_text)
    rows[project_line(rows, 1) - 1][8] = "3,200,000"
    rows[project_line(rows, 2) - 1][3] = "シティプロモーション推進"

    report = import_table(to_text(rows))

    assert report.counts() == {"new": 0, "changed": 2, "unchanged": 30, "missing": 0}
    changes = {
        change.row.no: [(c.field, c.old, c.new) for c in change.changes]
        for change in report.plan.years[0].changed
    }
    assert changes == {
        1: [("budgeted", 3_191_866, 3_200_000)],
        2: [("name", "シティプロモーション推進事業", "シティプロモーション推進")],
    }
    assert Project.objects.get(no=1).budgeted == 3_200_000
    assert Project.objects.get(no=2).name == "シティプロモーション推進"


def test_dry_run_reports_the_changes_and_writes_nothing(seed_bytes):
    report = import_table(seed_bytes, dry_run=True, publish=True)

    assert report.ok
    assert report.counts()["new"] == 32
    assert report.written is False
    assert not FiscalYear.objects.exists()
    assert not Project.objects.exists()
    assert len(report.plan.new_departments) == 11
    assert len(report.plan.new_sections) == 21


def test_projects_missing_from_the_new_file_are_kept_unless_pruned(seed_text):
    import_table(seed_text.encode())
    rows = seed_cells(seed_text)
    del rows[project_line(rows, 32) - 1]

    kept = import_table(to_text(rows))
    assert [values["no"] for values in kept.plan.years[0].missing] == [32]
    assert Project.objects.filter(no=32).exists()

    pruned = import_table(to_text(rows), prune=True)
    assert pruned.pruned == 1
    assert not Project.objects.filter(no=32).exists()
    assert Project.objects.count() == 31


def test_pruning_many_projects_marks_the_pages_stale_once_not_per_project(
    client, seed_text, monkeypatch, django_capture_on_commit_callbacks
):
    from budgets import caching

    import_table(seed_text.encode(), publish=True)
    assert client.get("/projects/2021/32/").status_code == 200  # cached now
    rows = seed_cells(seed_text)
    for no in range(2, 33):
        del rows[project_line(rows, no) - 1]
    bumps = []
    real_bump = caching.bump_data_version
    monkeypatch.setattr(
        caching, "bump_data_version", lambda: bumps.append(1) or real_bump()
    )

    with django_capture_on_commit_callbacks(execute=True):
        report = import_table(to_text(rows), prune=True)

    assert report.pruned == 31
    assert len(bumps) == 1  # once, when the import commits
    assert client.get("/projects/2021/32/").status_code == 404


def test_publish_publishes_the_year(seed_bytes):
    import_table(seed_bytes)
    import_table(seed_bytes, publish=True)
    assert FiscalYear.objects.get(year=2021).is_published


# --- the shapes staff have ----------------------------------------------------------


def test_crlf_text_with_full_width_digits_and_trailing_spaces(seed_text):
    rows = seed_cells(seed_text)
    for cells in rows:
        if len(cells) == 10 and cells[0].isdigit():
            cells[0] = cells[0].translate(FULL_WIDTH)
            cells[2] = cells[2] + "\u3000"
            for index in range(6, 10):
                cells[index] = cells[index].translate(FULL_WIDTH)
    rows[2][0] = rows[2][0].replace("3", "３")

    report = import_table(to_text(rows, newline="\r\n"))

    assert report.ok, report.problems
    assert_seed_facts()
    assert Section.objects.filter(name="産業振興課").exists()  # trimmed


@pytest.mark.parametrize(
    ("encoding", "label"),
    [("utf-8", "utf-8"), ("utf-8-sig", "utf-8"), ("cp932", "cp932")],
)
def test_csv_as_excel_writes_it_in_each_encoding(seed_text, encoding, label):
    # cp932 has no subscript two; Excel writes what it can, so does this test
    text = seed_text.replace("₂", "2") if encoding == "cp932" else seed_text
    data = to_csv(seed_cells(text), encoding)

    report = import_table(data)

    assert report.ok, report.problems
    assert (report.source_kind, report.encoding) == ("csv", label)
    assert_seed_facts()


def test_csv_in_the_projects_own_columns_without_separators(seed_bytes):
    import_table(seed_bytes)
    exported = "".join(csv_chunks(Project.objects.all())).encode("utf-8")
    Project.objects.all().delete()
    Theme.objects.all().delete()
    FiscalYear.objects.all().delete()

    report = import_table(exported)

    assert report.ok, report.problems
    assert_seed_facts()


def test_xlsx_with_title_rows_numbers_as_numbers_and_as_text(seed_text):
    rows: list[list[object]] = []
    for cells in seed_cells(seed_text):
        if len(cells) == 10 and cells[0].isdigit() and int(cells[0]) % 2:
            cells = [int(cells[0]), *cells[1:6]] + [
                None if value == "-" else int(value.replace(",", ""))
                for value in cells[6:]
            ]
        rows.append(cells)

    report = import_table(to_xlsx(rows))

    assert report.ok, report.problems
    assert report.source_kind == "xlsx"
    assert_seed_facts()


def test_the_year_can_come_from_the_command_line_when_the_title_is_gone(seed_text):
    rows = [cells for cells in seed_cells(seed_text) if "令和3年度" not in cells[0]]

    refused = import_table(to_text(rows))
    assert not refused.ok
    assert "年度がわかりません" in str(refused.problems[0])

    report = import_table(to_text(rows), year=2021)
    assert report.ok
    assert_seed_facts()


@pytest.mark.parametrize(
    "title",
    ["令和元年度当初予算", "平成31年度当初予算", "R1 当初予算", "2019年度当初予算"],
)
def test_title_spellings_of_fy2019(seed_text, title):
    rows = seed_cells(seed_text)
    for cells in rows:
        if cells[0].startswith("令和3年度"):
            cells[0] = title

    report = import_table(to_text(rows))

    assert report.ok, report.problems
    assert FiscalYear.objects.get().year == 2019


# --- refused whole, with the row and column named -----------------------------------


def _break(
    seed_text: str, no: int, column: int, value: str | None
) -> tuple[bytes, int]:
    rows = seed_cells(seed_text)
    line = project_line(rows, no)
    if value is None:
        del rows[line - 1][column:]
    else:
        rows[line - 1][column] = value
    return to_text(rows), line


@pytest.mark.parametrize(
    ("no", "column", "value", "column_name", "words"),
    [
        (1, 6, "3,826,93x", "要求額", "金額として読めません"),
        (2, 7, "99,999", "要求額（うちレベルアップ）", "超えています"),
        (3, 4, "臨新", "二次経費区分", "二次経費区分がわかりません"),
        (4, 0, "3", "No", "重複しています"),
        (5, 9, None, None, "列が足りません"),
        (6, 8, "△ 26,000", "予算額", "負"),
        (
            8,
            7,
            "0",
            "要求額（うちレベルアップ）",
            "新規事業にはレベルアップ分はありません",
        ),
        (9, 9, "-", "予算額（うちレベルアップ）", "レベルアップ事業では"),
        (10, 3, "", "事業名", "空欄にできません"),
        (11, 8, "99,999,999,999,999,999,999", "予算額", "大きすぎて保存できません"),
        (12, 0, "3000000000", "No", "2,147,483,647 以下の整数"),
        (13, 0, "9" * 5000, "No", "2,147,483,647 以下の整数"),
        (14, 6, "9" * 5000, "要求額", "大きすぎて保存できません"),
        (15, 6, "1,000,000,000,001", "要求額", "上限は 1,000,000,000,000 千円"),
        (14, 6, "882¹", "要求額", "「882¹」は金額として読めません"),  # not 8821
        (16, 0, "16¹", "No", "1 以上の整数"),  # not 161
        (17, 5, "説明\u2028続き", "事業内容", "制御文字 U+2028"),  # no line's end
        (18, 5, "説明\x85続き", "事業内容", "制御文字 U+0085"),
        (19, 3, "\u202e業事援支", "事業名", "制御文字 U+202E"),  # shown reversed
        (20, 5, "説明\u2067続き", "事業内容", "制御文字 U+2067"),
    ],
)
def test_a_bad_row_is_refused_whole_naming_line_and_column(
    seed_text, fy2021, no, column, value, column_name, words
):
    before = database_snapshot()
    data, line = _break(seed_text, no, column, value)

    report = import_table(data)

    assert not report.ok
    assert len(report.problems) == 1
    problem = report.problems[0]
    assert problem.line == line
    assert problem.column == column_name
    assert words in problem.message
    assert f"{line}行目" in str(problem)
    assert database_snapshot() == before


def test_a_page_break_of_pdftotext_moves_no_line(seed_text, fy2021):
    rows = seed_cells(seed_text)
    line = project_line(rows, 20)
    rows[line - 1][6] = "abc"
    lines = to_text(rows).decode().split("\n")
    lines[line - 3] = "\f" + lines[line - 3]  # a page starting two lines above

    report = import_table("\n".join(lines).encode())

    [problem] = report.problems
    assert (problem.line, problem.column) == (line, "要求額")


def test_a_project_row_whose_tabs_became_spaces_is_refused_not_read_as_a_theme(
    seed_text,
):
    rows = seed_cells(seed_text)
    line = project_line(rows, 24)
    rows[line - 1] = [" ".join(rows[line - 1])]  # one cell, as a careless copy gives

    report = import_table(to_text(rows))

    assert not report.ok and not Project.objects.exists()
    assert [problem.line for problem in report.problems] == [line]


def test_every_problem_is_listed_at_once(seed_text):
    rows = seed_cells(seed_text)
    rows[project_line(rows, 1) - 1][6] = "abc"
    rows[project_line(rows, 20) - 1][4] = "臨継"
    rows[project_line(rows, 30) - 1][8] = "1.5"

    report = import_table(to_text(rows))

    assert [(p.line, p.column) for p in report.problems] == [
        (project_line(rows, 1), "要求額"),
        (project_line(rows, 20), "二次経費区分"),
        (project_line(rows, 30), "予算額"),
    ]
    assert not Project.objects.exists()


@pytest.mark.parametrize(
    ("data", "words"),
    [
        (b"", "空です"),
        (b"   \n\n", "空です"),
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00", "表として読めません"),
        (bytes(range(256)) * 4, "表として読めません"),
        (
            "単なるメモです\n予算の表ではありません\n".encode(),
            "見出し行が見つかりません",
        ),
    ],
)
def test_files_that_are_no_table_are_refused(fy2021, data, words):
    before = database_snapshot()

    report = import_table(data)

    assert not report.ok
    assert words in str(report.problems[0])
    assert database_snapshot() == before


def test_a_year_conflict_stops_the_import(seed_bytes):
    report = import_table(seed_bytes, year=2022)

    assert not report.ok
    assert "一致しません" in report.problems[0].message
    assert report.problems[0].line == 3
    assert not FiscalYear.objects.exists()


def test_a_table_in_yen_instead_of_thousands_is_refused(seed_text):
    report = import_table(seed_text.replace("(単位:千円)", "(単位:円)").encode())

    assert not report.ok
    assert "千円ではありません" in report.problems[0].message


def test_a_column_without_a_header_is_refused_rather_than_dropped(seed_text):
    rows = seed_cells(seed_text)
    rows[project_line(rows, 7) - 1].append("備考あり")

    report = import_table(to_text(rows))

    assert not report.ok
    assert report.problems[0].value == "備考あり"


# --- continuing projects ------------------------------------------------------------


def test_a_second_year_links_its_continuing_projects_to_the_first(seed_text):
    import_table(seed_text.encode(), publish=True)
    rows = seed_cells(seed_text.replace("令和3年度", "令和4年度"))
    rows[project_line(rows, 5) - 1][3] = "まったく新しい事業"

    report = import_table(to_text(rows))

    assert report.ok
    year_plan = report.plan.years[0]
    assert year_plan.year == 2022
    assert len(year_plan.links) == 31
    assert year_plan.previous_year == 2021
    assert year_plan.previous_totals["budgeted"] == SEED_SUMS["budgeted"]
    assert report.plan.new_departments == []
    old = Project.objects.get(fiscal_year__year=2021, no=1)
    new = Project.objects.get(fiscal_year__year=2022, no=1)
    assert old.lineage_id == new.lineage_id
    changed_name = Project.objects.get(fiscal_year__year=2022, no=5)
    assert (
        changed_name.lineage_id
        != Project.objects.get(fiscal_year__year=2021, no=5).lineage_id
    )


def test_formula_like_text_round_trips_through_the_csv(fy2021):
    project = Project.objects.get(no=1)
    project.name = "=HYPERLINK(1)"
    project.save()
    exported = "".join(csv_chunks(Project.objects.all()))
    assert ",'=HYPERLINK(1)," in exported

    report = import_table(exported.encode())

    assert report.counts()["changed"] == 0
    assert Project.objects.get(no=1).name == "=HYPERLINK(1)"


@pytest.mark.parametrize("description", ["'-5% 削減", "'quoted'", "''", "'", "-"])
def test_text_that_begins_with_an_apostrophe_round_trips_through_the_csv(
    fy2021, description
):
    project = Project.objects.get(no=1)
    project.description = description
    project.save()

    report = import_table("".join(csv_chunks(Project.objects.all())).encode())

    assert report.counts()["changed"] == 0
    assert Project.objects.get(no=1).description == description


@pytest.mark.parametrize(
    "description", ["'-5% 削減", "'=1+1", "''", "=SUM(A1)", "@name", "-"]
)
def test_formula_like_text_round_trips_through_the_xlsx(fy2021, description):
    from budgets.opendata import xlsx

    project = Project.objects.get(no=1)
    project.description = description
    project.save()

    report = import_table(xlsx(Project.objects.all()), filename="all.xlsx")

    assert report.source_kind == "xlsx"
    assert report.counts()["changed"] == 0
    assert Project.objects.get(no=1).description == description


def test_an_amount_too_large_for_the_database_is_refused_in_the_preview(seed_text):
    data, line = _break(seed_text, 1, 8, "99,999,999,999,999,999,999")

    preview = import_table(data, dry_run=True)

    assert [(p.line, p.column) for p in preview.problems] == [(line, "予算額")]
    assert not import_table(data).ok and not Project.objects.exists()


def test_a_bad_cell_in_an_xlsx_is_named_by_its_sheet_row(seed_text):
    rows: list[list[object]] = [["令和3年度当初予算"], [], *seed_cells(seed_text)[6:]]
    rows[10][6] = "12万"

    report = import_table(to_xlsx(rows))

    assert not report.ok
    problem = report.problems[0]
    assert (problem.line, problem.column, problem.unit) == (11, "要求額", "row")
    assert "11行目（シートの行）" in str(problem)


def test_a_bad_row_in_a_cp932_csv_is_named_by_its_line(seed_text):
    rows = seed_cells(seed_text.replace("₂", "2"))
    line = project_line(rows, 12)
    rows[line - 1][8] = "▲5,000"

    report = import_table(to_csv(rows, "cp932"))

    assert [(p.line, p.column) for p in report.problems] == [(line, "予算額")]


def test_the_garbage_collector_pauses_during_an_import_and_runs_again_after(
    monkeypatch, seed_bytes
):
    seen = []
    parse = service.parse_table

    def watched_parse(*args, **kwargs):
        seen.append(gc.isenabled())
        return parse(*args, **kwargs)

    monkeypatch.setattr(service, "parse_table", watched_parse)
    assert gc.isenabled()
    import_table(seed_bytes, dry_run=True)
    report = import_table(b"\x00\x01 not a table")

    assert seen == [False] and gc.isenabled()
    assert report.problems  # refused before parsing, collector back on all the same
