"""What keeps a project page the cache has not seen cheap (benchmarks/load_pages.py):
the project and the other years read with SQL compiled once, the history's rows
written in Python (budgets/project_page/), statements PostgreSQL keeps prepared
(config/settings.py), one Redis client per process. Each fast path is checked
against what it replaces: the project against ``get_object_or_404``, the rows
against the template's loop they replaced, whole pages byte for byte."""

import pytest
from django.conf import settings
from django.core.cache.backends.redis import RedisCache as DjangoRedisCache
from django.db import connection
from django.http import Http404
from django.shortcuts import get_object_or_404
from django.template import engines
from django.urls import clear_script_prefix, reverse, set_script_prefix
from django.utils import timezone, translation
from django.utils.html import format_html
from django.utils.safestring import mark_safe
from hypothesis import example, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from budgets import caching, project_page
from budgets.importing import import_table
from budgets.importing.proposing import Decisions
from budgets.models import (
    Department,
    FiscalYear,
    Project,
    Section,
    Theme,
)
from budgets.project_page import reading, years
from budgets.redis_cache import RedisCache
from budgets.templatetags.budget_format import amount, approx
from tests import years_that_change as change
from tests.test_project_rows import projects


@pytest.fixture
def two_years(fy2021, seed_text):
    report = import_table(
        seed_text.replace("令和3年度", "令和4年度").encode(), publish=True
    )
    assert report.ok, report.problems


def test_the_history_is_plain_rows_prepared_once(
    client, two_years, django_assert_max_num_queries
):
    with django_assert_max_num_queries(3):  # the data version, the project, its years
        response = client.get("/projects/2022/1/")
        content = response.content.decode()

    history = response.context["history"]
    assert all(isinstance(row, project_page.Year) for row in history)
    earlier, current = history
    assert (earlier.year, earlier.url, earlier.is_current) == (
        2021,
        "/projects/2021/1/",
        False,
    )
    assert current.is_current and current.previous_budgeted == earlier.budgeted
    assert earlier.other_name == earlier.other_department == ""
    project = response.context["project"]
    assert not project.get_deferred_fields()  # the page's own project is read whole
    assert project.description[:20] in content


def test_a_project_without_a_lineage_is_its_own_history(two_years):
    project = Project.objects.get(fiscal_year__year=2022, no=1)
    project.lineage = None

    (row,) = project_page.history(project)

    assert (row.year, row.is_current, row.previous_budgeted) == (2022, True, None)
    assert row.budgeted == project.budgeted


@pytest.fixture
def years_that_change(fy2021, seed_text):
    """FY2022 with a renamed, a split and a merged project (tests/years_that_change)."""
    report = import_table(
        change.fy2022_table(seed_text),
        filename="r04.txt",
        publish=True,
        decisions=Decisions(confident=True),
    )
    assert report.ok, report.problems


def test_the_history_sql_compiled_once_answers_as_its_queryset(years_that_change):
    years._lineage_sql.cache_clear()
    sizes = set()
    projects = list(Project.objects.select_related("fiscal_year"))
    for project in projects:
        queryset = Project.objects.published().of_lineage(project)
        expected = list(queryset.values_list(*project_page.VALUES))

        assert project_page.lineage_rows(project.lineage_id) == expected
        sizes.add(len(expected))
    assert {2, 3} <= sizes  # continued; split in two or merged from two
    compiled = years._lineage_sql.cache_info()
    assert (compiled.misses, compiled.hits) == (1, len(projects) - 1)


def test_a_row_s_link_is_the_project_s_url(years_that_change):
    projects = list(Project.objects.select_related("fiscal_year"))
    for prefix in ("/", "/minato/budget/"):
        set_script_prefix(prefix)
        try:
            for project in projects:
                history = project_page.history(project)
                links = {(row.year, row.url) for row in history}
                for other in Project.objects.published().of_lineage(project):
                    url = reverse(  # Django's own, not the page's reversed_once
                        "budgets:project",
                        kwargs={"year": other.fiscal_year.year, "no": other.no},
                    )
                    assert (other.fiscal_year.year, url) in links
                    assert url.startswith(prefix)
        finally:
            clear_script_prefix()


def _fields(instance) -> list:
    return [
        getattr(instance, field.attname) for field in instance._meta.concrete_fields
    ]


