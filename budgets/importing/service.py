"""import_table: read, check, plan and write a table in one transaction, all or
nothing, under a lock per year, recorded as one ImportEvent."""

from __future__ import annotations

import hashlib
import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from django.db import DatabaseError, connection, transaction
from django.utils.translation import gettext as _

from budgets import caching, source_files
from budgets.importing import bulk, failures, proposing
from budgets.importing.planning import ImportPlan, plan_import
from budgets.importing.problems import ImportRefused, Problem
from budgets.importing.proposing import Decisions
from budgets.importing.sources import Source, read_source
from budgets.importing.table import parse_table
from budgets.importing.writing import apply_plan
from budgets.models import FIRST_YEAR, LAST_YEAR, ImportEvent

SHOWN_PROBLEMS = 1000


@dataclass
class ProblemKind:
    """Problems of one column with one message: how many, and the first of them."""

    column: str | None
    message: str
    first: Problem
    count: int = 1


@dataclass
class ImportReport:
    """What an import found, planned and (unless a dry run) wrote."""

    filename: str
    sha256: str
    source_kind: str = ""
    encoding: str | None = None
    problems: list[Problem] = field(default_factory=list)
    warnings: list[Problem] = field(default_factory=list)  # shown, not stopping
    plan: ImportPlan | None = None
    dry_run: bool = False
    written: bool = False
    pruned: int = 0
    event: ImportEvent | None = None
    rounded_totals: bool = False  # totals off by rounding, accepted as warnings

    # the import committed, then what follows it (the data version, /data/) failed
    after_commit_problems: list[Problem] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems

    @property
    def problems_shown(self) -> list[Problem]:
        """The first SHOWN_PROBLEMS: a page of 40,000 took 6.5 s and 5.6 MB
        (helper-16), when the first ones are what a clerk fixes first."""
        return self.problems[:SHOWN_PROBLEMS]

    def problems_by_kind(self, most: int = 10) -> list[ProblemKind]:
        """The problems grouped by column and message, the most frequent first: a
        column wrong on every row is one line, with its count and first place."""
        kinds: dict[tuple[str | None, str], ProblemKind] = {}
        for problem in self.problems:
            key = (problem.column, problem.message)
            if key in kinds:
                kinds[key].count += 1
            else:
                kinds[key] = ProblemKind(problem.column, problem.message, problem)
        return sorted(kinds.values(), key=lambda kind: -kind.count)[:most]

    def counts(self) -> dict[str, int]:
        if self.plan is None:
            return {"new": 0, "changed": 0, "unchanged": 0, "missing": 0}
        return {
            kind: self.plan.count(kind)
            for kind in ("new", "changed", "unchanged", "missing")
        }


def _lock_years(years: Iterable[int]) -> None:
    """Serialise imports of the same years: a second one waits for the first.

    PostgreSQL: a transaction-scoped advisory lock per year. SQLite allows one writer
    at a time anyway; a second import there waits for the lock or is refused.
    """
    if connection.vendor != "postgresql":
        return
    with connection.cursor() as cursor:
        for year in sorted(years):
            cursor.execute("SELECT pg_advisory_xact_lock(%s, %s)", [IMPORT_LOCK, year])


IMPORT_LOCK = 0x4D494E41  # "MINA": the advisory-lock namespace of budget imports


def import_table(
    data: bytes,
    *,
    filename: str = "",
    year: int | None = None,
    dry_run: bool = False,
    publish: bool = False,
    prune: bool = False,
    user=None,
    via: str = ImportEvent.Via.COMMAND,
    accept_rounded_totals: bool = False,
    decisions: Decisions | None = None,
    source: Source | None = None,
    on_read: Callable[[Source], None] | None = None,
    planned: str | None = None,
) -> ImportReport:
    """Read, check, plan and (unless ``dry_run``) write a table, all or nothing.

    A report with problems means nothing was written. A real import (not a dry run)
    is recorded as one ImportEvent; every history record it writes links to it.
    ``source``: ``data`` as read already (the admin's preview kept it), not read
    again; ``on_read`` is given the source once read, before it is parsed.
    ``planned``: the fingerprint of the plan the clerk's preview showed
    (``ImportPlan.fingerprint``); if the plan made now, under the years' lock, is
    another (an import or an edit committed since), the import is refused.
    """
    with bulk.cyclic_gc_paused():
        return _import_table(
            data,
            filename=filename,
            year=year,
            dry_run=dry_run,
            publish=publish,
            prune=prune,
            user=user,
            via=via,
            accept_rounded_totals=accept_rounded_totals,
            decisions=decisions,
            source=source,
            on_read=on_read,
            planned=planned,
        )


