"""A published PDF -> rows of cells, the same rows the copied text gives.

Cities make this list in a spreadsheet and print it to PDF: a ruled table over several
pages, the title and unit line above it and the header row repeated on each page
(print titles), a merged cell per theme row, text wrapped inside cells, a page number
in the footer. pdfplumber finds each table from its ruling lines and gives a cell's
text with ``\\n`` where it wrapped; the lines of text outside the tables (title, unit
line, notes, page number) become rows of one cell. Rows come in the order they are
printed, page by page, each knowing its page, so that ``table.parse_table`` reads a
PDF exactly as it reads the copied text.

What cannot be read is refused with the page: a password, a page that is only a
picture (a scan), text whose fonts have no Unicode map (``(cid:12)``, private-use or
replacement characters), a table whose number of columns differs from the first
page's, a table part of which the page does not show (``pdf_geometry``), and a PDF
too long or too complex to read in bounded time and memory (a page asking for more
drawing than a table needs is refused before it is drawn: ``pdf_content``).
"""

from __future__ import annotations

import io
import re
import time
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass

from django.utils.translation import gettext as _

from budgets.importing import layout, pdf_content, totals
from budgets.importing.headers import merged_down_columns
from budgets.importing.pdf_geometry import squared, unseen
from budgets.importing.problems import ImportRefused, Problem
from budgets.importing.sources import Source, SourceRow

MAX_PAGES = 200
# A page of this table holds a few thousand characters and a few hundred ruling
# segments; far more is a drawing, not a table, and pdfplumber's table finder would
# take minutes on it.
MAX_PAGE_CHARS = 30_000
MAX_PAGE_EDGES = 6_000
MAX_SECONDS = 120
TABLE_SETTINGS = {"vertical_strategy": "lines", "horizontal_strategy": "lines"}
# Text outside the tables: words further apart than this (in points) on one line
# are separate rows, as a title on the left and a date on the right would be.
SEPARATE_GAP = 36
_LATIN = re.compile(r"[0-9A-Za-z\u00c0-\u024f]")
_AMOUNT = re.compile(r"\d{1,3}(?:,\d{3})+")  # 3,826,938: a date or a file name has none
_GARBAGE = re.compile(r"\(cid:\d+\)|[\ufffd\ue000-\uf8ff\U000f0000-\U0010ffff]")


@dataclass
class PdfRow:
    """A printed row: its cells, its page, and how far down the page it stands."""

    page: int
    top: float
    cells: list[str]
    # a line under the page's table that no table row could be (a print date, a
    # file name, a section's name): skipped, and said (``_is_furniture``)
    furniture: bool = False


def read_pdf(data: bytes) -> Source:
    """The PDF as a Source: its rows numbered through the file, each located by its
    page and its line on that page (counted from the page's top, title included)."""
    rows: list[SourceRow] = []
    warnings: list[Problem] = []
    pages: dict[int, tuple[int, int]] = {}
    on_page: dict[int, int] = {}
    for printed in read_pdf_rows(data):
        on_page[printed.page] = on_page.get(printed.page, 0) + 1
        if printed.furniture:
            warnings.append(_furniture_warning(printed, on_page[printed.page]))
            continue
        line = len(rows) + 1
        pages[line] = (printed.page, on_page[printed.page])
        rows.append(SourceRow(line, printed.cells, page=printed.page))
    return Source("pdf", None, rows, warnings=warnings, pages=pages)


def _furniture_warning(printed: PdfRow, line: int) -> Problem:
    return Problem(
        _("表の下の「%(text)s」は表の一部ではないので、読まずに進みます。")
        % {"text": printed.cells[0][:40]},
        line,
        page=printed.page,
    )


