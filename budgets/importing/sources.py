"""Bytes -> rows of cells: the file's kind (text, CSV, XLSX) and encoding detected."""

from __future__ import annotations

import csv
import io
import re
import unicodedata
from dataclasses import dataclass, field
from typing import Any

from django.utils.translation import gettext as _
from openpyxl.utils import get_column_letter

from budgets.importing import xlsx
from budgets.importing.headers import header_mapping
from budgets.importing.problems import ImportRefused, Problem


@dataclass
class SourceRow:
    line: int
    cells: list[Any]
    page: int | None = None  # PDF: the page the row is printed on


@dataclass
class Source:
    kind: str  # "text", "csv", "xlsx" or "pdf"
    encoding: str | None
    rows: list[SourceRow]
    # what the reader skipped and the clerk is shown (a hidden sheet); not stopping
    warnings: list[Problem] = field(default_factory=list)
    # PDF: each line's page and its line on that page, counted from the page's top
    pages: dict[int, tuple[int, int]] = field(default_factory=dict)
    sheet: str | None = None  # XLSX: the sheet the table was read from

    def locate(self, line: int) -> tuple[int | None, int]:
        """The page (None but for a PDF) and the line on it of a source line."""
        return self.pages.get(line, (None, line))

    @property
    def unit(self) -> str:
        return "row" if self.kind == "xlsx" else "line"


def read_source(data: bytes) -> Source:
    """Turn a file's bytes into rows of cells, detecting its kind and encoding.

    Raise ImportRefused when the bytes are no table at all.
    """
    if not data or not data.strip():
        raise ImportRefused([Problem(_("ファイルが空です。"))])
    if data[:4] == b"PK\x03\x04":
        return _read_xlsx(data)
    if data[:5] == b"%PDF-":
        from budgets.importing.pdf import read_pdf  # pdf.py builds on this module

        return read_pdf(data)
    return _read_text(data)


# pdftotext starts each page with a form feed: a page break, not a cell's text.
_PAGE_BREAK = re.compile("^\f+", re.MULTILINE)


def _lines(text: str) -> list[str]:
    """The text's lines, ending where an editor's do: at CR LF, CR or LF.
    str.splitlines() also ends one at a form feed, U+2028, U+0085 and other
    separators: every later line would be numbered one too far, and a separator
    inside a cell would cut its row in two. (str.replace and str.split: a fifth of
    the time a regex split took on a 20,000-row table, 7 against 40 ms.)"""
    if "\r" in text:
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    if "\f" in text:
        text = _PAGE_BREAK.sub("", text)
    lines = text.split("\n")
    if lines[-1] == "":  # the last line's end
        lines.pop()
    return lines


# A row of this table has a dozen cells, and a description of 10,000 characters
# may hold as many commas or tabs. A line with far more (a file of commas) would be
# split into millions of cells before any check saw one (helper-11: 19 MB, 700 MB).
MAX_SEPARATORS = 20_000


def _check_widths(lines: list[str]) -> None:
    if max(map(len, lines), default=0) <= MAX_SEPARATORS:
        return  # no line long enough to hold so many: the usual table, at once
    for number, line in enumerate(lines, start=1):
        if len(line) <= MAX_SEPARATORS:
            continue
        count = max(line.count(","), line.count("\t"))
        if count > MAX_SEPARATORS:
            message = _(
                "この行には区切り（コンマかタブ）が %(count)s 個あります。表の行に"
                "しては多すぎます（%(max)s 個まで）。"
            ) % {"count": f"{count:,}", "max": f"{MAX_SEPARATORS:,}"}
            raise ImportRefused([Problem(message, number)])


def _read_text(data: bytes) -> Source:
    text, encoding = _decode(data)
    text = text.lstrip("\ufeff")
    lines = _lines(text)
    _check_widths(lines)  # before any line is split into cells
    if any("\t" in line for line in lines) and not _csv_header_found(text):
        rows = [
            SourceRow(number, line.split("\t"))
            for number, line in enumerate(lines, start=1)
        ]
        source = Source("text", encoding, rows)
    else:
        source = Source("csv", encoding, _read_csv(text))
    if "\x00" in text:
        raise ImportRefused(_nul_problems(source))
    return source


def _csv_header_found(text: str, *, rows: int = 100) -> bool:
    """Whether the text reads as a CSV with a table's header in its first rows: then
    a tab is a character of a quoted cell (a description may hold one), not the
    separator of text copied out of a PDF."""
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        return any(
            header_mapping(cells) for cells, _ in zip(reader, range(rows), strict=False)
        )
    except csv.Error:
        return False


def _nul_problems(source: Source) -> list[Problem]:
    """Every cell holding a NUL, by line and column."""
    return [
        Problem(
            _(
                "NUL 文字（\\0）が含まれています。データベースに保存できないため"
                "拒否します。ファイルが壊れていないか確かめてください。"
            ),
            row.line,
            get_column_letter(index),
            cell.replace("\x00", "\\0")[:40],
        )
        for row in source.rows
        for index, cell in enumerate(row.cells, start=1)
        if "\x00" in cell
    ]


def _decode(data: bytes) -> tuple[str, str]:
    unreadable = Problem(
        _(
            "このファイルは表として読めません。PDF から写したテキスト、"
            "CSV（UTF-8 または Shift_JIS）、XLSX のいずれかを選んでください。"
        )
    )
    if data[:2] in (b"\xff\xfe", b"\xfe\xff"):  # Excel's "Unicode text"
        raise ImportRefused(
            [
                Problem(
                    _(
                        "UTF-16 で保存されたテキストは読めません。Excel なら"
                        "「CSV UTF-8（コンマ区切り）」で保存し直してください。"
                    )
                )
            ]
        )
    if data.startswith(b"\xef\xbb\xbf"):
        candidates = ("utf-8-sig",)
    else:
        candidates = ("utf-8", "cp932")
    for encoding in candidates:
        try:
            text = data.decode(encoding)
        except UnicodeDecodeError:
            continue
        if _looks_binary(text):
            raise ImportRefused([unreadable])
        return text, "utf-8" if encoding == "utf-8-sig" else encoding
    raise ImportRefused([unreadable])


def _looks_binary(text: str) -> bool:
    sample = text[:20000]
    controls = sum(
        1 for ch in sample if unicodedata.category(ch) == "Cc" and ch not in "\t\r\n"
    )
    return controls > max(3, len(sample) // 100)


def _read_csv(text: str) -> list[SourceRow]:
    rows: list[SourceRow] = []
    reader = csv.reader(io.StringIO(text, newline=""))
    start = 1
    try:
        for cells in reader:
            rows.append(SourceRow(start, cells))
            start = reader.line_num + 1
    except csv.Error as error:
        raise ImportRefused([_csv_problem(error, start)]) from error
    return rows


def _csv_problem(error: csv.Error, line: int) -> Problem:
    if "field larger than field limit" in str(error):  # the csv module's words
        message = _(
            "セルが長すぎます（1 つのセルは %(limit)s 文字まで）。ファイルが壊れて"
            'いないか、引用符（"）の対応が正しいか確かめてください。'
        ) % {"limit": f"{csv.field_size_limit():,}"}
    else:
        message = _("CSV として読めません: %(error)s") % {"error": error}
    return Problem(message, line)


def _read_xlsx(data: bytes) -> Source:
    table = xlsx.read_workbook(data)
    rows = [SourceRow(line, cells) for line, cells in table.rows]
    warnings = [Problem(note) for note in table.notes]
    return Source("xlsx", None, rows, warnings=warnings, sheet=table.sheet)
