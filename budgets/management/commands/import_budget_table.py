from pathlib import Path

from django.core.checks import Tags
from django.core.management.base import BaseCommand, CommandError

from budgets import backup_sources, eras
from budgets.amounts import format_thousands
from budgets.importing import ImportReport, import_table
from budgets.importing.proposals import LINK_CONFIDENCE, ORGANISATION_CONFIDENCE
from budgets.importing.proposing import Decisions
from budgets.models import AMOUNT_FIELDS, Project, ProjectLink


class Command(BaseCommand):
    help = (
        "Import a year's table (the published PDF, PDF-copied text, CSV in "
        "UTF-8/BOM/cp932, or XLSX). "
        "Nothing is written when any row is bad."
    )
    # Only the checks an import depends on: all of them import the URL conf and
    # the API stack first, about 1.5 s of a clerk's wait (benchmarks/import_speed.py
    # prints the start-up). `manage.py check` and the test suite run the others.
    requires_system_checks = [Tags.models, Tags.database]

    def add_arguments(self, parser):
        parser.add_argument("path", type=Path)
        parser.add_argument(
            "--year",
            type=int,
            help="Fiscal year (Western, e.g. 2021) when the table has no title.",
        )
        parser.add_argument(
            "--dry-run",
            action="store_true",
            help="Show what would change; write nothing.",
        )
        parser.add_argument(
            "--publish",
            action="store_true",
            help="Publish the fiscal year (new years start as drafts).",
        )
        parser.add_argument(
            "--prune",
            action="store_true",
            help="Delete projects of the year that the file no longer has.",
        )
        parser.add_argument(
            "--link-suggestions",
            action="store_true",
            help="Accept the proposed organisation changes whose share of matching "
            f"sections and projects is at least {ORGANISATION_CONFIDENCE} and the "
            f"proposed project links scoring at least {LINK_CONFIDENCE}; the others "
            "are listed, not linked.",
        )
        parser.add_argument(
            "--accept-rounded-totals",
            action="store_true",
            help="Import a table whose totals row differs from the sum of its rows "
            "when its note says the figures are rounded (端数処理); the differences "
            "are shown as warnings.",
        )
        parser.add_argument(
            "--sources",
            type=Path,
            metavar="DIR",
            help="A backup's source files (export_budget_table --backup --sources): "
            "each checked against its SHA-256 name, then stored for the restored "
            "citations. A file that does not match refuses the whole import.",
        )

    def handle(self, *args, path: Path, year, dry_run, publish, prune, **options):
        accept_rounded_totals = options["accept_rounded_totals"]
        try:
            data = path.read_bytes()
        except OSError as error:
            raise CommandError(f"Cannot read {path}: {error}") from error
        sources = checked_sources(options["sources"])
        report = import_table(
            data,
            filename=path.name,
            year=year,
            dry_run=dry_run,
            publish=publish,
            prune=prune,
            accept_rounded_totals=accept_rounded_totals,
            decisions=Decisions(confident=options["link_suggestions"]),
        )
        for line in describe(report):
            self.stdout.write(line)
        if not report.ok:
            raise CommandError(
                f"{path.name}: {len(report.problems)} problem(s); nothing was imported."
            )
        if sources and not dry_run:
            stored = backup_sources.store_sources(sources)
            self.stdout.write(f"Source files: {stored} stored, {len(sources)} checked.")


def checked_sources(directory: Path | None) -> list[backup_sources.SourceFile]:
    """The --sources folder's files, checked before anything is imported."""
    if directory is None:
        return []
    try:
        return backup_sources.checked_sources(directory)
    except backup_sources.SourcesRefused as refused:
        raise CommandError(
            "出典ファイルを確かめられないため、何も取り込みませんでした。\n"
            + "\n".join(f"  {problem}" for problem in refused.problems)
        ) from None


def describe(report: ImportReport) -> list[str]:
    """Return the report as lines for a terminal."""
    if not report.ok:
        return [
            f"{report.filename}: refused",
            *(f"  {problem}" for problem in report.problems),
            # what was skipped: a hidden sheet may be where the table is
            *(f"  note: {warning}" for warning in report.warnings),
        ]
    plan = report.plan
    lines = [
        f"{report.filename} ({report.source_kind}"
        + (f", {report.encoding}" if report.encoding else "")
        + f", sha256 {report.sha256[:12]})",
        *(f"  warning: {warning}" for warning in report.warnings),
    ]
    for year_plan in plan.years:
        lines += _describe_year(year_plan, prune=plan.prune)
    lines += _describe_organisations(plan)
    lines.append(_describe_outcome(report))
    return lines