def read_pdf_rows(data: bytes) -> list[PdfRow]:
    """Every row of the PDF's tables and text, page by page, top to bottom.

    Raise ImportRefused, naming the page, when the PDF cannot be read as a table.
    """
    import pdfplumber  # imported on first use: only a PDF import needs it

    try:
        return _read_rows(pdfplumber, data)
    except ImportRefused:
        raise
    except Exception as error:
        if not _raised_by_the_reader(error):
            raise
        # a page dictionary pdfplumber or pdfminer cannot read (a /Rotate of text)
        raise _refused(
            _("PDF として開けません（ファイルが壊れています）: %(error)s")
            % {"error": f"{type(error).__name__}: {error}"[:200]}
        ) from error


def _raised_by_the_reader(error: BaseException) -> bool:
    """Whether ``error`` came from inside pdfplumber or pdfminer (the file is what
    they cannot read), not from this project's code."""
    frame, traceback = None, error.__traceback__
    while traceback is not None:
        frame, traceback = traceback.tb_frame, traceback.tb_next
    module = frame.f_globals.get("__name__", "") if frame is not None else ""
    return module.startswith(("pdfplumber", "pdfminer"))


def _read_rows(pdfplumber, data: bytes) -> list[PdfRow]:
    started = time.monotonic()
    rows: list[PdfRow] = []
    columns: tuple[int, int] | None = None  # (page, width) of the first table
    merged_down: set[int] = set()
    with _open(pdfplumber, data) as pdf:
        if len(pdf.pages) > MAX_PAGES:
            raise _refused(
                _(
                    "ページが多すぎます（%(pages)s ページ）。一度に取り込めるのは "
                    "%(limit)s ページまでです。"
                )
                % {"pages": len(pdf.pages), "limit": MAX_PAGES}
            )
        for page in pdf.pages:
            _check_time(started, page.page_number)
            page_rows, width = _read_page(page, merged_down)
            page.close()
            columns = _check_columns(columns, width, page.page_number)
            rows.extend(page_rows)
    if not rows:
        raise _refused(
            _(
                "この PDF には文字がありません（スキャンした画像だけの PDF です）。"
                "表計算ソフトから印刷した PDF か、表のテキスト・CSV・XLSX を"
                "選んでください。"
            )
        )
    if columns is None:
        raise _refused(
            _(
                "この PDF に罫線で囲まれた表が見つかりません。表計算ソフトで罫線を"
                "引いて印刷した PDF か、表のテキスト・CSV・XLSX を選んでください。"
            )
        )
    return rows


def _open(pdfplumber, data: bytes):
    from pdfminer.pdfdocument import PDFEncryptionError, PDFPasswordIncorrect

    try:
        return pdfplumber.open(io.BytesIO(data))
    except pdfplumber.utils.exceptions.PdfminerException as error:
        cause = error.args[0] if error.args else error
        if isinstance(cause, PDFPasswordIncorrect | PDFEncryptionError):
            raise _refused(
                _(
                    "この PDF はパスワードで保護されていて開けません。"
                    "パスワードを外した PDF（印刷や複写の制限だけなら取り込めます）を"
                    "選んでください。"
                )
            ) from error
        raise _refused(
            _("PDF として開けません（ファイルが壊れています）: %(error)s")
            % {"error": cause}
        ) from error


def _refused(message: str, page: int | None = None) -> ImportRefused:
    return ImportRefused([Problem(message, page=page)])


def _check_time(started: float, page: int) -> None:
    if time.monotonic() - started > MAX_SECONDS:
        raise _refused(
            _(
                "PDF の読み取りが %(seconds)s 秒を超えたため中止しました。"
                "ページを分けるか、表のテキスト・CSV・XLSX を選んでください。"
            )
            % {"seconds": MAX_SECONDS},
            page,
        )


def _check_columns(
    first: tuple[int, int] | None, width: int | None, page: int
) -> tuple[int, int] | None:
    """The first table's width holds for every page; None while no table was seen."""
    if width is None:
        return first
    if first is None:
        return (page, width)
    if width != first[1]:
        raise _refused(
            _(
                "このページの表は %(width)s 列ですが、%(first_page)s ページの表は "
                "%(first_width)s 列です。列が欠けたり増えたりしていないか、"
                "元の表を確かめてください。"
            )
            % {"width": width, "first_page": first[0], "first_width": first[1]},
            page,
        )
    return first