def _plain_project(year: int, no: int) -> Project:
    """What ``project_page.project`` replaces."""
    return get_object_or_404(project_page.projects(), fiscal_year__year=year, no=no)


@pytest.fixture
def varied(years_that_change, seed_text):
    """FY2021 and FY2022 with renames, a split and a merge, and what else a page
    meets: a name and a description to escape, an edit in the admin, a project
    without a lineage, one without an import, and a draft FY2023."""
    Project.objects.filter(fiscal_year__year=2021, no=3).update(
        name='あ & <b>"い"</b>', description="一行目\n<二行目> & 'と'"
    )
    uncited = {"source_event": None, "source_page": None, "source_line": None}
    Project.objects.filter(fiscal_year__year=2022, no=4).update(
        **uncited, source_edited_at=timezone.now()
    )
    Project.objects.filter(fiscal_year__year=2022, no=5).update(lineage=None)
    Project.objects.filter(fiscal_year__year=2022, no=6).update(**uncited)
    draft = import_table(seed_text.replace("令和3年度", "令和5年度").encode())
    assert draft.ok, draft.problems
    assert not FiscalYear.objects.get(year=2023).is_published


def test_the_project_from_compiled_sql_is_what_get_object_or_404_gives(varied):
    reading._project_sql.cache_clear()
    keys = list(Project.objects.values_list("fiscal_year__year", "no"))
    keys += [(2022, 999), (2020, 1), (32_767, 1), (40_000, 1), (2022, 2**31), (0, 0)]
    found = set()
    for year, no in keys:
        try:
            expected = _plain_project(year, no)
        except Http404:
            with pytest.raises(Http404):
                project_page.project(year, no)
            continue
        project = project_page.project(year, no)
        found.add(year)

        assert _fields(project) == _fields(expected)
        for path in project_page.RELATED:
            ours, theirs = project, expected
            for name in path.split("__"):
                ours, theirs = getattr(ours, name), getattr(theirs, name)
            assert type(ours) is type(theirs)
            assert theirs is None or _fields(ours) == _fields(theirs), path
        assert not project.get_deferred_fields() and not project._state.adding
    assert found == {2021, 2022}  # the draft year's projects have no page
    compiled = reading._project_sql.cache_info()
    # compiled once; not run for a year or a No no column holds (Django's 404)
    assert (compiled.misses, compiled.hits) == (1, len(keys) - 2 - 1)


def test_the_related_objects_are_those_the_queryset_selects():
    def paths(tree: dict, prefix: str = "") -> list[str]:
        found = []
        for name, below in tree.items():
            found += [prefix + name, *paths(below, f"{prefix}{name}__")]
        return found

    selected = paths(project_page.projects().query.select_related)
    assert sorted(project_page.RELATED) == sorted(selected)


# The template's loop that ``project_page.history_rows`` replaced, as it was.
PLAIN_ROWS = """{% load i18n budget_format %}{% for row in history %}
    <tr><th scope="row">{% if row.is_current %}<span aria-current="page">{{ row.year|era }}</span>{% else %}<a href="{{ row.url }}">{{ row.year|era }}</a>{% endif %}{% if row.other_name %}<br><span class="reading" lang="ja">{% if row.year < project.fiscal_year.year %}{% translate "旧名:" %}{% elif row.year > project.fiscal_year.year %}{% translate "新名:" %}{% else %}{% translate "事業名:" %}{% endif %} {{ row.other_name }}</span>{% endif %}{% if row.other_department %}<br><span class="reading" lang="ja">{% if row.year < project.fiscal_year.year %}{% translate "旧部:" %}{% elif row.year > project.fiscal_year.year %}{% translate "新部:" %}{% else %}{% translate "部:" %}{% endif %} {{ row.other_department }}</span>{% endif %}</th>
      <td class="num" data-label="{% translate "要求額" %}">{{ row.requested|amount }}</td>
      <td class="num" data-label="{% translate "予算額" %}">{{ row.budgeted|amount }}</td>
      <td class="num" data-label="{% translate "予算額の前年度からの増減" %}">{{ row.budgeted|change:row.previous_budgeted }}</td></tr>
  {% endfor %}"""  # noqa: E501


def _plain_rows(years: list, page_year: int) -> str:
    project = {"fiscal_year": {"year": page_year}}
    template = engines["django"].from_string(PLAIN_ROWS)
    return template.render({"history": years, "project": project})


