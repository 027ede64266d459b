"""What the public sees: overview, list with filters, project pages, CSV."""

import csv
import io
import re

import pytest
from django.urls import reverse

from budgets.importing import import_table
from budgets.models import Department, FiscalYear, Section, Theme

pytestmark = pytest.mark.django_db


def listed_numbers(response) -> list[int]:
    return [project.no for project in response.context["object_list"]]


def csv_rows(response) -> list[list[str]]:
    body = b"".join(response.streaming_content).decode("utf-8")
    assert body.startswith("\ufeff")
    return list(csv.reader(io.StringIO(body[1:])))


def test_home_shows_the_latest_published_year_with_totals(client, fy2021):
    response = client.get("/")

    assert response.status_code == 200
    content = response.content.decode()
    assert "令和3年度（2021年度）" in content
    assert "14,511,093" in content and "13,573,990" in content
    assert [row["count"] for row in response.context["by_theme"]] == [7, 18, 7]
    assert len(response.context["by_department"]) == 11


def test_home_without_published_years_says_so(client, db):
    response = client.get("/")
    assert response.status_code == 200
    assert "公開中の年度はまだありません" in response.content.decode()


def test_year_page(client, fy2021):
    response = client.get(reverse("budgets:year", kwargs={"year": 2021}))
    assert response.status_code == 200
    assert response.context["totals"]["budgeted"] == 13_573_990


def test_the_list_shows_32_projects_after_importing_the_fy2021_table(client, fy2021):
    response = client.get("/projects/", {"page": 1})

    assert response.status_code == 200
    assert response.context["paginator"].count == 32
    assert "融資事業" in response.content.decode()


# Each filter of the list, and how many FY2021 projects it keeps (the API too).
FILTER_CASES = [
    ({"year": "2021"}, 32),
    ({"category": "new"}, 10),
    ({"category": "levelup"}, 22),
    ({"q": "GIGA"}, 1),
    ({"q": "ｷﾞｶﾞ"}, 0),
    ({"q": "環境課"}, 2),
    # No 22's 「CO ₂」, its subscript apart as the city's PDF writes it
    ({"q": "co2"}, 1),
    ({"q": "CO₂"}, 1),
    ({"q": "ＣＯ２ 吸収"}, 1),
    ({"q": "co 2"}, 1),
    # a word pasted in quotes: what they hold
    ({"q": '"GIGA"'}, 1),
    ({"q": "「ＧＩＧＡ」"}, 1),
    ({"q": "“giga” 」"}, 1),
    ({"budgeted_min": "1000000"}, 2),
    ({"budgeted_max": "0"}, 1),
]


@pytest.mark.parametrize(("params", "expected"), FILTER_CASES)
def test_filters(client, fy2021, params, expected):
    response = client.get("/projects/", params)
    assert response.context["paginator"].count == expected


def test_filter_by_theme_department_and_section(client, fy2021):
    theme = Theme.objects.get(number=3)
    department = Department.objects.get(name="保健福祉支援部")
    section = Section.objects.get(name="障害者福祉課")

    assert client.get("/projects/", {"theme": theme.pk}).context["paginator"].count == 7
    assert (
        client.get("/projects/", {"department": department.pk})
        .context["paginator"]
        .count
        == 6
    )
    assert (
        client.get("/projects/", {"section": section.pk}).context["paginator"].count
        == 3
    )


@pytest.mark.parametrize(
    ("sort", "first"),
    [("no", 1), ("-no", 32), ("-budgeted", 11), ("budgeted", 23), ("name", None)],
)
def test_sorting(client, fy2021, sort, first):
    response = client.get("/projects/", {"sort": sort})
    if first is not None:
        assert listed_numbers(response)[0] == first
    else:
        names = [p.name for p in response.context["object_list"]]
        assert names == sorted(names)


@pytest.mark.parametrize(
    "sort",
    [
        "requested_levelup",
        "-requested_levelup",
        "budgeted_levelup",
        "-budgeted_levelup",
    ],
)
def test_projects_without_a_level_up_part_come_last_either_way(client, fy2021, sort):
    # SQLite put "-" (NULL) first going up and PostgreSQL last (helper-14)
    response = client.get("/projects/", {"sort": sort})
    values = [getattr(p, sort.lstrip("-")) for p in response.context["object_list"]]
    amounts = [value for value in values if value is not None]

    assert len(amounts) == 22 and len(values) == 32  # ten new projects have none
    assert values == amounts + [None] * 10
    assert amounts == sorted(amounts, reverse=sort.startswith("-"))


@pytest.mark.parametrize(
    "params",
    [
        {"year": "abc"},
        {"year": "1999"},
        {"category": "temporary"},
        {"budgeted_min": "lots"},
        {"sort": "password"},
        {"department": "99999"},
    ],
)
def test_invalid_parameters_are_explained_not_a_server_error(client, fy2021, params):
    response = client.get("/projects/", params)

    assert response.status_code == 200
    assert response.context["filter"].errors
    assert "絞り込みの条件が正しくありません" in response.content.decode()


