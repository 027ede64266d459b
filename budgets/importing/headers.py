"""How tables spell their headers, categories and flags, mapped onto column keys."""

from __future__ import annotations

import functools
from collections.abc import Sequence
from typing import Any

from budgets import columns
from budgets.exporting import CATEGORY_WORDS
from budgets.importing.cells import cell_text
from budgets.models import Project
from budgets.text import normalise_label

# The columns a city merges down over rows that share their value: a department or a
# section over its projects. The PDF and XLSX readers give such a cell's value to each
# row of the merge; a merge elsewhere (an amount, a name over two rows) is left as the
# file shows it, empty below its first row, and refused there: given to each row, a
# merged amount would count twice (helper-18).
MERGED_DOWN = ("department", "section")

# Column key -> the name a clerk sees in a problem message.
COLUMN_LABELS = {column.key: column.label for column in columns.BACKUP}

# Header spellings (after normalise_label) -> column key.
HEADER_SPELLINGS = {
    spelling: column.key for column in columns.BACKUP for spelling in column.spellings
}

# The columns every table has (the published table's own); a header without one of
# them is refused.
REQUIRED_COLUMNS = tuple(
    column.key for column in columns.OPEN_DATA if column.in_every_table
)

# Category spellings (after normalise_label, brackets removed) -> Project.Category.
# The words the export writes (新規, レベルアップ) and the stored values read back, and
# the other spellings tables use.
CATEGORY_SPELLINGS = {
    **{normalise_label(word): category for category, word in CATEGORY_WORDS.items()},
    **{category.value: category for category in Project.Category},
    "新": Project.Category.NEW,
    "レベル": Project.Category.LEVELUP,
    "レ": Project.Category.LEVELUP,
    "拡充": Project.Category.LEVELUP,
    "level-up": Project.Category.LEVELUP,
}

PUBLISHED_WORDS = {
    "1": True,
    "true": True,
    "公開": True,
    "0": False,
    "false": False,
    "下書き": False,
    "非公開": False,
}


def header_mapping(cells: Sequence[Any]) -> dict[int, str] | None:
    """Column index -> column key, if the row is a table's header; else None."""
    mapping: dict[int, str] = {}
    for index, cell in enumerate(cells):
        key = HEADER_SPELLINGS.get(normalise_label(cell_text(cell)))
        if key:
            mapping[index] = key
    keys = set(mapping.values())
    if {"no", "name"} <= keys and keys & {"requested", "budgeted"}:
        return mapping
    return None


def merged_down_columns(cells: Sequence[Any]) -> set[int] | None:
    """If ``cells`` are a header row, the indexes (from 0) of its MERGED_DOWN
    columns; else None. Asked of every row of a PDF or a sheet with merges: a row
    without 事業名 is no header, and is not mapped."""
    if "事業名" not in "".join(cell for cell in cells if isinstance(cell, str)):
        return None
    mapping = header_mapping(cells)
    if mapping is None:
        return None
    return {index for index, key in mapping.items() if key in MERGED_DOWN}


def duplicate_columns(mapping: dict[int, str]) -> dict[str, list[int]]:
    """The keys a header names more than once -> their column indexes."""
    indexes: dict[str, list[int]] = {}
    for index, key in sorted(mapping.items()):
        indexes.setdefault(key, []).append(index)
    return {key: found for key, found in indexes.items() if len(found) > 1}


def missing_columns(mapping: dict[int, str]) -> list[str]:
    """The keys of required columns a header lacks."""
    keys = set(mapping.values())
    missing = [key for key in REQUIRED_COLUMNS if key not in keys]
    if "theme_number" in keys and "theme_name" not in keys:
        missing.append("theme_name")
    return missing


@functools.lru_cache(maxsize=256)
def category(text: str) -> str | None:
    """The category a cell names (a table spells the same few words on every row,
    so each spelling is normalised once: benchmarks/import_phases.py, "parse")."""
    return CATEGORY_SPELLINGS.get(normalise_label(text).strip("【】[]「」<>〈〉"))


def published_flag(text: str) -> bool | None:
    """True or False for a backup's 公開 cell; None if it is neither."""
    return PUBLISHED_WORDS.get(normalise_label(text))
