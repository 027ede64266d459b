"""The cp932 CSV: every character cp932 lacks replaced, and each replacement listed."""

from __future__ import annotations

import csv
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass

from django.db.models import QuerySet

from budgets.exporting import (
    CSV_HEADER,
    LineText,
    neutralise,
    project_rows,
    restore_neutralised,
)
from budgets.models import Project
from budgets.opendata.core import CP932, DICTIONARY, records
from budgets.text import CP932_EQUIVALENTS, fix_lookalikes

# --- cp932 -----------------------------------------------------------------


@dataclass(frozen=True)
class Replacement:
    """A character that the cp932 files write differently, and where it is."""

    year: int
    no: int
    column: str
    original: str
    replacement: str

    @property
    def codepoint(self) -> str:
        return f"U+{ord(self.original):04X}"

    @property
    def name(self) -> str:
        return unicodedata.name(self.original, "")


def _encodable(text: str) -> bool:
    """Whether cp932 writes ``text`` so that it reads back as the same text."""
    try:
        return text.encode(CP932).decode(CP932) == text
    except UnicodeEncodeError:
        return False


def cp932_replacement(char: str) -> str:
    """Return what the cp932 files write for one character cp932 cannot encode."""
    for candidate in (
        fix_lookalikes(char),
        CP932_EQUIVALENTS.get(char, ""),
        unicodedata.normalize("NFKC", char),
    ):
        if candidate and candidate != char and _encodable(candidate):
            return candidate
    return f"&#x{ord(char):X};"


def to_cp932_text(text: str) -> str:
    """Return text that cp932 encodes, each missing character replaced as documented."""
    if _encodable(text):
        return text
    return "".join(
        char if _encodable(char) else cp932_replacement(char) for char in text
    )


def cp932_replacements(queryset: QuerySet[Project]) -> list[Replacement]:
    """List every character of the projects that the cp932 files write differently."""
    text_columns = [column for column in DICTIONARY if column.type == "string"]
    found: set[Replacement] = set()
    for record in records(queryset):
        for column in text_columns:
            value = record[column.key]
            if not value or _encodable(value):
                continue
            for char in dict.fromkeys(value):
                if not _encodable(char):
                    found.add(
                        Replacement(
                            year=record["year"],
                            no=record["no"],
                            column=column.header,
                            original=char,
                            replacement=cp932_replacement(char),
                        )
                    )
    return sorted(found, key=lambda r: (r.year, r.no, r.column, r.original))


def cp932_chunks(queryset: QuerySet[Project]) -> Iterator[bytes]:
    """Yield the CSV in cp932, line by line: same header, rows and amounts as the
    UTF-8 CSV (without its BOM), each missing character replaced as documented."""
    writer = csv.writer(LineText())
    yield writer.writerow(CSV_HEADER).encode(CP932)
    for row in project_rows(queryset):
        yield writer.writerow(
            [
                # project_rows neutralised the stored text: replace within it, then
                # neutralise once (a replacement may begin with a formula character)
                neutralise(to_cp932_text(restore_neutralised(cell)))
                if isinstance(cell, str)
                else cell
                for cell in row
            ]
        ).encode(CP932)
