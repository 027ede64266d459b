"""What search engines, feed readers and shared links see: published years only."""

import re
import xml.etree.ElementTree as ET
from datetime import timedelta

import pytest
from django.db import connection
from django.db.models import F
from django.test.utils import CaptureQueriesContext

from budgets.models import Department, FiscalYear, Project, Theme
from tests.factories import make_fiscal_year, make_project, make_section

pytestmark = pytest.mark.django_db

ATOM = "{http://www.w3.org/2005/Atom}"
SITEMAP = "{http://www.sitemaps.org/schemas/sitemap/0.9}"


def sitemap_locations(client) -> list[str]:
    response = client.get("/sitemap.xml")
    assert response.status_code == 200
    root = ET.fromstring(response.content)
    return [element.text for element in root.iter(f"{SITEMAP}loc")]


def feed_entries(client) -> list[dict]:
    response = client.get("/feeds/updates.atom")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/atom+xml")
    root = ET.fromstring(response.content)
    return [
        {
            "title": entry.findtext(f"{ATOM}title"),
            "link": entry.find(f"{ATOM}link").get("href"),
            "id": entry.findtext(f"{ATOM}id"),
            "summary": entry.findtext(f"{ATOM}summary"),
            "updated": entry.findtext(f"{ATOM}updated"),
        }
        for entry in root.iter(f"{ATOM}entry")
    ]


def meta(html: str, key: str) -> str:
    match = re.search(rf'<meta (?:property|name)="{key}" content="([^"]*)">', html)
    assert match, key
    return match.group(1)


def later(instance, **delta) -> None:
    """Stamp a save that happened some time after the instance's last one."""
    type(instance).objects.filter(pk=instance.pk).update(
        updated_at=instance.updated_at + timedelta(**delta)
    )


def published_later(fiscal_year, **delta) -> None:
    """Stamp the year's publication some time after it happened."""
    FiscalYear.objects.filter(pk=fiscal_year.pk).update(
        published_at=F("published_at") + timedelta(**delta)
    )


@pytest.fixture
def draft(fy2021):
    fiscal_year = make_fiscal_year(year=2022, is_published=False)
    section = make_section(department_name="下書き部")
    return make_project(fiscal_year=fiscal_year, section=section, no=7, name="下書き")


def test_the_sitemap_lists_the_pages_years_departments_and_32_projects(client, fy2021):
    locations = sitemap_locations(client)

    assert "http://testserver/" in locations
    assert "http://testserver/projects/" in locations
    assert "http://testserver/data/" in locations
    assert "http://testserver/years/2021/" in locations
    projects = [url for url in locations if re.search(r"/projects/2021/\d+/$", url)]
    assert len(projects) == 32
    assert len([url for url in locations if "/departments/" in url]) == 11


def test_the_sitemap_never_lists_a_draft(client, draft):
    locations = sitemap_locations(client)

    assert not [url for url in locations if "2022" in url]
    department = Department.objects.get(name="下書き部")
    assert f"http://testserver/departments/{department.pk}/" not in locations


def test_robots_txt_points_to_the_sitemap_and_keeps_out_of_the_admin(client, db):
    response = client.get("/robots.txt")

    text = response.content.decode()
    assert response["Content-Type"] == "text/plain; charset=utf-8"
    assert "Sitemap: http://testserver/sitemap.xml" in text.splitlines()
    assert "Disallow: /admin/" in text.splitlines()
    assert "User-agent: *" in text.splitlines()


def test_robots_txt_keeps_crawlers_off_the_language_switch_and_downloads(client, db):
    lines = client.get("/robots.txt").content.decode().splitlines()
    switch = client.get("/", HTTP_ACCEPT_LANGUAGE="ja").content.decode()

    assert 'href="/language/en/?next=' in switch  # on every page
    assert "Disallow: /language/" in lines
    assert {"Disallow: /projects.csv", "Disallow: /projects.xlsx"} <= set(lines)
    assert not any("/i18n/" in line for line in lines)  # no such path