# --- one page ------------------------------------------------------------------------


def _read_page(page, merged_down: set[int]) -> tuple[list[PdfRow], int | None]:
    """The page's rows top to bottom, and the width of its tables (None if none).
    ``merged_down``: the columns the latest header names 部 and 課名, carried from
    page to page (a page may print no header)."""
    number = page.page_number
    _check_commands(page, number)  # before pdfminer draws the page
    _check_size(page, number)
    chars = page.chars
    if not chars:
        if page.images:
            raise _refused(
                _(
                    "このページには文字がありません（スキャンした画像のページです）。"
                    "表計算ソフトから印刷した PDF か、表のテキスト・CSV・XLSX を"
                    "選んでください。"
                ),
                number,
            )
        return [], None  # a blank page
    _check_text(chars, number)
    page = squared(page)  # a page turned by /Rotate: its lines level again
    tables = page.find_tables(TABLE_SETTINGS)
    _check_seen(page, tables, number)
    rows = [row for table in tables for row in _table_rows(table, number, merged_down)]
    widths = {len(row.cells) for row in rows if len(row.cells) > 1}
    if len(widths) > 1:
        raise _refused(
            _("このページに列の数の違う表があります（%(widths)s 列）。")
            % {"widths": "・".join(str(w) for w in sorted(widths))},
            number,
        )
    below = max((table.bbox[3] for table in tables), default=0.0)
    for text_row in _text_rows(page, tables, number):
        text_row.furniture = text_row.top >= below and _is_furniture(text_row.cells[0])
        rows.append(text_row)
    rows.sort(key=lambda row: row.top)
    return rows, next(iter(widths), None)


def _check_seen(page, tables, number: int) -> None:
    """Refuse a table part of which the page does not show (printed past its edge, or
    cut off by its crop box): rows nobody reading the PDF can see."""
    for table in tables:
        if hidden := unseen(page, table.bbox):
            raise _refused(
                _(
                    "表の一部がページの外にあり、PDF を開いても見えません"
                    "（「%(text)s」）。見えない行は取り込みません。表がページに"
                    "収まるように印刷し直すか、表のテキスト・CSV・XLSX を選んで"
                    "ください。"
                )
                % {"text": hidden[:20] + ("…" if len(hidden) > 20 else "")},
                number,
            )


