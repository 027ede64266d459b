import os
import re
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from budgets import amounts
from budgets.amounts import (
    AMOUNT_MAX,
    AmountError,
    approx_reading,
    format_thousands,
    parse_amount,
    reading,
)


@pytest.fixture
def translations():
    """Let gettext run when the tests are run without pytest-django."""
    from django.conf import settings

    if not settings.configured and "DJANGO_SETTINGS_MODULE" not in os.environ:
        settings.configure(USE_I18N=False)


# --- reading a cell ---------------------------------------------------------


@pytest.mark.parametrize(
    ("cell", "amount"),
    [
        ("3,826,938", 3826938),
        ("3826938", 3826938),
        ("  3,826,938  ", 3826938),
        ("\u30003,826,938\u3000", 3826938),  # ideographic spaces around
        ("３，８２６", 3826),  # full-width digits and comma
        ("３８２６９３８", 3826938),
        ("1,000", 1000),
        ("999", 999),
        ("0", 0),  # 0 is a real amount, not a blank
        ("０", 0),
        ("007", 7),
        ("3,826,938千円", 3826938),
        ("3,826,938 千円", 3826938),
        ("3826938.0", 3826938),  # Excel writes whole numbers like this
        ("3,826,938.00", 3826938),
        (3826938, 3826938),
        (0, 0),
        (3826938.0, 3826938),
        (Decimal("3826938"), 3826938),
        (Decimal("12.000"), 12),
    ],
)
def test_parse_amount_reads_thousands_of_yen(cell, amount):
    result = parse_amount(cell)
    assert result == amount
    assert type(result) is int


@pytest.mark.parametrize(
    "cell",
    [
        *(None, "", "   ", "\u3000", "\u3000 \t", "\u3000－\u3000", " - "),
        *"-－―‐‑‒–—−",  # hyphen-minus, full-width, bar, hyphens, dashes, minus
    ],
)
def test_blank_and_dash_cells_mean_no_value(cell):
    assert parse_amount(cell) is None


@pytest.mark.parametrize(
    "cell",
    [
        "△ 26,000",
        "△26,000",
        "▲26,000",
        "▲ 5",
        "-1,828,300",
        "- 5",
        "−5",  # U+2212 MINUS SIGN
        "－5",  # full-width hyphen-minus
        "△ 26,000千円",
        "△0",
        "△1.5",  # the sign is the bigger problem
        -5,
        -0.5,
        -3.0,
        Decimal("-1"),
    ],
)
def test_negative_amounts_are_refused(cell):
    with pytest.raises(AmountError) as caught:
        parse_amount(cell)
    assert caught.value.code == AmountError.NEGATIVE == "negative"


@pytest.mark.parametrize(
    "cell", ["1.5", "1,234.5", "１．５", ".5", "3826938.01", 1.5, Decimal("2.5")]
)
def test_fractions_are_refused(cell):
    with pytest.raises(AmountError) as caught:
        parse_amount(cell)
    assert caught.value.code == AmountError.NOT_INTEGER == "not_integer"


@pytest.mark.parametrize(
    "cell",
    [
        "abc",
        "38,26",  # misplaced separator
        "3826,938",
        "3,8269,38",
        ",000",
        "1,",
        "5.",
        "1 000",
        "3、826",  # ideographic comma is not a separator
        "ｰ",  # half-width long-vowel mark, not a dash
        "ー",
        "--",
        "△",
        "千円",
        "100円",
        "1e3",
        "+5",
        "(26,000)",
        "５万",
        "882¹",  # a footnote mark: not 8821
        "¹²³",
        "₁₂",
        "①",
        "⑩",
        "𝟏𝟐",  # mathematical digits
        "1½",
        True,
        False,
        float("nan"),
        float("inf"),
        Decimal("NaN"),
        [1],
    ],
)
def test_anything_else_is_not_a_number(cell):
    with pytest.raises(AmountError) as caught:
        parse_amount(cell)
    assert caught.value.code == AmountError.NOT_A_NUMBER == "not_a_number"


