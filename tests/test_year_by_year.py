"""The downloads read a year at a time (budgets.year_by_year): the rows of the list
the reader sees, in its order, grouped by year where it is sorted otherwise, so the
bytes of one query in that order.

The projects are written in an order that is neither year nor No, and within a year
the 予算額 and the names sort otherwise than the No, so a reading in the table's own
order, by No where the list is sorted, or years the wrong way round, gives other
bytes.
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


def grouped_by_year(newest_first: bool):
    """The rows of one query in the queryset's own order, then put in year order by
    a stable sort: each year's rows keep the order they had among themselves."""

    def values(queryset, *fields):
        rows = list(queryset.values_list("fiscal_year__year", *fields))
        rows.sort(key=lambda row: row[0], reverse=newest_first)
        return iter([row[1:] for row in rows])

    return values


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
                budgeted=10_000 + (no * 7 % 5) * 3 + year,
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

    assert rows == list(grouped_by_year(newest_first=False)(queryset(), *fields))
    if not queryset().query.order_by:  # no order of its own: by year, then No
        assert rows == list(one_ordered_query(queryset(), *fields))
        assert rows == sorted(rows)
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
    {"budgeted_min": "12022", "budgeted_max": "12030"},
    {"department": "DEPARTMENT"},
    {"sort": "-budgeted"},
    {"sort": "name", "q": "区民"},
    {"sort": "-year"},
    {"sort": "budgeted", "year": "2021", "encoding": "cp932"},
]


@pytest.mark.parametrize("params", LIST_PARAMS)
def test_the_list_csv_is_the_bytes_of_the_lists_query_a_year_at_a_time(
    client, years, monkeypatch, params
):
    if params.get("department"):
        params = params | {"department": str(years[1].department_id)}
    body = downloaded(client, "/projects.csv", params)

    queryset = client.get("/projects/", params).context["filter"].qs
    # the list comes newest first unless sorted: by 年度 (up) or otherwise
    newest_first = params.get("sort") in (None, "-year")
    monkeypatch.setattr(year_by_year, "values", grouped_by_year(newest_first))
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


def csv_keys(body: bytes) -> list[tuple[int, int]]:
    rows = list(csv.reader(io.StringIO(body.decode("utf-8-sig"))))[1:]
    return [(int(row[0]), int(row[3])) for row in rows]  # 年度, No


def list_keys(client, params) -> list[tuple[int, int]]:
    shown = client.get("/projects/", params).context["object_list"]
    return [(project.fiscal_year.year, project.no) for project in shown]


SORTS = [
    *("-budgeted", "budgeted", "name", "-name", "requested", "-no", "-year", "year"),
    *("budgeted_levelup", "-budgeted_levelup"),  # "-" (new projects) last either way
]


@pytest.mark.parametrize("sort", SORTS)
def test_a_download_of_one_year_comes_in_the_order_of_its_sorted_list(
    client, years, sort
):
    params = {"year": "2021", "sort": sort}

    keys = csv_keys(downloaded(client, "/projects.csv", params))

    assert keys == list_keys(client, params)  # five projects on the list's one page
    if sort.lstrip("-") != "year":
        assert keys != sorted(keys)  # not by No


@pytest.mark.parametrize("sort", [None, "-year", "year"])
def test_a_download_of_every_year_by_year_comes_as_the_list_shows_it(
    client, years, sort
):
    params = {"sort": sort} if sort else {}

    keys = csv_keys(downloaded(client, "/projects.csv", params))

    assert keys == list_keys(client, params)  # 15 published projects on one page
    assert keys[0][0] == (2019 if sort == "year" else 2022)
    assert not any(key[0] == 2020 for key in keys)  # the draft, not sent
    assert FiscalYear.objects.get(year=2020).projects.exists()


@pytest.mark.parametrize("sort", ["-budgeted", "name", "requested", "-no"])
def test_a_download_of_every_year_sorted_otherwise_comes_a_year_at_a_time(
    client, years, sort
):
    """Sorted across years, the first row would wait for every row to be sorted;
    a year at a time, each year's rows come as that year's list shows them."""
    keys = csv_keys(downloaded(client, "/projects.csv", {"sort": sort}))

    assert [key[0] for key in keys] == [2019] * 5 + [2021] * 5 + [2022] * 5
    for year in (2019, 2021, 2022):
        one_year = list_keys(client, {"year": str(year), "sort": sort})
        assert [key for key in keys if key[0] == year] == one_year


NOTE = "ファイルは年度ごと（古い年度から）に、その中をこの並べ替えで並べます。"


@pytest.mark.parametrize(
    "sort, noted", [("budgeted,-year", True), ("no,-year", True), ("-year,name", False)]
)
def test_a_sort_of_two_keys_a_link_may_carry_is_told_and_given_as_told(
    client, years, sort, noted
):
    # helper-19: "budgeted,-year" was noted as the oldest year first and sent the
    # newest first
    listed = list_keys(client, {"sort": sort})  # 15 projects on one page
    page = client.get("/projects/", {"sort": sort}).content.decode()
    keys = csv_keys(downloaded(client, "/projects.csv", {"sort": sort}))

    assert (NOTE in page) is noted
    if noted:
        assert [key[0] for key in keys] == [2019] * 5 + [2021] * 5 + [2022] * 5
    else:
        assert keys == listed
        assert keys[0][0] == 2022


@pytest.mark.parametrize(
    "params, noted",
    [
        ({"sort": "-budgeted"}, True),
        ({"sort": "name", "q": "区民"}, True),
        ({"sort": "-budgeted", "year": "2021"}, False),  # one year: as the list
        ({"sort": "-year"}, False),
        ({}, False),
        ({"sort": "予算額"}, False),  # refused: the list shows the error
    ],
)
def test_the_list_says_when_its_files_come_a_year_at_a_time(
    client, years, params, noted
):
    page = client.get("/projects/", params).content.decode()

    assert (NOTE in page) is noted
    if noted:  # beside the links it speaks of
        line = page[page.index('class="downloads-line"') :]
        assert line.index(NOTE) < line.index("</p>")
