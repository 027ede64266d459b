"""A page of a sorted list read in two steps: its rows' keys, then those rows.

A page deep in a sorted list (`/projects/?year=2016&page=57&sort=name`) asks the
database for rows 2,801–2,850 of 5,000 in that order. Asked for whole rows (every
column, a 120-character description, the joined year, theme, section and
department), PostgreSQL sorts the year's 5,000 rows at their full width to reach the
page's end: past its `work_mem` it sorts on disk (6.4 MB for that page, 23 ms). Asked
for their keys only, it sorts narrow rows in memory; the page's 50 rows are then read
by key. This is the "deferred join" of MySQL and PostgreSQL lore, as a Django paginator.

For a queryset without annotations, the rows, their order and the page's numbers
are those of Django's ``Paginator`` over the same queryset
(``tests/test_deferred_join.py`` compares them); only the SQL differs. A queryset
with annotations is paged as Django pages it: a window function would be computed
over the page's rows alone, and with DISTINCT an annotation across a many-valued
relation is one row of several, which reading by key could pick differently.
``benchmarks/load_pages.py`` (its random pages of the list) measures it.
"""

from __future__ import annotations

from django.core.paginator import Paginator
from django.db.models import QuerySet


class DeferredJoinPaginator(Paginator):
    """Django's paginator; a page of a model queryset is read by its keys first
    (every page, the first too: one more query, whatever the page's number)."""

    def _get_page(self, object_list, number, paginator):
        if _readable_by_key(object_list):
            object_list = rows_by_key(self.object_list, object_list)
        return super()._get_page(object_list, number, paginator)


def rows_by_key(whole: QuerySet, page: QuerySet) -> list:
    """The rows of ``page``, a slice of ``whole``: its primary keys in its order
    (one narrow query), then the rows of ``whole`` with those keys (the same
    columns and related objects, one query), put in that order."""
    keys = list(page.values_list("pk", flat=True))
    found = whole.order_by().in_bulk(keys)
    # a row deleted between the two queries is left out (the page a row short)
    return [found[key] for key in keys if key in found]


def _readable_by_key(page) -> bool:
    """Whether ``page`` is a slice of a queryset of model instances whose rows read
    by key are the same rows (not values, a union, DISTINCT ON, GROUP BY or any
    annotation)."""
    if not isinstance(page, QuerySet) or page._fields is not None:
        return False
    query = page.query
    return (
        query.is_sliced
        and not query.combinator
        and not query.distinct_fields
        and query.group_by is None
        and not query.annotations
    )
