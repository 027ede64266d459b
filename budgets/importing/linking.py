"""Write what an import links across years: the accepted organisation changes and a
ProjectLink for each new project that continues an earlier year's, in the history."""

from __future__ import annotations

from django.utils.translation import gettext as _

from budgets import backup_records
from budgets.models import (
    Department,
    DepartmentSuccession,
    FiscalYear,
    Project,
    ProjectLink,
    Section,
    SectionSuccession,
    Succession,
)


def write_successions(plan, writer) -> None:
    """Record ``plan.successions`` (accepted proposals) and a backup's, each pair
    once a year."""
    carried = _carried_successions(plan)
    if not plan.successions and not carried:
        return
    note = _("取り込み「%(file)s」の提案から") % {
        "file": writer.event.filename or writer.event.sha256[:12]
    }
    departments = dict(Department.objects.values_list("name", "id"))
    sections = {
        (department, name): pk
        for pk, department, name in Section.objects.values_list(
            "id", "department__name", "name"
        )
    }
    by_department, by_section = [], []
    for proposal in plan.successions:
        if proposal.level == "department":
            by_department.append(
                DepartmentSuccession(
                    predecessor_id=departments[proposal.predecessor[0]],
                    successor_id=departments[proposal.successor[0]],
                    kind=proposal.kind,
                    from_year=proposal.year,
                    note=note,
                )
            )
            moves = [
                ((old, section), (proposal.successor[0], section))
                for old, section in proposal.sections
            ]
        else:
            moves = [(proposal.predecessor, proposal.successor)]
        by_section += [
            SectionSuccession(
                predecessor_id=sections[old],
                successor_id=sections[new],
                kind=Succession.Kind.MOVED,
                from_year=proposal.year,
                note=note,
            )
            for old, new in moves
            if old in sections and new in sections
        ]
    more_departments, more_sections = _from_backup(carried, departments, sections)
    by_department += more_departments
    by_section += more_sections
    by_department = _not_recorded(DepartmentSuccession, by_department)
    writer.create(DepartmentSuccession, by_department)
    writer.create(SectionSuccession, _not_recorded(SectionSuccession, by_section))


def _carried_successions(plan) -> list[tuple]:
    """(successor department, successor section, the backup's cell) of each row
    that carries successions."""
    return [
        (row.department, row.section, backup_records.parse(row.successions))
        for year_plan in plan.years
        for row in year_plan.new
        if row.successions
    ]


def _from_backup(carried, departments: dict, sections: dict) -> tuple[list, list]:
    """A backup's successions, its predecessors made when missing."""
    by_department, by_section = [], []
    for department, section, cell in carried:
        for pred, kind, year, note in cell.get(backup_records.DEPARTMENTS, ()):
            by_department.append(
                DepartmentSuccession(
                    predecessor_id=_department(departments, pred),
                    successor_id=departments[department],
                    kind=kind,
                    from_year=year,
                    note=note,
                )
            )
        for pred_department, pred, kind, year, note in cell.get(
            backup_records.SECTIONS, ()
        ):
            by_section.append(
                SectionSuccession(
                    predecessor_id=_section(
                        sections, departments, pred_department, pred
                    ),
                    successor_id=sections[(department, section)],
                    kind=kind,
                    from_year=year,
                    note=note,
                )
            )
    return by_department, by_section


def _department(departments: dict, name: str) -> int:
    if name not in departments:
        departments[name] = Department.objects.create(name=name).pk
    return departments[name]


def _section(sections: dict, departments: dict, department: str, name: str) -> int:
    if (department, name) not in sections:
        sections[(department, name)] = Section.objects.create(
            department_id=_department(departments, department), name=name
        ).pk
    return sections[(department, name)]


def _not_recorded(model, successions: list) -> list:
    recorded = set(
        model.objects.values_list("predecessor_id", "successor_id", "from_year")
    )
    unique = {}
    for item in successions:
        key = (item.predecessor_id, item.successor_id, item.from_year)
        if key not in recorded:
            unique.setdefault(key, item)
    return list(unique.values())


def write_links(year_plan, fiscal_year: FiscalYear, writer) -> None:
    """A ProjectLink for each of the year's links and a backup's (made after the
    year's projects)."""
    links = [
        (link.row.no, link.earlier_id, link.kind)
        for link in year_plan.links
        if link.earlier_id is not None
    ]
    links += _carried_links(year_plan)
    if not links:
        return
    ids = dict(
        Project.objects.filter(fiscal_year=fiscal_year).values_list("no", "id")
    )  # the year's projects, every one: a statement holds only so many parameters
    writer.create(
        ProjectLink,
        [
            ProjectLink(earlier_id=earlier, later_id=ids[no], kind=kind)
            for no, earlier, kind in links
        ],
    )


def _carried_links(year_plan) -> list[tuple[int, int, str]]:
    """(No, earlier project id, kind) of the links a backup's rows carry."""
    carried = [
        (row.no, year, no, kind)
        for row in year_plan.new
        if row.links
        for year, no, kind in backup_records.parse(row.links)
    ]
    if not carried:
        return []
    earlier = {
        (year, no): pk
        for pk, year, no in Project.objects.filter(
            fiscal_year__year__in={year for _n, year, _no, _k in carried}
        ).values_list("id", "fiscal_year__year", "no")
    }
    return [
        (later_no, earlier[(year, no)], kind)
        for later_no, year, no, kind in carried
        if (year, no) in earlier
    ]
