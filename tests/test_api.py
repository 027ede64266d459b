"""The JSON API: the list page's filters, sorting and pages; published years only."""

from urllib.parse import quote

import pytest
from django.conf import settings
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from budgets import caching
from budgets.models import Department, Project, Section, Theme
from tests.factories import make_fiscal_year, make_project, make_section, make_theme
from tests.test_views import FILTER_CASES

pytestmark = pytest.mark.django_db


def numbers(response) -> list[int]:
    return [item["no"] for item in response.json()["results"]]


@pytest.fixture
def draft(fy2021):
    """A draft FY2022 with a department, section and theme of its own."""
    fiscal_year = make_fiscal_year(year=2022, is_published=False)
    theme = make_theme(fiscal_year=fiscal_year, number=1, name="下書きの施策")
    section = make_section(department_name="下書き部", name="下書き課")
    return make_project(
        fiscal_year=fiscal_year,
        theme=theme,
        section=section,
        no=1,
        name="下書きの事業",
        lineage=Project.objects.get(fiscal_year=fy2021, no=1).lineage,
    )


def test_new_projects_of_fy2021_are_10_with_null_levelup_amounts(client, fy2021):
    response = client.get("/api/projects/", {"category": "new"})

    assert response.status_code == 200
    body = response.json()
    assert body["count"] == 10
    assert all(item["category"] == "new" for item in body["results"])
    assert all(item["requested_levelup"] is None for item in body["results"])
    assert all(item["budgeted_levelup"] is None for item in body["results"])


def test_a_project_as_json_keeps_integers_zero_and_its_links(client, fy2021):
    response = client.get("/api/projects/2021/23/")

    project = response.json()
    assert response.status_code == 200
    assert project["budgeted"] == 0  # requested, not funded: 0, not null
    assert isinstance(project["requested"], int) and project["requested"] > 0
    assert project["url"] == "http://testserver/projects/2021/23/"
    assert project["history_url"] == "http://testserver/api/projects/2021/23/history/"
    assert (
        project["department"]["name"]
        == Project.objects.get(fiscal_year=fy2021, no=23).section.department.name
    )


def test_project_22_keeps_the_subscript_two(client, fy2021):
    assert "CO ₂" in client.get("/api/projects/2021/22/").json()["description"]


@pytest.mark.parametrize(("params", "expected"), FILTER_CASES)
def test_the_list_pages_filters(client, fy2021, params, expected):
    assert client.get("/api/projects/", params).json()["count"] == expected
    assert client.get("/projects/", params).context["paginator"].count == expected


def test_filter_by_theme_department_and_section(client, fy2021):
    theme = Theme.objects.get(number=3)
    department = Department.objects.get(name="保健福祉支援部")
    section = Section.objects.get(name="障害者福祉課")

    def count(**params) -> int:
        return client.get("/api/projects/", params).json()["count"]

    assert count(theme=theme.pk) == 7
    assert count(department=department.pk) == 6
    assert count(section=section.pk) == 3


@pytest.mark.parametrize(
    "sort",
    [
        "-budgeted",
        "requested",
        "name",
        "-no",
        "year",
        "budgeted_levelup",
        "-requested_levelup",
    ],
)
def test_sorting_matches_the_list_page(client, fy2021, sort):
    api = numbers(client.get("/api/projects/", {"sort": sort, "page_size": 100}))
    page = [
        p.no for p in client.get("/projects/", {"sort": sort}).context["object_list"]
    ]

    assert api == page
    assert len(api) == 32


def test_the_largest_budget_comes_first_when_sorted_by_budget(client, fy2021):
    first = client.get("/api/projects/", {"sort": "-budgeted"}).json()["results"][0]

    largest = Project.objects.order_by("-budgeted").first()
    assert (first["no"], first["budgeted"]) == (11, largest.budgeted)


