"""What every open-data file shares: its title, licence and attribution, the data
dictionary, the published projects and their records."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from django.db.models import QuerySet
from django.utils.translation import gettext_noop

from budgets import citations, columns, year_by_year
from budgets.exporting import (
    COLUMNS,
)
from budgets.models import FiscalYear, Project

TITLE = "港区 新規事業及びレベルアップ事業一覧"
TITLE_EN = "Minato City: new and level-up projects of the initial budget"
SOURCE_TITLE = "港区「新規事業及びレベルアップ事業一覧」（港区ウェブサイト）"
SOURCE_URL = "https://www.city.minato.tokyo.jp/"
LICENCE_NAME = "CC-BY-4.0"
# Japanese in the files; the /data/ page gives a reader the licence in their language
LICENCE_TITLE = gettext_noop("クリエイティブ・コモンズ 表示 4.0 国際（CC BY 4.0）")
LICENCE_URL = gettext_noop("https://creativecommons.org/licenses/by/4.0/deed.ja")
GOVERNMENT_TERMS = "政府標準利用規約（第2.0版）"
ATTRIBUTION = (
    "出典：港区「新規事業及びレベルアップ事業一覧」"
    f"（港区ウェブサイト {SOURCE_URL}）を加工して作成"
)
ATTRIBUTION_EN = (
    "Source: Minato City, 新規事業及びレベルアップ事業一覧 (List of new and level-up "
    f"projects), Minato City website ({SOURCE_URL}); processed by this site."
)

FORMATS = ("csv", "cp932.csv", "xlsx", "json")
CP932 = "cp932"
CP932_CHARSET = "Windows-31J"  # the IANA name of cp932
XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


# The data dictionary: the open-data columns (budgets.columns), in the CSV's order.
DICTIONARY = columns.OPEN_DATA


def published_years() -> QuerySet[FiscalYear]:
    return FiscalYear.objects.published().order_by("year")


def projects_of(year: int | None) -> QuerySet[Project]:
    """Return the published projects of one year, or of every published year."""
    projects = Project.objects.published()
    return projects if year is None else projects.filter(fiscal_year__year=year)


def filename(year: int | None, fmt: str, *, filtered: bool = False) -> str:
    """Return a file's name: minato-budget-2021.csv, minato-budget-all.cp932.csv …;
    a part of one (the list's download of a search, a category …):
    minato-budget-2021-filtered.csv, never the whole file's name."""
    return f"minato-budget-{year or 'all'}{'-filtered' if filtered else ''}.{fmt}"


def records(queryset: QuerySet[Project]) -> Iterator[dict[str, Any]]:
    """Yield each project as a dict of the dictionary's keys, raw values, None kept."""
    keys = [column.key for column in DICTIONARY]
    rows = year_by_year.values(queryset, *COLUMNS, *citations.VALUES)
    texts, width = citations.Texts(), len(keys)
    for row in rows:
        record = dict(zip(keys, row[:width], strict=True))
        record["citation"] = texts(row[width:])  # in place of the project's id
        yield record
