"""Budget day with a big table: every public page runs a fixed, small number of SQL
queries, however many projects a year has."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from budgets import caching
from budgets.models import (
    Department,
    FiscalYear,
    Project,
    ProjectLineage,
    Section,
    Theme,
    project_search_text,
)

pytestmark = pytest.mark.django_db

PROJECTS = 5_000
EARLIER_PROJECTS = 500
DEPARTMENTS = 40
SECTIONS_PER_DEPARTMENT = 5
THEMES = 5


def make_year(
    year: int, count: int, sections: list[Section], lineages, first: int = 1
) -> None:
    fiscal_year, created = FiscalYear.objects.get_or_create(
        year=year, defaults={"is_published": True}
    )
    if created:
        Theme.objects.bulk_create(
            Theme(fiscal_year=fiscal_year, number=n, name=f"施策{n}")
            for n in range(1, THEMES + 1)
        )
    themes = list(fiscal_year.themes.order_by("number"))
    projects = []
    for no in range(first, first + count):
        section = sections[no % len(sections)]
        levelup = no % 3 == 0
        name = f"事業{no}"
        projects.append(
            Project(
                fiscal_year=fiscal_year,
                theme=themes[no % THEMES],
                no=no,
                section=section,
                name=name,
                category="levelup" if levelup else "new",
                description="区民サービスを拡充します。",
                requested=1000 * no + year,
                requested_levelup=500 if levelup else None,
                budgeted=900 * no + year,
                budgeted_levelup=400 if levelup else None,
                lineage=lineages[no - 1],
                search_text=project_search_text(
                    name=name,
                    description="区民サービスを拡充します。",
                    section=section.name,
                    department=section.department.name,
                ),
            )
        )
    Project.objects.bulk_create(projects, batch_size=1000)


def make_departments() -> tuple[list[Department], list[Section]]:
    departments = Department.objects.bulk_create(
        Department(name=f"部{n:02}") for n in range(DEPARTMENTS)
    )
    sections = Section.objects.bulk_create(
        Section(department=department, name=f"課{n}")
        for department in departments
        for n in range(SECTIONS_PER_DEPARTMENT)
    )
    return departments, sections


@pytest.fixture
def crowded_year(db):
    """FY2022 with 5,000 projects in 40 departments; FY2021 with 500 of them."""
    departments, sections = make_departments()
    lineages = ProjectLineage.objects.bulk_create(
        ProjectLineage() for _ in range(PROJECTS)
    )
    make_year(2021, EARLIER_PROJECTS, sections, lineages)
    make_year(2022, PROJECTS, sections, lineages)
    assert Project.objects.filter(fiscal_year__year=2022).count() == PROJECTS
    return departments


# (page, most queries). The bounds hold for any number of projects: no page loops
# over rows with a query each.
PAGES = [
    # the overviews: two for the reorganisations between the two years (the
    # departments', and the sections moved to another department)
    ("/", 9),
    ("/years/2022/", 10),
    # a list's page: its rows' keys, then its rows (budgets.deferred_join)
    ("/years/2022/themes/1/", 7),
    # the list: its keys too, but its count is its totals' (one aggregate)
    ("/projects/", 7),
    ("/projects/?year=2022&q=事業1&category=levelup&sort=-budgeted&page=3", 8),
    ("/projects/?department=DEPT&budgeted_min=1000&budgeted_max=4000000", 8),
    ("/projects/2022/1/", 2),
    ("/departments/DEPT/", 7),  # two for its and its sections' reorganisations
    ("/projects.csv?year=2022", 3),  # the years that match, then their rows
    ("/data/", 5),  # its cp932 check reads the rows a year at a time
    ("/api/years/", 2),
    ("/feeds/updates.atom", 2),
]


def test_every_public_page_runs_a_bounded_number_of_queries(
    client, crowded_year, django_assert_max_num_queries, settings
):
    # The data version is one query a process makes at most once a
    # PAGE_CACHE_VERSION_SECONDS, not one per page: read it before, and trust it for
    # the whole loop (which can take over a second), so the bounds count the pages'.
    settings.PAGE_CACHE_VERSION_SECONDS = 3600
    caching.data_version()
    # one test for all pages: building 5,500 projects takes longer than the pages
    for url, most in PAGES:
        url = url.replace("DEPT", str(crowded_year[1].pk))
        with django_assert_max_num_queries(most, info=url):
            response = client.get(url)
            if response.streaming:
                rows = b"".join(response.streaming_content).count(b"\n") - 1
                assert rows == PROJECTS
        assert response.status_code == 200, url


def test_the_overview_of_a_big_year_adds_up(client, crowded_year):
    response = client.get("/")

    assert response.context["totals"]["count"] == PROJECTS
    assert len(response.context["by_department"]) == DEPARTMENTS
    assert response.context["previous_totals"]["count"] == EARLIER_PROJECTS
    assert sum(row["count"] for row in response.context["by_theme"]) == PROJECTS


def test_a_project_page_shows_its_history_in_two_queries(
    client, crowded_year, django_assert_max_num_queries
):
    with django_assert_max_num_queries(3):
        response = client.get("/projects/2022/10/")
    history = response.context["history"]
    assert [row.year for row in history] == [2021, 2022]


def test_the_open_data_of_a_big_table_is_built_once_then_cached(
    client, crowded_year, settings, django_assert_num_queries
):
    # within the time a process trusts the data version it read: building the
    # XLSX of 5,500 projects takes about a second
    settings.PAGE_CACHE_VERSION_SECONDS = 60
    for url in [
        "/data/",
        "/data/datapackage.json",
        "/data/minato-budget-all.xlsx",
        "/data/minato-budget-all.json",
        "/data/minato-budget-all.csv",
        "/data/minato-budget-all.cp932.csv",
    ]:
        first = client.get(url)
        body = b"".join(first.streaming_content) if first.streaming else first.content
        # small enough for both caches: the shared one's limit on a streamed
        # page, and this process's, which skips a page over a quarter of its budget
        assert len(body) <= settings.PAGE_CACHE_MAX_BYTES, url
        assert len(body) <= settings.PAGE_CACHE_LOCAL_BYTES // 4, url

        with django_assert_num_queries(0):
            second = client.get(url)
            assert second.content == body, url
        with django_assert_num_queries(0):
            again = client.get(url, headers={"if-none-match": first["ETag"]})
        assert again.status_code == 304, url


def count_queries(client, url: str) -> int:
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
        if response.streaming:
            b"".join(response.streaming_content)
    assert response.status_code == 200
    return len(captured)


def test_the_number_of_queries_does_not_grow_with_the_table(client, db, settings):
    settings.PAGE_CACHE_VERSION_SECONDS = 3600  # the data version: read once, as above
    departments, sections = make_departments()
    lineages = ProjectLineage.objects.bulk_create(
        ProjectLineage() for _ in range(PROJECTS)
    )
    make_year(2022, 50, sections, lineages)
    urls = [url.replace("DEPT", str(departments[1].pk)) for url, _ in PAGES]
    caching.data_version()
    small = [count_queries(client, url) for url in urls]

    make_year(2022, PROJECTS - 50, sections, lineages, first=51)
    caching.reset()
    caching.data_version()
    big = [count_queries(client, url) for url in urls]

    assert big == small
