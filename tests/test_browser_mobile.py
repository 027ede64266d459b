"""A reader on a phone, on a desktop, at 200 % zoom and on paper (Debian's Chromium).

At 360 px (a phone like Playwright's "Pixel 5": mobile viewport, touch, a dense screen),
at 1280 px and at 200 % zoom of a 1280 px window (640 CSS px at device scale 2), in
Japanese and in English, every public page type fits its width without sideways
scrolling of the page and axe-core finds nothing; the list shows each project as a
block with its name and budget on screen; the filter form opens and submits. Printed,
a year, a theme and the list are the table with the page's title and the 出典 line.
Screenshots and the printed PDFs are kept in artifacts/.
"""

from __future__ import annotations

import pytest

from budgets.importing import import_table
from budgets.models import Department, Project
from tests import test_browser
from tests.test_browser import ARTIFACTS, axe_violations

pytestmark = test_browser.pytestmark
# test_browser.py's fixtures: its Chromium and the two published years
browser = test_browser.browser
two_years = test_browser.two_years

PHONE = {
    "viewport": {"width": 360, "height": 740},
    "device_scale_factor": 3,
    "is_mobile": True,
    "has_touch": True,
    "user_agent": (
        "Mozilla/5.0 (Linux; Android 11; Pixel 5) AppleWebKit/537.36 "
        "(KHTML, like Gecko) Chrome/130.0.0.0 Mobile Safari/537.36"
    ),
}
DESKTOP = {"viewport": {"width": 1280, "height": 800}}
ZOOMED = {"viewport": {"width": 640, "height": 400}, "device_scale_factor": 2}
SCREENS = {"360px": PHONE, "1280px": DESKTOP, "zoom200": ZOOMED}
NARROW = {"360px": PHONE, "zoom200": ZOOMED}
# A4 less the 12 mm margins of site.css's @page, in CSS px (96 per inch).
A4_PRINTABLE_PX = round((210 - 2 * 12) / 25.4 * 96)


def public_pages() -> dict[str, str]:
    department = Department.objects.get(name="環境リサイクル支援部")
    return {
        "home": "/",
        "year": "/years/2021/",
        "theme": "/years/2022/themes/2/",
        "projects": "/projects/",
        "projects-errors": "/projects/?category=nonsense",
        "project": "/projects/2022/1/",
        "project-long-name": "/projects/2022/2/",  # an unbroken name, see below
        "not-found": "/projects/2022/9999/",
        "department": department.get_absolute_url(),
        "data": "/data/",
        "api-docs": "/api/docs/",
    }


def open_context(browser, live_server, screen: dict, language: str):
    context = browser.new_context(locale=language, **screen)
    context.add_cookies(
        [{"name": "django_language", "value": language, "url": live_server.url}]
    )
    return context


def page_width(page) -> int:
    return page.evaluate("document.documentElement.scrollWidth")


def lock_out(page, live_server) -> None:
    """Fail the admin login until django-axes answers with its lockout page."""
    page.goto(live_server.url + "/admin/login/")
    page.locator("#id_username").fill("someone")
    page.locator("#id_password").fill("wrong")
    page.locator("input[type=submit]").click()


def check(page, name: str, screen: str, language: str) -> list:
    """Return what is wrong with the page shown: a width, axe's violations."""
    problems = []
    viewport = page.viewport_size["width"]
    if (width := page_width(page)) > viewport:
        problems.append(f"{width} px wide in a {viewport} px viewport")
    problems += axe_violations(page)
    # CSS pixels: a phone's device scale would make each picture nine times larger
    path = ARTIFACTS / f"mobile-{name}-{screen}-{language}.png"
    page.screenshot(path=str(path), full_page=True, scale="css")
    return problems


