"""A script on another site reads the open data (django-cors-headers, settings.py).

The API, the list's downloads, the files of /data/ and the feed answer any origin,
without credentials; a preflight for a conditional request is answered; the headers
that say which version came are readable. The pages and the admin are not opened.
"""

import pytest

pytestmark = pytest.mark.django_db

ELSEWHERE = {"origin": "https://example.org"}
OPEN = [
    "/api/projects/",
    "/api/schema/",
    "/projects.csv?q=GIGA",  # helper-14: the filtered downloads had no header
    "/projects.xlsx?year=2021",
    "/data/minato-budget-2021.csv",
    "/data/datapackage.json",
    "/feeds/updates.atom",
]


@pytest.mark.parametrize("path", OPEN)
def test_the_open_data_answers_a_script_of_any_site(client, fy2021, path):
    response = client.get(path, headers=ELSEWHERE)

    assert response.status_code == 200, path
    assert response["Access-Control-Allow-Origin"] == "*"
    assert "Access-Control-Allow-Credentials" not in response
    exposed = response["Access-Control-Expose-Headers"].lower()
    assert {"etag", "x-data-version", "content-disposition"} <= set(
        exposed.replace(" ", "").split(",")
    )


def test_a_conditional_request_from_a_script_passes_its_preflight(client, fy2021):
    response = client.options(
        "/data/minato-budget-2021.csv",
        headers={
            **ELSEWHERE,
            "access-control-request-method": "GET",
            "access-control-request-headers": "if-none-match",
        },
    )

    assert response.status_code == 200
    assert response["Access-Control-Allow-Origin"] == "*"
    assert "if-none-match" in response["Access-Control-Allow-Headers"]
    assert "POST" not in response["Access-Control-Allow-Methods"]


@pytest.mark.parametrize("path", ["/", "/projects/", "/admin/login/"])
def test_the_pages_and_the_admin_are_not_opened_to_other_sites(client, fy2021, path):
    response = client.get(path, headers=ELSEWHERE)

    assert "Access-Control-Allow-Origin" not in response
