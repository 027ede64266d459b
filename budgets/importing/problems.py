"""What is wrong with a table: problems located by row and column, and the refusal."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from django.utils.translation import gettext as _


@dataclass(frozen=True)
class Problem:
    """One thing wrong with the file, located for the clerk who has to fix it."""

    message: str
    line: int | None = None
    column: str | None = None
    value: str | None = None
    unit: str = "line"  # "line" for text and CSV, "row" for XLSX
    page: int | None = None  # PDF: the page; ``line`` then counts on that page

    @property
    def place(self) -> str:
        """Where it is, as the clerk looks for it: 「2 ページ 5 行目」, 「2 ページ」
        (the whole page), 「5行目」, or nothing (the whole file)."""
        if self.page is not None:
            if self.line is None:
                return _("%(page)s ページ") % {"page": self.page}
            return _("%(page)s ページ %(n)s 行目") % {"page": self.page, "n": self.line}
        if self.line is None:
            return ""
        if self.unit == "line":
            return _("%(n)s行目") % {"n": self.line}
        return _("%(n)s行目（シートの行）") % {"n": self.line}

    @property
    def row(self) -> str:
        """Its 行 cell in the admin's table of problems, under a heading that says
        行: 「2 ページ 5 行目」 in a PDF, else the bare line or sheet row (「5」)."""
        if self.page is not None:
            return self.place
        return "" if self.line is None else str(self.line)

    def __str__(self) -> str:
        where = [self.place] if self.place else []
        if self.column:
            where.append(_("「%(column)s」列") % {"column": self.column})
        prefix = " ".join(where)
        text = f"{prefix}: {self.message}" if prefix else self.message
        if self.value is not None and self.value != "":
            text += " " + _("（値: 「%(value)s」）") % {"value": self.value}
        return text


class ImportRefused(Exception):
    """The table cannot be imported; nothing was written."""

    def __init__(self, problems: Sequence[Problem]):
        self.problems = list(problems)
        super().__init__("\n".join(str(p) for p in self.problems))


class Problems(list):
    """The problems of one table, each located in the source's unit (line or row)."""

    def __init__(self, unit: str = "line", locate=None):
        super().__init__()
        self.unit = unit
        # PDF: a source line -> (page, line on that page)
        self.locate = locate

    def add(
        self,
        message: str,
        line: int | None = None,
        column: str | None = None,
        value: str | None = None,
    ) -> None:
        page = None
        if self.locate is not None and line is not None:
            page, line = self.locate(line)
        self.append(Problem(message, line, column, value, self.unit, page))