# The template's markup that ``project_page.facts`` replaced, as it was.
PLAIN_FACTS = """{% load i18n budget_format %}{% url 'budgets:theme' project.fiscal_year.year project.theme.number as theme_url %}{% url 'budgets:project_list' as list_url %}
<nav aria-label="{% translate 'パンくずリスト' %}" class="breadcrumb"><ol>
  <li><a href="{{ project.fiscal_year.get_absolute_url }}">{{ project.fiscal_year.year|era }}</a></li>
  <li lang="ja"><a href="{{ theme_url }}">{{ project.theme.number }} {{ project.theme.name }}</a></li>
  <li lang="ja" aria-current="page">No.{{ project.no }} {{ project.name }}</li>
</ol></nav>
<h1 lang="ja">{{ project.name }}</h1>
<dl class="project">
  <dt>{% translate "年度" %}</dt><dd><a href="{{ project.fiscal_year.get_absolute_url }}">{{ project.fiscal_year.year|era }}</a></dd>
  <dt>{% translate "No" context "project number" %}</dt><dd>{{ project.no }}</dd>
  <dt>{% translate "施策の柱" %}</dt><dd lang="ja"><a href="{{ theme_url }}">{{ project.theme.number }} {{ project.theme.name }}</a></dd>
  <dt>{% translate "部" %}</dt><dd lang="ja"><a href="{{ project.section.department.get_absolute_url }}">{{ project.section.department.name }}</a></dd>
  <dt>{% translate "課名" %}</dt><dd lang="ja"><a href="{{ list_url }}?section={{ project.section_id }}">{{ project.section.name }}</a></dd>
  <dt>{% translate "二次経費区分" %}</dt><dd>{{ project.get_category_display }}</dd>
  <dt>{% translate "事業内容" %}</dt><dd lang="ja">{{ project.description|linebreaksbr }}</dd>
</dl>
<div class="table-wrap" role="region" aria-labelledby="amounts-caption" tabindex="0">
<table class="amounts stackable">
  <caption id="amounts-caption">{% translate "金額" %}</caption>
  <thead><tr><th scope="col">{% translate "項目" %}</th><th scope="col">{% translate "千円" %}</th><th scope="col">{% translate "およそ" %}</th><th scope="col">{% translate "円での読み方" %}</th></tr></thead>
  <tbody>
    <tr><th scope="row">{% translate "要求額" %}</th><td class="num" data-label="{% translate "千円" %}">{{ project.requested|thousands }}</td><td data-label="{% translate "およそ" %}">{{ project.requested|approx }}</td><td data-label="{% translate "円での読み方" %}">{{ project.requested|reading }}</td></tr>
    <tr><th scope="row">{% translate "要求額のうちレベルアップ" %}</th><td class="num" data-label="{% translate "千円" %}">{{ project.requested_levelup|thousands }}</td><td data-label="{% translate "およそ" %}">{{ project.requested_levelup|approx }}</td><td data-label="{% translate "円での読み方" %}">{{ project.requested_levelup|reading }}</td></tr>
    <tr><th scope="row">{% translate "予算額" %}</th><td class="num" data-label="{% translate "千円" %}">{{ project.budgeted|thousands }}</td><td data-label="{% translate "およそ" %}">{{ project.budgeted|approx }}</td><td data-label="{% translate "円での読み方" %}">{{ project.budgeted|reading }}</td></tr>
    <tr><th scope="row">{% translate "予算額のうちレベルアップ" %}</th><td class="num" data-label="{% translate "千円" %}">{{ project.budgeted_levelup|thousands }}</td><td data-label="{% translate "およそ" %}">{{ project.budgeted_levelup|approx }}</td><td data-label="{% translate "円での読み方" %}">{{ project.budgeted_levelup|reading }}</td></tr>
  </tbody>
</table>
</div>"""  # noqa: E501


def _plain_facts(project: Project, list_url: str) -> str:
    template = engines["django"].from_string(PLAIN_FACTS)
    written = template.render({"project": project, "list_url": list_url})
    # less the line break after the template's {% url %} tags (the page keeps one)
    return mark_safe(written.removeprefix("\n"))