@pytest.mark.parametrize(
    ("value", "words"),
    [
        ("1e400", "整数"),
        ("0.5", "整数"),
        ("1000000000001", "1000000000000 以下"),
        ("-1", "0 以上"),
    ],
)
def test_an_amount_bound_is_a_whole_number_of_thousand_yen_as_the_api_asks(
    client, fy2021, value, words
):
    html = client.get("/projects/", {"budgeted_min": value}).content.decode()

    explanation = re.search('<li id="id_budgeted_min_error">([^<]*)</li>', html)
    assert explanation and words in explanation.group(1)
    assert "1e+50" not in html


def test_each_refused_field_points_a_screen_reader_to_its_explanation(client, fy2021):
    params = {"year": "abc", "sort": "<x>", "budgeted_min": "NaN"}

    html = client.get("/projects/", params).content.decode()

    described = set(re.findall(r'aria-describedby="([^"]*_error)"', html))
    assert described == {"id_year_error", "id_sort_error", "id_budgeted_min_error"}
    for element in described:
        explanation = re.search(f'<li id="{element}">([^<]*)</li>', html)
        assert explanation, element  # the element it names is on the page
    assert "&lt;x&gt;" in html and "<x>" not in html


@pytest.mark.parametrize("path", ["/projects/", "/projects.csv", "/projects.xlsx"])
@pytest.mark.parametrize("name", ["q", "sort", "year", "budgeted_min"])
def test_a_control_character_asked_for_is_echoed_as_a_browser_reads_it(
    client, fy2021, path, name
):
    response = client.get(path, {name: "融資\x00\x01\x9f"})

    assert response.status_code in (200, 400)
    if not response["Content-Type"].startswith("text/"):
        return  # a workbook of what was found (nothing)
    body = b"".join(response).decode("utf-8-sig")
    assert not re.search("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]", body)
    if name == "sort":  # its refusal says what was asked: as it was read
        assert "融資\ufffd\ufffd\ufffd" in body


@pytest.mark.parametrize("page", ["abc", "0", "999", "-1"])
def test_a_bad_page_number_shows_a_page(client, fy2021, page):
    assert client.get("/projects/", {"page": page}).status_code == 200


def test_project_page_shows_every_field(client, fy2021):
    response = client.get("/projects/2021/1/")

    content = response.content.decode()
    assert response.status_code == 200
    for text in (
        "融資事業",
        "産業・地域振興支援部",
        "産業振興課",
        "レベルアップ",
        "新型コロナの影響を受けた中小企業支援策",
        "3,826,938",
        "3,405,524",
        "3,191,866",
        "2,770,452",
        "38億2,693万8千円",
    ):
        assert text in content


def test_a_missing_project_is_404(client, fy2021):
    assert client.get("/projects/2021/99/").status_code == 404


@pytest.mark.parametrize(
    "url",
    [
        "/projects/%D9%A2%D9%A0%D9%A2%D9%A1/1/",  # ٢٠٢١
        "/projects/%EF%BC%92%EF%BC%90%EF%BC%92%EF%BC%91/1/",  # ２０２１
        "/projects/2021/%C2%B9/",  # ¹
        "/projects/2021/+1/",
        "/years/%C2%B2%C2%B2/",
        "/years/2021/themes/%D9%A1/",
        "/departments/%D9%A1/",
    ],
)
def test_a_number_in_a_page_address_is_read_in_ascii_digits_only(client, fy2021, url):
    assert client.get(url).status_code == 404


def test_an_unpublished_year_is_invisible_to_the_public(client, fy2021, seed_text):
    import_table(seed_text.replace("令和3年度", "令和4年度").encode())
    assert not FiscalYear.objects.get(year=2022).is_published

    assert client.get("/projects/2022/1/").status_code == 404
    assert client.get("/years/2022/").status_code == 404
    assert client.get("/projects/", {"year": "2022"}).context["filter"].errors
    assert client.get("/projects/").context["paginator"].count == 32
    assert len(csv_rows(client.get("/projects.csv"))) == 33
    assert "令和4年度" not in client.get("/").content.decode()


def test_csv_download_carries_the_filters(client, fy2021):
    response = client.get("/projects.csv", {"year": "2021", "category": "new"})

    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert "minato-budget-2021-filtered.csv" in response["Content-Disposition"]
    rows = csv_rows(response)
    assert rows[0][:4] == ["年度", "施策番号", "施策名", "No"]
    assert len(rows) == 11
    assert {row[7] for row in rows[1:]} == {"新規"}
    no23 = next(row for row in rows if row[3] == "23")
    assert no23[9:13] == ["32433", "", "0", ""]


def test_csv_with_invalid_filters_is_a_400_that_says_why(client, fy2021):
    response = client.get("/projects.csv", {"category": "x"})
    assert response.status_code == 400
    assert "二次経費区分" in response.content.decode()


