"""The downloads' rows, read year by year so that the first leaves without a sort.

``values(queryset, *fields)`` yields the rows of ``queryset`` in the queryset's own
order (the list's, for a download of the list), read in chunks as one query per
fiscal year, where one query over every year would sort every matching row before
the first left. Grouped by year, each year whole:

- an ordering led by the year keeps its direction (the list's default and its
  「年度（降順）」 sort: the newest first); any other comes a year at a time, the
  oldest first (``regroups``);
- within a year the rows come in the ordering's other terms, then by No. A list
  sorted by year, or not sorted, is given back as it is shown; a list of several
  years sorted otherwise (by 予算額, say) comes a year at a time, each year sorted
  so, as one year's list shows it. A queryset with no explicit ordering comes by
  year (the oldest first), then No, as the open data files are.

Within one year ordered by No, the unique index (fiscal_year, no) gives that order
as it is read, so the first rows come at once; ordered otherwise, the database
sorts that year's rows alone, a 20th of a million-row table. One query over every
year made SQLite sort all the matching rows in a temporary B-tree before the first
came out (``EXPLAIN QUERY PLAN``: ``USE TEMP B-TREE FOR ORDER BY``).
``benchmarks/downloads.py`` serves each download both ways: at 1,000,000 projects
the CSVs and the JSON sent their first byte after 1.3-2.7 s in one query, 0.02-0.10
s year by year, in totals 0.76-1.13 of one query's (two runs, benchmarks/README.md).

The years are listed first, in one query, and only those with a matching project
(an ``EXISTS`` per year, which stops at the first): a filter on one year costs one
query for its rows, as before, plus that one. The price: a filter SQLite answered
from another index before (one section's projects) now walks each year's rows in
the order of No, 0.006 s -> 0.08 s for a section of 680 projects among 200,000
(timed once by hand, not by the benchmark).

What it gives up: one query read one snapshot; here each year is its own, so an
import that commits while a download is being sent shows in the years not yet read
(each year whole, before or after it). A transaction would not help on SQLite, where
the project's transactions take the write lock (``transaction_mode`` IMMEDIATE) and a
long download would hold off every import. Imports come a few times a year; the
``/data/`` files, built once per data version, are one snapshot each.
"""

from __future__ import annotations

from collections.abc import Iterator

from django.db.models import Exists, F, OrderBy, OuterRef, QuerySet

from budgets.models import FiscalYear, Project

CHUNK_SIZE = 2000  # rows fetched from the database at a time
YEAR_TERMS = frozenset({"fiscal_year", "fiscal_year__year", "fiscal_year_id"})


def values(queryset: QuerySet[Project], *fields: str) -> Iterator[tuple]:
    """Yield ``fields`` of each project of ``queryset``, a year at a time, in the
    queryset's order within each year (see the module's docstring)."""
    if queryset.query.is_empty():
        return
    newest_first, within_year = split_ordering(queryset.query.order_by)
    years = (
        FiscalYear.objects.filter(Exists(queryset.filter(fiscal_year=OuterRef("pk"))))
        .order_by("-year" if newest_first else "year")
        .values_list("pk", flat=True)
    )
    for year in years:
        yield from (
            queryset.filter(fiscal_year=year)
            .order_by(*within_year)
            .values_list(*fields)
            .iterator(chunk_size=CHUNK_SIZE)
        )


def split_ordering(ordering) -> tuple[bool, list]:
    """Whether an ordering's years come newest first, and its terms within a year
    (No among them). An ordering led by a year term keeps that term's direction; any
    other is given a year at a time, the oldest first (``regroups``). Terms are names
    (``"-budgeted"``) or expressions (``F("x").desc(nulls_last=True)``)."""
    named = [(term, *_named(term)) for term in ordering]
    newest_first = not regroups(ordering) and bool(named) and named[0][2]
    within_year, seen = [], set(YEAR_TERMS)
    for term, name, _down in named:
        if name not in seen:  # a field sorted twice sorts by its first term
            within_year.append(term)
            seen.add(name)
    if "no" not in seen:
        within_year.append("no")
    return newest_first, within_year


def regroups(ordering) -> bool:
    """Whether an ordering sorts by something before the year, so that a download,
    read a year at a time, gives it grouped by year instead."""
    return bool(ordering) and _named(ordering[0])[0] not in YEAR_TERMS


def _named(term) -> tuple[str | None, bool]:
    """The field an ordering term sorts by, and whether it goes down."""
    if isinstance(term, str):
        return term.lstrip("-"), term.startswith("-")
    if isinstance(term, OrderBy) and isinstance(term.expression, F):
        return term.expression.name, term.descending
    return None, False
