"""Reading a project row cell by cell, one function per kind of cell. No database."""

from datetime import date, datetime, time, timedelta

import pytest

from budgets.importing import rows
from budgets.importing.problems import Problems
from budgets.models import Project

CELLS = {
    "no": "１２",
    "theme_number": "1",
    "theme_name": "子育て",
    "department": "子ども家庭支援部",
    "section": "子ども家庭課",
    "name": "=SUM(A1) のような事業名",
    "category": "【新規】",
    "description": "",
    "requested": "1,000",
    "requested_levelup": "-",
    "budgeted": "900",
    "budgeted_levelup": "-",
}


def test_a_good_row_becomes_a_project_row():
    problems = Problems()

    row = rows.parse_project_row(7, CELLS, 2021, problems)

    assert problems == []
    assert (row.line, row.year, row.no, row.category) == (7, 2021, 12, "new")
    assert (row.requested, row.budgeted) == (1000, 900)
    assert row.requested_levelup is row.budgeted_levelup is None  # 「-」, not 0
    assert row.name == CELLS["name"]  # names are kept as written


def test_every_bad_cell_of_a_row_is_named_by_its_column():
    problems = Problems(unit="row")
    cells = dict(
        CELLS,
        no="0",
        section="",
        category="補正",
        requested="-",
        requested_levelup="△ 5",
    )

    assert rows.parse_project_row(9, cells, 2021, problems) is None

    assert [(p.line, p.column, p.unit) for p in problems] == [
        (9, "No", "row"),
        (9, "課名", "row"),
        (9, "二次経費区分", "row"),
        (9, "要求額（うちレベルアップ）", "row"),  # △: negative
        (9, "要求額", "row"),  # required, 「-」 is not allowed
    ]


@pytest.mark.parametrize(
    ("cell", "expected"),
    [("12", 12), ("１２", 12), ("0012", 12), (12, 12), ("12.0", 12)],
)
def test_a_whole_number_reads_as_tables_write_it(cell, expected):
    assert rows.whole_number(cell, "no") == expected


@pytest.mark.parametrize(
    "cell", ["0", "-1", "1.5", "", "9" * 5000, True, "12¹", "①", "₁₂", "１²"]
)
def test_a_whole_number_refuses_what_no_column_can_hold(cell):
    with pytest.raises(rows.BadCell):
        rows.whole_number(cell, "theme_number")


@pytest.mark.parametrize(
    ("cell", "category"),
    [
        ("新規", Project.Category.NEW),
        ("【新規】", Project.Category.NEW),
        ("ﾚﾍﾞﾙ", Project.Category.LEVELUP),
        ("拡充", Project.Category.LEVELUP),
    ],
)
def test_a_category_is_read_from_the_words_tables_use(cell, category):
    assert rows.category_of(cell) == category


@pytest.mark.parametrize(
    "cell",
    [
        datetime(2021, 4, 1),
        date(2021, 4, 1),
        time(9, 30),
        timedelta(hours=1),
    ],
)
def test_a_date_where_a_name_belongs_is_refused_not_written_as_a_timestamp(cell):
    with pytest.raises(rows.BadCell) as refused:
        rows.text(cell, "name")

    assert "日付や時刻のセル" in str(refused.value.args[0])


def test_a_text_longer_than_its_column_is_refused_showing_its_start():
    with pytest.raises(rows.BadCell) as bad:
        rows.text("あ" * 301, "name")

    assert bad.value.value == "あ" * 40 + "…"
    assert rows.text("あ" * 301, "description") == "あ" * 301  # no limit


def test_a_year_cell_must_agree_with_the_title():
    assert rows.fiscal_year("令和3年度", 2021) == 2021
    with pytest.raises(rows.BadCell):
        rows.fiscal_year("2022", 2021)