def test_department_page(client, fy2021):
    department = Department.objects.get(name="環境リサイクル支援部")
    response = client.get(department.get_absolute_url())
    assert response.status_code == 200
    assert len(response.context["projects"]) == 6


def test_english_is_available(client, fy2021):
    response = client.get("/projects/", headers={"accept-language": "en"})
    assert response.status_code == 200
    assert '<html lang="en">' in response.content.decode()


def test_project_history_across_years(client, fy2021, seed_text):
    import_table(seed_text.replace("令和3年度", "令和4年度").encode(), publish=True)
    response = client.get("/projects/2022/1/")
    history = response.context["history"]
    assert [row.year for row in history] == [2021, 2022]
    assert [row.url for row in history] == ["/projects/2021/1/", "/projects/2022/1/"]
    assert [row.is_current for row in history] == [False, True]


def test_the_list_downloads_as_cp932_csv_for_older_excel(client, fy2021):
    response = client.get("/projects.csv", {"category": "new", "encoding": "cp932"})

    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=Windows-31J"
    # a part of the file /data/ gives, named so
    assert (
        response["Content-Disposition"]
        == 'attachment; filename="minato-budget-all-filtered.cp932.csv"'
    )
    text = response.getvalue().decode("cp932")
    assert text.splitlines()[0].startswith("年度,施策番号")
    assert len(text.splitlines()) == 11


def test_the_list_downloads_as_xlsx_with_the_same_filters(client, fy2021):
    import io

    import openpyxl

    response = client.get("/projects.xlsx", {"year": "2021", "q": "GIGA"})

    assert response.status_code == 200
    rows = list(openpyxl.load_workbook(io.BytesIO(response.getvalue())).active.values)
    assert len(rows) == 2
    assert rows[1][6] == "GIGAスクール推進事業"
    assert rows[1][11] == 426_803


@pytest.mark.parametrize(
    ("url", "params", "fmt"),
    [
        ("/projects.csv", {"year": "2021"}, "csv"),
        ("/projects.csv", {"year": "2021", "encoding": "cp932"}, "cp932.csv"),
        ("/projects.xlsx", {"year": "2021"}, "xlsx"),
        ("/projects.csv", {}, "csv"),
        ("/projects.csv", {"encoding": "sjis"}, "cp932.csv"),
        ("/projects.xlsx", {"sort": "-budgeted"}, "xlsx"),
    ],
)
def test_the_list_downloads_are_named_as_the_data_page_names_them(
    client, fy2021, url, params, fmt
):
    response = client.get(url, params)

    year = 2021 if "year" in params else "all"
    name = f"minato-budget-{year}.{fmt}"
    assert response["Content-Disposition"] == f'attachment; filename="{name}"'
    assert f"/data/{name}" in client.get("/data/").content.decode()


@pytest.mark.parametrize(
    ("params", "name"),
    [
        ({"q": "GIGA"}, "minato-budget-all-filtered.csv"),
        ({"year": "2021", "category": "new"}, "minato-budget-2021-filtered.csv"),
        ({"budgeted_min": "0", "sort": "no"}, "minato-budget-all-filtered.csv"),
        ({"year": "2021", "q": "", "sort": "no"}, "minato-budget-2021.csv"),
        ({"year": "2021", "q": '「」 ""'}, "minato-budget-2021.csv"),  # no word
    ],
)
def test_a_download_of_part_of_the_list_is_never_named_as_the_whole_file(
    client, fy2021, params, name
):
    response = client.get("/projects.csv", params)

    assert response["Content-Disposition"] == f'attachment; filename="{name}"'


def test_the_list_offers_only_departments_and_sections_of_published_years(
    client, fy2021, seed_text
):
    import_table(
        seed_text.replace("令和3年度", "令和4年度")
        .replace("環境リサイクル支援部", "下書きだけの部")
        .encode()
    )
    assert Department.objects.filter(name="下書きだけの部").exists()

    form = client.get("/projects/").context["filter"].form
    departments = list(form.fields["department"].queryset)
    sections = list(form.fields["section"].queryset)

    assert "下書きだけの部" not in {department.name for department in departments}
    published = Department.objects.with_published_projects()
    assert departments == list(published.in_table_order())
    assert len(departments) == 11
    assert sections == list(Section.objects.with_published_projects().in_table_order())
    assert {section.department.name for section in sections} == {
        department.name for department in departments
    }


def test_an_unknown_encoding_is_a_400(client, fy2021):
    assert client.get("/projects.csv", {"encoding": "latin-1"}).status_code == 400


def test_the_list_page_links_every_download_with_its_filters(client, fy2021):
    content = client.get("/projects/", {"category": "new"}).content.decode()
    assert "/projects.csv?category=new&amp;encoding=cp932" in content
    assert "/projects.xlsx?category=new" in content
