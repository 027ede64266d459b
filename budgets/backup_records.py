"""What a backup's rows carry of the years that change, so a restore keeps them.

Two backup columns (budgets.columns.BACKUP_ONLY), each a JSON cell:

- 前の事業 on a project's row: the earlier projects it is linked to,
  ``[[year, No, kind], …]`` (ProjectLink);
- 組織改正 on the first row of a section (and of a department) that succeeds
  others: ``{"部": [[predecessor, kind, from year, note], …],
  "課": [[department, section, kind, from year, note], …]}``.

A succession whose successor has no project in the backup has no row to ride on,
and is not carried.
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Callable

from budgets.models import DepartmentSuccession, ProjectLink, Section, SectionSuccession

DEPARTMENTS, SECTIONS = "部", "課"


def _dump(value) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


def cell_rule(key: str) -> Callable[[int], str]:
    """The rule that writes the column ``key`` from the row's project or section."""
    return _links_rule() if key == "links" else _successions_rule()


def _links_rule() -> Callable[[int], str]:
    links: dict[int, list] = defaultdict(list)
    for later, year, no, kind in ProjectLink.objects.order_by(
        "later", "earlier__fiscal_year__year", "earlier__no"
    ).values_list("later", "earlier__fiscal_year__year", "earlier__no", "kind"):
        links[later].append([year, no, kind])
    return lambda project_id: _dump(links[project_id]) if project_id in links else ""


def _successions_rule() -> Callable[[int], str]:
    by_department: dict[int, list] = defaultdict(list)
    for succ, pred, kind, year, note in DepartmentSuccession.objects.order_by(
        "successor", "from_year", "predecessor__name"
    ).values_list("successor", "predecessor__name", "kind", "from_year", "note"):
        by_department[succ].append([pred, kind, year, note])
    by_section: dict[int, list] = defaultdict(list)
    for succ, dept, pred, kind, year, note in SectionSuccession.objects.order_by(
        "successor", "from_year", "predecessor__department__name", "predecessor__name"
    ).values_list(
        "successor",
        "predecessor__department__name",
        "predecessor__name",
        "kind",
        "from_year",
        "note",
    ):
        by_section[succ].append([dept, pred, kind, year, note])
    department_of = dict(Section.objects.values_list("id", "department"))
    seen: set[tuple[str, int]] = set()

    def rule(section_id: int) -> str:
        cell = {}
        department_id = department_of.get(section_id)
        if (
            by_department.get(department_id)
            and (DEPARTMENTS, department_id) not in seen
        ):
            seen.add((DEPARTMENTS, department_id))
            cell[DEPARTMENTS] = by_department[department_id]
        if by_section.get(section_id) and (SECTIONS, section_id) not in seen:
            seen.add((SECTIONS, section_id))
            cell[SECTIONS] = by_section[section_id]
        return _dump(cell) if cell else ""

    return rule


def parse(cell: str | None):
    """A backup cell's JSON, or None when empty."""
    return json.loads(cell) if cell else None
