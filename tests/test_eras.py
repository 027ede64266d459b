import os

import pytest

from budgets import eras
from budgets.eras import (
    FiscalYearError,
    dual_label,
    era_label,
    era_short,
    find_fiscal_years,
    parse_fiscal_year,
)


@pytest.fixture
def translations():
    """Let gettext run when the tests are run without pytest-django."""
    from django.conf import settings

    if not settings.configured and "DJANGO_SETTINGS_MODULE" not in os.environ:
        settings.configure(USE_I18N=False)


# --- labels -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("year", "label"),
    [
        (2021, "令和3年度"),
        (2022, "令和4年度"),
        (2019, "令和元年度"),  # also called 平成31年度: the same fiscal year
        (2020, "令和2年度"),
        (2018, "平成30年度"),
        (1990, "平成2年度"),
        (1989, "平成元年度"),
        (1988, "昭和63年度"),
        (1927, "昭和2年度"),
        (1926, "昭和元年度"),
        (2200, "令和182年度"),
    ],
)
def test_era_label_names_the_fiscal_year_by_its_era(year, label):
    assert era_label(year) == label


@pytest.mark.parametrize("year", [1925, 1868, 0, -5])
def test_years_before_showa_have_no_label(year):
    with pytest.raises(ValueError, match="1926"):
        era_label(year)
    with pytest.raises(ValueError):
        dual_label(year)
    with pytest.raises(ValueError):
        era_short(year)


@pytest.mark.parametrize(
    ("year", "label"),
    [
        (2021, "令和3年度（2021年度）"),
        (2019, "令和元年度（2019年度）"),
        (2018, "平成30年度（2018年度）"),
    ],
)
def test_dual_label_puts_the_western_year_beside_the_era(year, label):
    assert dual_label(year) == label


@pytest.mark.parametrize(
    ("year", "short"),
    [(2021, "R3"), (2019, "R1"), (2018, "H30"), (1989, "H1"), (1988, "S63")],
)
def test_era_short(year, short):
    assert era_short(year) == short


def test_every_label_reads_back_as_its_year():
    for year in range(eras.MIN_YEAR, eras.MAX_YEAR + 1):
        assert parse_fiscal_year(era_label(year)) == year
        assert parse_fiscal_year(dual_label(year)) == year
        assert find_fiscal_years(f"{dual_label(year)}予算") == {year}
        # S63 is not read back ("S1" is too often something else), nor R100 on.
        if 1989 <= year <= 2018 + 99:
            assert parse_fiscal_year(era_short(year)) == year


# --- years in titles --------------------------------------------------------


@pytest.mark.parametrize(
    ("title", "years"),
    [
        ("令和3年度 新規事業及びレベルアップ事業一覧", {2021}),
        ("令和元年度予算", {2019}),
        ("令和３年度予算案決定状況", {2021}),
        ("令和 3 年度", {2021}),
        ("平成31年度 予算要求状況", {2019}),
        ("平成元年度", {1989}),
        ("昭和63年度決算", {1988}),
        ("平成32年度までの計画", {2020}),  # written before 令和 was announced
        ("R3予算", {2021}),
        ("R3年度", {2021}),
        ("Ｒ３年度", {2021}),
        ("r3", {2021}),
        ("H31", {2019}),
        ("Ｈ３１年度", {2019}),
        ("R03", {2021}),
        ("2021年度 予算", {2021}),
        ("２０２１年度", {2021}),
        ("2021年 予算", {2021}),
        ("令和3年度（2021年度）当初予算", {2021}),
        ("令和3年 予算", {2021}),
        ("㋿3年度", {2021}),  # the one-character era name, U+32FF
        ("㍻31年度", {2019}),
        ("令和3年度から令和5年度まで", {2021, 2023}),
        ("R4/R5比較", {2022, 2023}),
    ],
)
def test_find_fiscal_years_in_a_title(title, years):
    assert find_fiscal_years(title) == years


