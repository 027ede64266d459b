"""One sheet of a workbook -> its rows of values, every cell checked (``xlsx`` reads
the workbook and chooses the sheet).

openpyxl's sheet parser is driven directly (``WorkSheetParser``, the class behind its
read-only rows) because its public rows hide what this module must see: where a cell
really is, whether it held a formula without a saved result, and which rows and
columns are hidden. A cell it cannot read is refused by its sheet, row and column; a
value right of MAX_COLUMNS is refused; rows are never padded to a declared
``<dimension>``; a 部 or 課名 cell merged down over several rows (a department's
name over its projects) counts for each of them, as in a PDF, and is said so. Also
how an unreadable workbook is told (``refused``).
"""

from __future__ import annotations

import math
from bisect import bisect_right
from dataclasses import dataclass, field
from typing import Any

from django.utils.translation import gettext as _
from openpyxl.utils import coordinate_to_tuple, get_column_letter, range_boundaries
from openpyxl.worksheet._reader import WorkSheetParser
from openpyxl.xml.constants import SHEET_MAIN_NS

from budgets import eras
from budgets.importing.headers import merged_down_columns
from budgets.importing.problems import ImportRefused, Problem

# The widest table the importer knows (the backup) has 16 columns.
MAX_COLUMNS = 64
# A sheet of unreadable cells is refused after this many, not listed whole.
MAX_CELL_PROBLEMS = 100

_FORMULA = f"{{{SHEET_MAIN_NS}}}f"
_VALUE = f"{{{SHEET_MAIN_NS}}}v"


def describe(error: Exception) -> str:
    from defusedxml import DefusedXmlException

    cause = error
    while cause.__cause__ is not None and not isinstance(cause, DefusedXmlException):
        cause = cause.__cause__
    if isinstance(cause, DefusedXmlException):
        return _(
            "XML の実体宣言（DTD のエンティティ・外部参照）を含んでいます。"
            "安全のため、このようなブックは読み込みません。"
        )
    return _("中の XML が壊れています（%(error)s）。") % {
        "error": str(error).splitlines()[0][:200]
        if str(error)
        else type(error).__name__
    }


def refused(reason: str) -> ImportRefused:
    return ImportRefused(
        [
            Problem(
                _(
                    "XLSX ファイルとして開けません: %(reason)s Excel で開いて"
                    "保存し直すか、CSV で保存して選んでください。"
                )
                % {"reason": reason}
            )
        ]
    )


@dataclass
class ReadNotes:
    """What the reading of a sheet says beside its rows, so nothing goes in unseen:
    the hidden rows (numbers) and columns (letters) that hold a value, read like the
    others, and the cells merged down whose value each row of the merge took."""

    rows: list[int]
    columns: list[str]
    merged: list[str] = field(default_factory=list)  # "B9:B12"

    def notes(self, sheet: str) -> list[str]:
        notes = []
        if self.rows:
            notes.append(
                _(
                    "シート「%(sheet)s」の非表示の行（%(lines)s 行目）も読み込みます。"
                    "取り込まない行は、非表示にせず削除してください。"
                )
                % {"sheet": sheet, "lines": _first_ten(self.rows)}
            )
        if self.columns:
            notes.append(
                _(
                    "シート「%(sheet)s」の非表示の列（%(columns)s 列）も読み込みます。"
                    "取り込まない列は、非表示にせず削除してください。"
                )
                % {"sheet": sheet, "columns": _first_ten(self.columns)}
            )
        if self.merged:
            notes.append(
                _(
                    "シート「%(sheet)s」の縦に結合したセル（%(ranges)s）は、その値を"
                    "結合した各行のものとして読みます。"
                )
                % {"sheet": sheet, "ranges": _first_ten(self.merged)}
            )
        return notes


def _first_ten(items: list) -> str:
    joiner = ", " if eras.reads_english() else "、"
    return joiner.join(map(str, items[:10])) + ("…" if len(items) > 10 else "")