@pytest.mark.parametrize("language", ["ja", "en"])
@pytest.mark.parametrize("screen", SCREENS)
def test_every_public_page_fits_the_screen_and_passes_axe(
    browser, live_server, two_years, settings, screen, language
):
    settings.AXES_FAILURE_LIMIT = 1  # the first failed login shows the lockout page
    ARTIFACTS.mkdir(exist_ok=True)
    context = open_context(browser, live_server, SCREENS[screen], language)
    page = context.new_page()
    found = {}
    Project.objects.filter(fiscal_year__year=2022, no=2).update(name="Minato" * 40)
    for name, path in public_pages().items():
        response = page.goto(live_server.url + path)
        assert response.status == (404 if name == "not-found" else 200), path
        if name == "api-docs":
            page.locator(".opblock").first.wait_for()
        if problems := check(page, name, screen, language):
            found[path] = problems
    lock_out(page, live_server)
    assert page.locator("h1").inner_text() in {
        "ログインを一時的に止めています",
        "Login temporarily locked",
    }
    if problems := check(page, "lockout", screen, language):
        found["lockout"] = problems
    context.close()
    assert found == {}


def card_boxes(page) -> list[dict]:
    """Each project block's name link and budget, as the screen shows them."""
    return page.locator(".project-card").evaluate_all(
        """(cards) => cards.map((card) => {
            const box = (el) => { const r = el.getBoundingClientRect();
                return {left: r.left, right: r.right, width: r.width}; };
            return {name: box(card.querySelector("h3 a")),
                    budget: box(card.querySelector(".budget dd"))};
        })"""
    )


@pytest.mark.parametrize("language", ["ja", "en"])
@pytest.mark.parametrize("screen", NARROW)
def test_on_a_narrow_screen_each_project_is_a_block_with_its_name_and_budget(
    browser, live_server, two_years, screen, language
):
    context = open_context(browser, live_server, NARROW[screen], language)
    page = context.new_page()
    for path in ("/projects/", "/years/2022/themes/2/"):
        page.goto(live_server.url + path)
        viewport = page.viewport_size["width"]

        cards = card_boxes(page)
        assert cards, f"no project blocks on {path}"
        blocks = page.locator("ol.project-cards").get_by_role("listitem")
        assert blocks.count() == len(cards)
        for card in cards:
            assert card["name"]["width"] >= 200
            assert 0 <= card["budget"]["left"] and card["budget"]["right"] <= viewport
        # the table is display:none: no second copy for a screen reader either
        assert page.locator("table.projects").is_hidden()
        first = page.locator(".project-card").first
        first.locator("summary").click()
        assert first.locator(".more-amounts dd").first.is_visible()
    context.close()


def amount_cells(page) -> list[dict]:
    """Each cell of the tables of amounts: its box, the heading shown beside it
    (data-label) and its column's header, whether the header row shows."""
    return page.locator("table.stackable > tbody > tr > td").evaluate_all(
        """(cells) => cells.map((cell) => {
            const r = cell.getBoundingClientRect();
            const table = cell.closest("table");
            const header = table.tHead.rows[0].cells[cell.cellIndex];
            return {left: r.left, right: r.right, shown: r.width > 0,
                    spills: cell.scrollWidth > cell.clientWidth + 1,
                    label: cell.dataset.label, header: header.textContent.trim(),
                    display: getComputedStyle(cell).display,
                    beside: getComputedStyle(cell, "::before").float,
                    headerRowHeight: table.tHead.getBoundingClientRect().height};
        })"""
    )


def pages_of_amounts(live_server) -> list[str]:
    department = Department.objects.get(name="環境リサイクル支援部")
    pages = ["/", "/years/2022/", "/years/2022/themes/2/", "/projects/2022/1/"]
    return [live_server.url + path for path in [*pages, department.get_absolute_url()]]