def _describe_year(year_plan, *, prune: bool) -> list[str]:
    """The year's counts, themes, projects, links, proposals and totals."""
    lines = [
        f"{eras.dual_label(year_plan.year)}: "
        f"new {len(year_plan.new)}, changed {len(year_plan.changed)}, "
        f"unchanged {len(year_plan.unchanged)}, missing {len(year_plan.missing)}"
    ]
    if renumbered := year_plan.renumbered:
        lines.append(
            f"  ! {len(renumbered)} rows are named as other Nos already stored: were "
            "rows inserted or removed? Projects are matched by No, so each would "
            "take another's name, amounts and links to earlier years"
        )
        lines += [
            f"      No {no} {name} (stored as No {stored_no})"
            for no, stored_no, name in renumbered[:10]
        ]
    if year_plan.repeats_previous:
        lines.append(
            f"  ! every project is {eras.era_label(year_plan.previous_year)}'s "
            "(No, name, amounts): is the title's year right?"
        )
    if year_plan.title_change:
        old, new = year_plan.title_change
        lines.append(f"  ~ title: {old!r} -> {new!r}")
    for number, name in year_plan.new_themes:
        lines.append(f"  + theme {number} {name}")
    for number, old, new in year_plan.renamed_themes:
        lines.append(f"  ~ theme {number}: {old} -> {new}")
    for change in year_plan.changed:
        lines.append(f"  ~ No {change.row.no} {change.row.name}")
        for item in change.changes:
            old, new = (_readable(item.field, v) for v in (item.old, item.new))
            lines.append(f"      {item.label}: {old} -> {new}")
    for values in year_plan.missing:
        action = "deleted" if prune else "kept (use --prune to delete)"
        lines.append(f"  - No {values['no']} {values['name']}: {action}")
    for link in year_plan.links:
        if link.proposal is None:
            lines.append(
                f"  = No {link.row.no} {link.row.name} continues "
                f"{eras.era_label(link.earlier_year)} No {link.earlier_no}"
            )
    lines += describe_proposals(year_plan)
    for values in year_plan.ended:
        lines.append(
            f"  . {eras.era_label(year_plan.previous_year)} No {values['no']} "
            f"{values['name']}: continued by no project of this table"
        )
    return lines + _describe_totals(year_plan)


def _describe_totals(year_plan) -> list[str]:
    """The year's totals, and the year before's when there is one."""
    lines = [
        "  totals (千円): requested {requested:,} (level-up {requested_levelup:,}),"
        " budgeted {budgeted:,} (level-up {budgeted_levelup:,})".format(
            **year_plan.totals
        )
    ]
    if year_plan.previous_totals is not None:
        previous = year_plan.previous_totals
        lines.append(
            f"  {eras.era_label(year_plan.previous_year)}: requested "
            f"{previous['requested']:,}, budgeted {previous['budgeted']:,}"
        )
    return lines


def _describe_organisations(plan) -> list[str]:
    """The organisation proposals, then the new departments and sections."""
    lines = []
    for proposal in plan.organisations:
        accepted = proposal in plan.successions
        lines.append(
            f"  ? {proposal.message} [{proposal.score:.2f}]"
            + (" -> accepted" if accepted else "")
        )
        lines += [f"      {evidence}" for evidence in proposal.evidence]
    for name in plan.new_departments:
        lines.append(f"  + department {name}")
    for department, name in plan.new_sections:
        lines.append(f"  + section {department} / {name}")
    return lines


def _describe_outcome(report: ImportReport) -> str:
    """The last line: a dry run, nothing changed, or what was written."""
    if report.dry_run:
        return "Dry run: nothing was written."
    if not report.written:
        return "Nothing changed."
    counts = report.counts()
    return (
        f"Imported: {counts['new']} created, {counts['changed']} updated, "
        f"{counts['unchanged']} unchanged, {report.pruned} deleted."
    )


def describe_proposals(year_plan) -> list[str]:
    """The year's project link proposals, each candidate's evidence a line."""
    accepted = {
        (id(link.row), link.earlier_id)
        for link in year_plan.links
        if link.proposal is not None
    }
    lines = []
    for proposal in year_plan.proposals:
        lines.append(
            f"  ? No {proposal.row.no} {proposal.row.name}: "
            f"{ProjectLink.Kind(proposal.kind).label}"
        )
        for candidate in proposal.candidates:
            mark = (
                " -> accepted"
                if (id(proposal.row), candidate.project_id) in accepted
                else ""
            )
            lines.append(f"      [{candidate.score:.2f}] {candidate.label}{mark}")
            lines += [f"          {evidence}" for evidence in candidate.evidence]
    return lines


def _readable(field: str, value) -> str:
    """A changed value as the clerk reads it: an amount with its commas or 「-」, a
    category by its label, a text quoted (so that a changed space shows)."""
    if field in AMOUNT_FIELDS:
        return format_thousands(value)
    if field == "category":
        return str(Project.value_label(field, value))
    return repr(value)
