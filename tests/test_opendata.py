"""/data/: every published year as CSV, cp932 CSV, XLSX and JSON; datapackage.json."""

import csv
import io
import json

import frictionless
import openpyxl
import pytest

from budgets import opendata
from budgets.exporting import CSV_HEADER, csv_chunks
from budgets.models import FiscalYear, Project
from tests.factories import make_fiscal_year, make_project

pytestmark = pytest.mark.django_db


def download(client, name: str) -> bytes:
    response = client.get(f"/data/{name}")
    assert response.status_code == 200, name
    assert response["Content-Disposition"] == f'attachment; filename="{name}"'
    if response.streaming:
        return b"".join(response.streaming_content)
    return response.content


def rows(text: str) -> list[list[str]]:
    return list(csv.reader(io.StringIO(text)))


@pytest.fixture
def draft(fy2021):
    fiscal_year = make_fiscal_year(year=2022, is_published=False)
    return make_project(fiscal_year=fiscal_year, no=1, name="下書きの事業")


def test_the_data_page_offers_every_format_of_every_published_year(client, fy2021):
    response = client.get("/data/")

    html = response.content.decode()
    assert response.status_code == 200
    for name in [
        "minato-budget-2021.csv",
        "minato-budget-2021.cp932.csv",
        "minato-budget-2021.xlsx",
        "minato-budget-2021.json",
        "minato-budget-all.csv",
        "datapackage.json",
    ]:
        assert f"/data/{name}" in html, name
    assert "令和3年度（2021年度）" in html


def test_the_data_page_has_the_dictionary_licence_and_attribution(client, fy2021):
    html = client.get("/data/").content.decode()

    for column in opendata.DICTIONARY:
        assert f'<th scope="row">{column.header}</th>' in html
    assert "Amount approved in the initial budget" in html
    assert "千円" in html
    assert "CC BY 4.0" in html
    assert "政府標準利用規約（第2.0版）" in html
    assert opendata.ATTRIBUTION in html


def test_the_data_page_names_the_licence_in_the_readers_language(client, fy2021):
    # helper-17: the English page linked 「クリエイティブ・コモンズ…」 and deed.ja
    japanese = client.get("/data/").content.decode()
    english = client.get("/data/", HTTP_ACCEPT_LANGUAGE="en").content.decode()

    ja_link = '<a href="https://creativecommons.org/licenses/by/4.0/deed.ja" '
    assert f'{ja_link}rel="license">クリエイティブ・コモンズ 表示 4.0 国際' in japanese
    assert (
        '<a href="https://creativecommons.org/licenses/by/4.0/deed.en" rel="license">'
        "Creative Commons Attribution 4.0 International (CC BY 4.0)</a>"
    ) in english
    assert "クリエイティブ" not in english


def test_the_dictionary_describes_exactly_the_csv_columns():
    assert tuple(column.header for column in opendata.DICTIONARY) == CSV_HEADER


def test_the_data_page_lists_what_the_cp932_file_replaces(client, fy2021):
    replacements = client.get("/data/").context["replacements"]

    assert [
        (r.year, r.no, r.column, r.original, r.replacement, r.codepoint)
        for r in replacements
    ] == [(2021, 22, "事業内容", "₂", "2", "U+2082")]
    assert "U+2082" in client.get("/data/").content.decode()


def test_the_utf8_csv_is_the_projects_csv(client, fy2021):
    body = download(client, "minato-budget-2021.csv").decode("utf-8")

    assert body == "".join(csv_chunks(Project.objects.all()))
    assert body.startswith("\ufeff")
    assert len(rows(body[1:])) == 33


def test_the_cp932_csv_is_the_same_table_with_co2_written_co_2(client, fy2021):
    data = download(client, "minato-budget-2021.cp932.csv")
    utf8 = download(client, "minato-budget-2021.csv").decode("utf-8")[1:]

    table = rows(data.decode("cp932"))
    assert table[0] == list(CSV_HEADER)
    assert len(table) == 33
    no22 = next(row for row in table if row[3] == "22")
    assert "区のCO 2 吸収源" in no22[8]
    assert table == rows(utf8.replace("₂", "2"))
    no1 = next(row for row in table if row[3] == "1")
    assert no1[9:13] == ["3826938", "3405524", "3191866", "2770452"]


def test_the_cp932_csv_says_its_charset(client, fy2021):
    response = client.get("/data/minato-budget-2021.cp932.csv")
    assert response["Content-Type"] == "text/csv; charset=Windows-31J"


@pytest.mark.parametrize(
    ("text", "written"),
    [
        ("CO ₂", "CO 2"),  # NFKC
        ("⺠間", "民間"),  # a radical look-alike
        ("A—B", "A―B"),  # Windows' own dash
        ("𠮷野", "&#x20BB7;野"),  # nothing in cp932: a numeric reference
        ("～〜", "～～"),  # cp932 has one code point (0x8160) for both
        ("¢−", "￠－"),  # written as cp932's full-width forms, and listed
    ],
)
def test_characters_cp932_lacks_are_replaced_as_documented(text, written):
    assert opendata.to_cp932_text(text) == written
    written.encode("cp932")


