"""Write an import plan inside the transaction, every change in the history."""

from __future__ import annotations

import contextvars
import functools
import uuid
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from django.db import connection
from django.dispatch import receiver
from django.utils import timezone
from django.utils.translation import gettext as _
from simple_history.signals import pre_create_historical_record
from simple_history.utils import bulk_create_with_history

from budgets import eras
from budgets.importing import bulk, citing, linking
from budgets.importing.planning import ImportPlan, YearPlan
from budgets.importing.rows import ProjectRow
from budgets.importing.sources import Source
from budgets.models import (
    Department,
    FiscalYear,
    ImportEvent,
    Project,
    ProjectLineage,
    Section,
    Theme,
    new_public_id,
    project_search_text,
)

# The import event a history record written now belongs to (see _tag_history).
_current_event: contextvars.ContextVar[ImportEvent | None] = contextvars.ContextVar(
    "budget_import_event", default=None
)


@receiver(pre_create_historical_record)
def _tag_history(sender, history_instance, **kwargs) -> None:
    """Link history records made by save()/delete() during an import to it."""
    event = _current_event.get()
    if event is not None and hasattr(history_instance, "import_event_id"):
        history_instance.import_event = event


@dataclass
class _Writer:
    """Writes a plan, recording each change in the history with who and which import."""

    event: ImportEvent
    user: Any
    now: Any
    cite: citing.Citer  # a row's citation columns (budgets.importing.citing)

    @functools.cached_property
    def stored_now(self) -> Any:
        """``now`` as the database stores it: the bulk writes go around the ORM."""
        return connection.ops.adapt_datetimefield_value(self.now)

    @property
    def history(self) -> dict[str, Any]:
        return {
            "default_user": self.user,
            "default_change_reason": _("取り込み: %(file)s")
            % {"file": self.event.filename or self.event.sha256[:12]},
            "default_date": self.now,
            "custom_historical_attrs": {"import_event": self.event},
        }

    def create(self, model, objects: list) -> list:
        if not objects:
            return []
        return bulk_create_with_history(
            objects, model, batch_size=bulk.BATCH_SIZE, **self.history
        )

    def insert_projects(self, fiscal_year: FiscalYear, rows: Iterable[dict]) -> None:
        """Insert new projects with plain executemany, then copy them into history.

        The hot path of a yearly import (100,000 rows): Django's bulk_create spends
        most of its time preparing each field of each object; these values are
        already plain ints and strings. The history records are copied inside the
        database (INSERT … SELECT) from the rows just written, matched by year and
        No, so their values are the stored ones. Columns come from the models' own
        metadata, so the SQL follows the schema; other writes use the ORM. Rows are
        built and written a batch at a time, so memory does not grow with the table.
        """
        history = self._history_columns("+")
        for batch in bulk.batches(rows, bulk.BATCH_SIZE):
            bulk.insert_rows(Project, batch)
            bulk.copy_into_history(
                Project, history, fiscal_year.pk, [row["no"] for row in batch]
            )

    def update_projects(
        self, fiscal_year: FiscalYear, changes: Iterable[tuple[int, dict]]
    ) -> None:
        """Update changed projects ((No, values with the id) pairs), then copy them
        into history, a batch at a time.

        Each project's version goes up by one; its history record is copied from
        the updated row as a first import's is (bulk.update_rows says why not
        bulk_update_with_history).
        """
        history = self._history_columns("~")
        for batch in bulk.batches(changes, bulk.BATCH_SIZE):
            for _no, values in batch:  # the values stay as the ORM takes them
                values["updated_at"] = self.stored_now
            bulk.update_rows(
                Project, [values for _no, values in batch], increment=("version",)
            )
            bulk.copy_into_history(
                Project, history, fiscal_year.pk, [no for no, _values in batch]
            )

    def _history_columns(self, history_type: str) -> dict[str, Any]:
        """The history's own columns, the same for every record of this import."""
        return {
            "history_date": self.stored_now,
            "history_change_reason": self.history["default_change_reason"],
            "history_type": history_type,
            "history_user_id": getattr(self.user, "pk", None),
            "import_event_id": self.event.pk,
        }


