"""A reader in a real browser (Debian's Chromium, driven by Playwright).

With JavaScript off, a reader searches, filters, sorts, opens a project, switches to
English and downloads the list's CSV. With it on, axe-core (from the npm registry,
node_modules/axe-core) checks every page type and must find nothing; each page type
is kept as a screenshot in artifacts/, at desktop width and at 320 px.
"""

from __future__ import annotations

import csv
import io
import os
import re
import shutil
from pathlib import Path

import pytest
from django.conf import settings

from budgets.importing import import_table
from budgets.models import Department

ROOT = Path(settings.BASE_DIR)
AXE = ROOT / "node_modules" / "axe-core" / "axe.min.js"
ARTIFACTS = ROOT / "artifacts"
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
# Debian's Chromium on a machine with no outside network (see the environment notes).
CHROMIUM_FLAGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(
        os.environ.get("DATABASE_URL", "").startswith("postgres"),
        reason="the browser story runs once, on SQLite; the pages are the same",
    ),
]


@pytest.fixture(scope="module")
def browser():
    assert Path(CHROMIUM).exists(), (
        "Chromium is missing: scripts/bootstrap.sh installs it (apt-get install "
        "chromium) when run as root"
    )
    assert AXE.exists(), "axe-core is missing: run npm ci (scripts/bootstrap.sh does)"
    from playwright.sync_api import sync_playwright

    # Playwright's sync API keeps an event loop in this thread; the test's own ORM
    # calls (the data it sets up) are still plain synchronous calls.
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    try:
        with sync_playwright() as playwright:
            chromium = playwright.chromium.launch(
                executable_path=CHROMIUM, args=CHROMIUM_FLAGS, headless=True
            )
            yield chromium
            chromium.close()
    finally:
        os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)


@pytest.fixture
def two_years(transactional_db, seed_text):
    """FY2021 and FY2022 published (FY2022 is FY2021's table again)."""
    for text in (seed_text, seed_text.replace("令和3年度", "令和4年度")):
        report = import_table(text.encode(), publish=True)
        assert report.ok, report.problems


def screenshot(page, name: str) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)


def test_a_reader_finds_a_project_and_takes_the_list_home_without_javascript(
    browser, live_server, two_years, tmp_path
):
    context = browser.new_context(
        java_script_enabled=False, accept_downloads=True, locale="ja-JP"
    )
    page = context.new_page()

    page.goto(live_server.url + "/")
    assert page.locator("h1").inner_text().startswith("令和4年度（2022年度）")

    page.get_by_role("link", name="事業を探す").first.click()
    page.get_by_label("キーワード").fill("ＧＩＧＡ")  # full-width, finds GIGA
    page.get_by_role("button", name="絞り込む").click()
    assert page.locator("tbody tr").count() == 2
    page.get_by_label("年度", exact=True).select_option("2021")
    page.get_by_role("button", name="絞り込む").click()
    assert page.locator("tbody tr").count() == 1
    assert "q=%EF%BC%A7%EF%BC%A9%EF%BC%A7%EF%BC%A1" in page.url  # ＧＩＧＡ kept

    page.get_by_role("link", name="予算額", exact=True).click()
    assert "sort=budgeted" in page.url and "year=2021" in page.url
    assert page.locator("th[aria-sort=ascending]").inner_text().startswith("予算額")

    with page.expect_download() as download_info:
        page.get_by_role("link", name="CSV（UTF-8）").click()
    download = download_info.value
    saved = tmp_path / download.suggested_filename
    download.save_as(saved)
    assert saved.name == "minato-budget-2021-filtered.csv"  # a search's part
    data = saved.read_bytes()
    assert data.startswith("\ufeff".encode())
    rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))
    assert [row[6] for row in rows[1:]] == ["GIGAスクール推進事業"]

    page.get_by_role("link", name="GIGAスクール推進事業").click()
    assert page.locator("h1").inner_text() == "GIGAスクール推進事業"
    history = page.get_by_role("table", name="同じ事業の各年度（千円）")
    assert history.locator("tbody tr").count() == 2

    page.get_by_role("link", name="English").click()
    assert page.locator("html").get_attribute("lang") == "en"
    assert page.url.endswith("/projects/2021/26/")
    assert page.get_by_role("link", name="日本語").count() == 1
    context.close()