def test_pages_of_ten_and_a_page_past_the_end_gives_the_last(client, fy2021):
    first = client.get("/api/projects/", {"page_size": 10}).json()
    past_the_end = client.get("/api/projects/", {"page_size": 10, "page": 99}).json()

    assert first["count"] == 32
    assert numbers_of(first) == list(range(1, 11))
    assert first["next"].endswith("/api/projects/?page=2&page_size=10")
    assert numbers_of(past_the_end) == [31, 32]
    assert past_the_end["next"] is None


def numbers_of(body: dict) -> list[int]:
    return [item["no"] for item in body["results"]]


@pytest.mark.parametrize(
    ("params", "parameter"),
    [
        ({"page": "0"}, "page"),
        ({"page": "abc"}, "page"),
        ({"page_size": "501"}, "page_size"),
        ({"year": "1999"}, "year"),
        ({"category": "other"}, "category"),
        ({"budgeted_min": "-1"}, "budgeted_min"),
        ({"budgeted_min": "1.5"}, "budgeted_min"),
        ({"budgeted_max": "9223372036854775808"}, "budgeted_max"),
        ({"budgeted_max": "1000000000001"}, "budgeted_max"),  # above 1,000兆円
        ({"q": "a\x00b"}, "q"),
        ({"sort": "secret"}, "sort"),
        ({"theme": "99999999999999999999"}, "theme"),
    ],
)
def test_invalid_parameters_are_refused_with_the_reason(
    client, fy2021, params, parameter
):
    response = client.get("/api/projects/", params)

    assert response.status_code == 400
    assert list(response.json()) == [parameter]
    assert response.json()[parameter][0]


def test_a_project_that_does_not_exist_is_a_json_404(client, fy2021):
    for url in ["/api/projects/2021/99/", "/api/projects/x/1/", "/api/years/0.5/"]:
        response = client.get(url)
        assert response.status_code == 404, url
        assert response["Content-Type"] == "application/json"


ARABIC_INDIC = str.maketrans("0123456789", "٠١٢٣٤٥٦٧٨٩")
FULLWIDTH = str.maketrans("0123456789", "０１２３４５６７８９")


def other_spellings(number: int) -> list[str]:
    """Return path segments that int() reads as number but that are not its ASCII
    digits (Arabic-Indic or fullwidth digits, a sign, a space, an underscore),
    and superscripts, which str.isdigit() takes and int() refuses."""
    digits = str(number)
    spellings = [
        digits.translate(ARABIC_INDIC),
        digits.translate(FULLWIDTH),
        "+" + digits,
        " " + digits,
        digits + " ",
        "²",
        "¹",
    ]
    if len(digits) > 1:
        spellings.append(f"{digits[0]}_{digits[1:]}")
    return [quote(spelling, safe="") for spelling in spellings]


def test_a_number_in_a_path_is_read_in_ascii_digits_only(client, fy2021):
    theme = Theme.objects.get(fiscal_year=fy2021, number=1)
    department = Department.objects.get(name="保健福祉支援部")
    section = department.sections.first()
    addresses = [
        ("/api/projects/{}/1/", 2021),
        ("/api/projects/2021/{}/", 1),
        ("/api/projects/{}/1/history/", 2021),
        ("/api/projects/2021/{}/history/", 12),
        ("/api/years/{}/", 2021),
        ("/api/themes/{}/", theme.pk),
        ("/api/departments/{}/", department.pk),
        ("/api/sections/{}/", section.pk),
    ]
    for address, number in addresses:
        assert client.get(address.format(number)).status_code == 200, address
        for segment in other_spellings(number):
            url = address.format(segment)
            response = client.get(url)
            assert response.status_code == 404, url
            assert response["Content-Type"] == "application/json", url


