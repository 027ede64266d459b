"""The project's CSV: the open-data format that export and import both use.

UTF-8 with a BOM (so Excel opens it), a header row, one row per project ordered by
year and No; 年度 is the Western year, amounts are plain integers in 千円, an empty cell
is NULL ("not applicable"). Text cells that a spreadsheet would run as a formula are
neutralised with a leading apostrophe; the importer removes it again, so a round trip
keeps every value.
"""

from __future__ import annotations

import csv
from collections.abc import Iterator
from typing import IO

from django.db.models import QuerySet

from budgets.models import Project

BOM = "\ufeff"

CSV_HEADER = (
    "年度",
    "施策番号",
    "施策名",
    "No",
    "部",
    "課名",
    "事業名",
    "二次経費区分",
    "事業内容",
    "要求額(千円)",
    "要求額うちレベルアップ(千円)",
    "予算額(千円)",
    "予算額うちレベルアップ(千円)",
)

# A backup adds what the open-data columns leave out, so a restore is exact.
BACKUP_HEADER = (*CSV_HEADER, "表題", "公開", "系譜")

# The published table's words, whatever language the reader's browser asks for.
CATEGORY_WORDS = {
    Project.Category.NEW: "新規",
    Project.Category.LEVELUP: "レベルアップ",
}

FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")

COLUMNS = (  # the database fields behind CSV_HEADER, in its order
    "fiscal_year__year",
    "theme__number",
    "theme__name",
    "no",
    "section__department__name",
    "section__name",
    "name",
    "category",
    "description",
    "requested",
    "requested_levelup",
    "budgeted",
    "budgeted_levelup",
)
_BACKUP_COLUMNS = ("fiscal_year__title", "fiscal_year__is_published", "lineage_id")
_TEXT_COLUMNS = {2, 4, 5, 6, 8, 13}


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
    """Yield one CSV row (without header) per project, ordered by year and No."""
    columns = (*COLUMNS, *_BACKUP_COLUMNS) if backup else COLUMNS
    values = (
        queryset.order_by("fiscal_year__year", "no")
        .values_list(*columns)
        .iterator(chunk_size=2000)
    )
    for record in values:
        row: list[str | int] = []
        for index, value in enumerate(record):
            if value is None:
                row.append("")
            elif isinstance(value, bool):
                row.append(int(value))
            elif index == 7:
                row.append(CATEGORY_WORDS[value])
            elif index in _TEXT_COLUMNS:
                row.append(neutralise(value))
            else:
                row.append(value)
        yield row


class _Line:
    """A file-like target for csv.writer that hands back what was written."""

    def write(self, value: str) -> str:
        return value


def csv_chunks(queryset: QuerySet[Project], *, backup: bool = False) -> Iterator[str]:
    """Yield the CSV as text: the BOM and header, then one line per project.

    ``backup`` adds each year's title and published flag and each project's lineage,
    which the importer reads back, so a backup restores exactly.
    """
    writer = csv.writer(_Line())
    yield BOM + writer.writerow(BACKUP_HEADER if backup else CSV_HEADER)
    for row in project_rows(queryset, backup=backup):
        yield writer.writerow(row)


def write_csv(
    queryset: QuerySet[Project], stream: IO[str], *, backup: bool = False
) -> None:
    for chunk in csv_chunks(queryset, backup=backup):
        stream.write(chunk)
