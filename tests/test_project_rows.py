"""The rows of a list of projects, written in Python (budgets/project_rows.py): each
is what the template loop it replaced wrote, byte for byte, for the seed's projects
and for any names, amounts, years and numbers, in Japanese and in English."""

import pytest
from django.template import engines
from django.utils import translation
from hypothesis import given, settings
from hypothesis import strategies as st

from budgets import project_rows
from budgets.models import (
    AMOUNT_FIELDS,
    Department,
    FiscalYear,
    Project,
    Section,
    Theme,
)

# The loops as the templates had them (project_list.html, _project_table.html and
# _project_cards.html), each between the tags around it.
LIST_TABLE_LOOP = """{% load i18n budget_format %}{% for project in projects %}
    <tr>
      <td>{{ project.fiscal_year.year|era }}</td>
      <td class="num">{{ project.no }}</td>
      <th scope="row" lang="ja"><a href="{{ project.get_absolute_url }}">{{ project.name }}</a></th>
      <td lang="ja">{{ project.section.department.name }}<br>{{ project.section.name }}</td>
      <td>{{ project.get_category_display }}</td>
      <td class="num">{{ project.requested|amount }}</td>
      <td class="num">{{ project.requested_levelup|amount }}</td>
      <td class="num">{{ project.budgeted|amount }}</td>
      <td class="num">{{ project.budgeted_levelup|amount }}</td>
    </tr>
  {% endfor %}"""  # noqa: E501

# _project_table.html's loop: the same without the two level-up columns
TABLE_LOOP = LIST_TABLE_LOOP.replace(
    '      <td class="num">{{ project.requested_levelup|amount }}</td>\n', ""
).replace('      <td class="num">{{ project.budgeted_levelup|amount }}</td>\n', "")

CARDS_LOOP = """{% load i18n budget_format %}{% for project in projects %}
  <li class="project-card">
    <h3 lang="ja"><a href="{{ project.get_absolute_url }}">{{ project.name }}</a></h3>
    <dl>
      <div><dt>{% translate "年度" %}</dt><dd>{{ project.fiscal_year.year|era }} <span class="project-no">{% translate "No" context "project number" %} {{ project.no }}</span></dd></div>
      <div><dt>{% translate "部・課" %}</dt><dd lang="ja">{{ project.section.department.name }} {{ project.section.name }}</dd></div>
      <div><dt>{% translate "二次経費区分" %}</dt><dd>{{ project.get_category_display }}</dd></div>
      <div class="budget"><dt>{% translate "予算額" %}</dt><dd>{% if project.budgeted is None %}-{% else %}<strong>{{ project.budgeted|approx }}</strong> <span class="thousands">{{ project.budgeted|thousands }} {% translate "千円" %}</span>{% endif %}</dd></div>
    </dl>
    <details class="more-amounts">
      <summary>{% translate "要求額とレベルアップ分" %}</summary>
      <dl>
        <div><dt>{% translate "要求額" %}</dt><dd>{% if project.requested is None %}-{% else %}{{ project.requested|thousands }} {% translate "千円" %} <span class="reading">{{ project.requested|approx }}</span>{% endif %}</dd></div>
        <div><dt>{% translate "要求額のうちレベルアップ" %}</dt><dd>{% if project.requested_levelup is None %}-{% else %}{{ project.requested_levelup|thousands }} {% translate "千円" %} <span class="reading">{{ project.requested_levelup|approx }}</span>{% endif %}</dd></div>
        <div><dt>{% translate "予算額のうちレベルアップ" %}</dt><dd>{% if project.budgeted_levelup is None %}-{% else %}{{ project.budgeted_levelup|thousands }} {% translate "千円" %} <span class="reading">{{ project.budgeted_levelup|approx }}</span>{% endif %}</dd></div>
      </dl>
    </details>
  </li>
{% endfor %}"""  # noqa: E501

WRITTEN = {
    LIST_TABLE_LOOP: lambda projects: project_rows.table_rows(projects, levelup=True),
    TABLE_LOOP: lambda projects: project_rows.table_rows(projects, levelup=False),
    CARDS_LOOP: project_rows.cards,
}


def as_the_loops_wrote(projects: list[Project]) -> list[str]:
    return [
        engines["django"].from_string(loop).render({"projects": projects})
        for loop in WRITTEN
    ]


def as_written(projects: list[Project]) -> list[str]:
    return [write(projects) for write in WRITTEN.values()]


@pytest.mark.parametrize("language", ["ja", "en"])
def test_the_seed_s_projects_are_written_as_the_loops_wrote_them(fy2021, language):
    projects = list(Project.objects.with_related().order_by("no"))

    with translation.override(language):
        assert as_written(projects) == as_the_loops_wrote(projects)


texts = st.text(
    alphabet=st.one_of(
        st.sampled_from(list("<>&\"'{}%\n\r「」（）　＆ ")),
        st.characters(codec="utf-8", exclude_categories=("Cs",)),
    ),
    min_size=1,
    max_size=20,
)
amounts = st.none() | st.integers(min_value=0, max_value=10**13)
numbers = st.integers(min_value=1, max_value=10**9)


@st.composite
def projects(draw) -> Project:
    """A project with its year, theme, section and department, as the pages read
    it (unsaved: writing it asks nothing of the database)."""
    year = FiscalYear(year=draw(st.integers(1989, 2100)))
    department = Department(pk=draw(numbers), name=draw(texts))
    section = Section(pk=draw(numbers), name=draw(texts), department=department)
    number = draw(st.integers(1, 32_767))
    return Project(
        fiscal_year=year,
        theme=Theme(fiscal_year=year, number=number, name=draw(texts)),
        section=section,
        no=draw(st.integers(1, 10**6)),
        name=draw(texts),
        category=draw(st.sampled_from([*Project.Category.values, "?"])),
        description=draw(texts),
        **{field: draw(amounts) for field in AMOUNT_FIELDS},
    )


@settings(max_examples=60, deadline=None)
@given(rows=st.lists(projects(), max_size=3), language=st.sampled_from(["ja", "en"]))
def test_any_projects_are_written_as_the_loops_wrote_them(rows, language):
    with translation.override(language):
        assert as_written(rows) == as_the_loops_wrote(rows)
