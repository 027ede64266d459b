"""A reader who follows a broken link, or a clerk who opens what they may not, gets
a page of the site in their language that says what happened and where to go, not
Django's bare English one."""

from pathlib import Path

import pytest
from django.conf import settings
from django.contrib.staticfiles import finders
from django.templatetags.static import static
from django.test import Client

from budgets.models import Project
from tests.factories import make_staff

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("language", "heading", "search"),
    [
        ("ja", "ページが見つかりません", "事業名や内容で探す"),
        ("en", "Page not found", "Search projects by name or description"),
    ],
)
@pytest.mark.parametrize("path", ["/projects/2021/999/", "/no-such-page/"])
def test_a_broken_link_leads_to_a_page_of_the_site(
    client, fy2021, path, language, heading, search
):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language

    response = client.get(path)

    assert response.status_code == 404
    page = response.content.decode()
    assert f"<h1>{heading}</h1>" in page and search in page
    assert f'<html lang="{language}">' in page
    assert 'class="site-header"' in page  # the site's navigation, to go on from
    assert 'action="/projects/"' in page and 'name="q"' in page


def test_the_search_on_the_not_found_page_finds_projects(django_app, fy2021):
    page = django_app.get("/projects/2021/999/", status=404)
    assert 'name="q"' in page.text
    form = page.forms[0]  # the page's own search, as rendered
    form["q"] = "融資"

    found = form.submit()

    assert found.request.path == "/projects/"
    assert Project.objects.get(name="融資事業").name in found.text


def test_a_clerk_without_the_permission_gets_a_page_that_says_so(client, fy2021):
    reader = make_staff("reader", "閲覧")
    client.force_login(reader)

    response = client.get("/admin/budgets/project/add/")

    assert response.status_code == 403
    page = response.content.decode()
    assert "<h1>このページは開けません</h1>" in page and "権限がありません" in page
    assert 'href="/admin/"' in page


def test_a_request_for_another_host_gets_a_plain_page_of_the_site():
    response = Client().get("/", HTTP_HOST="elsewhere.example")

    assert response.status_code == 400
    page = response.content.decode()
    assert "<h1>リクエストを受け付けられません</h1>" in page
    assert "elsewhere.example" not in page


def test_a_server_error_page_says_it_was_logged_in_the_reader_s_language(
    monkeypatch, settings
):
    from budgets.views import HealthView

    def broken(self, request):
        raise RuntimeError("the disk is full")

    monkeypatch.setattr(HealthView, "get", broken)
    client = Client(raise_request_exception=False)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"

    response = client.get("/health/")

    assert response.status_code == 500
    page = response.content.decode()
    assert "<h1>Something went wrong on the server</h1>" in page
    assert "has been logged" in page and "disk is full" not in page


def test_the_icon_browsers_ask_for_is_the_site_s(client, db):
    response = client.get("/favicon.ico")

    assert response.status_code == 302  # its collected name changes with it
    assert response["Location"] == static("budgets/favicon.svg")
    assert "<svg" in Path(finders.find("budgets/favicon.svg")).read_text()
    page = client.get("/").content.decode()
    assert f'<link rel="icon" href="{response["Location"]}"' in page
