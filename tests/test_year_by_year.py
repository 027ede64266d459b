"""The downloads read a year at a time (budgets.year_by_year): the same rows, in the
same order, as the one ordered query they replace, so the same bytes.

The projects are written in an order that is neither year nor No, so a reading in
the table's own order, or years the wrong way round, gives other bytes.
"""

import csv
import io

import pytest

from budgets import year_by_year
from budgets.exporting import csv_chunks
from budgets.models import FiscalYear, Project
from budgets.opendata import cp932_chunks, json_chunks, projects_of
from tests.factories import make_fiscal_year, make_project, make_section, make_theme

pytestmark = pytest.mark.django_db

# (year, published), in the order they are made
YEARS = [(2022, True), (2019, True), (2020, False), (2021, True)]
NOS = [5, 1, 4, 2, 3]


def one_ordered_query(queryset, *fields):
    """How the downloads read their rows before: one query, sorted by year and No."""
    return (
        queryset.order_by("fiscal_year__year", "no")
        .values_list(*fields)
        .iterator(chunk_size=2000)
    )


@pytest.fixture
def years():
    """Four years (one a draft) of five projects each, in two departments, the GIGA
    ones new, the others level-up, budgets growing with the year and falling as No
    rises."""
    sections = [
        make_section(department_name="企画経営部"),
        make_section(department_name="教育推進部"),
    ]
    for year, published in YEARS:
        fiscal_year = make_fiscal_year(year=year, is_published=published)
        theme = make_theme(fiscal_year=fiscal_year, name="「誰一人取り残さない」施策")
        for no in NOS:
            giga = no % 2 == 1
            make_project(
                fiscal_year=fiscal_year,
                theme=theme,
                no=no,
                section=sections[no % 2],
                name=f"ＧＩＧＡスクール（{year}-{no}）" if giga else f"区民協働{no}",
                category=Project.Category.NEW if giga else Project.Category.LEVELUP,
                description="CO₂ を減らします。"
                if no == 4
                else "（仮称）を整備します。",
                requested=10_000 - no,
                budgeted=10_000 - no + year,
            )
    return sections


def test_the_projects_are_not_written_in_year_and_no_order(years):
    written = list(
        Project.objects.order_by("pk").values_list("fiscal_year__year", "no")
    )

    assert written != sorted(written)


@pytest.mark.parametrize(
    "queryset",
    [
        lambda: Project.objects.all(),
        lambda: Project.objects.published(),
        lambda: Project.objects.published().filter(category="levelup"),
        lambda: Project.objects.published().search("giga"),
        lambda: Project.objects.order_by("-budgeted", "name"),
        lambda: Project.objects.filter(fiscal_year__year=2021),
    ],
)
def test_the_rows_are_those_of_one_ordered_query(years, queryset):
    fields = ("fiscal_year__year", "no", "name", "section__department__name")

    rows = list(year_by_year.values(queryset(), *fields))

    assert rows == list(one_ordered_query(queryset(), *fields))
    assert rows == sorted(rows)  # year, then No
    assert len({row[:2] for row in rows}) == len(rows) > 0


def test_no_projects_need_no_query(years, django_assert_num_queries):
    with django_assert_num_queries(0):
        assert list(year_by_year.values(Project.objects.none(), "no")) == []


def test_one_query_lists_the_years_then_one_a_year_that_has_rows(
    years, django_assert_num_queries
):
    with django_assert_num_queries(1 + 3):  # the draft year has no published rows
        assert len(list(year_by_year.values(Project.objects.published(), "no"))) == 15
    with django_assert_num_queries(1 + 1):
        list(year_by_year.values(Project.objects.filter(fiscal_year__year=2019), "no"))
    with django_assert_num_queries(1):
        assert list(year_by_year.values(Project.objects.search("該当なし"), "no")) == []


def downloaded(client, url, params=None) -> bytes:
    response = client.get(url, params)
    assert response.status_code == 200
    assert response.streaming
    return b"".join(response.streaming_content)


LIST_PARAMS = [
    {},
    {"encoding": "cp932"},
    {"q": "giga"},
    {"category": "levelup", "encoding": "cp932"},
    {"year": "2021"},
    {"budgeted_min": "12017", "budgeted_max": "12020"},
    {"department": "DEPARTMENT"},
    {"sort": "-budgeted"},
    {"sort": "name", "q": "区民"},
]


@pytest.mark.parametrize("params", LIST_PARAMS)
def test_the_list_csv_is_the_bytes_of_one_ordered_query(
    client, years, monkeypatch, params
):
    if params.get("department"):
        params = params | {"department": str(years[1].department_id)}
    body = downloaded(client, "/projects.csv", params)

    queryset = client.get("/projects/", params).context["filter"].qs
    monkeypatch.setattr(year_by_year, "values", one_ordered_query)
    chunks = cp932_chunks if params.get("encoding") else csv_chunks
    expected = b"".join(
        chunk.encode() if isinstance(chunk, str) else chunk
        for chunk in chunks(queryset)
    )
    assert body == expected
    assert body.count(b"\n") > 1  # a header and rows


@pytest.mark.parametrize("fmt", ["csv", "cp932.csv", "json"])
def test_the_data_files_made_in_the_request_are_the_bytes_of_one_ordered_query(
    client, years, monkeypatch, fmt
):
    body = downloaded(client, f"/data/minato-budget-all.{fmt}")

    monkeypatch.setattr(year_by_year, "values", one_ordered_query)
    projects = projects_of(None)
    chunks = {
        "csv": lambda: csv_chunks(projects),
        "cp932.csv": lambda: cp932_chunks(projects),
        "json": lambda: json_chunks(projects, years=[2019, 2021, 2022]),
    }[fmt]()
    expected = b"".join(
        chunk.encode() if isinstance(chunk, str) else chunk for chunk in chunks
    )
    assert body == expected


@pytest.mark.parametrize("sort", ["-budgeted", "name", "-year", "-no"])
def test_a_download_sorted_on_the_list_keeps_the_order_of_year_and_no(
    client, years, sort
):
    """The CSV's order is its own (year, then No), whatever the list's sort: so the
    list's sort never stops the reading a year at a time."""
    sorted_list = client.get("/projects/", {"sort": sort})
    body = downloaded(client, "/projects.csv", {"sort": sort})

    first_on_the_list = sorted_list.context["object_list"][0]
    assert (first_on_the_list.fiscal_year.year, first_on_the_list.no) != (2019, 1)
    assert body == downloaded(client, "/projects.csv")
    rows = list(csv.reader(io.StringIO(body.decode("utf-8-sig"))))[1:]
    keys = [(int(row[0]), int(row[3])) for row in rows]  # 年度, No
    assert keys == sorted(keys) and keys[0] == (2019, 1)
    assert FiscalYear.objects.get(year=2020).projects.exists()  # the draft, not sent
    assert not any(key[0] == 2020 for key in keys)