def apply_plan(
    plan: ImportPlan, *, event: ImportEvent, user=None, source: Source | None = None
) -> int:
    """Write the plan; return the number of projects pruned. Call inside atomic().

    The new and changed projects cite ``event`` and their place in ``source``.
    """
    writer = _Writer(
        event=event,
        user=user,
        now=timezone.now(),
        cite=citing.citer(event, source, plan),
    )
    token = _current_event.set(event)
    try:
        return _apply(plan, writer)
    finally:
        _current_event.reset(token)


def _apply(plan: ImportPlan, writer: _Writer) -> int:
    _create_departments_and_sections(plan, writer)
    linking.write_successions(plan, writer)
    section_ids = {
        (department, name): pk
        for pk, department, name in Section.objects.values_list(
            "id", "department__name", "name"
        )
    }
    pruned = 0
    # a backup's (or the open data's) lineage key -> its lineage, the stored ones first
    keyed = _stored_lineages(plan)
    for year_plan in plan.years:
        fiscal_year = _write_fiscal_year(
            year_plan, publish=plan.publish or year_plan.publish
        )
        theme_ids = _write_themes(year_plan, fiscal_year, writer)
        links = _lineages_of_new_projects(year_plan, keyed, writer.now)
        writer.insert_projects(
            fiscal_year,
            (
                _project_values(
                    row,
                    theme_ids,
                    section_ids,
                    writer.stored_now,
                    fiscal_year_id=fiscal_year.pk,
                    no=row.no,
                    lineage_id=links[id(row)],
                    created_at=writer.stored_now,
                    version=1,
                    **writer.cite(row),
                )
                for row in year_plan.new
            ),
        )
        linking.write_links(year_plan, fiscal_year, writer)
        writer.update_projects(
            fiscal_year,
            _changed_values(year_plan, theme_ids, section_ids, writer.now, writer.cite),
        )
        if plan.prune and year_plan.missing:
            pruned += _prune(year_plan, writer)
    return pruned


def _lineages_of_new_projects(
    year_plan: YearPlan, keyed: dict[str, int], now
) -> dict[int, int]:
    """id(row) -> lineage id for each new project of the year.

    A project linked to an earlier year joins its lineage; a backup's rows of one
    lineage key share one lineage (``keyed``, across years); every other new project
    starts a lineage of its own.
    """
    links: dict[int, int] = {}
    for link in year_plan.links:  # a merge's first link names the lineage it joins
        links.setdefault(id(link.row), link.lineage_id)
    links.update(
        {
            id(row): keyed[row.lineage_key]
            for row in year_plan.new
            if row.lineage_key in keyed
        }
    )
    unlinked = [row for row in year_plan.new if id(row) not in links]
    fresh: list[ProjectRow] = []  # rows of one key share one new lineage
    fresh_keys: set[str] = set()
    for row in unlinked:
        if row.lineage_key is None or row.lineage_key not in fresh_keys:
            fresh.append(row)
            if row.lineage_key is not None:
                fresh_keys.add(row.lineage_key)
    public_ids = [
        row.lineage_key if is_public_id(row.lineage_key) else new_public_id()
        for row in fresh
    ]
    made = bulk.new_lineages(now, public_ids)
    for row, lineage_id in zip(fresh, made, strict=True):
        links[id(row)] = lineage_id
        if row.lineage_key is not None:
            keyed[row.lineage_key] = lineage_id
    for row in unlinked:
        if id(row) not in links:
            links[id(row)] = keyed[row.lineage_key]
    return links


def is_public_id(key: str | None) -> bool:
    """Whether a lineage key is a public id (系譜ID), not an older backup's number."""
    try:
        return key is not None and str(uuid.UUID(key)) == key
    except ValueError:
        return False