def _saved_result(element) -> bool:
    """Whether a formula cell holds its result: a ``<v>`` with a value, or an empty
    one for a text result (``t="str"``, Excel's ""). openpyxl writes an empty
    ``<v/>`` for a formula it never calculated."""
    value = element.find(_VALUE)
    if value is None:
        return False
    return bool(value.text) or element.get("t") == "str"


class _NoResult:
    """A formula cell whose result was never saved (``_saved_result``)."""


@dataclass
class _Unreadable:
    """A cell openpyxl could not read: its type and its raw ``<v>`` text."""

    kind: str
    raw: str | None


class _SheetParser(WorkSheetParser):
    """openpyxl's sheet parser, keeping what ``data_only`` hides or raises on, and
    which rows are hidden."""

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.hidden_rows: list[int] = []

    def parse_row(self, row):
        line, cells = super().parse_row(row)
        if row.get("hidden") in ("1", "true"):
            self.hidden_rows.append(line)
        return line, cells

    def parse_cell(self, element):
        before = self.col_counter
        try:
            cell = super().parse_cell(element)
        except Exception:  # each malformed cell raises its own kind of error
            return self._unreadable(element, before)
        if element.find(_FORMULA) is not None and not _saved_result(element):
            cell["value"] = _NoResult()
        return cell

    def _unreadable(self, element, before: int) -> dict[str, Any]:
        reference = element.get("r")
        kind = element.get("t", "n")
        try:
            row, column = coordinate_to_tuple(reference or "")
        except (ValueError, TypeError):
            row, column = self.row_counter, before + 1
            kind = "r" if reference else kind
        self.col_counter = column
        value = _Unreadable(
            kind, reference if kind == "r" else element.findtext(_VALUE)
        )
        return {"row": row, "column": column, "value": value}


def read_rows(sheet) -> tuple[list[tuple[int, list[Any]]], ReadNotes]:
    """The sheet's rows that hold a value, each as wide as its last value, and
    which of them and of its columns holding a value are hidden."""
    rows: list[tuple[int, list[Any]]] = []
    problems: list[Problem] = []
    with sheet.parent._archive.open(sheet._worksheet_path) as source:
        parser = _SheetParser(
            source,
            sheet._shared_strings,
            data_only=True,
            epoch=sheet.parent.epoch,
            date_formats=sheet.parent._date_formats,
            timedelta_formats=sheet.parent._timedelta_formats,
        )
        try:
            for line, cells in parser.parse():
                values = _row_values(sheet.title, line, cells, problems)
                if values:
                    rows.append((line, values))
                if len(problems) >= MAX_CELL_PROBLEMS:
                    problems.append(Problem(_stopped(sheet.title), line, unit="row"))
                    break
        except Exception as error:  # malformed sheet XML, entities, a bad row number
            raise refused(
                _("シート「%(sheet)s」: %(reason)s")
                % {"sheet": sheet.title, "reason": describe(error)}
            ) from error
    if problems:
        raise ImportRefused(problems)
    filled = {line for line, _values in rows}
    used = {i for _line, values in rows for i, value in enumerate(values, 1) if value}
    return rows, ReadNotes(
        rows=[line for line in parser.hidden_rows if line in filled],
        columns=[get_column_letter(i) for i in _hidden_columns(parser) if i in used],
        merged=_fill_merged_down(parser, rows),
    )


