"""XLSX bytes -> the rows of the workbook's one table, every hostile workbook refused.

A workbook is a zip of XML parts made by whatever program sent it, so nothing in it
is trusted, and every way it can be wrong ends as a located ImportRefused:

- its expanded size is checked before any part is read (a zip bomb of a few MB can
  expand to GBs of sheet XML); each part's declared size is safe to trust, as
  ``zipfile`` stops at it and refuses the part when the data runs on;
- defusedxml, which openpyxl uses when it is installed, refuses entity declarations
  ("billion laughs") and external entities; ``read_workbook`` will not run without it;
- a sheet's cells are read from its XML as they are, row by row, never padded to the
  sheet's declared ``<dimension>`` (openpyxl's read-only rows are); a value right of
  MAX_COLUMNS is refused, empty rows cost nothing;
- a cell openpyxl cannot read (a shared-string index out of range, text or NaN in a
  numeric cell) and a formula whose result was never saved are refused by cell;
- only visible sheets are read: a hidden sheet is skipped and said so in a note; of
  the visible sheets the one with a table header is read, a sheet of values without
  one (the open-data workbook's data dictionary) is skipped with a note, and a
  workbook with a table on more than one sheet is refused (one table a file).

openpyxl's sheet parser is driven directly (``WorkSheetParser``, the class behind its
read-only rows) because its public rows hide what this module must see: where a cell
really is and whether it held a formula without a saved result.
"""

from __future__ import annotations

import io
import math
import zipfile
import zlib
from dataclasses import dataclass, field
from typing import Any

import openpyxl
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext as _
from openpyxl.reader.excel import ExcelReader
from openpyxl.utils import coordinate_to_tuple, get_column_letter
from openpyxl.worksheet._read_only import ReadOnlyWorksheet
from openpyxl.worksheet._reader import WorkSheetParser
from openpyxl.xml.constants import SHEET_MAIN_NS

from budgets import eras
from budgets.importing.headers import header_mapping
from budgets.importing.problems import ImportRefused, Problem

MEGABYTE = 1024 * 1024
# A 20,000-row table with long descriptions expands to about 20 MB of XML (openpyxl
# writes inline strings; Excel's shared strings are smaller). Reading 64 MB of sheet
# XML stays within the admin's bounds of time and memory (tests/test_hostile_files.py).
MAX_EXPANDED_BYTES = 64 * MEGABYTE
# Sheet XML compresses about 12:1; a bomb, hundreds to one. The ratio matters only
# for files big enough to cost anything.
MAX_RATIO = 100
RATIO_FLOOR_BYTES = 8 * MEGABYTE
# Parsing costs per tag (openpyxl with defusedxml parses in pure Python, about 3-9 µs
# a tag here): an openpyxl-written 20,000-row table has 1.6 million.
MAX_TAGS = 2_000_000
# Parts other than sheets and shared strings (styles, workbook, theme …) are parsed
# whole in memory: each is small in any real workbook.
MAX_OTHER_PART_BYTES = 8 * MEGABYTE
# The widest table the importer knows (the backup) has 16 columns.
MAX_COLUMNS = 64
# A sheet of unreadable cells is refused after this many, not listed whole.
MAX_CELL_PROBLEMS = 100

_FORMULA = f"{{{SHEET_MAIN_NS}}}f"
_VALUE = f"{{{SHEET_MAIN_NS}}}v"


@dataclass
class WorkbookTable:
    """The rows of a workbook's one sheet with values, and what the reader skipped."""

    sheet: str | None = None
    rows: list[tuple[int, list[Any]]] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


def read_workbook(data: bytes) -> WorkbookTable:
    """Read the one visible sheet with values; raise ImportRefused for anything else."""
    if not openpyxl.DEFUSEDXML:
        raise ImproperlyConfigured(
            "defusedxml is not in effect for openpyxl (is it installed, and is "
            "OPENPYXL_DEFUSEDXML unset?): workbooks are not read without it."
        )
    check_size(data)
    reader = _open(data)
    try:
        return _read_sheets(reader)
    finally:
        reader.wb.close()


