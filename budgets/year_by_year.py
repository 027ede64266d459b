"""The downloads' rows, read year by year so that the first leaves without a sort.

``values(queryset, *fields)`` yields exactly what

    queryset.order_by("fiscal_year__year", "no").values_list(*fields)

yields (the CSV's and the JSON's order: year, then No; any other ordering of the
queryset is replaced, as it was), read in chunks, but as one query per fiscal year,
the oldest first, each ordered by No alone. Within one year the unique index
(fiscal_year, no) gives that order as it is read, so the first rows come at once.
One query over every year made SQLite sort all the matching rows in a temporary
B-tree before the first came out (``EXPLAIN QUERY PLAN``: ``USE TEMP B-TREE FOR ORDER
BY``). ``benchmarks/downloads.py`` serves each download both ways: at 1,000,000
projects the CSVs and the JSON sent their first byte after 1.3-2.7 s in one query,
0.02-0.10 s year by year, in totals 0.76-1.13 of one query's (two runs,
benchmarks/README.md).

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

from django.db.models import Exists, OuterRef, QuerySet

from budgets.models import FiscalYear, Project

CHUNK_SIZE = 2000  # rows fetched from the database at a time


def values(queryset: QuerySet[Project], *fields: str) -> Iterator[tuple]:
    """Yield ``fields`` of each project of ``queryset``, ordered by year and No."""
    if queryset.query.is_empty():
        return
    years = (
        FiscalYear.objects.filter(Exists(queryset.filter(fiscal_year=OuterRef("pk"))))
        .order_by("year")
        .values_list("pk", flat=True)
    )
    for year in years:
        yield from (
            queryset.filter(fiscal_year=year)
            .order_by("no")
            .values_list(*fields)
            .iterator(chunk_size=CHUNK_SIZE)
        )