def test_drafts_are_never_served(client, draft):
    assert [y["year"] for y in client.get("/api/years/").json()["results"]] == [2021]
    assert client.get("/api/years/2022/").status_code == 404
    assert client.get("/api/projects/2022/1/").status_code == 404
    assert client.get("/api/projects/", {"year": "2022"}).status_code == 400
    assert client.get("/api/projects/", {"q": "下書き"}).json()["count"] == 0
    assert client.get("/api/projects/", {"theme": draft.theme_id}).status_code == 400
    assert client.get("/api/projects/").json()["count"] == 32
    themes = [t["name"] for t in client.get("/api/themes/").json()["results"]]
    assert "下書きの施策" not in themes and len(themes) == 3
    assert client.get(f"/api/themes/{draft.theme_id}/").status_code == 404
    departments = client.get("/api/departments/", {"page_size": 100}).json()
    assert "下書き部" not in [d["name"] for d in departments["results"]]
    assert departments["count"] == 11
    sections = client.get("/api/sections/", {"page_size": 100}).json()
    assert "下書き課" not in [s["name"] for s in sections["results"]]
    assert client.get(f"/api/sections/{draft.section_id}/").status_code == 404
    history = client.get("/api/projects/2021/1/history/").json()
    assert [item["year"] for item in history] == [2021]


def test_a_draft_only_department_answers_as_an_unknown_one(client, draft):
    draft_department = draft.section.department_id
    unknown = client.get("/api/sections/", {"department": "999999"})

    response = client.get("/api/sections/", {"department": draft_department})

    assert unknown.status_code == 400
    assert (response.status_code, response.json()) == (400, unknown.json())


def test_history_lists_the_same_lineage_in_published_years_oldest_first(client, fy2021):
    fy2021_no1 = Project.objects.get(fiscal_year=fy2021, no=1)
    fy2022 = make_fiscal_year(year=2022, is_published=True)
    make_project(
        fiscal_year=fy2022,
        no=5,
        name=fy2021_no1.name,
        section=fy2021_no1.section,
        lineage=fy2021_no1.lineage,
    )

    history = client.get("/api/projects/2022/5/history/").json()

    assert [(item["year"], item["no"]) for item in history] == [(2021, 1), (2022, 5)]
    assert client.get("/api/projects/2021/2/history/").json()[0]["no"] == 2


def test_themes_departments_and_sections_filter_by_year(client, fy2021):
    themes = client.get("/api/themes/", {"year": "2021"}).json()
    sections = client.get(
        "/api/sections/",
        {"department": Department.objects.get(name="保健福祉支援部").pk},
    ).json()

    assert [t["number"] for t in themes["results"]] == [1, 2, 3]
    assert client.get("/api/departments/", {"year": "2021"}).json()["count"] == 11
    assert {s["department_name"] for s in sections["results"]} == {"保健福祉支援部"}


def test_a_year_comes_with_its_totals(client, fy2021):
    year = client.get("/api/years/2021/").json()

    assert year["label"] == "令和3年度（2021年度）"
    assert year["totals"]["count"] == 32
    assert year["totals"]["requested"] == 14_511_093
    assert year["totals"]["budgeted"] == 13_573_990


def count_queries(client, url: str) -> int:
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200, url
    return len(captured)


def test_the_years_and_their_totals_take_the_same_queries_for_one_or_three(
    client, fy2021, settings
):
    settings.PAGE_CACHE_VERSION_SECONDS = 0  # the data version read every time
    one = count_queries(client, "/api/years/")
    for year, budgeted in [(2022, 100), (2023, 0)]:
        fiscal_year = make_fiscal_year(year=year)
        make_project(fiscal_year=fiscal_year, budgeted=budgeted)
        make_project(
            fiscal_year=fiscal_year,
            category=Project.Category.LEVELUP,
            budgeted=7,
            budgeted_levelup=5,
        )

    assert count_queries(client, "/api/years/") == one
    years = client.get("/api/years/").json()["results"]
    assert [year["year"] for year in years] == [2023, 2022, 2021]
    for year in years:
        assert (
            year["totals"]
            == Project.objects.filter(fiscal_year__year=year["year"]).totals()
        )
    assert years[0]["totals"]["levelup_count"] == 1
    assert years[0]["totals"]["budgeted_levelup"] == 5
    empty = make_fiscal_year(year=2024)
    assert client.get(f"/api/years/{empty.year}/").json()["totals"] == {
        "count": 0,
        "new_count": 0,
        "requested": 0,
        "requested_levelup": 0,
        "budgeted": 0,
        "budgeted_levelup": 0,
        "levelup_count": 0,
    }


