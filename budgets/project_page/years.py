"""The project's other years as plain rows, prepared once (see the package's
docstring)."""

from __future__ import annotations

import functools
from dataclasses import dataclass
from typing import NamedTuple

from django.db import connection

from budgets.models import Project
from budgets.reversed_once import url_maker


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
    url = url_maker("budgets:project", ("year", "no"))
    years = []
    for row in rows:
        before = by_year.get(earlier.get(row.year), ())
        single = len(before) == 1 == len(by_year[row.year])
        years.append(
            Year(
                year=row.year,
                url=url(row.year, row.no),
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
