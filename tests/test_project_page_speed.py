"""What keeps a project page the cache has not seen cheap (benchmarks/load_pages.py):
the other years' rows without what the page never reads, and one Redis client per
process."""

import pytest
from django.core.cache.backends.redis import RedisCache as DjangoRedisCache

from budgets.importing import import_table
from budgets.redis_cache import RedisCache


@pytest.fixture
def two_years(fy2021, seed_text):
    report = import_table(
        seed_text.replace("令和3年度", "令和4年度").encode(), publish=True
    )
    assert report.ok, report.problems


def test_the_history_leaves_what_the_page_never_reads_in_the_database(
    client, two_years, django_assert_max_num_queries
):
    with django_assert_max_num_queries(3):  # no deferred field is read later
        response = client.get("/projects/2022/1/")
        content = response.content.decode()

    history = response.context["history"]
    assert [row.fiscal_year.year for row in history] == [2021, 2022]
    for row in history:
        assert {"description", "created_at"} <= row.get_deferred_fields()
    project = response.context["project"]
    assert not project.get_deferred_fields()  # the page's own project is read whole
    assert project.description[:20] in content


def test_the_redis_cache_keeps_its_client():
    ours = RedisCache("redis://127.0.0.1:6379/15", {})._cache
    djangos = DjangoRedisCache("redis://127.0.0.1:6379/15", {})._cache

    # no connection is made until a command is sent
    assert ours.get_client("a") is ours.get_client("b", write=True)
    assert djangos.get_client("a") is not djangos.get_client("b")
