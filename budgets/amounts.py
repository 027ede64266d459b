"""Amounts in thousands of yen (千円): reading cells and writing them out."""

import math
import re
import unicodedata
from decimal import Decimal

from django.utils.translation import gettext

from budgets.text import nfkc_made_digits

# Cells meaning "no value". Not ｰ/ー (the long-vowel mark).
_DASHES = frozenset("-－―‐‑‒–—−")
# A negative is △/▲ or a dash before the number.
_NEGATIVE_MARKS = _DASHES | {"△", "▲"}
_NUMBER = re.compile(
    r"(?P<whole>[0-9]{1,3}(?:,[0-9]{3})+|[0-9]+)?(?:\.(?P<fraction>[0-9]+))?"
)
_UNIT = "千円"
# ASCII digits, with commas only in valid thousands groups
_PLAIN = re.compile(r"(?:0|[1-9]\d{0,2}(?:,\d{3})*|[1-9]\d*)", re.ASCII)

# The largest amount one budget line may have: 10^12 千円 (1,000兆円), far above any
# budget in Japan, so that a million of them still sum inside the database's 2^63 − 1
# (a table of two amounts near 2^63 made every total overflow). The model's check
# constraint, the admin form, the importer and the API all read it from here.
AMOUNT_MAX = 10**12
# "1,000,000,000,000": the longest plain amount within the limit
_LONGEST_PLAIN = len(f"{AMOUNT_MAX:,}")

# How much of a refused cell a message repeats.
_SHOWN_MAX = 40

# (size in yen, name), largest first.
_UNITS = ((10**12, "兆"), (10**8, "億"), (10**4, "万"))


class AmountError(ValueError):
    """A cell that is not a non-negative whole number of 千円."""

    NEGATIVE = "negative"
    NOT_INTEGER = "not_integer"
    NOT_A_NUMBER = "not_a_number"
    TOO_LARGE = "too_large"

    def __init__(self, code: str, value: str) -> None:
        if code not in (
            self.NEGATIVE,
            self.NOT_INTEGER,
            self.NOT_A_NUMBER,
            self.TOO_LARGE,
        ):
            raise ValueError(f"Unknown AmountError code: {code!r}")
        super().__init__(code, value)
        self.code = code
        self.value = value

    def __str__(self) -> str:
        return f"{self.code}: {self.value!r}"

    @property
    def message(self) -> str:
        """Return the reason in the user's language."""
        if self.code == self.NEGATIVE:
            template = gettext(
                "「%(value)s」は負の金額です。この表の金額は負になりません。"
            )
        elif self.code == self.TOO_LARGE:
            template = gettext(
                "「%(value)s」は大きすぎて保存できません。一つの金額の上限は"
                " %(limit)s 千円（1,000兆円）です。金額が千円単位か、桁が多すぎ"
                "ないか確かめてください。"
            )
        elif self.code == self.NOT_INTEGER:
            template = gettext(
                "「%(value)s」は整数ではありません。"
                "金額は千円単位の整数で入力してください。"
            )
        else:
            template = gettext("「%(value)s」は金額として読めません。")
        value = self.value.strip()
        if len(value) > _SHOWN_MAX:  # a cell of thousands of digits: its start
            value = value[:_SHOWN_MAX] + "…"
        return template % {"value": value, "limit": f"{AMOUNT_MAX:,}"}


def parse_amount(value: str | int | float | Decimal | None) -> int | None:
    """Return a cell's amount in 千円, or None for a blank or dash cell.

    0 is a real amount. Accept full-width digits, valid thousands separators,
    a trailing 千円 and whole floats such as 3826938.0. Raise AmountError for
    negatives (△ 26,000, ▲5, -5), fractions, amounts larger than the database
    holds (AMOUNT_MAX) and anything else.
    """
    if type(value) is str and _PLAIN.fullmatch(value):  # "3,826,938" or "0"
        if len(value) > _LONGEST_PLAIN:  # too long to be within the limit: no int()
            raise AmountError(AmountError.TOO_LARGE, value)
        amount = int(value.replace(",", ""))
    else:
        amount = _read_amount(value)
    if amount is not None and amount > AMOUNT_MAX:
        raise AmountError(AmountError.TOO_LARGE, str(value))
    return amount