def check_size(data: bytes) -> None:
    """Refuse a zip whose parts would expand or parse beyond what the importer reads.

    The parts' declared sizes come first (nothing is expanded for them); then every
    part is expanded once, in chunks, to count its tags, which is what parsing costs.
    """
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            members = archive.infolist()
            _check_expanded_size(members, len(data))
            tags = sum(_tags(archive, member) for member in members)
    # a damaged archive, a part whose data runs past its declared size (bad CRC),
    # an unknown compression method or encryption
    except (
        zipfile.BadZipFile,
        EOFError,
        OSError,
        ValueError,
        NotImplementedError,
        RuntimeError,
        zlib.error,
    ) as error:
        reason = _("zip として壊れています（%(error)s）。") % {"error": error}
        raise _refused(reason) from error
    if tags > MAX_TAGS:
        raise ImportRefused([Problem(_too_big(_("XML のタグ"), tags, MAX_TAGS))])


def _check_expanded_size(members: list[zipfile.ZipInfo], size: int) -> None:
    expanded = sum(member.file_size for member in members)
    too_dense = expanded > RATIO_FLOOR_BYTES and expanded > MAX_RATIO * size
    if expanded > MAX_EXPANDED_BYTES or too_dense:
        raise ImportRefused(
            [
                Problem(
                    _(
                        "このブックは展開すると %(size)s MB になるため読み込みません"
                        "（上限 %(limit)s MB、圧縮率 %(ratio)s 倍まで）。不要な行や"
                        "シートを削除するか、CSV で保存して選んでください。"
                    )
                    % {
                        "size": f"{expanded / MEGABYTE:,.0f}",
                        "limit": MAX_EXPANDED_BYTES // MEGABYTE,
                        "ratio": MAX_RATIO,
                    }
                )
            ]
        )
    for member in members:
        name = member.filename
        bulky = name.startswith("xl/worksheets/") or name == "xl/sharedStrings.xml"
        if not bulky and member.file_size > MAX_OTHER_PART_BYTES:
            raise _refused(
                _("部品 %(part)s が大きすぎます（%(size)s MB）。")
                % {"part": name, "size": f"{member.file_size / MEGABYTE:,.1f}"}
            )


def _tags(archive: zipfile.ZipFile, member: zipfile.ZipInfo) -> int:
    """How many tags the part could hold (every element starts with a ``<``)."""
    count = 0
    with archive.open(member) as part:
        while chunk := part.read(MEGABYTE):
            count += chunk.count(b"<")
    return count


def _too_big(what: str, count: int, limit: int) -> str:
    return _(
        "このブックは大きすぎます（%(what)s %(count)s 個、上限 %(limit)s 個）。"
        "不要な行やシートを削除するか、CSV で保存して選んでください。"
    ) % {"what": what, "count": f"{count:,}", "limit": f"{limit:,}"}


class _Sheet(ReadOnlyWorksheet):
    """A read-only sheet that does not parse itself for its ``<dimension>`` when it
    opens (openpyxl parses a whole sheet that has none): this module reads each sheet
    once, in ``_read_rows``, and never uses a declared dimension."""

    def _get_size(self) -> None:
        pass


class _BookReader(ExcelReader):
    """openpyxl's workbook reader making ``_Sheet``s, and naming the sheets listed in
    the workbook whose part the zip does not hold (openpyxl skips them silently)."""

    def read_worksheets(self) -> None:
        self.missing = []
        for sheet, relation in self.parser.find_sheets():
            if relation.target not in self.valid_files:
                self.missing.append(sheet.name)
            elif "chartsheet" not in relation.Type:  # a chart holds no cells
                ws = _Sheet(self.wb, sheet.name, relation.target, self.shared_strings)
                ws.sheet_state = sheet.state
                self.wb._sheets.append(ws)


def _open(data: bytes) -> _BookReader:
    reader = _BookReader(
        io.BytesIO(data), read_only=True, data_only=True, keep_links=False
    )
    try:
        reader.read()
    # A malformed part raises whatever openpyxl's descriptors raise on it (ValueError,
    # TypeError, KeyError, IndexError, AttributeError, zlib and zip errors …): every
    # one means the same to the clerk, and none may become a 500.
    except Exception as error:
        raise _refused(_describe(error)) from error
    return reader