def test_a_replacement_that_makes_a_formula_is_neutralised(client, fy2021):
    make_project(fiscal_year=fy2021, no=90, name="⁼HYPERLINK(1)")  # NFKC: "="

    table = rows(download(client, "minato-budget-2021.cp932.csv").decode("cp932"))

    assert next(row for row in table if row[3] == "90")[6] == "'=HYPERLINK(1)"


def test_the_xlsx_has_numbers_and_text_that_never_runs_as_a_formula(client, fy2021):
    make_project(fiscal_year=fy2021, no=91, name='=HYPERLINK("http://x","y")')
    make_project(fiscal_year=fy2021, no=92, name="-1+2", description="@SUM(A1)")

    data = download(client, "minato-budget-2021.xlsx")

    workbook = openpyxl.load_workbook(io.BytesIO(data))
    sheet = workbook["事業一覧"]
    table = list(sheet.iter_rows(values_only=True))
    assert table[0] == CSV_HEADER
    assert len(table) == 1 + 34
    no1 = next(row for row in table if row[3] == 1)
    assert no1[9:13] == (3826938, 3405524, 3191866, 2770452)
    new = next(row for row in table[1:] if row[7] == "新規")
    assert new[10] is None and new[12] is None  # not applicable: empty, never 0
    assert all(cell.data_type != "f" for row in sheet.iter_rows() for cell in row)
    injected = next(row for row in sheet.iter_rows(min_row=2) if row[3].value == 91)
    assert injected[6].value == '=HYPERLINK("http://x","y")'
    assert injected[6].data_type == "s"
    assert injected[6].quotePrefix
    other = next(row for row in sheet.iter_rows(min_row=2) if row[3].value == 92)
    assert (other[6].value, other[8].value) == ("-1+2", "@SUM(A1)")
    assert other[6].quotePrefix and other[8].quotePrefix
    assert "項目の説明" in workbook.sheetnames


def test_the_xlsx_shows_a_description_s_line_breaks_and_wraps_no_other_cell(
    client, fy2021
):
    # helper-17: Excel showed a description of three lines as one
    make_project(fiscal_year=fy2021, no=93, description="一行目\n二行目\n=三行目")

    data = download(client, "minato-budget-2021.xlsx")

    sheet = openpyxl.load_workbook(io.BytesIO(data))["事業一覧"]
    wrapped = [
        (row[3].value, cell.value)
        for row in sheet.iter_rows(min_row=2)
        for cell in row
        if cell.alignment.wrap_text
    ]
    assert wrapped == [(93, "一行目\n二行目\n=三行目")]


def test_the_json_has_null_for_not_applicable_and_0_for_zero(client, fy2021):
    document = json.loads(download(client, "minato-budget-2021.json"))

    projects = {project["no"]: project for project in document["projects"]}
    assert document["years"] == [2021]
    assert len(projects) == 32
    assert projects[23]["budgeted"] == 0
    new = next(p for p in projects.values() if p["category"] == "new")
    assert new["requested_levelup"] is None and new["category_label"] == "新規"
    assert projects[22]["description"].count("CO ₂") == 1
    assert document["license"]["name"] == "CC-BY-4.0"
    assert [field["header"] for field in document["fields"]] == list(CSV_HEADER)


def test_drafts_are_never_offered(client, draft):
    for name in [
        "minato-budget-2022.csv",
        "minato-budget-2022.cp932.csv",
        "minato-budget-2022.xlsx",
        "minato-budget-2022.json",
    ]:
        assert client.get(f"/data/{name}").status_code == 404, name
    all_years = download(client, "minato-budget-all.csv").decode("utf-8")
    assert "下書きの事業" not in all_years
    assert len(rows(all_years[1:])) == 33
    assert "下書きの事業" not in json.dumps(
        json.loads(download(client, "minato-budget-all.json")), ensure_ascii=False
    )
    page = client.get("/data/").content.decode()
    assert "minato-budget-2022" not in page and "令和4年度" not in page
    package = client.get("/data/datapackage.json").json()
    assert [r["name"] for r in package["resources"]] == [
        "minato-budget-all",
        "minato-budget-2021",
    ]


def test_without_a_published_year_there_is_nothing_to_download(client, db):
    make_fiscal_year(year=2021, is_published=False)

    assert "公開中の年度はまだありません" in client.get("/data/").content.decode()
    assert client.get("/data/minato-budget-all.csv").status_code == 404


