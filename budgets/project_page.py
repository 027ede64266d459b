"""A project page's project, history and history table, read and made once in Python.

A speed measure for pages the cache has not seen (``benchmarks/load_pages.py``, "any
project page (random)"; benchmarks/LOAD.md, issue 11.5): the history table and chart
read plain rows (``values_list``, no model instances), and what each row shows
beside the page's own project (another name, another department, the change from
the year before) is worked out here once, not resolved cell by cell in the template.

Four measures go around Django for the same benchmark, each checked against what it
replaces by tests/test_project_page_speed.py (whole pages byte for byte too):

- the page's project, with its year, theme, section, department and import, is read
  with SQL compiled once per process from ``projects()`` and made into model
  instances as the ORM makes them (building and compiling the queryset with its
  five joins cost 0.9 ms; the database answers in 0.1 ms);
- the history's SQL is compiled once from ``ProjectQuerySet.of_lineage`` and run
  with each page's lineage (the UNION cost 0.9 ms to build, the database 0.1 ms);
- a row's link is filled into the URL pattern ``reverse()`` gave once (a reverse
  costs about 20 µs; a 20-year history asks for 19);
- the history table's rows are written here, not by a template loop (0.75 ms for
  20 rows; 0.25 ms here, with the same filters and the language asked once).
"""

from __future__ import annotations

import functools
import html
from dataclasses import dataclass
from typing import NamedTuple

from django.db import connection
from django.db.models import Model
from django.http import Http404
from django.shortcuts import get_object_or_404
from django.urls import get_script_prefix, reverse
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext, gettext_noop

from budgets.models import Project, ProjectQuerySet
from budgets.templatetags.budget_format import amount_in, change, era_in, reads_english


def projects() -> ProjectQuerySet:
    """The projects that have a page, each with what its page shows of it."""
    return Project.objects.published().with_related().select_related("source_event")


# What a page shows with its project: the objects ``projects()`` selects with it, by
# their path from the project, each after the one it hangs from.
RELATED = ("fiscal_year", "theme", "section", "section__department", "source_event")


def project(year: int, no: int) -> Project:
    """``get_object_or_404(projects(), fiscal_year__year=year, no=no)``, from SQL
    compiled once: the project and its related objects as model instances."""
    if year > _SMALLINT_MAX or no > _INTEGER_MAX:  # no column holds it: Django's 404
        return get_object_or_404(projects(), fiscal_year__year=year, no=no)
    sql, params = _project_sql(connection.vendor)
    page = {_SOME_YEAR: year, _SOME_NO: no}
    with connection.cursor() as cursor:
        # each parameter keeps the type Django gave it (psycopg's Int2, Int4)
        cursor.execute(sql, [type(p)(page[p]) if p in page else p for p in params])
        row = cursor.fetchone()
    if row is None:
        raise Http404(f"No {Project._meta.object_name} matches the given query.")
    return _instances(row)


# A year and a No no project has, that the columns hold (smallint, integer): the
# project's SQL is compiled with them, then run with the page's in their place.
_SOME_YEAR, _SOME_NO = 32_109, 2_718_281
_SMALLINT_MAX, _INTEGER_MAX = 32_767, 2_147_483_647


def _models() -> list[tuple[str, type[Model]]]:
    """(path, model) of the project and of each object in ``RELATED``."""
    found: list[tuple[str, type[Model]]] = [("", Project)]
    for path in RELATED:
        parent, _, name = path.rpartition("__")
        owner = dict(found)[parent]
        found.append((path, owner._meta.get_field(name).related_model))
    return found


@functools.cache
def _project_sql(vendor: str) -> tuple[str, tuple]:
    columns = [
        f"{path}__{field.attname}" if path else field.attname
        for path, model in _models()
        for field in model._meta.concrete_fields
    ]
    queryset = projects().filter(fiscal_year__year=_SOME_YEAR, no=_SOME_NO)
    sql, params = queryset.values_list(*columns).query.sql_with_params()
    if {_SOME_YEAR, _SOME_NO} - set(params):
        raise RuntimeError("The year or the No is no longer a parameter of the SQL.")
    return sql, params