def _read_amount(value: str | int | float | Decimal | None) -> int | None:
    if value is None:
        return None
    if isinstance(value, bool):
        raise AmountError(AmountError.NOT_A_NUMBER, str(value))
    if isinstance(value, int):
        if value < 0:
            raise AmountError(AmountError.NEGATIVE, str(value))
        return value
    if isinstance(value, float | Decimal):
        return _parse_number(value)
    if not isinstance(value, str):
        raise AmountError(AmountError.NOT_A_NUMBER, str(value))

    if not value or value in _DASHES:  # after plain numbers the most common: "-"
        return None
    text = unicodedata.normalize("NFKC", value).strip()
    if not text or text in _DASHES:
        return None
    if nfkc_made_digits(value, text):  # "882¹": not 8821
        raise AmountError(AmountError.NOT_A_NUMBER, value)
    body = text.removesuffix(_UNIT).rstrip()
    negative = body[:1] in _NEGATIVE_MARKS
    if negative:
        body = body[1:].lstrip()
    match = _NUMBER.fullmatch(body)
    if not body or match is None:
        raise AmountError(AmountError.NOT_A_NUMBER, value)
    if negative:
        raise AmountError(AmountError.NEGATIVE, value)
    if (match["fraction"] or "0").strip("0"):
        raise AmountError(AmountError.NOT_INTEGER, value)
    whole = (match["whole"] or "0").replace(",", "").lstrip("0") or "0"
    if len(whole) > len(str(AMOUNT_MAX)):  # too many digits: no int() of them
        raise AmountError(AmountError.TOO_LARGE, value)
    return int(whole)


def _parse_number(value: float | Decimal) -> int:
    finite = value.is_finite() if isinstance(value, Decimal) else math.isfinite(value)
    if not finite:
        raise AmountError(AmountError.NOT_A_NUMBER, str(value))
    if value < 0:
        raise AmountError(AmountError.NEGATIVE, str(value))
    if value != int(value):
        raise AmountError(AmountError.NOT_INTEGER, str(value))
    return int(value)


def format_thousands(amount: int | None) -> str:
    """Return the amount with thousands separators: 3,826,938; None -> "-"."""
    if amount is None:
        return "-"
    return f"{amount:,}"


def _check(amount: int) -> int:
    if isinstance(amount, bool) or not isinstance(amount, int):
        raise TypeError(f"An amount must be an int, not {type(amount).__name__}.")
    if amount < 0:
        raise ValueError(f"An amount cannot be negative: {amount}.")
    return amount * 1000


def reading(amount: int) -> str:
    """Read an amount in 千円 out in 兆/億/万 yen: 3826938 -> 38億2,693万8千円.

    Zero groups are left out (1000 -> 100万円); 0 -> 0円.
    """
    yen = _check(amount)
    parts = []
    for size, name in _UNITS:
        count, yen = divmod(yen, size)
        if count:
            parts.append(f"{count:,}{name}")
    if yen:
        parts.append(f"{yen // 1000}千")
    return "".join(parts) + "円" if parts else "0円"


def _round_half_up(numerator: int, denominator: int) -> int:
    return (2 * numerator + denominator) // (2 * denominator)


def approx_reading(amount: int) -> str:
    """Return a short rounded reading: 3826938 -> 約38億円.

    Use the largest unit reached (兆, 億 or 万) and round half up: to one
    decimal below 10 of that unit (1.48億 -> 約1.5億円), to a whole number
    from 10 up (14511093 -> 約145億円). Prefix 約 only when rounding changed
    the value (100000 -> 1億円). Below 1万円 give the exact reading (5千円).
    """
    yen = _check(amount)
    if yen < _UNITS[-1][0]:
        return reading(amount)
    index = next(i for i, (size, _) in enumerate(_UNITS) if yen >= size)
    size, name = _UNITS[index]
    tenths = _round_half_up(yen * 10, size)
    if tenths < 100:
        exact = tenths * size == yen * 10
        whole, decimal = divmod(tenths, 10)
        number = f"{whole}.{decimal}" if decimal else f"{whole}"
    else:
        whole = _round_half_up(yen, size)
        exact = whole * size == yen
        if whole == 10**4 and index > 0:
            # 9,999.5万 rounds up to 1億.
            whole, name = 1, _UNITS[index - 1][1]
        number = f"{whole:,}"
    return f"{'' if exact else '約'}{number}{name}円"