def test_a_reader_sorts_both_years_by_budget_and_is_told_how_the_file_comes(
    browser, live_server, two_years, tmp_path
):
    context = browser.new_context(accept_downloads=True, locale="ja-JP")
    page = context.new_page()
    page.goto(live_server.url + "/projects/")
    page.get_by_label("並べ替え", exact=True).select_option(label="予算額（降順）")
    page.get_by_role("button", name="絞り込む").click()

    note = page.locator(".downloads-line").get_by_text("ファイルは年度ごと")
    assert note.is_visible()
    assert note.inner_text() == (
        "ファイルは年度ごと（古い年度から）に、その中をこの並べ替えで並べます。"
    )
    listed = [  # (年度, No) of the 50 rows shown: each project's two years in turn
        (re.search(r"(\d{4})年度", cells[0])[1], cells[1])
        for cells in (
            row.split("\t") for row in page.locator("tbody tr").all_inner_texts()
        )
    ]
    with page.expect_download() as download_info:
        page.get_by_role("link", name="CSV（UTF-8）").click()
    saved = tmp_path / "sorted.csv"
    download_info.value.save_as(saved)
    rows = list(csv.reader(io.StringIO(saved.read_text(encoding="utf-8-sig"))))[1:]

    # 2021's 32 projects, then 2022's, each year in the list's order
    assert [row[0] for row in rows] == ["2021"] * 32 + ["2022"] * 32
    shown_2021 = [no for year, no in listed if year == "2021"]
    assert len(shown_2021) == 25 and shown_2021[:2] == ["11", "1"]
    assert [row[3] for row in rows[: len(shown_2021)]] == shown_2021
    assert [int(row[11]) for row in rows[:32]] == sorted(
        (int(row[11]) for row in rows[:32]), reverse=True
    )
    context.close()


def page_types(live_server) -> dict[str, str]:
    department = Department.objects.get(name="環境リサイクル支援部")
    return {
        "home": "/",
        "year": "/years/2021/",
        "theme": "/years/2022/themes/2/",
        "projects": "/projects/?q=みなと&sort=-budgeted",
        "projects-errors": "/projects/?category=nonsense",
        "project": "/projects/2022/1/",
        "department": department.get_absolute_url(),
    }


def axe_violations(page) -> list[dict]:
    page.evaluate(AXE.read_text(encoding="utf-8"))
    return page.evaluate(
        """async () => {
            const results = await axe.run(document);
            return results.violations.map((v) => ({
                id: v.id, impact: v.impact, help: v.help,
                nodes: v.nodes.slice(0, 3).map((n) => n.target.join(" ")),
            }));
        }"""
    )


@pytest.mark.parametrize("language", ["ja", "en"])
def test_every_page_type_passes_axe(browser, live_server, two_years, language):
    context = browser.new_context(locale=language)
    context.add_cookies(
        [{"name": "django_language", "value": language, "url": live_server.url}]
    )
    page = context.new_page()
    found = {}
    for name, path in page_types(live_server).items():
        response = page.goto(live_server.url + path)
        assert response.status == 200, path
        assert page.locator("html").get_attribute("lang") == language
        if violations := axe_violations(page):
            found[path] = violations
        screenshot(page, f"{name}-{language}")
    context.close()
    assert found == {}


def test_pages_reflow_at_320_px(browser, live_server, two_years):
    """At 320 px (or 1280 px at 400% zoom) nothing scrolls sideways but a table."""
    context = browser.new_context(viewport={"width": 320, "height": 640})
    page = context.new_page()
    for name, path in page_types(live_server).items():
        page.goto(live_server.url + path)
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= 320, f"{path} is {width} px wide"
        screenshot(page, f"{name}-320px")
    context.close()


def test_the_keyboard_reaches_the_content_first_and_focus_shows(
    browser, live_server, two_years
):
    page = browser.new_page()
    page.goto(live_server.url + "/projects/")
    page.keyboard.press("Tab")
    skip = page.locator(":focus")
    assert skip.get_attribute("href") == "#main"
    outline = skip.evaluate("(el) => getComputedStyle(el).outlineStyle")
    assert outline == "solid"
    page.keyboard.press("Enter")
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.id") == "id_q"
    page.close()