@pytest.mark.parametrize("language", ["ja", "en"])
@pytest.mark.parametrize("screen", SCREENS)
def test_each_amount_is_on_screen_beside_its_heading_as_a_block_when_narrow(
    browser, live_server, two_years, screen, language
):
    # the year's totals were 768 px wide on a 360 px phone: 予算額 off-screen
    narrow = screen in NARROW
    # a change as long as the city's: "+1,234,567 (+32.3%)" (helper-17: its end was
    # cut off in the cell at 360 px)
    project = Project.objects.get(fiscal_year__year=2022, no=1)
    Project.objects.filter(pk=project.pk).update(budgeted=project.budgeted + 1_234_567)
    context = open_context(browser, live_server, SCREENS[screen], language)
    page = context.new_page()
    for url in pages_of_amounts(live_server):
        page.goto(url)
        viewport = page.viewport_size["width"]
        cells = [cell for cell in amount_cells(page) if cell["shown"]]
        assert len(cells) >= 8, url
        for cell in cells:
            assert cell["label"] == cell["header"], url
            assert 0 <= cell["left"] and cell["right"] <= viewport, (url, cell)
            assert not cell["spills"], (url, cell)
            if narrow:  # a block, its heading beside it, the header row unseen
                assert cell["display"] != "table-cell" and cell["beside"] == "left"
                assert cell["headerRowHeight"] <= 1, url  # for screen readers
            else:
                assert cell["display"] == "table-cell", url
                assert cell["headerRowHeight"] > 20, url
    context.close()


@pytest.mark.parametrize("language", ["ja", "en"])
@pytest.mark.parametrize("screen", NARROW)
def test_on_a_narrow_screen_every_download_link_is_on_screen(
    browser, live_server, two_years, screen, language
):
    # helper-17: at 320 px "CSV (UTF-8 with BOM)" ended at x=360, in a table that
    # scrolled sideways inside its region
    context = open_context(browser, live_server, NARROW[screen], language)
    page = context.new_page()
    page.goto(live_server.url + "/data/")
    viewport = page.viewport_size["width"]

    rights = page.locator("table.downloads a").evaluate_all(
        "(links) => links.map((a) => a.getBoundingClientRect().right)"
    )

    assert len(rights) >= 3 * 4
    assert max(rights) <= viewport
    context.close()


@pytest.mark.parametrize("language", ["ja", "en"])
def test_a_wide_screen_shows_the_table_and_no_blocks(
    browser, live_server, two_years, language
):
    context = open_context(browser, live_server, DESKTOP, language)
    page = context.new_page()
    page.goto(live_server.url + "/projects/")
    assert page.locator("table.projects").is_visible()
    assert page.locator(".project-cards").is_hidden()
    assert page.locator("#id_q").is_visible()  # the form needs no button here
    context.close()


@pytest.mark.parametrize("screen", NARROW)
def test_on_a_narrow_screen_the_filter_form_opens_and_submits(
    browser, live_server, two_years, screen
):
    context = open_context(browser, live_server, NARROW[screen], "ja")
    page = context.new_page()
    page.goto(live_server.url + "/projects/")
    keyword = page.get_by_label("キーワード")
    assert keyword.is_hidden()

    page.get_by_text("絞り込み・並べ替え", exact=True).click()
    keyword.fill("GIGA")
    page.get_by_label("並べ替え", exact=True).select_option("-budgeted")
    page.get_by_role("button", name="絞り込む").click()

    assert "q=GIGA" in page.url and "sort=-budgeted" in page.url
    assert page.locator(".project-card").count() == 2  # FY2021 and FY2022
    assert page.get_by_text("絞り込み・並べ替え（2 件の条件）").is_visible()
    assert page_width(page) <= page.viewport_size["width"]
    context.close()


PRINTED = {
    "year": ("/years/2021/", "施策の柱ごとの合計（千円）"),
    "theme": ("/years/2022/themes/2/", "この施策の柱の事業（金額は千円）"),
    "projects": (
        "/projects/",
        "事業一覧（金額は千円）。列の見出しを選ぶと並べ替えます。",
    ),
}


