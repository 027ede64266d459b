"""The page's project and its related objects, from SQL compiled once per process
(see the package's docstring)."""

from __future__ import annotations

import functools

from django.db import connection
from django.db.backends.base.operations import BaseDatabaseOperations
from django.db.models import Model
from django.http import Http404
from django.shortcuts import get_object_or_404

from budgets.models import FiscalYear, Project, ProjectQuerySet


def projects() -> ProjectQuerySet:
    """The projects that have a page, each with what its page shows of it."""
    return Project.objects.published().with_related().select_related("source_event")


# What a page shows with its project: the objects ``projects()`` selects with it, by
# their path from the project, each after the one it hangs from.
RELATED = ("fiscal_year", "theme", "section", "section__department", "source_event")


def project(year: int, no: int) -> Project:
    """``get_object_or_404(projects(), fiscal_year__year=year, no=no)``, from SQL
    compiled once: the project and its related objects as model instances."""
    if year > _YEAR_MAX or no > _NO_MAX:  # no column holds it: Django's 404
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


def _column_max(model: type[Model], name: str) -> int:
    """The largest number the column of ``model.name`` holds, on every database."""
    kind = model._meta.get_field(name).get_internal_type()
    return BaseDatabaseOperations.integer_field_ranges[kind][1]


_YEAR_MAX = _column_max(FiscalYear, "year")
_NO_MAX = _column_max(Project, "no")
# A year and a No no project has, that the columns hold: the project's SQL is
# compiled with them, then run with the page's in their place.
_SOME_YEAR, _SOME_NO = 32_109, 2_718_281


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
