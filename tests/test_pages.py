"""What a reader finds on the public pages: totals with readings, charts with their
tables, history over the years, sortable lists, two languages, accessible markup."""

from html.parser import HTMLParser
from urllib.parse import parse_qs, urlsplit

import pytest
from django.conf import settings
from django.utils import translation

from budgets.importing import import_table
from budgets.models import Department, Project, Theme
from budgets.templatetags.budget_format import (
    approx,
    change,
    english_approx,
    era,
    percent,
    reading,
)
from tests.factories import make_project, make_section

pytestmark = pytest.mark.django_db

PAGE_SIZE = settings.PAGE_SIZE

# FY2022 as a copy of FY2021 in which No 1 got 100,000 千円 more.
NO1_BUDGETED_2021 = "3,191,866"
NO1_BUDGETED_2022 = "3,291,866"


@pytest.fixture
def fy2022(fy2021, seed_text):
    """FY2022 published, the FY2021 table again with No 1 budgeted 100,000 more."""
    text = seed_text.replace("令和3年度", "令和4年度").replace(
        NO1_BUDGETED_2021, NO1_BUDGETED_2022
    )
    report = import_table(text.encode(), publish=True)
    assert report.ok, report.problems
    return report


def html(response) -> str:
    assert response.status_code == 200
    return response.content.decode()


class Outline(HTMLParser):
    """What a screen reader navigates by: headings, tables, form fields, landmarks."""

    def __init__(self) -> None:
        super().__init__()
        self.headings: list[int] = []
        self.tables = 0
        self.captions = 0
        self.unscoped_th = 0
        self.controls: list[str] = []
        self.labels: set[str] = set()
        self.svgs: list[dict] = []
        self.svg_titles = 0
        self.links: list[str] = []
        self.html_lang = ""
        self.skip_link = False
        self.main_id = ""
        self._in_thead = False

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "html":
            self.html_lang = attrs.get("lang", "")
        elif tag in {"h1", "h2", "h3", "h4", "h5", "h6"}:
            self.headings.append(int(tag[1]))
        elif tag == "table":
            self.tables += 1
        elif tag == "caption":
            self.captions += 1
        elif tag == "th" and attrs.get("scope") not in {"col", "row"}:
            self.unscoped_th += 1
        elif tag in {"input", "select", "textarea"} and attrs.get("type") != "hidden":
            self.controls.append(attrs.get("id", ""))
        elif tag == "label" and "for" in attrs:
            self.labels.add(attrs["for"])
        elif tag == "svg":
            self.svgs.append(attrs)
        elif tag == "title" and self.svgs:
            self.svg_titles += 1
        elif tag == "a":
            href = attrs.get("href", "")
            self.links.append(href)
            if href == "#main" and not self.links[:-1]:
                self.skip_link = True
        elif tag == "main":
            self.main_id = attrs.get("id", "")


def outline(response) -> Outline:
    parser = Outline()
    parser.feed(html(response))
    return parser


def assert_accessible_structure(response) -> None:
    page = outline(response)
    assert page.html_lang in {"ja", "en"}
    assert page.skip_link and page.main_id == "main", "the first link skips to main"
    assert page.headings[0] == 1 and page.headings.count(1) == 1
    for before, after in zip(page.headings, page.headings[1:], strict=False):
        assert after <= before + 1, f"heading level jumps: {page.headings}"
    assert page.tables == page.captions, "every table has a caption"
    assert page.unscoped_th == 0, "every header cell says what it heads"
    assert all(control and control in page.labels for control in page.controls)
    for svg in page.svgs:
        assert svg["role"] == "img" and svg["aria-labelledby"]
    assert page.svg_titles == len(page.svgs)


# --- Reading ---------------------------------------------------------------------


def test_the_latest_year_reads_in_both_eras_with_amounts_in_yen(client, fy2021):
    content = html(client.get("/"))

    assert "令和3年度（2021年度）" in content
    assert "14,511,093" in content and "約145億円" in content
    assert "13,573,990" in content and "約136億円" in content


def test_the_overview_shows_the_share_of_new_and_level_up(client, fy2021):
    response = client.get("/years/2021/")
    by_category = {row["category"]: row for row in response.context["by_category"]}

    assert by_category["new"]["count"] == 10
    assert by_category["levelup"]["count"] == 22
    total = response.context["totals"]["budgeted"]
    share = percent(by_category["new"]["budgeted"], total)
    assert share in html(response)
    assert "前年度の公開データはないため" in html(response)


def test_the_overview_compares_with_the_previous_published_year(client, fy2022):
    response = client.get("/")
    content = html(response)

    assert "令和4年度（2022年度）" in content
    assert response.context["previous_year"].year == 2021
    assert "前年度（令和3年度（2021年度））" in content
    assert "+100,000 (+0.7%)" in content  # 13,573,990 -> 13,673,990
    industry = next(
        row
        for row in response.context["by_department"]
        if row["section__department__name"] == "産業・地域振興支援部"
    )
    assert industry["budgeted"] - industry["previous"]["budgeted"] == 100_000


