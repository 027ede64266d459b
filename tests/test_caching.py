"""Budget day: pages come from the cache, browsers get 304s, and any change to the
data — in the admin, by an import — shows at once."""

import socket
import uuid

import pytest
import redis
from django.core.cache import cache
from django.core.management import call_command
from django.test import Client
from django.urls import reverse

from budgets import caching
from budgets.importing import import_table
from budgets.models import FiscalYear, Project

pytestmark = pytest.mark.django_db

PUBLIC_PAGES = [
    "/",
    "/years/2021/",
    "/years/2021/themes/1/",
    "/projects/",
    "/projects/?q=GIGA&sort=-budgeted",
    "/projects/2021/1/",
    "/projects.csv?year=2021",
]


def body(response) -> bytes:
    if response.streaming:
        return b"".join(response.streaming_content)
    return response.content


@pytest.mark.parametrize("url", PUBLIC_PAGES)
def test_a_second_visit_is_served_from_the_cache_without_sql(
    client, fy2021, url, django_assert_num_queries
):
    first = client.get(url)
    assert first.status_code == 200
    first_body = body(first)

    with django_assert_num_queries(0):
        second = client.get(url)
    assert second.status_code == 200
    assert body(second) == first_body
    assert second["ETag"] == first["ETag"]
    assert second["Content-Type"] == first["Content-Type"]


@pytest.mark.parametrize("url", PUBLIC_PAGES)
def test_a_browser_that_has_the_page_gets_304(
    client, fy2021, url, django_assert_num_queries
):
    first = client.get(url)
    body(first)
    assert first["ETag"].startswith('"')
    assert "no-cache" in first["Cache-Control"]

    with django_assert_num_queries(0):
        again = client.get(url, headers={"if-none-match": first["ETag"]})
    assert again.status_code == 304
    assert again.content == b""
    assert again["ETag"] == first["ETag"]

    by_date = client.get(url, headers={"if-modified-since": first["Last-Modified"]})
    assert by_date.status_code == 304


def test_the_same_page_in_another_language_is_another_page(client, fy2021):
    japanese = client.get("/", headers={"accept-language": "ja"})
    english = client.get("/", headers={"accept-language": "en"})

    assert '<html lang="ja">' in japanese.content.decode()
    assert '<html lang="en">' in english.content.decode()
    assert japanese["ETag"] != english["ETag"]
    stale = client.get(
        "/",
        headers={"accept-language": "en", "if-none-match": japanese["ETag"]},
    )
    assert stale.status_code == 200


def test_a_change_in_the_admin_shows_at_once(admin_client, client, fy2021, seed_text):
    import_table(seed_text.replace("令和3年度", "令和4年度").encode())
    before = client.get("/")
    assert "令和4年度" not in before.content.decode()

    admin_client.post(
        reverse("admin:budgets_fiscalyear_changelist"),
        {
            "action": "publish",
            "_selected_action": [FiscalYear.objects.get(year=2022).pk],
        },
    )

    assert FiscalYear.objects.get(year=2022).is_published
    after = client.get("/", headers={"if-none-match": before["ETag"]})
    assert after.status_code == 200
    assert "令和4年度（2022年度）" in after.content.decode()


def test_a_saved_or_deleted_project_shows_at_once(client, fy2021):
    client.get("/projects/2021/1/")
    project = Project.objects.get(fiscal_year__year=2021, no=1)
    project.name = "融資あっせん事業"
    project.save()
    assert "融資あっせん事業" in client.get("/projects/2021/1/").content.decode()

    client.get("/projects/")
    Project.objects.get(fiscal_year__year=2021, no=32).delete()
    assert client.get("/projects/").context["paginator"].count == 31


def test_an_import_shows_at_once_though_its_bulk_writes_send_no_signals(
    client, fy2021, seed_text
):
    assert "GIGAスクール推進事業" in client.get("/projects/").content.decode()
    changed = seed_text.replace("GIGAスクール推進事業", "GIGAスクール構想推進事業")

    report = import_table(changed.encode(), publish=True)

    assert report.written and report.counts()["changed"] == 1
    content = client.get("/projects/").content.decode()
    assert "GIGAスクール構想推進事業" in content


def test_a_dry_run_import_changes_nothing_cached(client, fy2021, seed_text):
    first = client.get("/")
    version = caching.data_version()
    import_table(seed_text.replace("融資事業", "融資").encode(), dry_run=True)
    assert caching.data_version() == version
    assert client.get("/", headers={"if-none-match": first["ETag"]}).status_code == 304


def test_a_change_bumps_again_when_its_transaction_commits(
    db, django_capture_on_commit_callbacks
):
    before = caching.data_version()
    with django_capture_on_commit_callbacks() as callbacks:
        caching.data_changed()
        during = caching.data_version()
    assert during > before
    assert callbacks == [caching.bump_data_version]