def test_the_error_keeps_the_cell_as_written():
    with pytest.raises(AmountError) as caught:
        parse_amount(" △ 26,000 ")
    assert caught.value.value == " △ 26,000 "
    assert isinstance(caught.value, ValueError)
    # str() does not need Django settings.
    assert str(caught.value) == "negative: ' △ 26,000 '"


@pytest.mark.parametrize(
    ("cell", "message"),
    [
        ("△ 26,000", "「△ 26,000」は負の金額です。この表の金額は負になりません。"),
        (
            " 1.5 ",
            "「1.5」は整数ではありません。金額は千円単位の整数で入力してください。",
        ),
        ("abc", "「abc」は金額として読めません。"),
        (-5, "「-5」は負の金額です。この表の金額は負になりません。"),
        (
            "10,000,000,000,000,000,000",
            "「10,000,000,000,000,000,000」は大きすぎて保存できません。"
            "一つの金額の上限は 1,000,000,000,000 千円（1,000兆円）です。"
            "金額が千円単位か、桁が多すぎないか確かめてください。",
        ),
    ],
)
def test_message_explains_the_problem_in_japanese(translations, cell, message):
    with pytest.raises(AmountError) as caught:
        parse_amount(cell)
    assert caught.value.message == message


def test_a_message_repeats_only_the_start_of_a_huge_cell():
    with pytest.raises(AmountError) as caught:
        parse_amount("9" * 5000)

    message = caught.value.message
    assert f"「{'9' * 40}…」は大きすぎて保存できません" in message
    assert len(message) < 200
    assert caught.value.value == "9" * 5000  # the cell itself is kept whole


def test_message_is_translated_when_read_not_when_raised(monkeypatch):
    calls = []

    def fake_gettext(message):
        calls.append(message)
        return "<%(value)s>"

    monkeypatch.setattr(amounts, "gettext", fake_gettext)
    with pytest.raises(AmountError) as caught:
        parse_amount("abc")
    assert calls == []
    assert caught.value.message == "<abc>"
    assert calls == ["「%(value)s」は金額として読めません。"]


def test_unknown_error_code_is_refused():
    with pytest.raises(ValueError, match="code"):
        AmountError("too_big", "1")


# --- writing an amount ------------------------------------------------------


@pytest.mark.parametrize(
    ("amount", "text"),
    [
        (3826938, "3,826,938"),
        (216535749, "216,535,749"),
        (1000, "1,000"),
        (999, "999"),
        (0, "0"),
        (None, "-"),
    ],
)
def test_format_thousands(amount, text):
    assert format_thousands(amount) == text


@pytest.mark.parametrize(
    ("amount", "text"),
    [
        (3826938, "38億2,693万8千円"),
        (216535749, "2,165億3,574万9千円"),
        (14511093, "145億1,109万3千円"),
        (1000, "100万円"),
        (5, "5千円"),
        (10, "1万円"),
        (15, "1万5千円"),
        (100000, "1億円"),
        (100005, "1億5千円"),  # the empty 万 group is left out
        (0, "0円"),
        (1_000_000_000, "1兆円"),  # 1,000,000,000千円 is 10^12 円
        (10_000_000_000, "10兆円"),
        (1_234_567_890, "1兆2,345億6,789万円"),
        (12_345_678_901_234, "12,345兆6,789億123万4千円"),
    ],
)
def test_reading_in_oku_and_man(amount, text):
    assert reading(amount) == text


_GROUP = re.compile(r"([0-9,]+)(兆|億|万|千)")
_UNIT_YEN = {"兆": 10**12, "億": 10**8, "万": 10**4, "千": 10**3}


