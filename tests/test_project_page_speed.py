"""What keeps a project page the cache has not seen cheap (benchmarks/load_pages.py):
the other years read as plain rows and prepared once (budgets/project_page.py),
statements PostgreSQL keeps prepared (config/settings.py), one Redis client per
process."""

import pytest
from django.core.cache.backends.redis import RedisCache as DjangoRedisCache
from django.db import connection
from django.urls import clear_script_prefix, set_script_prefix
from django.utils import translation
from django.utils.html import format_html

from budgets import project_page
from budgets.importing import import_table
from budgets.importing.proposing import Decisions
from budgets.models import Project
from budgets.redis_cache import RedisCache
from budgets.templatetags.budget_format import amount, approx
from tests import years_that_change as change


@pytest.fixture
def two_years(fy2021, seed_text):
    report = import_table(
        seed_text.replace("令和3年度", "令和4年度").encode(), publish=True
    )
    assert report.ok, report.problems


def test_the_history_is_plain_rows_prepared_once(
    client, two_years, django_assert_max_num_queries
):
    with django_assert_max_num_queries(3):  # the data version, the project, its years
        response = client.get("/projects/2022/1/")
        content = response.content.decode()

    history = response.context["history"]
    assert all(isinstance(row, project_page.Year) for row in history)
    earlier, current = history
    assert (earlier.year, earlier.url, earlier.is_current) == (
        2021,
        "/projects/2021/1/",
        False,
    )
    assert current.is_current and current.previous_budgeted == earlier.budgeted
    assert earlier.other_name == earlier.other_department == ""
    project = response.context["project"]
    assert not project.get_deferred_fields()  # the page's own project is read whole
    assert project.description[:20] in content


def test_a_project_without_a_lineage_is_its_own_history(two_years):
    project = Project.objects.get(fiscal_year__year=2022, no=1)
    project.lineage = None

    (row,) = project_page.history(project)

    assert (row.year, row.is_current, row.previous_budgeted) == (2022, True, None)
    assert row.budgeted == project.budgeted


@pytest.fixture
def years_that_change(fy2021, seed_text):
    """FY2022 with a renamed, a split and a merged project (tests/years_that_change)."""
    report = import_table(
        change.fy2022_table(seed_text),
        filename="r04.txt",
        publish=True,
        decisions=Decisions(confident=True),
    )
    assert report.ok, report.problems


def test_the_history_sql_compiled_once_answers_as_its_queryset(years_that_change):
    project_page._lineage_sql.cache_clear()
    sizes = set()
    projects = list(Project.objects.select_related("fiscal_year"))
    for project in projects:
        queryset = Project.objects.published().of_lineage(project)
        expected = list(queryset.values_list(*project_page.VALUES))

        assert project_page.lineage_rows(project.lineage_id) == expected
        sizes.add(len(expected))
    assert {2, 3} <= sizes  # continued; split in two or merged from two
    compiled = project_page._lineage_sql.cache_info()
    assert (compiled.misses, compiled.hits) == (1, len(projects) - 1)


def test_a_row_s_link_is_the_project_s_url(years_that_change):
    projects = list(Project.objects.select_related("fiscal_year"))
    for prefix in ("/", "/minato/budget/"):
        set_script_prefix(prefix)
        try:
            for project in projects:
                year = project.fiscal_year.year
                assert project_page._url(year, project.no) == (
                    project.get_absolute_url()
                )
        finally:
            clear_script_prefix()
    assert project_page._url(2021, 1) == "/projects/2021/1/"


@pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL's own")
def test_postgresql_keeps_the_statements_every_page_runs_prepared(client, two_years):
    for no in range(1, 7):  # psycopg prepares a statement on its fifth run
        assert client.get(f"/projects/2022/{no}/").status_code == 200

    with connection.cursor() as cursor:
        cursor.execute("SELECT statement FROM pg_prepared_statements")
        prepared = [statement for (statement,) in cursor.fetchall()]
    # the page's project and its years, each parsed and planned once
    assert any('"budgets_project"."no" = $' in sql for sql in prepared)
    assert any('"budgets_project"."lineage_id" IN' in sql for sql in prepared)


@pytest.mark.parametrize("language", ["ja", "en"])
def test_an_amount_cell_is_what_format_html_made(language):
    with translation.override(language):
        for value in (0, 5, 9_999, 3_826_938, 10**12, None):
            made = (
                format_html(
                    '{}<span class="reading">{}</span>', f"{value:,}", approx(value)
                )
                if value is not None
                else "-"
            )
            assert amount(value) == made


def test_the_redis_cache_keeps_its_client():
    ours = RedisCache("redis://127.0.0.1:6379/15", {})._cache
    djangos = DjangoRedisCache("redis://127.0.0.1:6379/15", {})._cache

    # no connection is made until a command is sent
    assert ours.get_client("a") is ours.get_client("b", write=True)
    assert djangos.get_client("a") is not djangos.get_client("b")