def test_an_emptied_cache_starts_a_version_no_old_etag_matches(
    client, fy2021, settings
):
    settings.PAGE_CACHE_VERSION_SECONDS = 0
    first = client.get("/")
    cache.clear()  # Redis restarted, say
    again = client.get("/", headers={"if-none-match": first["ETag"]})
    assert again.status_code == 200
    assert again["ETag"] != first["ETag"]


def test_a_change_in_another_process_shows_here_within_a_second(
    client, fy2021, monkeypatch
):
    first = client.get("/")
    # another worker bumps the shared version: this one still trusts what it read
    cache.set(caching.DATA_VERSION_KEY, caching.data_version() + 1)
    assert client.get("/", headers={"if-none-match": first["ETag"]}).status_code == 304

    later = caching.time.monotonic() + 1.5
    monkeypatch.setattr(caching.time, "monotonic", lambda: later)
    assert client.get("/", headers={"if-none-match": first["ETag"]}).status_code == 200


def test_this_process_keeps_its_latest_pages_within_a_budget(settings):
    settings.PAGE_CACHE_LOCAL_BYTES = 1000
    pages = caching._LocalPages()
    for name in "abcde":
        pages.put(name, {"content": b"x" * 200})
    pages.get("b")  # read lately: kept
    pages.put("f", {"content": b"x" * 200})
    pages.put("huge", {"content": b"x" * 300})  # over a quarter of the budget

    kept = [name for name in "abcdef" if pages.get(name)]
    assert kept == ["b", "c", "d", "e", "f"]
    assert pages.get("huge") is None


def test_a_missing_page_is_not_cached(client, fy2021, seed_text):
    import_table(seed_text.replace("令和3年度", "令和4年度").encode())
    assert client.get("/projects/2022/1/").status_code == 404

    # update() sends no signal: only a 404 kept in the cache would still answer
    FiscalYear.objects.filter(year=2022).update(is_published=True)
    assert client.get("/projects/2022/1/").status_code == 200


def test_a_csv_larger_than_the_limit_is_streamed_each_time(
    client, fy2021, settings, django_assert_max_num_queries
):
    settings.PAGE_CACHE_MAX_BYTES = 1000
    assert len(body(client.get("/projects.csv"))) > 1000

    with django_assert_max_num_queries(10) as captured:
        body(client.get("/projects.csv"))
    assert len(captured) >= 1


def test_pages_with_errors_in_the_query_answer_without_etag(client, fy2021):
    response = client.get("/projects.csv", {"category": "x"})
    assert response.status_code == 400
    assert not response.has_header("ETag")


def test_static_files_are_served_compressed(tmp_path, settings):
    settings.STATIC_ROOT = tmp_path
    # only this site's own files: compressing the admin's and the API's takes long
    settings.STATICFILES_FINDERS = [
        "django.contrib.staticfiles.finders.FileSystemFinder"
    ]
    call_command("collectstatic", interactive=False, verbosity=0)
    assert (tmp_path / "budgets" / "site.css.gz").exists()
    assert (tmp_path / "budgets" / "site.css.br").exists()

    browser = Client()  # a new handler: WhiteNoise reads STATIC_ROOT when it starts
    response = browser.get(
        "/static/budgets/site.css", headers={"accept-encoding": "gzip, br"}
    )
    assert response.status_code == 200
    assert response["Content-Encoding"] == "br"
    assert response["Vary"] == "Accept-Encoding"


def redis_is_running() -> bool:
    try:
        socket.create_connection(("127.0.0.1", 6379), timeout=0.5).close()
    except OSError:
        return False
    return True


@pytest.fixture
def redis_cache(settings):
    if not redis_is_running():
        pytest.skip("Redis is not running at 127.0.0.1:6379")
    prefix = f"test-{uuid.uuid4().hex}"
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": "redis://127.0.0.1:6379/15",
            # a fresh namespace: other runs and other programs keep their keys
            "KEY_PREFIX": prefix,
            "TIMEOUT": 60,
        }
    }
    caching.forget_local_copies()  # what it holds came from the local-memory cache
    yield cache
    server = redis.Redis.from_url("redis://127.0.0.1:6379/15")
    keys = list(server.scan_iter(f"{prefix}:*"))
    if keys:
        server.delete(*keys)


def test_redis_holds_the_pages_and_the_data_version(
    client, fy2021, redis_cache, django_assert_num_queries
):
    first = client.get("/projects/2021/1/")
    with django_assert_num_queries(0):
        assert client.get("/projects/2021/1/").content == first.content
    server = redis.Redis.from_url("redis://127.0.0.1:6379/15")
    page_key = caching.PAGE_KEY_PREFIX + first["ETag"].strip('"')
    assert server.exists(redis_cache.make_key(caching.DATA_VERSION_KEY))
    assert server.exists(redis_cache.make_key(page_key))

    project = Project.objects.get(fiscal_year__year=2021, no=1)
    project.name = "融資あっせん事業"
    project.save()
    assert "融資あっせん事業" in client.get("/projects/2021/1/").content.decode()