def test_the_api_is_read_only_and_open_to_other_sites(client, fy2021):
    assert client.post("/api/projects/", {}).status_code == 405
    assert client.delete("/api/projects/2021/1/").status_code == 405
    elsewhere = {"origin": "https://example.org"}  # a script of another site
    opened = client.get("/api/projects/", headers=elsewhere)
    assert opened["Access-Control-Allow-Origin"] == "*"


def test_the_openapi_schema_documents_the_list_pages_parameters(client, db):
    response = client.get("/api/schema/", {"format": "json"})

    schema = response.json()
    assert schema["openapi"].startswith("3.")
    parameters = {
        p["name"] for p in schema["paths"]["/api/projects/"]["get"]["parameters"]
    }
    assert parameters == {
        "year",
        "theme",
        "department",
        "section",
        "category",
        "q",
        "budgeted_min",
        "budgeted_max",
        "sort",
        "page",
        "page_size",
    }
    assert "/api/projects/{year}/{no}/history/" in schema["paths"]
    project = schema["components"]["schemas"]["Project"]["properties"]
    assert project["requested_levelup"]["nullable"] is True


def test_the_browsable_docs_load_their_script_from_a_file(client, db):
    response = client.get(reverse("api:docs"))

    html = response.content.decode()
    assert response.status_code == 200
    assert 'id="swagger-ui"' in html
    assert "<script>" not in html and "<style>" not in html  # the CSP allows no inline
    assert client.get(reverse("api:docs"), {"script": ""}).status_code == 200


@pytest.mark.parametrize("parameter", ["theme", "year", "department", "sort"])
def test_an_empty_typed_parameter_is_refused_with_the_reason(client, fy2021, parameter):
    response = client.get(f"/api/projects/?{parameter}=")

    assert response.status_code == 400
    assert parameter in response.json()


def test_an_empty_keyword_lists_everything(client, fy2021):
    assert client.get("/api/projects/?q=").json()["count"] == 32


@pytest.mark.parametrize("parameter", ["theme", "q", "sort", "budgeted_min"])
def test_a_parameter_given_twice_is_refused_not_half_read(client, fy2021, parameter):
    response = client.get(f"/api/projects/?{parameter}=1&{parameter}=2")

    assert response.status_code == 400
    assert "一つだけ指定してください。" in response.json()[parameter]


def test_numbers_of_thousands_of_digits_are_answered_not_crashed_on(client, fy2021):
    huge = "9" * 5000  # more digits than int() reads from text

    assert client.get(f"/api/projects/{huge}/1/").status_code == 404
    assert client.get(f"/api/projects/2021/{huge}/history/").status_code == 404
    assert client.get(f"/api/themes/{huge}/").status_code == 404
    last_page = client.get("/api/projects/", {"page": huge})
    assert last_page.status_code == 200 and last_page.json()["count"] == 32
    assert client.get("/api/projects/", {"page_size": huge}).status_code == 400


@pytest.mark.parametrize("language", ["ja", "en"])
def test_a_year_s_label_is_the_same_data_in_every_language(client, fy2021, language):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language

    [year] = client.get("/api/years/").json()["results"]

    assert year["label"] == "令和3年度（2021年度）"  # as its schema says


# --- which version an answer is, and asking again ---------------------------------