# Every text with what must be escaped, line breaks of each kind and a format field.
TO_ESCAPE = "<b>\"&'</b>\r\n{0}\r二行目\n"
ESCAPED = Project(
    fiscal_year=FiscalYear(year=2021),
    theme=Theme(fiscal_year=FiscalYear(year=2021), number=3, name=TO_ESCAPE),
    section=Section(pk=7, name=TO_ESCAPE, department=Department(pk=5, name=TO_ESCAPE)),
    no=12,
    name=TO_ESCAPE,
    category="levelup",
    description=TO_ESCAPE,
    requested=1_234_567,
    requested_levelup=0,
    budgeted=10**12,
    budgeted_levelup=None,
)


@hypothesis_settings(max_examples=80, deadline=None)
@given(project=projects(), language=st.sampled_from(["ja", "en"]))
@example(project=ESCAPED, language="ja")
@example(project=ESCAPED, language="en")
def test_any_project_s_facts_are_what_the_template_wrote(project, language):
    with translation.override(language):
        list_url = reverse("budgets:project_list")
        assert project_page.facts(project, list_url) == _plain_facts(project, list_url)


@pytest.mark.parametrize("language", ["ja", "en"])
def test_every_page_is_what_the_plain_path_writes(
    client, varied, language, monkeypatch
):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    keys = list(Project.objects.values_list("fiscal_year__year", "no"))
    keys += [(2022, 999), (99_999, 1), (2022, 2**40)]

    def pages() -> dict:
        caching.reset()
        return {key: client.get(f"/projects/{key[0]}/{key[1]}/") for key in keys}

    fast = pages()
    with monkeypatch.context() as plain:
        plain.setattr(project_page, "project", _plain_project)
        plain.setattr(project_page, "history_rows", _plain_rows)
        plain.setattr(project_page, "facts", _plain_facts)
        slow = pages()

    shown = [key for key, response in fast.items() if response.status_code == 200]
    assert len(shown) == Project.objects.published().count() > 60
    for key, response in fast.items():
        assert response.status_code == slow[key].status_code, key
        assert response.content == slow[key].content, key
    for text in ("旧名:", "新名:", "旧部:", "&lt;b&gt;&quot;い&quot;&lt;/b&gt;"):
        if language == "ja" or text.startswith("&"):
            assert any(text in r.content.decode() for r in fast.values()), text


def test_a_word_s_translation_is_written_as_the_template_wrote_it(
    years_that_change, monkeypatch
):
    # a literal's translation is safe in a template: not escaped, even with a quote
    words = {"旧名:": "Project's old name:", "新名:": "New <name>:", "部:": "A & B:"}
    catalogue = translation.trans_real.translation("en")._catalog
    for word, english in words.items():
        monkeypatch.setitem(catalogue, word, english)
    compared = set()
    with translation.override("en"):
        for project in Project.objects.select_related("fiscal_year"):
            years = project_page.history(project)
            rows = project_page.history_rows(years, project.fiscal_year.year)
            assert rows == _plain_rows(years, project.fiscal_year.year)
            compared |= {english for english in words.values() if english in rows}
    assert compared >= {"Project's old name:", "New <name>:"}


@pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL's own")
def test_postgresql_keeps_the_statements_every_page_runs_prepared(client, two_years):
    for no in range(1, 7):  # psycopg prepares a statement on its fifth run
        assert client.get(f"/projects/2022/{no}/").status_code == 200

    with connection.cursor() as cursor:
        cursor.execute("SELECT statement FROM pg_prepared_statements")
        prepared = [statement for (statement,) in cursor.fetchall()]
    # the page's project and its years, each parsed and planned once
    assert any('"budgets_project"."no" = $' in sql for sql in prepared)
    assert any('"budgets_project"."lineage_id" IN' in sql for sql in prepared)


@pytest.mark.parametrize("language", ["ja", "en"])
def test_an_amount_cell_is_what_format_html_made(language):
    with translation.override(language):
        for value in (0, 5, 9_999, 3_826_938, 10**12, None):
            made = (
                format_html(
                    '{}<span class="reading">{}</span>', f"{value:,}", approx(value)
                )
                if value is not None
                else "-"
            )
            assert amount(value) == made


def test_the_redis_cache_keeps_its_client():
    ours = RedisCache("redis://127.0.0.1:6379/15", {})._cache
    djangos = DjangoRedisCache("redis://127.0.0.1:6379/15", {})._cache

    # no connection is made until a command is sent
    assert ours.get_client("a") is ours.get_client("b", write=True)
    assert djangos.get_client("a") is not djangos.get_client("b")
