"""What an import would change: per year, the new, changed, unchanged and missing
projects, themes, departments and sections, and the links to earlier years."""

from __future__ import annotations

import hashlib
import json
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from django.db.models import F

from budgets.importing import proposing
from budgets.importing.proposing import Decisions
from budgets.importing.rows import ProjectRow
from budgets.importing.table import ParsedTable
from budgets.models import (
    AMOUNT_FIELDS,
    Department,
    FiscalYear,
    Project,
    Section,
    Theme,
)
from budgets.text import search_key


@dataclass
class FieldChange:
    field: str
    old: Any
    new: Any

    @property
    def label(self) -> str:
        return field_label(self.field)


@dataclass
class ProjectChange:
    row: ProjectRow
    project_id: int
    changes: list[FieldChange]


@dataclass
class LineageLink:
    row: ProjectRow
    lineage_id: int
    earlier_year: int
    earlier_no: int
    earlier_name: str
    earlier_id: int | None = None
    kind: str = "continues"  # a ProjectLink.Kind
    proposal: Any = None  # the accepted proposal (proposals.LinkProposal), if any


@dataclass
class YearPlan:
    year: int
    title: str
    fiscal_year: FiscalYear | None
    new: list[ProjectRow] = field(default_factory=list)
    changed: list[ProjectChange] = field(default_factory=list)
    unchanged: list[ProjectRow] = field(default_factory=list)
    missing: list[dict[str, Any]] = field(default_factory=list)
    new_themes: list[tuple[int, str]] = field(default_factory=list)
    renamed_themes: list[tuple[int, str, str]] = field(default_factory=list)
    links: list[LineageLink] = field(default_factory=list)
    proposals: list = field(default_factory=list)  # proposals.LinkProposal
    totals: dict[str, int] = field(default_factory=dict)
    previous_year: int | None = None
    previous_totals: dict[str, int] | None = None
    # the year before's projects that nothing of this year continues, not even a
    # proposal's candidate: ended, or a row the table lost (helper-13)
    ended: list[dict[str, Any]] = field(default_factory=list)
    # a new year whose every project is the year before's, No, name and amounts:
    # most likely last year's table under a new title (helper-13)
    repeats_previous: bool = False
    # (No in the table, No stored, name): a changed row named as another stored
    # project of the year; rows inserted or removed renumber the rest, and projects
    # are matched by No (helper-16: history moved to the wrong projects, unsaid)
    renumbered: list[tuple[int, int, str]] = field(default_factory=list)
    title_change: tuple[str, str] | None = None
    publish: bool = False  # a backup says this year was published

    @property
    def rows(self) -> list[ProjectRow]:
        return [*self.new, *(c.row for c in self.changed), *self.unchanged]

    @property
    def has_changes(self) -> bool:
        return bool(
            self.fiscal_year is None
            or self.new
            or self.changed
            or self.new_themes
            or self.renamed_themes
            or self.title_change
        )


@dataclass
class ImportPlan:
    years: list[YearPlan]
    new_departments: list[str]
    new_sections: list[tuple[str, str]]
    prune: bool = False
    publish: bool = False
    # proposals.OrganisationProposal: proposed, and accepted (recorded on writing)
    organisations: list = field(default_factory=list)
    successions: list = field(default_factory=list)

    def count(self, kind: str) -> int:
        return sum(len(getattr(plan, kind)) for plan in self.years)

    def fingerprint(self) -> str:
        """What the import would do, as a preview shows it, in one hash: the years
        made, every project new, changed (each field, before and after) or missing,
        the titles and themes, the links it makes on its own, the departments and
        sections, and whether it deletes what is missing and publishes. Two plans
        with the same fingerprint write the same changes."""
        shown = [
            [
                plan.year,
                plan.fiscal_year is None,
                plan.title_change,
                plan.new_themes,
                plan.renamed_themes,
                [row.no for row in plan.new],
                [
                    [
                        change.row.no,
                        [[f.field, repr(f.old), repr(f.new)] for f in change.changes],
                    ]
                    for change in plan.changed
                ],
                [values["no"] for values in plan.missing],
                [
                    [link.row.no, link.lineage_id]
                    for link in plan.links
                    if link.proposal is None
                ],
            ]
            for plan in self.years
        ]
        shown += [self.new_departments, self.new_sections, self.prune, self.publish]
        text = json.dumps(shown, ensure_ascii=False, default=repr)
        return hashlib.sha256(text.encode()).hexdigest()

    @property
    def has_changes(self) -> bool:
        return bool(
            any(plan.has_changes for plan in self.years)
            or (self.prune and self.count("missing"))
            or any(
                (self.publish or p.publish) and not self._is_published(p)
                for p in self.years
            )
            or self.successions
        )

    @staticmethod
    def _is_published(plan: YearPlan) -> bool:
        return plan.fiscal_year is not None and plan.fiscal_year.is_published