def _check_commands(page, number: int) -> None:
    if pdf_content.page_commands(page.page_obj) > pdf_content.MAX_PAGE_COMMANDS:
        raise _refused(
            _(
                "このページは表として読むには複雑すぎます（描画命令が %(limit)s MB を"
                "超えます）。表計算ソフトから印刷した PDF を選んでください。"
            )
            % {"limit": pdf_content.MAX_PAGE_COMMANDS // 2**20},
            number,
        )


def _check_size(page, number: int) -> None:
    if len(page.chars) > MAX_PAGE_CHARS or len(page.edges) > MAX_PAGE_EDGES:
        raise _refused(
            _(
                "このページは表として読むには複雑すぎます（文字 %(chars)s、"
                "線 %(edges)s）。表計算ソフトから印刷した PDF を選んでください。"
            )
            % {"chars": f"{len(page.chars):,}", "edges": f"{len(page.edges):,}"},
            number,
        )


def _check_text(chars: list[dict], number: int) -> None:
    """Refuse a page whose fonts give no real characters."""
    for char in chars:
        if _GARBAGE.search(char["text"]):
            sample = "".join(c["text"] for c in chars[:3])
            raise _refused(
                _(
                    "このページの文字を正しく取り出せません（「%(sample)s」のように"
                    "なります）。PDF のフォントに文字の対応表がないためです。元の表"
                    "から PDF を作り直すか、表のテキスト・CSV・XLSX を選んでください。"
                )
                % {"sample": sample},
                number,
            )


def _table_rows(table, number: int, merged_down: set[int]) -> Iterator[PdfRow]:
    texts = table.extract()
    for row, cells in zip(table.rows, texts, strict=True):
        filled = [join_wrapped(cell) if cell is not None else "" for cell in cells]
        if len(filled) > 1 and all(cell is None for cell in cells[1:]):
            filled = [filled[0]]  # one merged cell across the table: a theme row
        elif (columns := merged_down_columns(filled)) is not None:
            merged_down.clear()  # this header's columns hold from here on
            merged_down.update(columns)
        else:
            filled = _fill_down(table, row, cells, filled, merged_down)
        yield PdfRow(number, row.bbox[1], filled)


def _fill_down(table, row, cells, filled: list[str], columns: set[int]) -> list[str]:
    """A 部 or 課名 cell merged down over several rows (a department's name over its
    projects) holds its text in its first row; give that text to the rows below it
    too. A merge in another column is left empty there, and refused: a merged
    amount given to each row would count twice (``headers.MERGED_DOWN``)."""
    for index, cell in enumerate(cells):
        if cell is not None or index not in columns:
            continue
        x = _column_middle(table, row, index)
        y = (row.bbox[1] + row.bbox[3]) / 2
        for box in table.cells:
            if box[0] < x < box[2] and box[1] < row.bbox[1] < y < box[3]:
                text = table.page.crop(box, strict=False).extract_text()
                filled[index] = join_wrapped(text)
                break
    return filled


def _column_middle(table, row, index: int) -> float:
    column = table.columns[index]
    return (column.bbox[0] + column.bbox[2]) / 2


def _text_rows(page, tables, number: int) -> list[PdfRow]:
    """Lines of text outside the tables: title, unit line, notes, page number."""
    outside = page
    for table in tables:
        outside = outside.outside_bbox(table.bbox, strict=False)
    words = outside.extract_words()
    rows: list[PdfRow] = []
    for line in _lines(words):
        for group in _groups(line):
            rows.append(
                PdfRow(number, group[0]["top"], [" ".join(w["text"] for w in group)])
            )
    return rows


def _is_furniture(text: str) -> bool:
    """Whether a line printed under the table can be no row of it: nothing the
    table's reading knows (title, unit line, note, page number, theme) and nothing a
    row of one cell could be (a project's No, an amount, a totals row). A print
    date or a file name in the footer refused the whole PDF before (helper-16)."""
    normalised = unicodedata.normalize("NFKC", text)
    return (
        layout.single_cell_line(text) is None
        and not layout.THEME_ROW.match(normalised)
        and not _AMOUNT.search(normalised)
        and not totals.is_totals_row([text])
    )


def _lines(words: list[dict]) -> list[list[dict]]:
    """Words grouped into printed lines (tops within 3 points), left to right."""
    lines: list[list[dict]] = []
    for word in sorted(words, key=lambda w: (round(w["top"]), w["x0"])):
        if lines and abs(lines[-1][0]["top"] - word["top"]) <= 3:
            lines[-1].append(word)
        else:
            lines.append([word])
    return [sorted(line, key=lambda w: w["x0"]) for line in lines]


def _groups(line: list[dict]) -> list[list[dict]]:
    groups = [[line[0]]]
    for word in line[1:]:
        if word["x0"] - groups[-1][-1]["x1"] > SEPARATE_GAP:
            groups.append([word])
        else:
            groups[-1].append(word)
    return groups


def join_wrapped(text: str) -> str:
    """A cell's lines as one text: Japanese joins without a space
    (産業・地域振興支 + 援部), Latin words with one (Wi-Fi + Zone)."""
    lines = [line.strip() for line in text.split("\n")]
    joined = ""
    for line in lines:
        if not line:
            continue
        if joined and _LATIN.match(joined[-1]) and _LATIN.match(line[0]):
            joined += " "
        joined += line
    return joined
