"""The XLSX: amounts as numbers, text that never runs as a formula, and a sheet with
the data dictionary and the licence, written row by row."""

from __future__ import annotations

import io
from typing import IO, Any

from django.db.models import QuerySet
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Alignment, Font

from budgets.exporting import (
    CATEGORY_WORDS,
    CSV_HEADER,
    FORMULA_PREFIXES,
)
from budgets.models import Project
from budgets.opendata.core import (
    ATTRIBUTION,
    DICTIONARY,
    GOVERNMENT_TERMS,
    LICENCE_TITLE,
    LICENCE_URL,
    TITLE,
    records,
)

# --- XLSX ------------------------------------------------------------------

_SAFE_TEXT = "s"  # openpyxl's data type of a plain string cell
# Excel shows a cell's line breaks only where the cell wraps
_WRAPPED = Alignment(wrap_text=True, vertical="top")
_WIDTHS = dict(zip("ABCDEFGHI", (8, 8, 30, 6, 20, 20, 30, 12, 60), strict=True))


def _text_cell(sheet, value: str) -> WriteOnlyCell:
    """A text cell, never a formula, shown as written (=1+1 stays =1+1, a line
    break breaks the line)."""
    cell = WriteOnlyCell(sheet, value=value)
    cell.data_type = _SAFE_TEXT
    if value.startswith(FORMULA_PREFIXES):
        cell.quotePrefix = True
    if "\n" in value:
        cell.alignment = _WRAPPED
    return cell


class _RowCells:
    """Turn each record into a sheet row, styled as the workbook shows it.

    Plain values where openpyxl keeps them as they are; a styled cell (written
    before the next row is made) for amounts, formula-like text and text of more
    than one line.
    """

    def __init__(self, sheet) -> None:
        self.sheet = sheet
        self.keys = [column.key for column in DICTIONARY]
        self.amounts = {column.key for column in DICTIONARY if column.is_amount}

    def __call__(self, record: dict[str, Any]) -> list:
        return [self.cell(key, record[key]) for key in self.keys]

    def cell(self, key: str, value: Any) -> Any:
        if value is None:
            return None
        if key == "category":
            value = CATEGORY_WORDS[value]
        if isinstance(value, str):
            # a plain str is a text cell, unless openpyxl reads it as a formula
            if value.startswith(FORMULA_PREFIXES) or "\n" in value:
                return _text_cell(self.sheet, value)
            return value
        if key in self.amounts:
            cell = WriteOnlyCell(self.sheet, value=value)
            cell.number_format = "#,##0"
            return cell
        return value


def write_xlsx(queryset: QuerySet[Project], target: str | IO[bytes]) -> None:
    """Write the projects as an XLSX workbook, row by row (openpyxl's write-only
    mode): the table, then the dictionary."""
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("事業一覧")
    sheet.freeze_panes = "A2"
    for letter, width in _WIDTHS.items():
        sheet.column_dimensions[letter].width = width
    header = [_text_cell(sheet, text) for text in CSV_HEADER]
    for cell in header:
        cell.font = Font(bold=True)
    sheet.append(header)
    row_cells = _RowCells(sheet)
    for record in records(queryset):
        sheet.append(row_cells(record))
    _dictionary_sheet(workbook.create_sheet("項目の説明"))
    workbook.save(target)


def xlsx(queryset: QuerySet[Project]) -> bytes:
    """Return the projects as an XLSX workbook (``write_xlsx`` in memory)."""
    buffer = io.BytesIO()
    write_xlsx(queryset, buffer)
    return buffer.getvalue()


def _dictionary_sheet(sheet) -> None:
    for letter, width in zip("ABCD", (28, 60, 60, 10), strict=True):
        sheet.column_dimensions[letter].width = width
    for label, value in (
        ("表題", TITLE),
        ("出典の表示", ATTRIBUTION),
        ("ライセンス", f"{LICENCE_TITLE} {LICENCE_URL}"),
        ("", f"{GOVERNMENT_TERMS}に準拠した原データを加工したものです。"),
        ("単位", "金額は千円。空欄は該当なし（0 ではありません）。"),
    ):
        sheet.append([label, value])
    sheet.append([])
    sheet.append(["列", "意味", "Meaning", "単位 / Unit"])
    for column in DICTIONARY:
        sheet.append(
            [
                _text_cell(sheet, value)
                for value in (column.header, column.ja, column.en, column.unit_ja)
            ]
        )