def test_a_shared_project_link_shows_its_name_and_amount(client, fy2021):
    html = client.get("/projects/2021/1/").content.decode()

    assert meta(html, "og:title") == "融資事業"
    assert "予算額 3,191,866 千円" in meta(html, "og:description")
    assert "31億9,186万6千円" in meta(html, "og:description")
    assert meta(html, "og:url") == "http://testserver/projects/2021/1/"
    assert meta(html, "og:type") == "article"
    assert meta(html, "twitter:card") == "summary"
    assert meta(html, "twitter:title") == "融資事業"
    assert meta(html, "twitter:description") == meta(html, "og:description")


def test_a_shared_link_escapes_the_name_once(client, fy2021):
    make_project(fiscal_year=fy2021, no=40, name='R&D "ラボ"')

    html = client.get("/projects/2021/40/").content.decode()

    assert meta(html, "og:title") == "R&amp;D &quot;ラボ&quot;"


def test_the_feed_announces_the_published_year(client, fy2021):
    entries = feed_entries(client)

    assert [entry["title"] for entry in entries] == [
        "令和3年度（2021年度）の表を公開しました"
    ]
    assert entries[0]["link"] == "http://testserver/years/2021/"
    assert "事業 32 件" in entries[0]["summary"]
    assert "予算額 13,573,990 千円" in entries[0]["summary"]


def test_the_feed_takes_the_same_queries_for_one_published_year_or_three(
    client, db, settings
):
    settings.PAGE_CACHE_VERSION_SECONDS = 0  # the data version read every time

    def count_queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert client.get("/feeds/updates.atom").status_code == 200
        return len(captured)

    make_project(fiscal_year=make_fiscal_year(year=2021), budgeted=1000)
    one = count_queries()
    make_project(fiscal_year=make_fiscal_year(year=2022), budgeted=2000)
    make_fiscal_year(year=2023)  # published, no project yet

    assert count_queries() == one
    summaries = {entry["title"]: entry["summary"] for entry in feed_entries(client)}
    assert len(summaries) == 3
    assert "予算額 2,000 千円" in summaries["令和4年度（2022年度）の表を公開しました"]
    assert "事業 0 件" in summaries["令和5年度（2023年度）の表を公開しました"]


def test_a_project_changed_after_publication_is_a_correction(client, fy2021):
    project = Project.objects.get(fiscal_year=fy2021, no=1)
    project.budgeted = 3_000_000
    project.save()
    later(project, minutes=5)

    entries = feed_entries(client)

    assert entries[0]["title"] == "訂正：令和3年度 No.1 融資事業"
    assert entries[0]["link"] == "http://testserver/projects/2021/1/"
    assert "予算額 3,000,000 千円" in entries[0]["summary"]
    assert entries[1]["title"] == "令和3年度（2021年度）の表を公開しました"
    assert len(entries) == 2


def test_a_correction_says_what_it_changed_from_what_to_what(client, fy2021):
    project = Project.objects.get(fiscal_year=fy2021, no=1)
    before = project.budgeted
    project.budgeted = 3_000_000
    project.description += "（対象を拡大）"
    project.save()
    later(project, minutes=5)

    summary = feed_entries(client)[0]["summary"]

    assert summary.startswith(
        f"公開時から訂正しました：事業内容、予算額（千円） {before:,} → 3,000,000。"
    )
    assert summary.endswith("予算額 3,000,000 千円。")  # the current values, still


def test_a_corrected_category_and_name_read_as_the_page_reads_them(client, fy2021):
    project = Project.objects.get(fiscal_year=fy2021, no=1)
    assert project.category == Project.Category.LEVELUP
    project.name = "融資あっせん事業"
    project.category = Project.Category.NEW
    project.requested_levelup = project.budgeted_levelup = None
    project.save()
    later(project, minutes=5)

    summary = feed_entries(client)[0]["summary"]

    assert "事業名 融資事業 → 融資あっせん事業" in summary
    assert "二次経費区分 レベルアップ → 新規" in summary
    assert "予算額のうちレベルアップ（千円） " in summary and " → -" in summary
    assert "levelup" not in summary