def field_label(name: str) -> str:
    if name == "theme_number":
        return str(Theme._meta.get_field("number").verbose_name)
    if name == "theme_name":
        return str(Theme._meta.get_field("name").verbose_name)
    if name == "department":
        return str(Department._meta.get_field("name").verbose_name)
    if name == "section":
        return str(Section._meta.get_field("name").verbose_name)
    return str(Project._meta.get_field(name).verbose_name)


def _lineage_key(department: str, section: str, name: str) -> tuple[str, str, str]:
    return (search_key(department), search_key(section), search_key(name))


def plan_import(
    table: ParsedTable,
    *,
    prune: bool = False,
    publish: bool = False,
    decisions: Decisions | None = None,
) -> ImportPlan:
    """Compare the checked rows with the database, propose links across years that
    change and take the ``decisions`` made on them; read only."""
    by_year: dict[int, list[ProjectRow]] = defaultdict(list)
    for row in table.rows:
        by_year[row.year].append(row)
    years = sorted(by_year)
    stored = _Stored.of(years)
    new_departments, new_sections = _new_departments_and_sections(table.rows)
    earlier = _earlier_projects(years[-1]) if years else {}
    plans = [_plan_year(year, by_year[year], table, stored, earlier) for year in years]
    plan = ImportPlan(plans, new_departments, new_sections, prune, publish)
    proposing.propose(plan)
    proposing.decide(plan, decisions or Decisions())
    for year_plan in plans:
        _compare_with_the_year_before(year_plan, stored)
        year_plan.renumbered = _renumbered(year_plan, stored)
    return plan


def _renumbered(plan: YearPlan, stored: _Stored) -> list[tuple[int, int, str]]:
    """The changed rows whose name changes to another stored project's of the
    year (a name two Nos share, kept at its own No, is no renumbering)."""
    nos: dict[str, list[int]] = defaultdict(list)
    for (year, no), values in stored.projects.items():
        if year == plan.year:
            nos[values["name"]].append(no)
    found = []
    for change in plan.changed:
        row = change.row
        if row.no in nos.get(row.name, ()):  # its own name already
            continue
        if others := nos.get(row.name):
            found.append((row.no, min(others), row.name))
    return found


_SHOWN = ("no", "name", *AMOUNT_FIELDS)  # what a repeated table repeats


def _compare_with_the_year_before(plan: YearPlan, stored: _Stored) -> None:
    """Set ``ended`` and ``repeats_previous`` from one read of the year before."""
    if plan.previous_year is None:
        return
    before = list(
        Project.objects.filter(fiscal_year__year=plan.previous_year)
        .order_by("no")
        .values(*_SHOWN, "lineage", department=F("section__department__name"))
    )
    plan.ended = _ended(plan, before, stored)
    plan.repeats_previous = (
        plan.fiscal_year is None
        and bool(plan.new)
        and {tuple(getattr(row, name) for name in _SHOWN) for row in plan.rows}
        == {tuple(values[name] for name in _SHOWN) for values in before}
    )


def _ended(
    plan: YearPlan, before: list[dict[str, Any]], stored: _Stored
) -> list[dict[str, Any]]:
    """The year before's projects whose lineage no project of this year continues:
    not one stored, not one the table links to, not a proposal's candidate.
    (Compared here, not in SQL: a big table's lineages would pass the number of
    parameters a PostgreSQL statement holds.)"""
    continuing = {link.lineage_id for link in plan.links}
    continuing.update(
        candidate.lineage_id
        for proposal in plan.proposals
        for candidate in proposal.candidates
    )
    continuing.update(
        values["lineage_id"]
        for (year, _no), values in stored.projects.items()
        if year == plan.year
    )
    return [
        {key: values[key] for key in ("no", "name", "department")}
        for values in before
        if values["lineage"] not in continuing
    ]


@dataclass
class _Stored:
    """What the database holds for the table's years."""

    fiscal_years: dict[int, FiscalYear]
    themes: dict[tuple[int, int], str]  # (year, number) -> name
    projects: dict[tuple[int, int], dict[str, Any]]  # (year, No) -> values

    @classmethod
    def of(cls, years: list[int]) -> _Stored:
        projects: dict[tuple[int, int], dict[str, Any]] = {}
        for values in Project.objects.filter(fiscal_year__year__in=years).values(
            "id",
            "lineage_id",
            "no",
            "name",
            "category",
            "description",
            *AMOUNT_FIELDS,
            year=F("fiscal_year__year"),
            theme_number=F("theme__number"),
            theme_name=F("theme__name"),
            department=F("section__department__name"),
            section_name=F("section__name"),
        ):
            values["section"] = values.pop("section_name")
            projects[(values["year"], values["no"])] = values
        return cls(
            fiscal_years={
                fy.year: fy for fy in FiscalYear.objects.filter(year__in=years)
            },
            themes={
                (year, number): name
                for year, number, name in Theme.objects.filter(
                    fiscal_year__year__in=years
                ).values_list("fiscal_year__year", "number", "name")
            },
            projects=projects,
        )