def test_a_department_new_this_year_has_no_change_to_show(client, fy2021, seed_text):
    text = seed_text.replace("令和3年度", "令和4年度").replace(
        "産業・地域振興支援部", "産業振興部"
    )
    assert import_table(text.encode(), publish=True).ok

    for url in ("/", "/years/2022/"):
        response = client.get(url)
        content = html(response)
        new = next(
            row
            for row in response.context["by_department"]
            if row["section__department__name"] == "産業振興部"
        )
        assert new["previous"] is None
        row = content.split("産業振興部</a></th>", 1)[1].split("</tr>", 1)[0]
        assert row.count('">-</td>') == 2  # no last year, no change


def test_every_chart_has_a_table_with_the_same_numbers(client, fy2021):
    response = client.get("/")
    content = html(response)
    page = outline(response)

    assert len(page.svgs) == 3
    assert content.count("<figure") == 3
    for row in response.context["by_department"]:
        bar_text = f">{approx(row['budgeted'])}</text>"
        assert bar_text in content
        assert f"{row['budgeted']:,}" in content


def test_the_project_page_links_everything_and_shows_its_history(client, fy2022):
    response = client.get("/projects/2022/1/")
    content = html(response)
    project = response.context["project"]

    assert "38億2,693万8千円" in content and "約38億円" in content
    assert project.section.department.get_absolute_url() in content
    assert f"/projects/?section={project.section_id}" in content
    assert "/years/2022/themes/1/" in content
    history = response.context["history"]
    assert [row.year for row in history] == [2021, 2022]
    assert "+100,000 (+3.1%)" in content  # 3,191,866 -> 3,291,866
    assert "/projects/2021/1/" in content
    assert 'id="history-chart"' in content


def test_a_project_without_other_years_says_so(client, fy2021):
    content = html(client.get("/projects/2021/5/"))
    assert "公開中の他の年度にはありません" in content
    assert 'id="history-chart"' not in content


def test_the_department_page_totals_each_year(client, fy2022):
    department = Department.objects.get(name="環境リサイクル支援部")
    response = client.get(department.get_absolute_url())

    assert [row["fiscal_year__year"] for row in response.context["by_year"]] == [
        2021,
        2022,
    ]
    assert len(response.context["object_list"]) == 12
    assert response.context["object_list"][0].fiscal_year.year == 2022
    assert 'id="by-year-chart"' in html(response)


def test_the_department_page_pages_through_many_projects(client, db):
    section = make_section(department_name="企画経営部")
    for _ in range(PAGE_SIZE + 5):
        make_project(section=section)
    url = section.department.get_absolute_url()

    first = client.get(url)
    assert len(first.context["object_list"]) == PAGE_SIZE
    assert 'rel="next"' in html(first)
    assert len(client.get(url, {"page": "2"}).context["object_list"]) == 5
    assert client.get(url, {"page": "99"}).status_code == 200


def test_the_theme_page_lists_its_projects_and_its_name_over_the_years(client, fy2022):
    response = client.get("/years/2021/themes/3/")
    content = html(response)

    assert response.context["totals"]["count"] == 7
    assert len(response.context["object_list"]) == 7
    assert [row["fiscal_year__year"] for row in response.context["by_year"]] == [
        2021,
        2022,
    ]
    assert Theme.objects.get(fiscal_year__year=2021, number=3).name in content


def test_draft_years_stay_out_of_every_new_page(client, fy2021, seed_text):
    draft = seed_text.replace("令和3年度", "令和4年度").replace(
        "環境リサイクル支援部", "新設準備部"
    )
    assert import_table(draft.encode()).ok

    new_department = Department.objects.get(name="新設準備部")
    assert client.get(new_department.get_absolute_url()).status_code == 404
    assert client.get("/years/2022/themes/1/").status_code == 404
    form = client.get("/projects/").context["filter"].form
    assert new_department not in form.fields["department"].queryset
    assert "新設準備部" not in html(client.get("/projects/"))
    department = Department.objects.get(name="保健福祉支援部")
    assert "令和4年度" not in html(client.get(department.get_absolute_url()))


# --- Finding ---------------------------------------------------------------------


def header_links(content: str) -> dict[str, dict[str, list[str]]]:
    """Return each sortable column header's link as parsed query parameters."""
    links = {}
    for part in content.split('<th scope="col"')[1:]:
        if '<a href="?' in part.split("</th>")[0]:
            href = part.split('<a href="?')[1].split('"')[0].replace("&amp;", "&")
            query = parse_qs(href)
            links[query["sort"][0].lstrip("-")] = query
    return links


def test_column_headers_sort_and_keep_the_other_filters(client, fy2021):
    params = {"q": "みなと", "category": "levelup", "page": "2"}
    links = header_links(html(client.get("/projects/", params)))

    assert set(links) == {
        "year",
        "no",
        "name",
        "requested",
        "requested_levelup",
        "budgeted",
        "budgeted_levelup",
    }
    budgeted = links["budgeted"]
    assert budgeted == {"q": ["みなと"], "category": ["levelup"], "sort": ["budgeted"]}