def test_datapackage_maps_the_csv_to_the_fiscal_data_package(client, fy2021):
    package = client.get("/data/datapackage.json").json()

    model = package["model"]
    assert {
        name: (m["source"], m["currency"], m["factor"], m["phase"])
        for name, m in model["measures"].items()
    } == {
        "requested": ("要求額(千円)", "JPY", 1000, "proposed"),
        "requested_levelup": ("要求額うちレベルアップ(千円)", "JPY", 1000, "proposed"),
        "budgeted": ("予算額(千円)", "JPY", 1000, "approved"),
        "budgeted_levelup": ("予算額うちレベルアップ(千円)", "JPY", 1000, "approved"),
    }
    administrative = model["dimensions"]["administrative-classification"]
    functional = model["dimensions"]["functional-classification"]
    assert administrative["classificationType"] == "administrative"
    assert [a["source"] for a in administrative["attributes"].values()] == [
        "部",
        "課名",
    ]
    assert functional["classificationType"] == "functional"
    assert {a["source"] for a in functional["attributes"].values()} >= {
        "施策番号",
        "施策名",
    }
    assert package["fiscalPeriod"] == {"start": "2021-04-01", "end": "2022-03-31"}
    assert package["licenses"][0]["name"] == "CC-BY-4.0"


def save_package(client, directory) -> None:
    (directory / "datapackage.json").write_bytes(
        client.get("/data/datapackage.json").content
    )
    for resource in client.get("/data/datapackage.json").json()["resources"]:
        (directory / resource["path"]).write_bytes(download(client, resource["path"]))


def test_frictionless_finds_the_published_package_valid(client, fy2021, tmp_path):
    save_package(client, tmp_path)

    report = frictionless.validate(str(tmp_path / "datapackage.json"))

    assert report.valid, report.flatten(["rowNumber", "fieldName", "type", "note"])
    assert [task.stats["rows"] for task in report.tasks] == [32, 32]


def test_frictionless_would_catch_a_csv_that_breaks_the_schema(
    client, fy2021, tmp_path
):
    save_package(client, tmp_path)
    broken = tmp_path / "minato-budget-2021.csv"
    broken.write_text(
        broken.read_text(encoding="utf-8").replace(",3826938,", ",3826938円,"),
        encoding="utf-8",
    )

    report = frictionless.validate(str(tmp_path / "datapackage.json"))

    assert not report.valid
    assert ["type-error"] == [
        error[0] for error in report.flatten(["type"]) if error[0] != "source-error"
    ]


def body(response) -> bytes:
    if response.streaming:
        return b"".join(response.streaming_content)
    return response.content


@pytest.mark.parametrize(
    "url",
    [
        "/data/",
        "/data/datapackage.json",
        "/data/minato-budget-all.xlsx",
        "/data/minato-budget-all.json",
        "/data/minato-budget-all.csv",  # streamed
        "/data/minato-budget-all.cp932.csv",
        "/data/minato-budget-2021.xlsx",
    ],
)
def test_the_page_and_files_are_built_once_then_come_from_the_cache(
    client, fy2021, url, django_assert_num_queries, settings
):
    # within the time a process trusts the data version it read
    settings.PAGE_CACHE_VERSION_SECONDS = 60
    first = client.get(url)
    first_body = body(first)

    with django_assert_num_queries(0):
        second = client.get(url)
        second_body = body(second)
    assert second.status_code == 200
    assert second_body == first_body
    for header in [
        "ETag",
        "Content-Type",
        "Content-Disposition",
        "Access-Control-Allow-Origin",
    ]:
        assert second.get(header) == first.get(header), header

    with django_assert_num_queries(0):
        again = client.get(url, headers={"if-none-match": first["ETag"]})
    assert again.status_code == 304
    assert again.content == b""
    assert again.get("Access-Control-Allow-Origin") == first.get(
        "Access-Control-Allow-Origin"
    )


def test_a_year_published_later_is_in_the_cached_all_years_file_at_once(
    client, fy2021, django_capture_on_commit_callbacks
):
    before = client.get("/data/minato-budget-all.json")
    assert "minato-budget-2022.xlsx" not in client.get("/data/").content.decode()
    with django_capture_on_commit_callbacks(execute=True):  # the change commits
        make_project(fiscal_year=make_fiscal_year(year=2022), no=1, name="翌年度の事業")

    after = client.get(
        "/data/minato-budget-all.json", headers={"if-none-match": before["ETag"]}
    )

    assert after.status_code == 200
    data = body(after)
    assert json.loads(data)["years"] == [2021, 2022]
    assert "翌年度の事業" in data.decode()
    assert "minato-budget-2022.xlsx" in client.get("/data/").content.decode()


def test_a_year_published_later_joins_the_package(client, fy2021):
    FiscalYear.objects.create(year=2022, is_published=True)

    package = client.get("/data/datapackage.json").json()

    assert [r["path"] for r in package["resources"]][-1] == "minato-budget-2022.csv"
    assert package["fiscalPeriod"]["end"] == "2023-03-31"