def _instances(row: tuple) -> Project:
    """Make the project and its related objects from its row, as the ORM does:
    each model's columns converted by the database's converters, ``from_db``,
    each object cached on the one it hangs from (None for a missing import)."""
    made: dict[str, Model | None] = {}
    start = 0
    for path, model, fields, converters in _readers(connection.vendor):
        values = list(row[start : start + len(fields)])
        start += len(fields)
        if values[fields.index(model._meta.pk.attname)] is None:
            made[path] = None  # no such object (an import the project lacks)
            continue
        for index, convert, expression in converters:
            values[index] = convert(values[index], expression, connection)
        made[path] = model.from_db(connection.alias, fields, values)
    for path in RELATED:
        parent, _, name = path.rpartition("__")
        setattr(made[parent], name, made[path])
    return made[""]


@functools.cache
def _readers(vendor: str) -> list[tuple[str, type[Model], list[str], list[tuple]]]:
    """Per model: its path, its fields' names and (index, converter, expression) for
    each column the database's values need converting (as the ORM would)."""
    readers = []
    for path, model in _models():
        fields = model._meta.concrete_fields
        converters = []
        for index, field in enumerate(fields):
            expression = field.get_col(model._meta.db_table)
            for convert in [
                *connection.ops.get_db_converters(expression),
                *expression.get_db_converters(connection),
            ]:
                converters.append((index, convert, expression))
        readers.append((path, model, [f.attname for f in fields], converters))
    return readers


class Row(NamedTuple):
    """What the history reads of each year's row."""

    pk: int
    no: int
    name: str
    requested: int | None
    budgeted: int | None
    year: int
    department_id: int
    department_name: str


# Row's fields as the queryset names them, in Row's order.
_PATHS = {
    "year": "fiscal_year__year",
    "department_id": "section__department_id",
    "department_name": "section__department__name",
}
VALUES = tuple(_PATHS.get(name, name) for name in Row._fields)


@dataclass(frozen=True, slots=True)
class Year:
    """One row of a project's history: the project (or a part of it) in one year."""

    year: int
    url: str
    is_current: bool  # the page's own project
    other_name: str  # its name when not the page's, else ""
    other_department: str  # its department's name when not the page's, else ""
    requested: int | None
    budgeted: int | None
    # the budget of the year before, when both years had one row only
    previous_budgeted: int | None


def history(project: Project) -> list[Year]:
    """The project's years, oldest first: its lineage's and those linked to it."""
    if project.lineage_id is None:
        rows = [_values_of(project)]
    else:
        rows = lineage_rows(project.lineage_id)
    return _years(project, rows)


def lineage_rows(lineage_id: int) -> list[Row]:
    """``Project.objects.published().of_lineage(…).values_list(*VALUES)`` for a
    project of the lineage, from SQL compiled once."""
    sql, params = _lineage_sql(connection.vendor)
    with connection.cursor() as cursor:
        cursor.execute(sql, [lineage_id if p == _SOME_LINEAGE else p for p in params])
        return [Row._make(values) for values in cursor.fetchall()]


# A lineage id no lineage has: the history's SQL is compiled with it, then run with
# the page's lineage in its place.
_SOME_LINEAGE = -2_718_281


@functools.cache
def _lineage_sql(vendor: str) -> tuple[str, tuple]:
    # the columns need no conversion from the database (numbers and texts)
    queryset = Project.objects.published().of_lineage(Project(lineage_id=_SOME_LINEAGE))
    sql, params = queryset.values_list(*VALUES).query.sql_with_params()
    if _SOME_LINEAGE not in params:
        raise RuntimeError("The lineage is no longer a parameter of the history's SQL.")
    return sql, params