def _import_table(
    data: bytes,
    *,
    filename: str,
    year: int | None,
    dry_run: bool,
    publish: bool,
    prune: bool,
    user,
    via: str,
    accept_rounded_totals: bool,
    decisions: Decisions | None,
    source: Source | None,
    on_read: Callable[[Source], None] | None,
    planned: str | None,
) -> ImportReport:
    report = ImportReport(
        filename=filename, sha256=hashlib.sha256(data).hexdigest(), dry_run=dry_run
    )
    if year is not None and not FIRST_YEAR <= year <= LAST_YEAR:
        report.problems = [_year_out_of_range(year)]
        return report
    try:
        source = source or read_source(data)
    except ImportRefused as refused:
        report.problems = refused.problems
        return report
    if on_read is not None:
        on_read(source)
    table = _parse(
        source, report=report, year=year, accept_rounded_totals=accept_rounded_totals
    )
    if table.problems:
        report.problems = table.problems
        return report
    committed = threading.Event()
    try:
        with transaction.atomic():
            transaction.on_commit(committed.set)  # the first of the commit hooks
            _plan_and_write(
                table,
                report=report,
                data=data,
                source=source,
                dry_run=dry_run,
                publish=publish,
                prune=prune,
                decisions=decisions,
                user=user,
                via=via,
                planned=planned,
            )
    except Exception as error:
        event = report.event
        if not committed.is_set() and event is not None and event.source:
            source_files.forget_unrecorded(event.source.name)  # rolled back: not kept
        if not _note_failure(error, report=report, committed=committed.is_set()):
            raise
    return report


def _changed_since_preview() -> Problem:
    return Problem(
        _(
            "確認画面を開いた後に、他の取り込みか編集でデータが変わりました。"
            "確認画面に示した変更はもう正しくないため、何も書き込んでいません。"
            "もう一度ファイルを選んで、変わる内容を確かめてから確定してください。"
        )
    )


def _year_out_of_range(year: int) -> Problem:
    return Problem(
        _(
            "年度 %(year)s は扱えません。%(first)s から %(last)s までの西暦で"
            "指定してください（例: 2021）。"
        )
        % {"year": year, "first": FIRST_YEAR, "last": LAST_YEAR}
    )


def _parse(
    source: Source,
    *,
    report: ImportReport,
    year: int | None,
    accept_rounded_totals: bool,
):
    """Parse the source into its table; note the source and the warnings."""
    report.source_kind, report.encoding = source.kind, source.encoding
    table = parse_table(source, year=year, accept_rounded_totals=accept_rounded_totals)
    report.warnings = [*source.warnings, *table.warnings]
    report.rounded_totals = bool(table.warnings)  # only accepted totals warn
    source.rows.clear()  # parsed: the raw cells are no longer needed
    return table


def _plan_and_write(
    table,
    *,
    report: ImportReport,
    data: bytes,
    source: Source,
    dry_run: bool,
    publish: bool,
    prune: bool,
    decisions: Decisions | None,
    user,
    via: str,
    planned: str | None,
) -> None:
    """Plan the import and, unless a dry run, record it and write its changes."""
    if not dry_run:
        _lock_years({row.year for row in table.rows})
    try:
        report.plan = plan_import(
            table, prune=prune, publish=publish, decisions=decisions
        )
    except ImportRefused as refused:  # a decision on a proposal it lacks
        report.problems = refused.problems
        return
    if planned is not None and report.plan.fingerprint() != planned:
        report.problems = [_changed_since_preview()]  # planned under the lock
        return
    if dry_run:
        return
    event = _record_event(report=report, user=user, via=via)
    report.event = event
    source_files.keep(event, data, kind=source.kind)
    if report.plan.has_changes:
        report.pruned = apply_plan(report.plan, event=event, user=user, source=source)
        report.written = True
        caching.data_changed()
        if report.pruned:
            event.deleted = report.pruned
            event.save(update_fields=["deleted"])


def _record_event(*, report: ImportReport, user, via: str) -> ImportEvent:
    """Create the import's record: its file, who, how, its years and counts."""
    counts = report.counts()
    return ImportEvent.objects.create(
        filename=report.filename[:255],
        sha256=report.sha256,
        user=user if getattr(user, "pk", None) else None,
        via=via,
        years=",".join(str(plan.year) for plan in report.plan.years),
        created=counts["new"],
        updated=counts["changed"],
        unchanged=counts["unchanged"],
        accepted_proposals=proposing.accepted_lines(report.plan),
    )


def _note_failure(error: Exception, *, report: ImportReport, committed: bool) -> bool:
    """Note a failure in the report; return False for one to raise."""
    if committed:  # saved; what follows the commit failed
        report.after_commit_problems.append(failures.after_commit_problem(error))
    elif isinstance(error, DatabaseError):  # rolled back: nothing written
        report.problems = [failures.database_problem(error)]
        report.written = False
        report.event = None
    else:
        return False
    return True