def _fill_merged_down(parser: WorkSheetParser, rows: list[tuple[int, list]]) -> list:
    """Give the value of each cell of a headers.MERGED_DOWN column merged down over
    several rows to the rows below its first; return the merges that gave one. Rows
    without a value stay unread; no more cells are given in all than the sheet
    holds."""
    merges = parser.merged_cells.mergeCell if parser.merged_cells else []
    columns = _merged_down_columns(rows) if merges else set()
    by_line = dict(rows)
    lines = sorted(by_line)
    given = []
    budget = len(lines) * MAX_COLUMNS
    for merge in merges:
        try:
            left, top, _right, bottom = range_boundaries(merge.ref)
        except (TypeError, ValueError):
            continue  # a malformed merge: the cells are read as they are
        first = by_line.get(top)
        if bottom == top or left not in columns or first is None:
            continue
        if len(first) < left or first[left - 1] is None:
            continue
        below = lines[bisect_right(lines, top) : bisect_right(lines, bottom)]
        budget -= len(below) + 1
        if budget < 0:  # overlapping merges, which Excel never writes
            break
        for line in below:
            cells = by_line[line]
            if len(cells) < left:
                cells.extend([None] * (left - len(cells)))
            if cells[left - 1] is None:
                cells[left - 1] = first[left - 1]
        if below:
            given.append(merge.ref)
    return given


def _merged_down_columns(rows: list[tuple[int, list]]) -> set[int]:
    """The numbers (from 1) of the columns any header row of the sheet names as a
    headers.MERGED_DOWN column."""
    found: set[int] = set()
    for _line, cells in rows:
        found.update(i + 1 for i in merged_down_columns(cells) or ())
    return found


def _hidden_columns(parser: WorkSheetParser) -> list[int]:
    """The numbers (from 1) of the columns a sheet's ``<col hidden>`` hides."""
    hidden: set[int] = set()
    for attrs in parser.column_dimensions.values():
        if attrs.get("hidden") not in ("1", "true"):
            continue
        try:
            first, last = int(attrs["min"]), int(attrs.get("max", attrs["min"]))
        except (KeyError, ValueError):
            continue  # a malformed <col>: its cells are read all the same
        hidden.update(range(first, min(last, MAX_COLUMNS) + 1))
    return sorted(hidden)


def padded(rows: list[tuple[int, list[Any]]]) -> list[tuple[int, list[Any]]]:
    """Every row as wide as the widest, as a sheet's rows are."""
    width = max((len(cells) for _line, cells in rows), default=0)
    for _line, cells in rows:
        cells.extend([None] * (width - len(cells)))
    return rows


def _stopped(sheet: str) -> str:
    return _(
        "シート「%(sheet)s」には読めないセルが多すぎるため、ここで読むのをやめました。"
    ) % {"sheet": sheet}


def _row_values(sheet: str, line: int, cells, problems: list[Problem]) -> list[Any]:
    values: list[Any] = []
    for cell in cells:
        value, column = cell["value"], cell["column"]
        if value is None or value == "":
            continue
        problem = _cell_problem(value, column)
        if problem:
            raw = value.raw if isinstance(value, _Unreadable) else None
            letter = get_column_letter(min(column, 18278)) if column >= 1 else "?"
            problems.append(
                Problem(
                    _("シート「%(sheet)s」: %(problem)s")
                    % {"sheet": sheet, "problem": problem},
                    line,
                    letter,
                    raw[:40] if raw else None,
                    unit="row",
                )
            )
            continue
        if len(values) < column:
            values.extend([None] * (column - len(values)))
        values[column - 1] = value
    return values


def _cell_problem(value: Any, column: int) -> str | None:
    if isinstance(value, _NoResult):
        return _("数式の結果が保存されていません。Excel で開いて保存し直してください。")
    if isinstance(value, _Unreadable):
        if value.kind == "n":
            return _("数値のセルに数値でない値があります。")
        if value.kind == "r":
            return _("セルの位置が読めません（ブックが壊れています）。")
        if value.kind == "s":
            return _("共有文字列の番号が範囲外です（ブックが壊れています）。")
        return _("セルの値が読めません（ブックが壊れています）。")
    if isinstance(value, float) and not math.isfinite(value):
        return _("数値のセルに数値でない値（%(value)s）があります。") % {"value": value}
    if not 1 <= column <= MAX_COLUMNS:
        return _(
            "表の外（%(max)s 列目より右）に値があります。取り込まれずに失われるため"
            "拒否します。値を消してください。"
        ) % {"max": MAX_COLUMNS}
    return None
