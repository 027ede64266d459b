"""Budget day: pages come from the cache, browsers get 304s, and any change to the
data — in the admin, the shell, by an import, in this process or in another one beside
the site — shows at once here and within a second everywhere."""

import socket
import time
import uuid
from contextlib import contextmanager
from io import StringIO

import pytest
import redis
from django.core.cache import cache
from django.core.management import call_command
from django.db import transaction
from django.db.models import F
from django.test import Client, override_settings
from django.urls import reverse

from budgets import caching
from budgets.importing import import_table
from budgets.models import DataVersion, FiscalYear, Project

pytestmark = pytest.mark.django_db


@contextmanager
def another_process(monkeypatch):
    """Run the block as a process beside the site would (``manage.py`` in a shell, a
    second worker): its own local-memory cache, no memory of this process's pages
    or data version. The database is all the two share."""
    with monkeypatch.context() as patch:
        patch.setattr(caching, "_local_pages", caching._LocalPages())
        patch.setattr(caching, "_seen", None)
        with override_settings(
            CACHES={
                "default": {
                    "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
                    "LOCATION": f"another-process-{uuid.uuid4().hex}",
                }
            }
        ):
            yield


def a_second_later(monkeypatch, settings) -> None:
    """Move this process's clock past the time it trusts the data version it read."""
    later = caching.time.monotonic() + settings.PAGE_CACHE_VERSION_SECONDS + 0.5
    monkeypatch.setattr(caching.time, "monotonic", lambda: later)


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
    client, fy2021, url, django_assert_num_queries, settings
):
    # within the time a process trusts the data version it read (a slow machine may
    # take over the default second to render the first page)
    settings.PAGE_CACHE_VERSION_SECONDS = 60
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
    client, fy2021, url, django_assert_num_queries, settings
):
    settings.PAGE_CACHE_VERSION_SECONDS = 60  # as above
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


