"""Random and hostile query strings and addresses never break a public page."""

from urllib.parse import quote, urlencode

import pytest
from django.test import Client
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from budgets.models import Department

pytestmark = pytest.mark.django_db

PARAMETERS = [
    "q",
    "year",
    "theme",
    "department",
    "section",
    "category",
    "budgeted_min",
    "budgeted_max",
    "sort",
    "page",
    "encoding",
    "format",
]

hostile_values = st.one_of(
    st.text(max_size=40),
    st.integers(min_value=-(10**30), max_value=10**30).map(str),
    st.sampled_from(
        [
            "",
            "-",
            "2021",
            "０",
            "\x00",
            "' OR 1=1 --",
            "<script>",
            "%",
            "_",
            "-budgeted",
            "NaN",
            "1e309",
            "9" * 400,
            "9" * 5000,  # past the digits int() reads from text
            "令和3年度",
        ]
    ),
)
query_strings = st.one_of(
    st.dictionaries(st.sampled_from(PARAMETERS), hostile_values, max_size=5).map(
        urlencode
    ),
    st.text(max_size=60).map(lambda text: text.replace("#", "")),
)


def public_urls() -> list[str]:
    department = Department.objects.first()
    return [
        "/",
        "/years/2021/",
        "/projects/",
        "/projects.csv",
        "/projects.xlsx",
        "/projects/2021/1/",
        f"/departments/{department.pk}/",
        "/years/2021/themes/1/",
        "/data/",
        "/data/datapackage.json",
        "/data/minato-budget-2021.xlsx",
        "/api/projects/",
        "/api/years/",
        "/api/projects/2021/1/history/",
        "/feeds/updates.atom",
        "/sitemap.xml",
    ]


@settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(query=query_strings)
def test_hostile_query_strings_never_cause_a_server_error(fy2021, query):
    client = Client(raise_request_exception=False)
    for url in public_urls():
        response = client.get(f"{url}?{query}")
        assert response.status_code < 500, (url, query, response.status_code)


# Path segments that int() or str.isdigit() take but that are not ASCII digits, and
# any other text: a page address is read in ASCII digits only, anything else is 404.
hostile_segments = st.one_of(
    st.sampled_from(
        [
            "²",
            "¹",
            "٢٠٢١",
            "２０２１",
            "+1",
            " 1",
            "1 ",
            "2_021",
            "1.0",
            "-1",
            "0x1",
            "١",
            "۱",
            "߁",
            "𝟏",
            "\x00",
            "9" * 400,
            "9" * 5000,  # past the digits int() reads from text
        ]
    ),
    st.text(
        alphabet=st.characters(categories=["Nd", "Nl", "No"]), min_size=1, max_size=6
    ),
    st.text(min_size=1, max_size=12).filter(lambda text: text not in (".", "..")),
)
PROJECT_ADDRESSES = [
    "/projects/{year}/{no}/",
    "/api/projects/{year}/{no}/",
    "/api/projects/{year}/{no}/history/",
]
ONE_NUMBER_ADDRESSES = [
    "/years/{}/",
    "/years/2021/themes/{}/",
    "/departments/{}/",
    "/api/years/{}/",
    "/api/themes/{}/",
    "/api/departments/{}/",
    "/api/sections/{}/",
]


def is_ascii_number(segment: str) -> bool:
    return segment.isascii() and segment.isdigit()


@settings(max_examples=60, deadline=None, suppress_health_check=list(HealthCheck))
@given(segment=hostile_segments, canonical=st.sampled_from(["1", "2021"]))
def test_a_number_in_an_address_is_read_in_ascii_digits_only(
    fy2021, segment, canonical
):
    client = Client(raise_request_exception=False)
    written = quote(segment, safe="")
    urls = [
        *(address.format(year=written, no=canonical) for address in PROJECT_ADDRESSES),
        *(address.format(year=canonical, no=written) for address in PROJECT_ADDRESSES),
        *(address.format(written) for address in ONE_NUMBER_ADDRESSES),
    ]
    for url in urls:
        response = client.get(url)
        if is_ascii_number(segment):
            assert response.status_code in (200, 404), (url, response.status_code)
        else:
            assert response.status_code == 404, (url, response.status_code)


@settings(max_examples=40, deadline=None, suppress_health_check=list(HealthCheck))
@given(
    year=st.integers(min_value=-(10**20), max_value=10**20),
    no=st.integers(min_value=-(10**20), max_value=10**20),
)
def test_any_project_address_is_a_page_or_404(fy2021, year, no):
    client = Client(raise_request_exception=False)
    response = client.get(f"/projects/{abs(year)}/{abs(no)}/")
    assert response.status_code in (200, 404)
