import sys
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from budgets.backup_sources import copy_sources
from budgets.exporting import write_csv
from budgets.models import FiscalYear, Project


class Command(BaseCommand):
    help = (
        "Write the projects as the project's CSV (UTF-8 with BOM), exactly as "
        "/projects.csv serves it."
    )

    def add_arguments(self, parser):
        parser.add_argument("--year", type=int, help="Only this fiscal year (2021).")
        parser.add_argument("-o", "--output", type=Path, help="File (default stdout).")
        parser.add_argument(
            "--include-drafts",
            action="store_true",
            help="Also export unpublished years.",
        )
        parser.add_argument(
            "--backup",
            action="store_true",
            help=(
                "A backup: every year, drafts included, with the columns 表題, 公開 "
                "and 系譜 that import_budget_table reads back."
            ),
        )
        parser.add_argument(
            "--sources",
            type=Path,
            metavar="DIR",
            help=(
                "With --backup: copy each source file the projects cite into DIR, "
                "named by its SHA-256 (import_budget_table --sources stores them "
                "back)."
            ),
        )

    def handle(self, *args, year, output, include_drafts, backup, **options):
        if options["sources"] is not None and not backup:
            raise CommandError("--sources is for a backup: add --backup.")
        include_drafts = include_drafts or backup
        projects = Project.objects.all()
        if not include_drafts:
            projects = projects.published()
        if year is not None:
            years = FiscalYear.objects.filter(year=year)
            if not include_drafts:
                years = years.published()
            if not years.exists():
                raise CommandError(
                    f"No {'' if include_drafts else 'published '}fiscal year {year}."
                )
            projects = projects.filter(fiscal_year__year=year)
        if output is None:
            stream = open(
                sys.stdout.fileno(), "w", encoding="utf-8", newline="", closefd=False
            )
            write_csv(projects, stream, backup=backup)
            stream.flush()
            return
        with output.open("w", encoding="utf-8", newline="") as stream:
            write_csv(projects, stream, backup=backup)
        if options["sources"] is not None:
            self._copy_sources(projects, options["sources"])

    def _copy_sources(self, projects, directory: Path) -> None:
        copied, missing = copy_sources(projects, directory)
        for name in missing:
            self.stderr.write(
                f"出典ファイルが保管場所にありません（写せません）: {name}"
            )
        self.stderr.write(f"{copied} source file(s) copied to {directory}.")
