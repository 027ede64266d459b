"""How tables spell their headers, categories and flags, mapped onto column keys."""

from __future__ import annotations

import functools
from collections.abc import Sequence
from typing import Any

from budgets.importing.cells import cell_text
from budgets.models import Project
from budgets.text import normalise_label

# Column key -> the name a clerk sees in a problem message.
COLUMN_LABELS = {
    "year": "年度",
    "theme_number": "施策番号",
    "theme_name": "施策名",
    "no": "No",
    "department": "部",
    "section": "課名",
    "name": "事業名",
    "category": "二次経費区分",
    "description": "事業内容",
    "requested": "要求額",
    "requested_levelup": "要求額（うちレベルアップ）",
    "budgeted": "予算額",
    "budgeted_levelup": "予算額（うちレベルアップ）",
    "title": "表題",
    "published": "公開",
    "lineage": "系譜",
}

# Header spellings (after normalise_label) -> column key.
HEADER_SPELLINGS = {
    "年度": "year",
    "施策番号": "theme_number",
    "施策の柱番号": "theme_number",
    "施策名": "theme_name",
    "施策の柱": "theme_name",
    "no": "no",
    "no.": "no",
    "番号": "no",
    "部": "department",
    "部名": "department",
    "課名": "section",
    "課": "section",
    "担当課": "section",
    "事業名": "name",
    "二次経費区分": "category",
    "区分": "category",
    "事業内容": "description",
    "内容": "description",
    "要求額": "requested",
    "要求額うちレベルアップ": "requested_levelup",
    "予算額": "budgeted",
    "予算額うちレベルアップ": "budgeted_levelup",
    # the backup's extra columns (export_budget_table --backup)
    "表題": "title",
    "公開": "published",
    "系譜": "lineage",
}

REQUIRED_COLUMNS = (
    "no",
    "department",
    "section",
    "name",
    "category",
    "description",
    "requested",
    "requested_levelup",
    "budgeted",
    "budgeted_levelup",
)

# Category spellings (after normalise_label, brackets removed) -> Project.Category.
CATEGORY_SPELLINGS = {
    "新規": Project.Category.NEW,
    "新": Project.Category.NEW,
    "new": Project.Category.NEW,
    "レベルアップ": Project.Category.LEVELUP,
    "レベル": Project.Category.LEVELUP,
    "レ": Project.Category.LEVELUP,
    "拡充": Project.Category.LEVELUP,
    "levelup": Project.Category.LEVELUP,
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


def missing_columns(mapping: dict[int, str]) -> list[str]:
    """The keys of required columns a header lacks."""
    keys = set(mapping.values())
    missing = [key for key in REQUIRED_COLUMNS if key not in keys]
    if "theme_number" in keys and "theme_name" not in keys:
        missing.append("theme_name")
    return missing


@functools.lru_cache(maxsize=256)
def category(text: str) -> str | None:
    """The category a cell names (a table spells the same few words on every row)."""
    return CATEGORY_SPELLINGS.get(normalise_label(text).strip("【】[]「」<>〈〉"))


def published_flag(text: str) -> bool | None:
    """True or False for a backup's 公開 cell; None if it is neither."""
    return PUBLISHED_WORDS.get(normalise_label(text))