def test_two_changes_in_one_second_have_two_last_modified_dates(client, fy2021):
    # helper-15: a client revalidating by If-Modified-Since alone was told 304
    # for a change made in the same second as the page it had
    soon = (time.time_ns() // 10**9 + 5) * 10**9  # the start of a second to come
    DataVersion.objects.filter(pk=1).update(version=soon)
    caching.forget_local_copies()
    first = client.get("/")
    body(first)
    caching.bump_data_version()  # a change in the same second

    again = client.get("/", headers={"if-modified-since": first["Last-Modified"]})

    assert again.status_code == 200
    assert again["Last-Modified"] != first["Last-Modified"]


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


def test_a_change_in_the_admin_shows_at_once(
    admin_client, client, fy2021, seed_text, django_capture_on_commit_callbacks
):
    import_table(seed_text.replace("令和3年度", "令和4年度").encode())
    before = client.get("/")
    assert "令和4年度" not in before.content.decode()

    with django_capture_on_commit_callbacks(execute=True):  # the request commits
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


def test_a_saved_or_deleted_project_shows_at_once(
    client, fy2021, django_capture_on_commit_callbacks
):
    client.get("/projects/2021/1/")
    project = Project.objects.get(fiscal_year__year=2021, no=1)
    project.name = "融資あっせん事業"
    with django_capture_on_commit_callbacks(execute=True):  # the save commits
        project.save()
    assert "融資あっせん事業" in client.get("/projects/2021/1/").content.decode()

    client.get("/projects/")
    with django_capture_on_commit_callbacks(execute=True):
        Project.objects.get(fiscal_year__year=2021, no=32).delete()
    assert client.get("/projects/").context["paginator"].count == 31


def test_a_change_rolled_back_leaves_the_pages_as_they_were(client, fy2021):
    before = client.get("/projects/2021/1/")
    version = caching.data_version()

    with pytest.raises(RuntimeError), transaction.atomic():
        project = Project.objects.get(fiscal_year__year=2021, no=1)
        project.name = "融資あっせん事業"
        project.save()
        raise RuntimeError("the clerk's change fails")

    assert caching.data_version() == version == DataVersion.objects.get().version
    again = client.get("/projects/2021/1/", headers={"if-none-match": before["ETag"]})
    assert again.status_code == 304


def test_an_import_shows_at_once_though_its_bulk_writes_send_no_signals(
    client, fy2021, seed_text, django_capture_on_commit_callbacks
):
    assert "GIGAスクール推進事業" in client.get("/projects/").content.decode()
    changed = seed_text.replace("GIGAスクール推進事業", "GIGAスクール構想推進事業")

    with django_capture_on_commit_callbacks(execute=True):  # the import commits
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


def test_a_change_shows_when_it_commits_and_not_before(
    db, django_capture_on_commit_callbacks
):
    shared = caching.data_version()
    with django_capture_on_commit_callbacks() as callbacks:
        caching.data_changed()
        # not committed: no request can read the change yet, so no page is stale
        assert caching.data_version() == shared == DataVersion.objects.get().version
    assert [type(c) for c in callbacks] == [caching.BumpOnCommit]

    callbacks[0]()  # the commit
    committed = DataVersion.objects.get().version
    assert committed > shared
    assert caching.data_version() == committed  # here at once; elsewhere within 1 s


def test_the_yearly_import_run_beside_the_site_shows_on_it_within_a_second(
    client,
    fy2021,
    seed_text,
    tmp_path,
    monkeypatch,
    settings,
    django_capture_on_commit_callbacks,
):
    # the site has served the overview, cached it and given browsers its ETag
    before = client.get("/")
    assert "令和4年度" not in before.content.decode()
    table = tmp_path / "r04_shinki_levelup.txt"
    table.write_text(seed_text.replace("令和3年度", "令和4年度"), encoding="utf-8")

    # finance staff run the documented yearly import in a shell on the server
    with another_process(monkeypatch), django_capture_on_commit_callbacks(execute=True):
        call_command("import_budget_table", str(table), "--publish", stdout=StringIO())

    a_second_later(monkeypatch, settings)
    after = client.get("/", headers={"if-none-match": before["ETag"]})
    assert after.status_code == 200  # not 304: the browser's copy is stale
    assert "令和4年度（2022年度）" in after.content.decode()
    assert after["ETag"] != before["ETag"]
    assert client.get("/years/2022/").status_code == 200


def test_a_correction_in_the_shell_beside_the_site_shows_on_it_within_a_second(
    client, fy2021, monkeypatch, settings, django_capture_on_commit_callbacks
):
    before = client.get("/projects/2021/1/")
    assert "融資あっせん事業" not in before.content.decode()

    with another_process(monkeypatch), django_capture_on_commit_callbacks(execute=True):
        project = Project.objects.get(fiscal_year__year=2021, no=1)
        project.name = "融資あっせん事業"
        project.save()

    a_second_later(monkeypatch, settings)
    after = client.get("/projects/2021/1/", headers={"if-none-match": before["ETag"]})
    assert after.status_code == 200
    assert "融資あっせん事業" in after.content.decode()


def test_a_change_in_another_process_shows_here_within_a_second(
    client, fy2021, monkeypatch, settings
):
    first = client.get("/")
    # another worker's change commits: this one still trusts what it read
    DataVersion.objects.update(version=F("version") + 1)
    assert client.get("/", headers={"if-none-match": first["ETag"]}).status_code == 304

    a_second_later(monkeypatch, settings)
    assert client.get("/", headers={"if-none-match": first["ETag"]}).status_code == 200


def test_a_crowd_costs_one_query_a_second_for_the_data_version(
    client, fy2021, monkeypatch, settings, django_assert_num_queries
):
    first = client.get("/")
    client.get("/projects/")

    a_second_later(monkeypatch, settings)
    with django_assert_num_queries(1):  # the data version, read from the database
        assert (
            client.get("/", headers={"if-none-match": first["ETag"]}).status_code == 304
        )
    with django_assert_num_queries(0):  # then the same second: memory only
        for _ in range(3):
            assert client.get("/projects/").status_code == 200
            assert client.get("/").status_code == 200


def test_an_emptied_cache_costs_a_render_not_a_browsers_copy(
    client, fy2021, settings, django_assert_max_num_queries
):
    settings.PAGE_CACHE_VERSION_SECONDS = 0
    caching.bump_data_version()  # what the import's commit does (tests never commit)
    first = client.get("/")
    caching.reset()  # Redis restarted, say, and this process too

    # nothing changed: the version is in the database, the browser's copy still good
    again = client.get("/", headers={"if-none-match": first["ETag"]})
    assert again.status_code == 304
    with django_assert_max_num_queries(10) as rendered:
        assert client.get("/").content == first.content
    assert len(rendered) > 1


def test_a_version_row_lost_with_the_data_starts_a_version_no_old_etag_matches(
    client, fy2021, settings
):
    settings.PAGE_CACHE_VERSION_SECONDS = 0
    caching.bump_data_version()
    first = client.get("/")
    DataVersion.objects.all().delete()  # a database emptied for a restore, say

    again = client.get("/", headers={"if-none-match": first["ETag"]})
    assert again.status_code == 200
    assert again["ETag"] != first["ETag"]
    assert DataVersion.objects.get().version > 0


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


def test_a_workbook_larger_than_the_limit_is_built_each_time(
    client, fy2021, settings, django_assert_max_num_queries
):
    settings.PAGE_CACHE_MAX_BYTES = 1000
    first = client.get("/projects.xlsx")
    assert len(first.getvalue()) > 1000

    with django_assert_max_num_queries(10) as captured:
        again = client.get("/projects.xlsx")
    assert len(captured) >= 1  # not from the cache
    assert again["ETag"] == first["ETag"]  # yet browsers may still revalidate it
    key = caching.PAGE_KEY_PREFIX + first["ETag"].strip('"')
    assert caching._local_pages.get(key) is None and cache.get(key) is None


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


def test_redis_holds_the_pages_that_all_workers_share(
    client,
    fy2021,
    redis_cache,
    django_assert_num_queries,
    settings,
    django_capture_on_commit_callbacks,
):
    settings.PAGE_CACHE_VERSION_SECONDS = 60
    caching.bump_data_version()  # what the import's commit does (tests never commit)
    first = client.get("/projects/2021/1/")
    with django_assert_num_queries(0):
        assert client.get("/projects/2021/1/").content == first.content
    server = redis.Redis.from_url("redis://127.0.0.1:6379/15")
    page_key = caching.PAGE_KEY_PREFIX + first["ETag"].strip('"')
    assert server.exists(redis_cache.make_key(page_key))

    caching.forget_local_copies()  # another worker: Redis has the page it needs
    with django_assert_num_queries(1):  # the data version, from the database
        assert client.get("/projects/2021/1/").content == first.content

    project = Project.objects.get(fiscal_year__year=2021, no=1)
    project.name = "融資あっせん事業"
    with django_capture_on_commit_callbacks(execute=True):  # the save commits
        project.save()
    assert "融資あっせん事業" in client.get("/projects/2021/1/").content.decode()


def test_deleting_many_projects_at_once_bumps_the_version_once(
    client, fy2021, django_capture_on_commit_callbacks
):
    before = client.get("/projects/")

    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        with transaction.atomic():  # as the admin's "delete selected" runs
            for project in Project.objects.all():
                project.delete()

    bumps = [c for c in callbacks if isinstance(c, caching.BumpOnCommit)]
    assert len(bumps) == 1
    after = client.get("/projects/", headers={"if-none-match": before["ETag"]})
    assert after.status_code == 200 and after.context["paginator"].count == 0


def test_a_bump_lost_with_a_rolled_back_savepoint_is_registered_again(
    fy2021, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks() as callbacks:
        with transaction.atomic():
            try:
                with transaction.atomic():
                    Project.objects.get(no=1).delete()
                    raise RuntimeError("the clerk's change fails")
            except RuntimeError:
                pass
            Project.objects.get(no=2).delete()

    assert [type(c) for c in callbacks if isinstance(c, caching.BumpOnCommit)] == [
        caching.BumpOnCommit
    ]