def _stored_lineages(plan: ImportPlan) -> dict[str, int]:
    """The lineages the database has for the plan's 系譜ID: rows carrying one join
    it, so a restore or an open-data file keeps each project's lineage."""
    keys = {
        row.lineage_key
        for year_plan in plan.years
        for row in year_plan.new
        if is_public_id(row.lineage_key)
    }
    lineages: dict[str, int] = {}
    for batch in bulk.batches(keys, bulk.BATCH_SIZE):  # a statement's parameters
        lineages.update(
            ProjectLineage.objects.filter(public_id__in=batch).values_list(
                "public_id", "id"
            )
        )
    return lineages


def _prune(year_plan: YearPlan, writer: _Writer) -> int:
    """Delete the year's projects the table no longer has; return how many."""
    pruned = 0
    reason = writer.history["default_change_reason"]
    ids = [values["id"] for values in year_plan.missing]
    for batch in bulk.batches(ids, bulk.BATCH_SIZE):  # a statement's parameters
        for project in Project.objects.filter(pk__in=batch):
            project._change_reason = reason  # one by one: each deletion in history
            project.delete()
            pruned += 1
    return pruned


def _project_values(
    row: ProjectRow, theme_ids, section_ids, now, **more: Any
) -> dict[str, Any]:
    return {
        **more,
        "theme_id": theme_ids[row.theme_number],
        "section_id": section_ids[(row.department, row.section)],
        "name": row.name,
        "category": row.category,
        "description": row.description,
        "requested": row.requested,
        "requested_levelup": row.requested_levelup,
        "budgeted": row.budgeted,
        "budgeted_levelup": row.budgeted_levelup,
        "search_text": search_text(row),
        "updated_at": now,
    }


def _changed_values(
    year_plan: YearPlan, theme_ids, section_ids, now, cite: citing.Citer
) -> Iterator[tuple[int, dict[str, Any]]]:
    """(No, the whole new row with its id and its citation) of each changed project,
    so that every history record holds the complete new version."""
    for change in year_plan.changed:
        values = _project_values(
            change.row,
            theme_ids,
            section_ids,
            now,
            id=change.project_id,
            **cite(change.row),
        )
        yield change.row.no, values


def search_text(row: ProjectRow) -> str:
    return project_search_text(
        name=row.name,
        description=row.description,
        section=row.section,
        department=row.department,
    )


def _create_departments_and_sections(plan: ImportPlan, writer: _Writer) -> None:
    writer.create(Department, [Department(name=name) for name in plan.new_departments])
    if plan.new_sections:
        department_ids = dict(
            Department.objects.filter(
                name__in={d for d, _s in plan.new_sections}
            ).values_list("name", "id")
        )
        writer.create(
            Section,
            [
                Section(department_id=department_ids[department], name=name)
                for department, name in plan.new_sections
            ],
        )


def _write_fiscal_year(year_plan: YearPlan, *, publish: bool) -> FiscalYear:
    fiscal_year = (
        FiscalYear.objects.select_for_update().filter(year=year_plan.year).first()
    )
    if fiscal_year is None:
        return FiscalYear.objects.create(
            year=year_plan.year,
            title=year_plan.title or f"{eras.era_label(year_plan.year)}当初予算",
            is_published=publish,
        )
    changed = []
    if year_plan.title and fiscal_year.title != year_plan.title:
        fiscal_year.title = year_plan.title
        changed.append("title")
    if publish and not fiscal_year.is_published:
        fiscal_year.is_published = True
        changed.append("is_published")
    if changed:
        fiscal_year.save(update_fields=[*changed, "updated_at"])
    return fiscal_year


def _write_themes(year_plan: YearPlan, fiscal_year: FiscalYear, writer) -> dict:
    writer.create(
        Theme,
        [
            Theme(fiscal_year=fiscal_year, number=number, name=name)
            for number, name in year_plan.new_themes
        ],
    )
    for theme in fiscal_year.themes.filter(
        number__in=[number for number, _old, _new in year_plan.renamed_themes]
    ):
        theme.name = next(
            new
            for number, _old, new in year_plan.renamed_themes
            if number == theme.number
        )
        theme.save(update_fields=["name"])
    return dict(fiscal_year.themes.values_list("number", "id"))