def test_an_english_reader_reads_the_correction_in_english(client, fy2021):
    project = Project.objects.get(fiscal_year=fy2021, no=1)
    before = project.budgeted
    project.budgeted += 1
    project.save()
    later(project, minutes=5)
    client.cookies["django_language"] = "en"

    summary = feed_entries(client)[0]["summary"]

    assert summary.startswith(
        "Corrected since publication: Budgeted amount (¥1,000) "
        f"{before:,} → {before + 1:,}. Current values:"
    )


def test_two_saves_in_a_row_are_told_against_what_was_published(client, fy2021):
    # helper-19: against the record before the newest, the feed told only the
    # second save's change and hid the new budget
    project = Project.objects.get(fiscal_year=fy2021, no=1)
    before = project.budgeted
    project.budgeted = 3_000_000
    project.save()
    project.description += "（対象を拡大）"
    project.save()
    later(project, minutes=5)

    summary = feed_entries(client)[0]["summary"]

    assert f"事業内容、予算額（千円） {before:,} → 3,000,000。" in summary


def test_a_change_undone_is_no_correction_of_what_was_published(client, fy2021):
    # helper-19: 139,143 → 140,000 → 139,143 read as "140,000 → 139,143", a figure
    # never published
    project = Project.objects.get(fiscal_year=fy2021, no=1)
    published = project.budgeted
    project.budgeted = published + 857
    project.save()
    project.budgeted = published
    project.save()
    later(project, minutes=5)

    summary = feed_entries(client)[0]["summary"]

    assert summary.startswith("公開後に更新されました。いまの内容は公開時と同じです。")
    assert "→" not in summary


def test_a_lineage_derived_again_after_a_save_keeps_the_saves_change(
    client, fy2021, seed_text
):
    # helper-19: linking a project to last year's saves it again (its lineage,
    # budgets.lineages), and the feed then told only 「内容が更新されました」
    from budgets.importing import import_table
    from budgets.models import ProjectLink

    earlier = seed_text.replace("令和3年度", "令和2年度").encode()
    assert import_table(earlier, filename="r02.txt", publish=True).ok
    project = Project.objects.get(fiscal_year=fy2021, no=15)
    before = project.budgeted
    project.budgeted = before + 1
    project.save()
    last_year = Project.objects.get(fiscal_year__year=2020, no=2)
    ProjectLink.objects.create(
        later=project, earlier=last_year, kind=ProjectLink.Kind.CONTINUES
    )
    later(Project.objects.get(pk=project.pk), minutes=5)

    entry = next(e for e in feed_entries(client) if e["title"].startswith("訂正"))

    assert f"予算額（千円） {before:,} → {before + 1:,}" in entry["summary"]


def test_a_name_is_text_in_the_feeds_html_summary(client, fy2021):
    # helper-19: Atom's summary is HTML; a name's "<b>" would be read as a tag
    project = Project.objects.get(fiscal_year=fy2021, no=1)
    project.name = "<b>融資</b> & 利子補給"
    project.save()
    later(project, minutes=5)

    response = client.get("/feeds/updates.atom").content.decode()

    assert (
        "事業名 融資事業 → &amp;lt;b&amp;gt;融資&amp;lt;/b&amp;gt; &amp;amp; 利子補給"
        in (response)
    )


def test_the_corrections_take_one_query_for_what_they_changed(client, fy2021, settings):
    settings.PAGE_CACHE_VERSION_SECONDS = 0  # the data version read every time

    def count_queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert client.get("/feeds/updates.atom").status_code == 200
        return len(captured)

    def correct(no: int) -> None:
        project = Project.objects.get(fiscal_year=fy2021, no=no)
        project.budgeted += 1
        project.save()
        later(project, minutes=5)

    correct(1)
    one = count_queries()
    for no in (2, 3, 4):
        correct(no)

    assert count_queries() == one
    assert sum("→" in entry["summary"] for entry in feed_entries(client)) == 4