@pytest.mark.parametrize(
    "text",
    [
        "",
        "新規事業及びレベルアップ事業一覧",
        "2021",  # a bare number may be an amount
        "3,826,938",
        "予算額 2021 千円",
        "H2O",  # the letter must stand alone
        "AR3",
        "R3a",
        "R123",
        "令和0年度",
        "令和3年12月",  # a date, not a fiscal year
        "令和 3 年 12 月 25 日",
        "2021年4月1日",
        "R3.12.1",
        "R3年4月",
    ],
)
def test_text_without_a_fiscal_year_gives_an_empty_set(text):
    found = find_fiscal_years(text)
    assert found == set()
    assert isinstance(found, set)


def test_a_publication_date_in_the_title_is_not_a_second_year():
    title = "令和4年度予算要求状況（令和3年12月公表）"
    assert find_fiscal_years(title) == {2022}


def test_years_outside_the_supported_range_are_left_out():
    assert find_fiscal_years("1900年度と2021年度") == {2021}
    assert find_fiscal_years("令和300年度") == set()


# --- a 年度 cell -------------------------------------------------------------


@pytest.mark.parametrize(
    "cell",
    [
        2021,
        2021.0,  # what a spreadsheet gives for a number cell
        "2021",
        " 2021 ",
        "2021.0",
        "２０２１",
        "2021年度",
        "令和3年度",
        "令和３年度",
        "R3",
        "Ｒ３",
        "令和3年度（2021年度）",
    ],
)
def test_parse_fiscal_year_reads_a_cell(cell):
    assert parse_fiscal_year(cell) == 2021


@pytest.mark.parametrize("cell", ["平成31年度", "令和元年度", "H31", "R1", 2019])
def test_both_names_of_fy2019_give_2019(cell):
    assert parse_fiscal_year(cell) == 2019


@pytest.mark.parametrize(
    ("cell", "code", "years"),
    [
        ("", "not_found", ()),
        ("　", "not_found", ()),
        ("予算", "not_found", ()),
        ("3", "not_found", ()),
        ("21", "not_found", ()),
        ("令和3年12月", "not_found", ()),
        (2021.5, "not_found", ()),
        (True, "not_found", ()),
        (None, "not_found", ()),
        ("令和3年度（2022年度）", "ambiguous", (2021, 2022)),
        ("R3・R4", "ambiguous", (2021, 2022)),
        ("1925", "out_of_range", (1925,)),
        (1925, "out_of_range", (1925,)),
        (2201, "out_of_range", (2201,)),
        ("令和300年度", "out_of_range", (2318,)),
    ],
)
def test_parse_fiscal_year_refuses_a_cell(cell, code, years):
    with pytest.raises(FiscalYearError) as caught:
        parse_fiscal_year(cell)
    assert caught.value.code == code
    assert caught.value.years == years


def test_a_refused_cell_is_a_value_error_that_explains_itself():
    with pytest.raises(ValueError) as caught:
        parse_fiscal_year("令和3年度（2022年度）")
    # str() does not need Django settings.
    assert str(caught.value) == (
        "'令和3年度（2022年度）' names several fiscal years (2021, 2022)."
    )


@pytest.mark.parametrize(
    ("cell", "message"),
    [
        (
            " 予算 ",
            "「予算」から年度を読み取れません。"
            "「2021」「令和3年度」「R3」のように入力してください。",
        ),
        (
            "R3・R4",
            "「R3・R4」に複数の年度（2021年度、2022年度）があります。"
            "年度は1つだけ入力してください。",
        ),
        (
            "2201",
            "「2201」の年度（2201年度）は扱える範囲（1926〜2200年度）の外です。",
        ),
    ],
)
def test_message_tells_the_user_what_to_write(translations, cell, message):
    with pytest.raises(FiscalYearError) as caught:
        parse_fiscal_year(cell)
    assert caught.value.message == message


def test_message_is_translated_when_read_not_when_raised(monkeypatch):
    calls = []

    def fake_gettext(message):
        calls.append(message)
        return "<%(value)s>"

    monkeypatch.setattr(eras, "gettext", fake_gettext)
    with pytest.raises(FiscalYearError) as caught:
        parse_fiscal_year("予算")
    assert calls == []
    assert caught.value.message == "<予算>"
    assert len(calls) == 1


def test_unknown_error_code_is_refused():
    with pytest.raises(ValueError, match="code"):
        FiscalYearError("missing", "x")
