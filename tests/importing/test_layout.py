"""Telling the rows of the PDF-copied table apart. No database."""

import pytest

from budgets.importing import layout


@pytest.mark.parametrize(
    ("text", "kind"),
    [
        ("（単位：千円）", layout.UNIT),
        ("(単位:円)", layout.UNIT),
        ("令和3年度当初予算 新規事業及びレベルアップ事業一覧", layout.TITLE),
        ("- 29 -", layout.PAGE),
        ("３", layout.PAGE),
        ("1 新型コロナウイルス感染症から区民の生命と健康を守る", layout.THEME),
        ("区民の声を聴く", None),
        ("4 2030年に向けた取組", layout.THEME),  # one number at its end
        # a project's row whose tabs became spaces: not a theme
        (
            "24 環境リサイクル支援部 地球温暖化対策担当 みなとモデル森林整備促進 "
            "レベルアップ オフィス空間への木質化を助成します。 59,831 14,500 32,739 0",
            None,
        ),
        ("25 防災課 防災備蓄事業 新規 備蓄を増やします。 ３２，４３３ - ０ -", None),
        # a number NFKC makes of look-alikes is not a theme's
        ("2¹ 誰もが健康に暮らせるまち", None),
        ("⑫ 施策", None),
        ("１２ 施策", layout.THEME),
    ],
)
def test_a_row_of_one_cell_is_told_by_what_it_says(text, kind):
    line = layout.single_cell_line(text)

    assert (line.kind if line else None) == kind


def test_a_unit_line_says_whether_the_amounts_are_in_thousands_of_yen():
    assert layout.single_cell_line("（単位：千円）").in_thousands_of_yen
    assert not layout.single_cell_line("(単位:円)").in_thousands_of_yen


def test_a_title_names_its_fiscal_years():
    assert set(layout.single_cell_line("令和元年度（平成31年度）当初予算").years) == {
        2019
    }


def test_a_theme_row_keeps_its_name_as_written_without_the_number():
    line = layout.single_cell_line("２ 「誰一人取り残さない」支援①")

    assert line.theme == (2, "「誰一人取り残さない」支援①")


def test_a_header_is_recognised_once_per_spelling_and_data_rows_stay_cheap():
    headers = layout.Headers()
    header = ["No", "部", "課名", "事業名", "要求額", "予算額"]

    assert headers.mapping(header, header) == {
        0: "no",
        1: "department",
        2: "section",
        3: "name",
        4: "requested",
        5: "budgeted",
    }
    assert headers.mapping(["1", "総務部", "総務課", "事業", "1", "1"], []) is None
    assert list(headers.seen) == [tuple(header)]  # the data row was never mapped


def test_a_long_line_is_told_in_one_pass():
    # a pattern searched along the line took the square of its length: 17 s for
    # 32 KB; this line of 400 KB would have taken hours
    line = layout.single_cell_line("1 " * 200_000 + "x")

    assert line.kind == layout.THEME
