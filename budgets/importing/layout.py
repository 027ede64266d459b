"""Which row of a table is a header, a title, a unit line, page furniture, a theme
or a project.

The PDF-copied text repeats its title, unit line and header on every page and puts
a page number under each; a theme row (「1 新型コロナ…」) stands above its projects.
These functions tell such rows apart from the cleaned texts of their cells; they need
no database.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Collection
from dataclasses import dataclass, field
from typing import Any

from budgets import eras
from budgets.importing.headers import header_mapping
from budgets.text import clean_cell, nfkc_made_digits

THEME_ROW = re.compile(r"^\s*(\d{1,3})\s*[.．、:：]?\s+(\S.*)$")
# A project's row whose tabs became spaces reads like a theme (「24 環境… 59,831
# 14,500 32,739 0」); it ends with its amounts, where no theme's name ends so.
AMOUNT_WORD = re.compile(r"\d{1,3}(?:,\d{3})+|\d+|[-－―‐]")
SPACES = re.compile(r"\s+")
PAGE_NUMBER = re.compile(r"^[-‐－―—–\s]*\d{1,4}[-‐－―—–\s]*$")
_THEME_NUMBER = re.compile(r"^\s*\S+?[\s.．、:：]+")

# What a row of one filled cell is.
UNIT, TITLE, PAGE, THEME, NOTE = "unit", "title", "page", "theme", "note"
# A note under or above a table: 「※ 金額は端数処理…」, 「注）…」, 「(注)…」
NOTE_MARK = re.compile(r"^\s*(?:[※＊*]|\(注|注[)）:：\s])")


@dataclass(frozen=True)
class Line:
    """A row of one filled cell that is not a project: its kind and what it says."""

    kind: str  # UNIT, TITLE, PAGE, THEME or NOTE
    text: str
    years: Collection[int] = ()  # TITLE: the fiscal years it names
    theme: tuple[int, str] | None = None  # THEME: number and name as written

    @property
    def in_thousands_of_yen(self) -> bool:
        """UNIT: whether the table's amounts are in 千円."""
        return "千円" in unicodedata.normalize("NFKC", self.text)


def single_cell_line(text: str) -> Line | None:
    """What a row whose only filled cell reads ``text`` is; None if none of these
    (free text above the header, or a project row of one cell)."""
    normalised = unicodedata.normalize("NFKC", text)
    if NOTE_MARK.match(normalised):
        return Line(NOTE, text)
    if "単位" in normalised:
        return Line(UNIT, text)
    theme = THEME_ROW.match(normalised)
    if theme and (_ends_with_amounts(normalised) or _number_made(text)):
        return None  # a project's row of one cell: told so, not read as a theme
    years = eras.find_fiscal_years(text)
    if years and not theme:
        return Line(TITLE, text, years=years)
    if PAGE_NUMBER.match(text):
        return Line(PAGE, text)
    if theme:
        # keep the theme name as written: drop only the leading number
        name = clean_cell(_THEME_NUMBER.sub("", text, count=1))
        return Line(THEME, text, theme=(int(theme.group(1)), name))
    return None


def _ends_with_amounts(normalised: str) -> bool:
    """Whether two amounts follow the first word (the last two words looked at
    alone: a pattern searched along the line took the square of its length)."""
    words = normalised.rsplit(None, 2)
    return len(words) == 3 and all(AMOUNT_WORD.fullmatch(word) for word in words[1:])


def _number_made(text: str) -> bool:
    """Whether NFKC made the theme's number of look-alikes (「2¹」 is not 21)."""
    number = _THEME_NUMBER.match(text)
    written = number.group(0) if number else text
    return nfkc_made_digits(written, unicodedata.normalize("NFKC", written))


@dataclass
class Headers:
    """Recognises header rows; the same header repeats on every page, so each
    spelling of it is mapped once."""

    seen: dict[tuple[str, ...], dict[int, str] | None] = field(default_factory=dict)

    def mapping(self, texts: list[str], cells: list[Any]) -> dict[int, str] | None:
        """Column index -> column key if the row is a header, else None."""
        joined = "".join(texts)
        # a header names 事業名; checking that first keeps data rows cheap
        if "名" not in joined or "事業名" not in SPACES.sub("", joined):
            return None
        key = tuple(texts)
        if key not in self.seen:
            self.seen[key] = header_mapping(cells)
        return self.seen[key]