def _new_departments_and_sections(
    rows: Iterable[ProjectRow],
) -> tuple[list[str], list[tuple[str, str]]]:
    """The departments and (department, section) pairs the database lacks yet."""
    departments = set(Department.objects.values_list("name", flat=True))
    sections = set(Section.objects.values_list("department__name", "name"))
    new_departments: list[str] = []
    new_sections: list[tuple[str, str]] = []
    for row in rows:
        if row.department not in departments:
            departments.add(row.department)
            new_departments.append(row.department)
        if (row.department, row.section) not in sections:
            sections.add((row.department, row.section))
            new_sections.append((row.department, row.section))
    return new_departments, new_sections


def _plan_year(
    year: int, rows: list[ProjectRow], table: ParsedTable, stored: _Stored, earlier
) -> YearPlan:
    fiscal_year = stored.fiscal_years.get(year)
    title = table.titles.get(year, "")
    plan = YearPlan(
        year=year,
        title=title,
        fiscal_year=fiscal_year,
        publish=table.published.get(year, False),
    )
    if fiscal_year is not None and title and fiscal_year.title != title:
        plan.title_change = (fiscal_year.title, title)
    _plan_themes(plan, rows, stored.themes)
    seen_projects = _plan_projects(plan, rows, stored.projects, earlier)
    plan.missing = sorted(
        (
            values
            for (y, _no), values in stored.projects.items()
            if y == year and values["id"] not in seen_projects
        ),
        key=lambda values: values["no"],
    )
    plan.totals = _totals(rows)
    previous = FiscalYear.objects.filter(year__lt=year).order_by("-year").first()
    if previous is not None:
        plan.previous_year = previous.year
        plan.previous_totals = previous.projects.totals()
    return plan


def _plan_themes(plan: YearPlan, rows: list[ProjectRow], themes) -> None:
    """The year's new and renamed themes, in the order the table lists them."""
    seen: set[int] = set()
    for row in rows:
        if row.theme_number in seen:
            continue
        seen.add(row.theme_number)
        old_name = themes.get((plan.year, row.theme_number))
        if old_name is None:
            plan.new_themes.append((row.theme_number, row.theme_name))
        elif old_name != row.theme_name:
            plan.renamed_themes.append((row.theme_number, old_name, row.theme_name))


def _plan_projects(
    plan: YearPlan, rows: list[ProjectRow], projects, earlier
) -> set[int]:
    """Sort the year's rows into new, changed and unchanged projects and link new
    ones to earlier years; return the ids of the stored projects the table has."""
    seen: set[int] = set()
    for row in rows:
        current = projects.get((plan.year, row.no))
        if current is None:
            plan.new.append(row)
            link = None if row.lineage_key else _find_link(row, earlier)
            if link is not None:
                plan.links.append(link)
            continue
        seen.add(current["id"])
        changes = [
            FieldChange(name, current[name], new)
            for name, new in row.values().items()
            if current[name] != new
        ]
        if changes:
            plan.changed.append(ProjectChange(row, current["id"], changes))
        else:
            plan.unchanged.append(row)
    return seen


def _totals(rows: Iterable[ProjectRow]) -> dict[str, int]:
    totals = {name: 0 for name in AMOUNT_FIELDS}
    count = new_count = 0
    for row in rows:
        count += 1
        new_count += row.category == Project.Category.NEW
        for name in AMOUNT_FIELDS:
            totals[name] += getattr(row, name) or 0
    return {"count": count, "new_count": new_count, **totals}


def _earlier_projects(before_year: int) -> dict[tuple, list[dict[str, Any]]]:
    """Projects of earlier years by (department, section, name) key, newest first."""
    earlier: dict[tuple, list[dict[str, Any]]] = defaultdict(list)
    rows = (
        Project.objects.filter(fiscal_year__year__lt=before_year)
        .order_by("-fiscal_year__year", "no")
        .values(
            "id",
            "lineage_id",
            "no",
            "name",
            year=F("fiscal_year__year"),
            department=F("section__department__name"),
            section_name=F("section__name"),
        )
    )
    for values in rows:
        key = _lineage_key(values["department"], values["section_name"], values["name"])
        earlier[key].append(values)
    return earlier


def _find_link(row: ProjectRow, earlier) -> LineageLink | None:
    if not earlier:
        return None
    for values in earlier.get(_lineage_key(row.department, row.section, row.name), ()):
        if values["year"] < row.year and values["lineage_id"] is not None:
            return LineageLink(
                row,
                values["lineage_id"],
                values["year"],
                values["no"],
                values["name"],
                earlier_id=values["id"],
            )
    return None
