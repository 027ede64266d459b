"""Japanese fiscal years (年度): era labels and reading years out of text.

Fiscal year N runs from 1 April N to 31 March N+1 and is named by the era in
force for most of it: FY2019 (平成31年度 in early papers) is 令和元年度, and
FY1988 is 昭和63年度.
"""

import re
import unicodedata

from django.utils.translation import get_language, gettext

MIN_YEAR = 1926
MAX_YEAR = 2200

# (first fiscal year, name, letter), newest first.
_ERAS = (
    (2019, "令和", "R"),
    (1989, "平成", "H"),
    (1926, "昭和", "S"),
)
# Western year = offset + era year.
_NAME_OFFSETS = {name: first - 1 for first, name, _ in _ERAS}
_LETTER_OFFSETS = {"R": 2018, "H": 1988}

# "…年" followed by a month is a calendar date (a publication date such as
# 令和3年12月), not a fiscal year.
_MONTH = r"\s*[0-9]{1,2}\s*月"
_KANJI_ERA = re.compile(r"(令和|平成|昭和)\s*(元|[0-9]{1,3})\s*年(?!" + _MONTH + ")")
_LETTER_ERA = re.compile(
    r"(?<![A-Za-z])([RH])([0-9]{1,2})(?![A-Za-z0-9])(?![./-][0-9])"
    r"(?!\s*年" + _MONTH + ")",
    re.IGNORECASE,
)
_WESTERN = re.compile(r"(?<![0-9])([0-9]{4})\s*年(?!" + _MONTH + ")")
_BARE_YEAR = re.compile(r"([0-9]{4})(?:\.0+)?")


def _era(year: int) -> tuple[str, str, int]:
    for first, name, letter in _ERAS:
        if year >= first:
            return name, letter, year - first + 1
    raise ValueError(
        f"Fiscal year {year} has no era label: years before {MIN_YEAR} "
        "are not supported."
    )


def era_label(year: int) -> str:
    """Return the era label of a fiscal year: 2021 -> 令和3年度, 2019 -> 令和元年度."""
    name, _, number = _era(year)
    return f"{name}{'元' if number == 1 else number}年度"


def dual_label(year: int) -> str:
    """Return the era label with the Western year beside it: 令和3年度（2021年度）."""
    return f"{era_label(year)}（{year}年度）"


# The eras' names in English (Hepburn, as the city's English pages write them).
_ROMAN_ERAS = {"令和": "Reiwa", "平成": "Heisei", "昭和": "Showa"}


def english_label(year: int) -> str:
    """Return the English label of a fiscal year: 2021 -> FY2021 (Reiwa 3)."""
    name, _, number = _era(year)
    return f"FY{year} ({_ROMAN_ERAS[name]} {number})"


def reads_english() -> bool:
    """Whether the reader reads English (else Japanese)."""
    return (get_language() or "ja").startswith("en")


def reader_label(year: int) -> str:
    """A fiscal year's label in the reader's language: 令和3年度（2021年度） or
    FY2021 (Reiwa 3)."""
    return english_label(year) if reads_english() else dual_label(year)


def reader_short_label(year: int) -> str:
    """A fiscal year's short label in the reader's language: 令和3年度 or FY2021."""
    return f"FY{year}" if reads_english() else era_label(year)


def era_short(year: int) -> str:
    """Return the short era form: 2021 -> R3, 2019 -> R1, 2018 -> H30."""
    _, letter, number = _era(year)
    return f"{letter}{number}"


def _scan(text: str) -> list[int]:
    text = unicodedata.normalize("NFKC", text)
    years = []
    for match in _KANJI_ERA.finditer(text):
        number = 1 if match[2] == "元" else int(match[2])
        if number >= 1:
            years.append(_NAME_OFFSETS[match[1]] + number)
    for match in _LETTER_ERA.finditer(text):
        number = int(match[2])
        if number >= 1:
            years.append(_LETTER_OFFSETS[match[1].upper()] + number)
    years.extend(int(match[1]) for match in _WESTERN.finditer(text))
    return years


def find_fiscal_years(text: str) -> set[int]:
    """Return every fiscal year named in a title-like text.

    Recognise 令和3年度 / 令和元年 / 平成31年度 / 昭和63年度 (年度 or 年),
    R3 / H31 (not inside a word), and 2021年度 / 2021年; a bare 2021 does not
    count, nor does a date such as 令和3年12月 or R3.12.1.
    """
    return {year for year in _scan(text) if MIN_YEAR <= year <= MAX_YEAR}


class FiscalYearError(ValueError):
    """A 年度 cell that names no fiscal year, several, or one out of range."""

    def __init__(self, code: str, value: str, years: tuple[int, ...] = ()) -> None:
        if code not in ("not_found", "ambiguous", "out_of_range"):
            raise ValueError(f"Unknown FiscalYearError code: {code!r}")
        super().__init__(code, value, years)
        self.code = code
        self.value = value
        self.years = years

    def __str__(self) -> str:
        years = ", ".join(map(str, self.years))
        if self.code == "ambiguous":
            return f"{self.value!r} names several fiscal years ({years})."
        if self.code == "out_of_range":
            return (
                f"{self.value!r} names fiscal year {years}, outside "
                f"{MIN_YEAR}..{MAX_YEAR}."
            )
        return (
            f"{self.value!r} names no fiscal year (write e.g. 2021, 令和3年度 or R3)."
        )

    @property
    def message(self) -> str:
        """Return the reason in the user's language."""
        if self.code == "ambiguous":
            template = gettext(
                "「%(value)s」に複数の年度（%(years)s）があります。"
                "年度は1つだけ入力してください。"
            )
        elif self.code == "out_of_range":
            template = gettext(
                "「%(value)s」の年度（%(years)s）は扱える範囲"
                "（1926〜2200年度）の外です。"
            )
        else:
            template = gettext(
                "「%(value)s」から年度を読み取れません。"
                "「2021」「令和3年度」「R3」のように入力してください。"
            )
        return template % {
            "value": self.value.strip(),
            "years": "、".join(f"{year}年度" for year in self.years),
        }


def parse_fiscal_year(value: str | int | float) -> int:
    """Return the fiscal year named by a single 年度 cell.

    Accept 2021, 2021.0 (as spreadsheets give it), "2021", "２０２１",
    "2021年度", "令和3年度", "R3" or "令和3年度（2021年度）". Raise
    FiscalYearError (a ValueError) otherwise.
    """
    if value is None:
        raise FiscalYearError("not_found", "")
    if isinstance(value, bool) or not isinstance(value, str | int | float):
        raise FiscalYearError("not_found", str(value))
    if isinstance(value, float):
        if not value.is_integer():
            raise FiscalYearError("not_found", str(value))
        value = int(value)
    if isinstance(value, int):
        years = {value}
    else:
        text = unicodedata.normalize("NFKC", value).strip()
        bare = _BARE_YEAR.fullmatch(text)
        years = {int(bare[1])} if bare else set(_scan(text))
    if not years:
        raise FiscalYearError("not_found", str(value))
    if len(years) > 1:
        raise FiscalYearError("ambiguous", str(value), tuple(sorted(years)))
    (year,) = years
    if not MIN_YEAR <= year <= MAX_YEAR:
        raise FiscalYearError("out_of_range", str(value), (year,))
    return year