def test_a_sorted_column_says_so_and_its_link_reverses_it(client, fy2021):
    content = html(client.get("/projects/", {"sort": "budgeted"}))
    assert 'aria-sort="ascending"' in content
    assert header_links(content)["budgeted"]["sort"] == ["-budgeted"]

    content = html(client.get("/projects/", {"sort": "-budgeted"}))
    assert 'aria-sort="descending"' in content
    assert header_links(content)["budgeted"]["sort"] == ["budgeted"]


def test_the_csv_link_carries_the_same_query(client, fy2021):
    content = html(client.get("/projects/", {"q": "GIGA", "sort": "-budgeted"}))
    assert 'href="/projects.csv?q=GIGA&amp;sort=-budgeted"' in content


# --- Everyone can use it -----------------------------------------------------------


@pytest.mark.parametrize(
    "url",
    [
        "/",
        "/years/2022/",
        "/years/2021/themes/2/",
        "/projects/",
        "/projects/?category=nonsense",
        "/projects/2022/1/",
        "department",
    ],
)
@pytest.mark.parametrize("language", ["ja", "en"])
def test_every_page_type_has_an_accessible_structure(client, fy2022, url, language):
    if url == "department":
        url = Department.objects.get(name="保健福祉支援部").get_absolute_url()
    response = client.get(url, headers={"accept-language": language})
    assert_accessible_structure(response)
    assert outline(response).html_lang == language


def test_the_language_switch_remembers_the_choice_and_returns(client, fy2021):
    response = client.get("/language/en/", {"next": "/projects/?q=GIGA"})

    assert response.status_code == 302
    assert response["Location"] == "/projects/?q=GIGA"
    assert response.cookies["django_language"].value == "en"
    page = outline(client.get("/projects/?q=GIGA"))
    assert page.html_lang == "en"
    switch = [link for link in page.links if link.startswith("/language/")]
    assert switch == ["/language/ja/?next=/projects/%3Fq%3DGIGA"]


@pytest.mark.parametrize(
    "next_url", ["https://evil.example/", "//evil.example/x", "javascript:alert(1)"]
)
def test_the_language_switch_never_sends_readers_elsewhere(client, db, next_url):
    response = client.get("/language/en/", {"next": next_url})
    assert response["Location"] == "/"


def test_an_unknown_language_is_404(client, db):
    assert client.get("/language/xx/").status_code == 404


def test_english_pages_read_years_and_amounts_in_english(client, fy2021):
    content = html(client.get("/", headers={"accept-language": "en"}))
    assert "FY2021 (Reiwa 3)" in content
    assert "about ¥15 billion" in content  # 14,511,093 千円
    project = html(client.get("/projects/2021/1/", headers={"accept-language": "en"}))
    assert "¥3,826,938,000" in project


def test_names_from_the_table_are_marked_japanese_on_english_pages(client, fy2021):
    content = html(client.get("/projects/2021/1/", headers={"accept-language": "en"}))
    assert '<h1 lang="ja">融資事業</h1>' in content


def test_a_hostile_name_is_text_in_the_chart_too(client, fy2021):
    department = Department.objects.get(name="環境リサイクル支援部")
    department.name = "<script>alert(1)</script>"
    department.save()

    content = html(client.get("/"))
    assert "<script>alert(1)</script>" not in content
    assert "&lt;script&gt;alert(1)&lt;/script&gt;</text>" in content


def test_the_health_check_answers_ok(client, db):
    response = client.get("/health/")
    assert response.status_code == 200 and response.content == b"ok"


# --- Readings ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("thousands", "english"),
    [
        (3_826_938, "about ¥3.8 billion"),
        (14_511_093, "about ¥15 billion"),
        (100_000, "¥100 million"),
        (999_960, "about ¥1 billion"),
        (27_638, "about ¥28 million"),
        (5, "¥5 thousand"),
        (0, "¥0"),
    ],
)
def test_english_readings(thousands, english):
    assert english_approx(thousands) == english


def test_readings_follow_the_language():
    with translation.override("ja"):
        assert approx(3_826_938) == "約38億円"
        assert reading(3_826_938) == "38億2,693万8千円"
        assert era(2019) == "令和元年度（2019年度）"
    with translation.override("en"):
        assert reading(3_826_938) == "¥3,826,938,000"
        assert era(2019) == "FY2019 (Reiwa 1)"
        assert era(1989) == "FY1989 (Heisei 1)"


@pytest.mark.parametrize(
    ("current", "previous", "text"),
    [
        (110, 100, "+10 (+10.0%)"),
        (90, 100, "−10 (−10.0%)"),
        (100, 100, "±0 (±0.0%)"),
        (5, 0, "+5"),
        (5, None, "-"),
        (5, "", "-"),
    ],
)
def test_change_from_the_year_before(current, previous, text):
    assert change(current, previous) == text


def test_project_page_sections_link_to_the_filtered_list(client, fy2021):
    project = Project.objects.get(fiscal_year__year=2021, no=26)
    content = html(client.get(project.get_absolute_url()))
    link = f"/projects/?section={project.section_id}"
    assert link in content
    assert client.get(link).context["paginator"].count >= 1
    assert urlsplit(link).path == "/projects/"
