"""A page of the list read by its rows' keys first (budgets/deferred_join.py).

A reader sorting FY2021's projects by name and going to page 3 sees the rows, in the
order, that Django's own paginator gives; only the SQL differs: the sort reads the
keys alone, and the whole rows are read by key, unsorted.
"""

import pytest
from django.core.paginator import Paginator
from django.db import connection
from django.db.models import F, Window
from django.db.models.functions import RowNumber
from django.test.utils import CaptureQueriesContext

from budgets import caching
from budgets.api.pagination import ForgivingPageNumberPagination
from budgets.deferred_join import DeferredJoinPaginator
from budgets.models import Project
from budgets.views import ForgivingPaginationMixin

pytestmark = pytest.mark.django_db

# the list's sort orders, amounts with "-" (NULL) among them, and the default
SORTS = ["", "name", "-name", "requested_levelup", "-budgeted", "-no", "year"]


@pytest.fixture(autouse=True)
def pages_of_ten(monkeypatch):
    """The seed's 32 projects in pages of 10, not the site's 50: four pages."""
    monkeypatch.setattr(ForgivingPaginationMixin, "paginate_by", 10)


def pages_of(client, path: str, query: dict) -> list[bytes]:
    """Every page of the list as the reader gets it, the page cache emptied first."""
    caching.reset()
    first = client.get(path, query)
    pages = [first.content]
    for number in range(2, first.context["paginator"].num_pages + 1):
        pages.append(client.get(path, {**query, "page": number}).content)
    return pages


@pytest.mark.parametrize("sort", SORTS)
def test_every_page_of_the_list_is_the_page_djangos_paginator_gives(
    client, fy2021, sort, monkeypatch
):
    query = {"sort": sort} if sort else {}

    ours = pages_of(client, "/projects/", query)
    monkeypatch.setattr(ForgivingPaginationMixin, "paginator_class", Paginator)
    djangos = pages_of(client, "/projects/", query)

    assert len(ours) == 4
    assert ours == djangos


def test_a_theme_and_a_department_list_their_projects_as_before(
    client, fy2021, monkeypatch
):
    project = Project.objects.select_related("section").get(no=1)
    paths = [
        f"/years/2021/themes/{project.theme.number}/",
        f"/departments/{project.section.department_id}/",
    ]

    ours = [pages_of(client, path, {}) for path in paths]
    monkeypatch.setattr(ForgivingPaginationMixin, "paginator_class", Paginator)

    assert ours == [pages_of(client, path, {}) for path in paths]


def test_the_api_pages_are_djangos(client, fy2021, monkeypatch):
    def pages() -> list[dict]:
        query = {"sort": "-budgeted", "page_size": 10}
        return [
            client.get("/api/projects/", {**query, "page": number}).json()
            for number in range(1, 5)
        ]

    ours = pages()
    monkeypatch.setattr(
        ForgivingPageNumberPagination, "django_paginator_class", Paginator
    )

    assert ours == pages()
    assert ours[2]["results"] != ours[3]["results"]


def test_the_sort_reads_only_the_keys_and_the_rows_are_read_by_key(client, fy2021):
    with CaptureQueriesContext(connection) as captured:
        client.get("/projects/", {"sort": "name", "page": 2})

    sorted_pages = [q["sql"] for q in captured if "OFFSET" in q["sql"]]
    rows = [q["sql"] for q in captured if '"description"' in q["sql"]]
    assert len(sorted_pages) == 1 and len(rows) == 1
    assert '"description"' not in sorted_pages[0]  # the page's keys alone
    assert "ORDER BY" not in rows[0] and " IN (" in rows[0]  # its rows, by key


def test_the_rows_come_with_their_related_objects(fy2021, django_assert_num_queries):
    queryset = Project.objects.with_related().order_by("-budgeted", "no")
    page = DeferredJoinPaginator(queryset, 10).page(2)

    with django_assert_num_queries(0):
        shown = [
            (p.fiscal_year.year, p.theme.number, p.section.department.name)
            for p in page
        ]
    assert [p.pk for p in page] == [p.pk for p in Paginator(queryset, 10).page(2)]
    assert len(shown) == 10


@pytest.mark.parametrize(
    "rows",
    [
        list(range(32)),
        "a list of characters, not a queryset",
        "values",
        "union",
        "window",  # a row number over the page's rows alone, if read by key
    ],
)
def test_what_it_cannot_read_by_key_is_paged_as_django_pages_it(fy2021, rows):
    ordered = Project.objects.order_by("no")
    if rows == "window":
        rows = ordered.annotate(row=Window(RowNumber(), order_by=F("no").asc()))
    if rows == "values":
        rows = ordered.values("no", "name")
    elif rows == "union":
        rows = (
            Project.objects.filter(no__lt=10)
            .order_by()
            .union(Project.objects.filter(no__gt=15).order_by())
            .order_by("no")
        )

    for number in (1, 2, 3):
        ours = DeferredJoinPaginator(rows, 10, orphans=3).page(number)
        djangos = Paginator(rows, 10, orphans=3).page(number)
        assert list(ours) == list(djangos)
        assert [getattr(r, "row", None) for r in ours] == [
            getattr(r, "row", None) for r in djangos
        ]
