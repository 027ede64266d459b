"""Build the input shapes finance staff really have, from the real seed table."""

import csv
import io

import openpyxl

FULL_WIDTH = str.maketrans("0123456789,", "０１２３４５６７８９，")


def seed_cells(seed_text: str) -> list[list[str]]:
    """The seed as rows of cells, its layout (title, blank and theme rows) kept."""
    return [line.split("\t") for line in seed_text.split("\n")]


def to_text(rows: list[list[str]], newline: str = "\n") -> bytes:
    return newline.join("\t".join(cells) for cells in rows).encode("utf-8")


def to_csv(rows: list[list[str]], encoding: str = "utf-8") -> bytes:
    """A CSV as Excel writes it: every row as wide as the widest, CRLF."""
    width = max(len(cells) for cells in rows)
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer)
    for cells in rows:
        writer.writerow(cells + [""] * (width - len(cells)))
    return buffer.getvalue().encode(encoding)


def to_xlsx(rows: list[list[object]]) -> bytes:
    book = openpyxl.Workbook()
    sheet = book.active
    for cells in rows:
        sheet.append(cells)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def project_line(rows: list[list[str]], no: int) -> int:
    """The 1-based line of project No ``no`` in the seed layout."""
    for index, cells in enumerate(rows):
        if len(cells) == 10 and cells[0] == str(no):
            return index + 1
    raise LookupError(no)
