"""Where each imported project's figures stand in the file the import read.

The write step stores it on the project (``Project.source_*``) for the new and the
changed projects only: an unchanged project keeps the citation of the import that
last set its figures. A PDF's row is cited by its page and its line on that page
(counted from the page's top, title included, as the import's problems are), a text
or CSV row by its line, an XLSX row by its sheet and row.

A backup's rows carry their own citation (its 出典 columns, budgets.columns): they
cite the original files, not the backup. Each file (its SHA-256) gets one import
record, made for the restore unless the database has one for it already, and the
file itself is restored apart (``import_budget_table --sources``).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from budgets import source_files
from budgets.importing.rows import ProjectRow
from budgets.importing.sources import Source
from budgets.models import ImportEvent

Citer = Callable[[ProjectRow], dict[str, Any]]


def citer(event: ImportEvent, source: Source | None, plan=None) -> Citer:
    """A function giving a row's citation columns (attname -> value) in ``event``.

    Without the source (a plan written by hand) the rows cite the import only. A
    backup's row (``plan``'s rows with 出典 columns) cites what it carries.
    """
    sheet = (source.sheet if source is not None else None) or ""
    carried = _carried_events(plan, event) if plan is not None else {}

    def cite(row: ProjectRow) -> dict[str, Any]:
        if row.source_sha256 is not None:
            return _carried_citation(row, carried)
        page, line = source.locate(row.line) if source else (None, None)
        return {
            "source_event_id": event.pk,
            "source_page": page,
            "source_line": line,
            "source_sheet": sheet,
            "source_edited_at": None,
        }

    return cite


def _carried_citation(row: ProjectRow, events: dict[str, ImportEvent]) -> dict:
    cited = events.get(row.source_sha256)
    return {
        "source_event_id": cited.pk if cited else None,
        "source_page": row.source_page,
        "source_line": row.source_line,
        "source_sheet": row.source_sheet,
        "source_edited_at": None if cited else row.source_edited_at,
    }


def _carried_events(plan, event: ImportEvent) -> dict[str, ImportEvent]:
    """SHA-256 -> the import record the backup's rows citing that file point to."""
    rows: dict[str, list[ProjectRow]] = {}
    for year_plan in plan.years:
        for row in (*year_plan.new, *(change.row for change in year_plan.changed)):
            if row.source_sha256:
                rows.setdefault(row.source_sha256, []).append(row)
    return {sha256: _event_for(sha256, cited, event) for sha256, cited in rows.items()}


def _event_for(sha256: str, rows: list[ProjectRow], restore: ImportEvent):
    first = rows[0]
    name = source_files.stored_name(sha256, first.source_kind)
    public = bool(first.source_public)
    found = (
        ImportEvent.objects.filter(
            sha256=sha256,
            source=name,
            filename=first.source_filename,
            source_public=public,
        )
        .order_by("-pk")
        .first()
    )
    if found is not None:
        return found
    return ImportEvent.objects.create(
        filename=first.source_filename,
        sha256=sha256,
        user=restore.user,
        via=ImportEvent.Via.COMMAND,
        years=",".join(str(year) for year in sorted({row.year for row in rows})),
        source=name,
        source_public=public,
    )