def test_each_correction_is_its_own_entry(client, fy2021):
    project = Project.objects.get(fiscal_year=fy2021, no=1)
    later(project, minutes=5)
    first = feed_entries(client)[0]["id"]
    later(Project.objects.get(pk=project.pk), minutes=5)

    second = feed_entries(client)[0]["id"]

    assert first != second
    assert first.startswith("http://testserver/projects/2021/1/#updated-")


def test_changes_before_publication_are_not_corrections(client, db):
    fiscal_year = make_fiscal_year(year=2022, is_published=False)
    theme = Theme.objects.create(fiscal_year=fiscal_year, number=1, name="施策")
    project = make_project(theme=theme, no=1, name="準備中の事業")
    later(project, minutes=5)
    assert feed_entries(client) == []

    fiscal_year = FiscalYear.objects.get(pk=fiscal_year.pk)
    fiscal_year.is_published = True
    fiscal_year.save()
    published_later(fiscal_year, minutes=10)

    assert [entry["title"] for entry in feed_entries(client)] == [
        "令和4年度（2022年度）の表を公開しました"
    ]


def test_editing_a_published_year_keeps_its_date_and_its_corrections(client, fy2021):
    # helper-14: saving the year re-dated its publication to now and dropped the
    # corrections made before from the feed
    published = feed_entries(client)[0]
    project = Project.objects.get(fiscal_year=fy2021, no=1)
    project.budgeted = 3_000_000
    project.save()
    later(project, minutes=5)
    fy2021 = FiscalYear.objects.get(pk=fy2021.pk)
    fy2021.title = "令和3年度当初予算（表題の訂正）"
    fy2021.save()
    later(fy2021, minutes=10)

    entries = {entry["title"]: entry for entry in feed_entries(client)}

    assert "訂正：令和3年度 No.1 融資事業" in entries
    year = entries["令和3年度（2021年度）の表を公開しました"]
    assert year["updated"] == published["updated"]
    assert "いまの値" in year["summary"]  # today's totals, said so


def test_a_year_published_again_is_announced_again(client, fy2021):
    first = FiscalYear.objects.get(pk=fy2021.pk).published_at
    announced = feed_entries(client)[0]["updated"]
    fiscal_year = FiscalYear.objects.get(pk=fy2021.pk)
    fiscal_year.is_published = False
    fiscal_year.save()
    assert FiscalYear.objects.get(pk=fy2021.pk).published_at is None
    fiscal_year.is_published = True
    fiscal_year.save()

    again = FiscalYear.objects.get(pk=fy2021.pk).published_at
    assert first is not None and again > first  # renewed, not kept
    assert feed_entries(client)[0]["updated"] > announced


def test_a_feed_reader_asking_again_gets_304_until_something_changes(
    client, fy2021, django_capture_on_commit_callbacks
):
    first = client.get("/feeds/updates.atom")
    since = client.get(
        "/feeds/updates.atom", headers={"if-modified-since": first["Last-Modified"]}
    )
    held = client.get("/feeds/updates.atom", headers={"if-none-match": first["ETag"]})
    assert since.status_code == held.status_code == 304

    with django_capture_on_commit_callbacks(execute=True):
        project = Project.objects.get(fiscal_year=fy2021, no=1)
        project.budgeted = 3_000_000
        project.save()
    changed = client.get(
        "/feeds/updates.atom", headers={"if-none-match": first["ETag"]}
    )
    assert changed.status_code == 200


def test_the_feed_never_shows_a_draft(client, draft):
    later(draft, minutes=5)

    titles = [entry["title"] for entry in feed_entries(client)]

    assert titles == ["令和3年度（2021年度）の表を公開しました"]


def test_the_data_page_links_the_feed(client, fy2021):
    html = client.get("/data/").content.decode()
    assert 'type="application/atom+xml" href="/feeds/updates.atom"' in html


def test_every_page_links_the_data_page(client, fy2021):
    assert 'href="/data/"' in client.get("/projects/").content.decode()
