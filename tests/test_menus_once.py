"""The list's menus read once for each version of the public data (budgets.menus_once):
the same pages as menus read anew, fewer queries, and a change shown once it commits."""

from django.conf import settings
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils.translation import gettext
from django_filters.fields import ModelChoiceIterator

from budgets import caching, menus_once
from budgets.filters import ThemeChoiceField
from budgets.menus_once import KeptChoiceIterator
from budgets.models import Section

PAGES = (
    "/projects/",
    "/projects/?year=2021&sort=-budgeted",
    "/projects/?section={section}&department={department}",
    "/projects/?q=%E6%94%AF%E6%8F%B4&page=2",
)


def _pages(client) -> dict:
    """Each page once in each language, every one a miss (a URL of its own), the
    menus kept from one to the next."""
    caching.reset()
    section = Section.objects.order_by("pk").first()
    values = {"section": section.pk, "department": section.department_id}
    found = {}
    for index, language in enumerate(("ja", "en", "ja")):
        client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
        for page in PAGES:
            path = page.format(**values) + ("&" if "?" in page else "?") + f"n={index}"
            found[language, path] = client.get(path).content
    return found


def test_kept_menus_write_the_pages_fresh_menus_write(client, fy2021, monkeypatch):
    def translated_label(field, theme):  # a label in the reader's language
        return f"{gettext('施策の柱')} {theme.number} {theme.name}"

    monkeypatch.setattr(ThemeChoiceField, "label_from_instance", translated_label)
    ours = _pages(client)
    assert b"Policy" in ours["en", "/projects/?n=1"]  # the theme menu, in English
    monkeypatch.setattr(KeptChoiceIterator, "__iter__", ModelChoiceIterator.__iter__)
    monkeypatch.setattr(KeptChoiceIterator, "memo", None)  # no options kept either
    fresh = _pages(client)
    assert ours == fresh


def _queries(client, path: str) -> list[str]:
    caching.cache.clear()  # the page a miss; the menus kept in this process
    with CaptureQueriesContext(connection) as queries:
        assert client.get(path).status_code == 200
    return [query["sql"] for query in queries]


def test_a_page_of_the_list_reads_its_menus_once(client, fy2021):
    _queries(client, "/projects/?year=2021")  # the data version read
    menus_once.forget()
    first = _queries(client, "/projects/")
    second = _queries(client, "/projects/?sort=name")
    assert len(first) - len(second) == 4  # years, themes, departments, sections
    assert not any('"budgets_section"."id" = ' in sql for sql in second)


def test_a_renamed_section_shows_in_the_menu_once_its_change_commits(
    client, fy2021, django_capture_on_commit_callbacks
):
    section = Section.objects.order_by("pk").first()
    assert section.name.encode() in client.get("/projects/").content
    with django_capture_on_commit_callbacks(execute=True):
        section.name = "区民協働推進課（新）"
        section.save()
    caching.cache.clear()
    page = client.get("/projects/?sort=no").content.decode()
    menu = page.split('<select name="section"')[1].split("</select>")[0]
    (option,) = [line for line in menu.splitlines() if f'value="{section.pk}"' in line]
    assert "区民協働推進課（新）</option>" in option


def _options(html: str, name: str) -> list[str]:
    from bs4 import BeautifulSoup

    select = BeautifulSoup(html, "html.parser").find("select", attrs={"name": name})
    return [option.get_text(strip=True) for option in select.find_all("option")[1:]]


def test_the_departments_and_sections_are_offered_in_the_tables_order(
    client, fy2021, seed_text
):
    # helper-17: みなと保健所, 企画経営部, 保健福祉支援部…: code point order
    first_seen: dict[str, None] = {}
    sections: dict[str, None] = {}
    for line in seed_text.splitlines():
        cells = line.split("\t")
        if len(cells) == 10 and cells[0].isdigit():
            first_seen.setdefault(cells[1])
            sections.setdefault(f"{cells[1]} {cells[2]}")
    by_department = sorted(
        sections, key=lambda name: list(first_seen).index(name.split(" ")[0])
    )

    html = client.get("/projects/").content.decode()

    assert _options(html, "department") == list(first_seen)
    assert _options(html, "section") == by_department