def test_printed_on_a4_a_page_is_its_title_its_table_and_the_source(
    browser, live_server, two_years
):
    context = browser.new_context(
        locale="ja", viewport={"width": A4_PRINTABLE_PX, "height": 1000}
    )
    page = context.new_page()
    page.emulate_media(media="print")
    ARTIFACTS.mkdir(exist_ok=True)
    for name, (path, table) in PRINTED.items():
        page.goto(live_server.url + path)

        assert page.locator("h1").is_visible()
        assert page.get_by_role("table", name=table).is_visible()
        assert page.get_by_text(
            "出典：港区「新規事業及びレベルアップ事業一覧」"
        ).is_visible()
        for clutter in (
            "nav:not(.pagination)",
            ".filter-panel",
            ".project-cards",
            "figure.chart",
        ):
            assert all(element.is_hidden() for element in page.locator(clutter).all())
        assert page_width(page) <= A4_PRINTABLE_PX, path
        page.pdf(path=str(ARTIFACTS / f"print-{name}.pdf"), format="A4")
    context.close()


@pytest.fixture
def twenty_years(transactional_db, seed_text):
    """The seed's table published for twenty years, FY2021 to FY2040: a project page,
    a theme and a department with twenty years of history to chart."""
    for era_year in range(3, 23):
        text = seed_text.replace("令和3年度", f"令和{era_year}年度")
        report = import_table(text.encode(), publish=True)
        assert report.ok, report.problems


def chart_texts(page) -> list[dict]:
    """Every text of every chart: its box and size on screen, and its chart's box."""
    return page.locator("svg.chart text").evaluate_all(
        """(texts) => texts.map((text) => {
            const svg = text.closest("svg"), box = text.getBoundingClientRect();
            const frame = svg.getBoundingClientRect();
            const scale = frame.width / svg.viewBox.baseVal.width;
            return {chart: svg.id, text: text.textContent,
                    px: parseFloat(getComputedStyle(text).fontSize) * scale,
                    left: box.left, right: box.right, top: box.top, bottom: box.bottom,
                    frame: {left: frame.left, right: frame.right,
                            top: frame.top, bottom: frame.bottom}};
        })"""
    )


def overlapping(texts: list[dict]) -> list[tuple[str, str]]:
    """The pairs of texts of one chart whose boxes cross (by more than half a px)."""
    found = []
    for index, one in enumerate(texts):
        for other in texts[index + 1 :]:
            if one["chart"] == other["chart"] and all(
                (
                    min(one["right"], other["right"]) - max(one["left"], other["left"])
                    > 0.5,
                    min(one["bottom"], other["bottom"]) - max(one["top"], other["top"])
                    > 0.5,
                )
            ):
                found.append((one["text"], other["text"]))
    return found


PHONE_320 = {**PHONE, "viewport": {"width": 320, "height": 640}}


@pytest.mark.parametrize("language", ["ja", "en"])
@pytest.mark.parametrize("screen", ["320px", *SCREENS])
def test_a_charts_text_is_readable_whole_and_never_on_other_text(
    browser, live_server, twenty_years, screen, language
):
    # at 320 px the charts' text was 9 px, and twenty years' labels ran together
    department = Department.objects.get(name="環境リサイクル支援部")
    paths = ["/years/2040/", "/years/2040/themes/2/", "/projects/2040/1/"]
    context = open_context(
        browser, live_server, SCREENS.get(screen, PHONE_320), language
    )
    page = context.new_page()
    for path in [*paths, department.get_absolute_url()]:
        page.goto(live_server.url + path)
        texts = chart_texts(page)
        assert texts, path
        for text in texts:
            assert text["px"] >= 12, (path, text)
            frame = text["frame"]
            assert frame["left"] - 0.5 <= text["left"], (path, text)
            assert text["right"] <= frame["right"] + 0.5, (path, text)
            assert frame["top"] - 0.5 <= text["top"], (path, text)
            assert text["bottom"] <= frame["bottom"] + 0.5, (path, text)
        assert overlapping(texts) == [], path
        if path.startswith("/projects/"):  # some years named, the latest always
            years = [t["text"] for t in texts if t["text"].isdigit()]
            assert years[-1] == "2040" and len(years) >= 4, years
    context.close()
