"""XLSX bytes -> the rows of the workbook's one table, every hostile workbook refused.

A workbook is a zip of XML parts made by whatever program sent it, so nothing in it
is trusted, and every way it can be wrong ends as a located ImportRefused:

- its expanded size is checked before any part is read (a zip bomb of a few MB can
  expand to GBs of sheet XML); each part's declared size is safe to trust, as
  ``zipfile`` stops at it and refuses the part when the data runs on;
- defusedxml, which openpyxl uses when it is installed, refuses entity declarations
  ("billion laughs") and external entities; ``read_workbook`` will not run without it;
- a sheet's cells are read from its XML as they are, row by row (``xlsx_sheet``),
  never padded to the sheet's declared ``<dimension>``; a value right of
  ``xlsx_sheet.MAX_COLUMNS``, a cell openpyxl cannot read and a formula whose
  result was never saved are refused by cell; hidden rows and columns are read and
  said;
- only visible sheets are read: a hidden sheet is skipped and said so in a note; of
  the visible sheets the one with a table header is read, a sheet of values without
  one (the open-data workbook's data dictionary) is skipped with a note, and a
  workbook with a table on more than one sheet is refused (one table a file).

"""

from __future__ import annotations

import io
import zipfile
import zlib
from dataclasses import dataclass, field
from typing import Any

import openpyxl
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext as _
from openpyxl.reader.excel import ExcelReader
from openpyxl.worksheet._read_only import ReadOnlyWorksheet

from budgets.importing import xlsx_sheet
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
        raise xlsx_sheet.refused(reason) from error
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
            raise xlsx_sheet.refused(
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
    once, in ``xlsx_sheet.read_rows``, and never uses a declared dimension."""

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
        raise xlsx_sheet.refused(xlsx_sheet.describe(error)) from error
    return reader


def _read_sheets(reader: _BookReader) -> WorkbookTable:
    book = reader.wb
    if reader.missing:
        raise xlsx_sheet.refused(
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
            rows, hidden = xlsx_sheet.read_rows(sheet)
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
            table.sheet, table.rows = title, xlsx_sheet.padded(rows)
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
