"""The project's CSV: the open-data format that export and import both use.

UTF-8 with a BOM (so Excel opens it), a header row, one row per project ordered by
year and No, or a year at a time in the queryset's order (``budgets.year_by_year``);
年度 is the Western year, amounts are plain integers in 千円, an empty cell is NULL
("not applicable"). Text cells that a spreadsheet would run as a formula are
neutralised with a leading apostrophe; the importer removes it again, so a round trip
keeps every value.
"""

from __future__ import annotations

import csv
from collections.abc import Callable, Iterator
from typing import IO, Any

from django.db.models import QuerySet

from budgets import backup_records, citations, columns, source_files, year_by_year
from budgets.models import Project

BOM = "\ufeff"

CSV_HEADER = columns.CSV_HEADER

# A backup adds what the open-data columns leave out, so a restore is exact.
BACKUP_HEADER = columns.BACKUP_HEADER

# The published table's words, whatever language the reader's browser asks for.
CATEGORY_WORDS = {
    Project.Category.NEW: "新規",
    Project.Category.LEVELUP: "レベルアップ",
}

FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")

COLUMNS = tuple(column.path for column in columns.OPEN_DATA)  # in CSV_HEADER's order


def neutralise(text: str) -> str:
    """Return text that a spreadsheet shows as text, never runs as a formula.

    A leading ``'`` makes it text. Text that already begins with ``'`` gets one
    more, so that ``restore_neutralised`` gives back exactly what was stored.
    """
    if text.startswith(FORMULA_PREFIXES) or text.startswith("'"):
        return "'" + text
    return text


def restore_neutralised(text: str) -> str:
    """Undo ``neutralise``: drop a ``'`` before a formula character or a ``'``."""
    if text[:1] == "'" and text[1:2] and text[1] in (*FORMULA_PREFIXES, "'"):
        return text[1:]
    return text


def project_rows(
    queryset: QuerySet[Project], *, backup: bool = False
) -> Iterator[list[str | int]]:
    """Yield one CSV row (without header) per project, in ``year_by_year``'s order."""
    shown = columns.BACKUP if backup else columns.OPEN_DATA
    cell_rules = [_cell_rule(column) for column in shown]
    width = len(shown)
    # the 出典 cell is made from the values after the row's own (citations.VALUES)
    cited = [i for i, column in enumerate(shown) if column.kind == columns.CITATION]
    texts = citations.Texts()
    values = year_by_year.values(
        queryset, *(column.path for column in shown), *citations.VALUES
    )
    for record in values:
        row = [
            "" if value is None else rule(value) if rule else value
            for value, rule in zip(record[:width], cell_rules, strict=True)
        ]
        for index in cited:
            row[index] = neutralise(texts(record[width:]))
        yield row


def _cell_rule(column: columns.Column) -> Callable[[Any], str | int] | None:
    """How a column's stored value becomes its CSV cell (None: as it is; the 出典
    cell is made apart, in project_rows)."""
    if column.kind == columns.FILE_KIND:
        return source_files.kind_of_name
    if column.kind == columns.TIMESTAMP:
        return lambda value: value.isoformat()
    if column.kind == columns.CATEGORY:
        return CATEGORY_WORDS.__getitem__
    if column.kind == columns.FLAG:
        return int
    if column.kind == columns.RECORD:
        return backup_records.cell_rule(column.key)
    if column.neutralised:
        return neutralise
    return None


class LineText:
    """A file-like target for csv.writer that hands back what was written."""

    def write(self, value: str) -> str:
        return value


def csv_chunks(queryset: QuerySet[Project], *, backup: bool = False) -> Iterator[str]:
    """Yield the CSV as text: the BOM and header, then one line per project.

    ``backup`` adds each year's title and published flag and each project's lineage,
    which the importer reads back, so a backup restores exactly.
    """
    writer = csv.writer(LineText())
    yield BOM + writer.writerow(BACKUP_HEADER if backup else CSV_HEADER)
    for row in project_rows(queryset, backup=backup):
        yield writer.writerow(row)


def write_csv(
    queryset: QuerySet[Project], stream: IO[str], *, backup: bool = False
) -> None:
    for chunk in csv_chunks(queryset, backup=backup):
        stream.write(chunk)
