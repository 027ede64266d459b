"""One cell as trimmed text, as every later stage reads it."""

from __future__ import annotations

import re
from typing import Any

from budgets.exporting import restore_neutralised
from budgets.text import clean_cell


def cell_text(value: Any, *, quoted: bool = True) -> str:
    """A cell as trimmed text. ``quoted``: a text cell of a CSV or text file, where
    our export put a ``'`` before a formula character (exporting.neutralise); an
    XLSX cell holds its text as it is (the export marks it with a quote prefix)."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    text = clean_cell(str(value))
    return restore_neutralised(text) if quoted else text


_CELL_SPECIAL = re.compile("['\u200b\ufeff]")


def cell_texts(cells: list[Any], plain: bool) -> list[str]:
    """cell_text of every cell; a row of strings (text, CSV) the quick way.

    The quick way, one ``strip`` per cell when no cell holds a quote, a zero-width
    space or a BOM, is one of the measures behind benchmarks/import_speed.py's figures.
    """
    if not plain:
        return [cell_text(cell, quoted=False) for cell in cells]
    if not _CELL_SPECIAL.search("".join(cells)):
        return list(map(str.strip, cells))
    return [cell_text(cell) for cell in cells]


def as_text(value: Any) -> str:
    """A cell parse_table already cleaned stays as it is; a number becomes text."""
    return value if isinstance(value, str) else cell_text(value)