def _values_of(project: Project) -> Row:
    section = project.section
    return Row(
        pk=project.pk,
        no=project.no,
        name=project.name,
        requested=project.requested,
        budgeted=project.budgeted,
        year=project.fiscal_year.year,
        department_id=section.department_id,
        department_name=section.department.name,
    )


def _years(project: Project, rows: list[Row]) -> list[Year]:
    """Each row beside the page's project and the one row of the year before (a
    split or merge has no single one)."""
    by_year: dict[int, list[Row]] = {}
    for row in rows:
        by_year.setdefault(row.year, []).append(row)
    earlier = dict(zip(list(by_year)[1:], by_year, strict=False))  # oldest first
    department_id = project.section.department_id
    url = _url_pattern(get_script_prefix())
    years = []
    for row in rows:
        before = by_year.get(earlier.get(row.year), ())
        single = len(before) == 1 == len(by_year[row.year])
        years.append(
            Year(
                year=row.year,
                url=url.format(year=row.year, no=row.no),
                is_current=row.pk == project.pk,
                other_name=row.name if row.name != project.name else "",
                other_department=(
                    row.department_name if row.department_id != department_id else ""
                ),
                requested=row.requested,
                budgeted=row.budgeted,
                previous_budgeted=before[0].budgeted if single else None,
            )
        )
    return years


@functools.cache
def _url_pattern(script_prefix: str) -> str:
    """Return the URL of a project reversed once with its year and No made fields
    ("/projects/{year}/{no}/"): numbers no project has, so nothing else is taken."""
    url = reverse("budgets:project", kwargs={"year": 918_273, "no": 645_372})
    pattern = url.replace("{", "{{").replace("}", "}}")
    return pattern.replace("918273", "{year}").replace("645372", "{no}")


def history_rows(years: list[Year], page_year: int) -> SafeString:
    """The history table's rows, as the template's loop over ``years`` wrote them.

    Written here as the admin writes its change list's cells (``items_for_result``),
    with the same filters as the loop (``era``, ``amount``, ``change``) and the
    reader's language asked once, not three times a row.
    """
    english = reads_english()
    return mark_safe("".join(_row(row, page_year, english) for row in years))


# (a year before the page's, after it, the same year): the word before another name
_NAME_WORDS = (gettext_noop("旧名:"), gettext_noop("新名:"), gettext_noop("事業名:"))
_DEPARTMENT_WORDS = (gettext_noop("旧部:"), gettext_noop("新部:"), gettext_noop("部:"))

_ROW = (
    '\n    <tr><th scope="row">{year}{notes}</th>\n'
    '      <td class="num">{requested}</td>\n'
    '      <td class="num">{budgeted}</td>\n'
    '      <td class="num">{change}</td></tr>\n  '
)


def _row(row: Year, page_year: int, english: bool) -> str:
    # escaped as the template escaped them (none of these texts is marked safe)
    label = html.escape(era_in(row.year, english=english))
    if row.is_current:
        year = f'<span aria-current="page">{label}</span>'
    else:
        year = f'<a href="{html.escape(row.url)}">{label}</a>'
    notes = ""
    if row.other_name:
        notes += _note(row.other_name, _NAME_WORDS, row.year, page_year)
    if row.other_department:
        notes += _note(row.other_department, _DEPARTMENT_WORDS, row.year, page_year)
    return _ROW.format(
        year=year,
        notes=notes,
        requested=amount_in(row.requested, english=english),
        budgeted=amount_in(row.budgeted, english=english),
        change=html.escape(change(row.budgeted, row.previous_budgeted)),
    )


def _note(text: str, words: tuple[str, str, str], year: int, page_year: int) -> str:
    before, after, same = words
    word = before if year < page_year else after if year > page_year else same
    return (
        '<br><span class="reading" lang="ja">'
        f"{html.escape(gettext(word))} {html.escape(text)}</span>"
    )