def _describe(error: Exception) -> str:
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


def _refused(reason: str) -> ImportRefused:
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


def _read_sheets(reader: _BookReader) -> WorkbookTable:
    book = reader.wb
    if reader.missing:
        raise _refused(
            _("シート%(sheets)sの中身がブックにありません。")
            % {"sheets": _quoted(reader.missing)}
        )
    if not book.worksheets:
        raise ImportRefused([Problem(_("ブックに表のシートがありません。"))])
    table = WorkbookTable()
    sheets: list[tuple[str, list[tuple[int, list[Any]]], list[int]]] = []
    for sheet in book.worksheets:
        if sheet.sheet_state != "visible":
            table.notes.append(
                _(
                    "非表示のシート「%(sheet)s」は読み込みませんでした。取り込むのは"
                    "表示されているシートだけです。"
                )
                % {"sheet": sheet.title}
            )
        else:
            rows, hidden = _read_rows(sheet)
            if rows:
                sheets.append((sheet.title, rows, hidden))
    if not sheets:
        raise ImportRefused([Problem(_no_values(hidden=bool(table.notes)))])
    tables = [title for title, rows, _hidden in sheets if _has_header(rows)]
    if len(tables) > 1:
        raise ImportRefused([Problem(_several_tables(tables))])
    chosen = tables[0] if tables else sheets[0][0]
    for title, rows, hidden in sheets:
        if title == chosen:
            table.sheet, table.rows = title, _padded(rows)
            table.notes += hidden.notes(title)
        else:
            table.notes.append(
                _(
                    "シート「%(sheet)s」には表の見出し行（No・事業名・金額の列名）が"
                    "ないため、読み込みませんでした。"
                )
                % {"sheet": title}
            )
    return table


@dataclass
class _Hidden:
    """The hidden rows (numbers) and columns (letters) of a sheet that hold a value:
    read like the others, and said, so nothing hidden goes in unseen."""

    rows: list[int]
    columns: list[str]

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
        return notes


def _first_ten(items: list) -> str:
    joiner = ", " if eras.reads_english() else "、"
    return joiner.join(map(str, items[:10])) + ("…" if len(items) > 10 else "")


def _has_header(rows: list[tuple[int, list[Any]]]) -> bool:
    return any(
        header_mapping(cells) is not None
        for _line, cells in rows
        if any(isinstance(cell, str) and "事業名" in cell for cell in cells)
    )


def _no_values(*, hidden: bool) -> str:
    if hidden:
        return _(
            "表示されているシートに値がありません。非表示のシートは読み込みません。"
            "取り込むシートを表示してください。"
        )
    return _("ブックのどのシートにも値がありません。")


def _several_tables(titles: list[str]) -> str:
    return _(
        "このブックには表のシートが %(count)s 枚あります（%(sheets)s）。取り込めるのは"
        " 1 枚のシートの表だけです。表を 1 枚のシートにまとめるか、シートごとに別の"
        "ファイルにしてください。"
    ) % {"count": len(titles), "sheets": _quoted(titles)}


def _quoted(names: list[str]) -> str:
    return "".join(f"「{name}」" for name in names)


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


def _read_rows(sheet) -> tuple[list[tuple[int, list[Any]]], _Hidden]:
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
            raise _refused(
                _("シート「%(sheet)s」: %(reason)s")
                % {"sheet": sheet.title, "reason": _describe(error)}
            ) from error
    if problems:
        raise ImportRefused(problems)
    filled = {line for line, _values in rows}
    used = {i for _line, values in rows for i, value in enumerate(values, 1) if value}
    return rows, _Hidden(
        rows=[line for line in parser.hidden_rows if line in filled],
        columns=[get_column_letter(i) for i in _hidden_columns(parser) if i in used],
    )


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


def _padded(rows: list[tuple[int, list[Any]]]) -> list[tuple[int, list[Any]]]:
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