def test_an_answer_says_its_data_version_and_a_client_holding_it_gets_304(
    client, fy2021, django_capture_on_commit_callbacks
):
    # helper-14: the API alone had no ETag, Last-Modified or X-Data-Version
    first = client.get("/api/projects/2021/1/")
    assert first["X-Data-Version"] == str(caching.read_data_version())
    assert first["ETag"] and first["Last-Modified"]
    assert "no-cache" in first["Cache-Control"]

    again = client.get(
        "/api/projects/2021/1/", headers={"if-none-match": first["ETag"]}
    )
    assert again.status_code == 304 and again.content == b""
    assert again["X-Data-Version"] == first["X-Data-Version"]

    with django_capture_on_commit_callbacks(execute=True):
        project = Project.objects.get(fiscal_year=fy2021, no=1)
        project.budgeted = 3_000_000
        project.save()
    changed = client.get(
        "/api/projects/2021/1/", headers={"if-none-match": first["ETag"]}
    )
    assert changed.status_code == 200 and changed.json()["budgeted"] == 3_000_000
    assert int(changed["X-Data-Version"]) > int(first["X-Data-Version"])


def test_each_format_of_an_answer_has_its_own_etag(client, fy2021):
    as_json = client.get("/api/schema/", headers={"accept": "application/json"})
    as_yaml = client.get(
        "/api/schema/", headers={"accept": "application/vnd.oai.openapi"}
    )

    assert as_json["ETag"] != as_yaml["ETag"]
    stale = client.get(
        "/api/schema/",
        headers={"accept": "application/json", "if-none-match": as_yaml["ETag"]},
    )
    assert stale.status_code == 200


@pytest.mark.parametrize("accept", ["text/html", "text/*", "Text/HTML"])
def test_the_browsable_pages_are_not_marked(client, fy2021, accept):
    page = client.get("/api/projects/", headers={"accept": accept})

    assert page["Content-Type"].startswith("text/html")
    assert "ETag" not in page and "X-Data-Version" not in page
    assert "public" not in page.get("Cache-Control", "")


def test_if_none_match_any_is_not_taken_for_a_page_that_is_not_there(client, fy2021):
    # helper-15: 304 for a project that does not exist
    response = client.get("/api/projects/2021/999/", headers={"if-none-match": "*"})

    assert response.status_code == 404


def test_an_unknown_format_is_told_which_formats_there_are(client, fy2021):
    # helper-14: ?format=xml answered 404 「見つかりませんでした」
    response = client.get("/api/projects/", {"format": "xml"})

    assert response.status_code == 406
    assert "format=xml は扱えません" in response.json()["detail"]
    assert "json" in response.json()["detail"]
    assert client.get("/api/projects/", {"format": "json"}).status_code == 200


@pytest.mark.parametrize(
    "path", ["/api/projects/2099/1/", "/api/projects/2021/999/", "/api/years/2099/"]
)
def test_what_is_not_there_is_said_in_the_readers_language(client, fy2021, path):
    # helper-17: "No Project matches the given query." beside 「見つかりませんでした。」
    japanese = client.get(path)
    english = client.get(path, HTTP_ACCEPT_LANGUAGE="en")

    assert japanese.status_code == english.status_code == 404
    assert japanese.json() == {"detail": "見つかりませんでした。"}
    assert english.json() == {"detail": "Not found."}


def test_every_operation_is_described_for_its_reader_not_by_the_codes_docstrings(
    client, db
):
    # helper-17: nine operations read "An API view class whose view function is
    # ``versioned``."
    schema = client.get("/api/schema/", {"format": "json"}).json()

    descriptions = {
        f"{method.upper()} {path}": operation.get("description", "")
        for path, methods in schema["paths"].items()
        for method, operation in methods.items()
    }
    assert len(descriptions) >= 9
    for name, description in descriptions.items():
        assert "versioned" not in description and "view" not in description, name
        assert "404" not in description, name  # the mixin's, not the reader's
    assert "oldest first" in descriptions["GET /api/projects/{year}/{no}/history/"]