@given(st.integers(min_value=1, max_value=10**15))
def test_reading_adds_up_to_the_amount(amount):
    text = reading(amount)
    assert text.endswith("円")
    groups = _GROUP.findall(text)
    assert "".join(number + unit for number, unit in groups) + "円" == text
    yen = sum(int(number.replace(",", "")) * _UNIT_YEN[unit] for number, unit in groups)
    assert yen == amount * 1000
    for number, unit in groups:
        assert not number.startswith("0")
        if unit != "兆":
            assert int(number.replace(",", "")) < 10_000
            assert number == f"{int(number.replace(',', '')):,}"


@pytest.mark.parametrize(
    ("amount", "text"),
    [
        (3826938, "約38億円"),
        (216535749, "約2,165億円"),
        (14511093, "約145億円"),
        (660, "66万円"),  # 660千円 is exactly 66万円
        (661, "約66万円"),
        (665, "約67万円"),  # half up, not to even
        (5, "5千円"),  # below 1万円: exact
        (9, "9千円"),
        (0, "0円"),
        (10, "1万円"),
        (15, "1.5万円"),  # exact, so no 約
        (123, "約12万円"),
        (99600, "9,960万円"),
        (99999, "約1億円"),  # 9,999.9万 rounds up into the next unit
        (100000, "1億円"),
        (150000, "1.5億円"),
        (148000, "約1.5億円"),
        (144900, "約1.4億円"),
        (145000, "約1.5億円"),  # 1.45億, half up
        (995000, "約10億円"),  # 9.95億 rounds to 10: no decimal from 10 up
        (999_999_999, "約1兆円"),
        (1_000_000_000, "1兆円"),
        (1_234_567_890, "約1.2兆円"),
        (12_345_678_901_234, "約12,346兆円"),
    ],
)
def test_approx_reading(amount, text):
    assert approx_reading(amount) == text


@pytest.mark.parametrize("function", [reading, approx_reading])
def test_readings_refuse_negative_amounts(function):
    with pytest.raises(ValueError):
        function(-1)


@pytest.mark.parametrize("function", [reading, approx_reading])
@pytest.mark.parametrize("amount", [1.5, "5", True, None])
def test_readings_take_only_int_amounts(function, amount):
    with pytest.raises(TypeError):
        function(amount)


_APPROX = re.compile(r"(約?)([0-9,]+)(?:\.([0-9]))?(兆|億|万)円")


@given(st.integers(min_value=10, max_value=10**15))
def test_approx_reading_is_within_half_a_step(amount):
    text = approx_reading(amount)
    match = _APPROX.fullmatch(text)
    assert match, text
    about, whole, tenth, unit = match.groups()
    size = _UNIT_YEN[unit]
    step = size // 10 if tenth else size
    shown = int(whole.replace(",", "")) * size + int(tenth or 0) * size // 10
    yen = amount * 1000
    assert abs(shown - yen) * 2 <= step
    assert (about == "約") == (shown != yen)
    if tenth:
        assert int(whole) < 10


@pytest.mark.parametrize("cell", [AMOUNT_MAX, str(AMOUNT_MAX), f"{AMOUNT_MAX:,}"])
def test_the_largest_amount_a_budget_line_may_have_is_read(cell):
    assert AMOUNT_MAX == 10**12  # 1,000兆円
    assert parse_amount(cell) == AMOUNT_MAX


@pytest.mark.parametrize(
    "cell",
    [
        AMOUNT_MAX + 1,
        str(AMOUNT_MAX + 1),
        "1,000,000,000,001",
        2**63 - 1,  # fits the column, but two of them overflow every total
        float(2**64),
        "９" * 20,
        "9" * 5000,  # more digits than int() reads from text
        "９" * 5000,
        "1" + ",000" * 2000,
    ],
)
def test_a_larger_amount_is_refused_before_the_database_sees_it(cell):
    with pytest.raises(AmountError) as caught:
        parse_amount(cell)
    assert caught.value.code == AmountError.TOO_LARGE
