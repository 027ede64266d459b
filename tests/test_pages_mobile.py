"""The markup a phone reads: each project as a block beside the table, the filter form
behind one button, the site's look from the vendored design tokens.
(tests/test_browser_mobile.py checks how Chromium lays them out.)"""

from html.parser import HTMLParser

import pytest
from django.conf import settings

pytestmark = pytest.mark.django_db

TOKENS = settings.BASE_DIR / "static" / "budgets" / "vendor" / "design-tokens"


class Cards(HTMLParser):
    """The text of each project block (li.project-card), and its details' summary."""

    def __init__(self) -> None:
        super().__init__()
        self.cards: list[str] = []
        self.links: list[str] = []
        self._depth = 0

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "li" and attrs.get("class") == "project-card":
            self.cards.append("")
            self._depth = 1
        elif self._depth and tag == "li":
            self._depth += 1
        if self._depth and tag == "a" and len(self.links) < len(self.cards):
            self.links.append(attrs["href"])  # the block's first link: its name

    def handle_endtag(self, tag):
        if self._depth and tag == "li":
            self._depth -= 1

    def handle_data(self, data):
        if self._depth:
            self.cards[-1] += data


def cards(response) -> Cards:
    assert response.status_code == 200
    parser = Cards()
    parser.feed(response.content.decode())
    return parser


def test_each_project_is_a_block_with_its_facts_and_budget_reading(client, fy2021):
    page = cards(client.get("/projects/", {"sort": "no"}))

    assert len(page.cards) == 32
    first = " ".join(page.cards[0].split())
    assert page.links[0] == "/projects/2021/1/"
    for fact in (
        "融資事業",
        "令和3年度（2021年度）",
        "No 1",
        "産業・地域振興支援部 産業振興課",
        "レベルアップ",
        "約32億円",
        "3,191,866 千円",
        "要求額とレベルアップ分",
        "3,826,938 千円",  # requested, one tap away
    ):
        assert fact in first, fact


def test_the_blocks_read_in_english_with_names_in_japanese(client, fy2021):
    response = client.get(
        "/projects/", {"sort": "no"}, headers={"accept-language": "en"}
    )
    first = " ".join(cards(response).cards[0].split())

    assert "about ¥3.2 billion" in first
    assert "Requested amount and level-up parts" in first
    assert '<h3 lang="ja"><a href="/projects/2021/1/">融資事業</a></h3>' in (
        response.content.decode()
    )


def test_theme_and_department_pages_list_their_projects_as_blocks_too(client, fy2021):
    theme = cards(client.get("/years/2021/themes/1/"))
    assert len(theme.cards) == 7

    department = client.get(theme.links[0]).context["project"].section.department
    assert cards(client.get(department.get_absolute_url())).cards


def test_no_match_says_so_in_the_blocks_too(client, fy2021):
    content = client.get("/projects/", {"q": "該当しない言葉"}).content.decode()
    assert content.count("条件に合う事業はありません。") == 2  # blocks and table


def test_the_filter_button_counts_the_conditions_it_holds(client, fy2021):
    content = client.get("/projects/").content.decode()
    assert "<summary>絞り込み・並べ替え</summary>" in content

    response = client.get("/projects/", {"q": "GIGA", "sort": "-budgeted", "page": "1"})
    assert "<summary>絞り込み・並べ替え（2 件の条件）</summary>" in (
        response.content.decode()
    )


def test_invalid_conditions_open_the_filter_form(client, fy2021):
    content = client.get("/projects/", {"category": "nonsense"}).content.decode()
    assert '<details class="filter-panel" open>' in content


def test_printing_names_the_page_it_came_from(client, fy2021):
    content = client.get("/years/2021/").content.decode()
    assert '<p class="print-only">このページ：http://testserver/years/2021/</p>' in (
        content
    )


def test_the_vendored_design_tokens_keep_their_version_and_licence(client, db):
    css = (TOKENS / "tokens.css").read_text(encoding="utf-8")
    assert "@digital-go-jp/design-tokens 1.1.9" in css
    assert "--color-primitive-blue-1000: #00118f;" in css
    assert "MIT License" in (TOKENS / "LICENSE").read_text(encoding="utf-8")
    page = client.get("/").content.decode()
    assert page.index("design-tokens/tokens.css") < page.index("budgets/site.css")
