"""What the project table's rules cost an import's INSERTs, against a plain table.

Run from the project root::

    .venv/bin/python benchmarks/schema_cost.py              # 20,000 rows, best of 3
    .venv/bin/python benchmarks/schema_cost.py --rows 100000 --repeat 5

It migrates a fresh SQLite database in a temporary directory with the project's
settings (WAL, ``synchronous=NORMAL``, foreign keys on), gives it the year, themes,
departments, sections and lineages the rows point at, and times one ``executemany``
of the city-like rows of ``import_speed.py`` with its commit, every column of the
project model (the search key included) in the model's own column order:

- into ``budgets_project``: its CHECK constraints, foreign keys, unique (year, No)
  and indexes, as an import meets them;
- into a table of the same columns without any of them (the baseline).

Each on an emptied table, best of ``--repeat``; the ratio is the first to the
second. This is the part of the import's gap to the floor of ``import_speed.py``
that is the schema, not Python (README, Performance, "The yearly import").
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from import_speed import _setup_django, generate_rows


def project_rows(n: int) -> list[dict]:
    """The rows as the importer writes them: attname -> value, parents created."""
    from django.utils import timezone

    from budgets.models import (
        Department,
        FiscalYear,
        Project,
        ProjectLineage,
        Section,
        Theme,
        project_search_text,
    )

    rows = generate_rows(n)
    year = FiscalYear.objects.create(year=2021, is_published=True)
    themes = {
        number: Theme.objects.create(fiscal_year=year, number=number, name=name).pk
        for number, name in sorted({(r.theme_number, r.theme_name) for r in rows})
    }
    sections = {}
    for department, section in sorted({(r.department, r.section) for r in rows}):
        owner, _ = Department.objects.get_or_create(name=department)
        sections[department, section] = Section.objects.create(
            department=owner, name=section
        ).pk
    lineages = ProjectLineage.objects.bulk_create(ProjectLineage() for _ in rows)
    now = timezone.now()
    return [
        {
            "fiscal_year_id": year.pk,
            "theme_id": themes[r.theme_number],
            "no": r.no,
            "section_id": sections[r.department, r.section],
            "name": r.name,
            "category": Project.Category.NEW
            if r.requested_levelup is None
            else Project.Category.LEVELUP,
            "description": r.description,
            "requested": r.requested,
            "requested_levelup": r.requested_levelup,
            "budgeted": r.budgeted,
            "budgeted_levelup": r.budgeted_levelup,
            "lineage_id": lineage.pk,
            "source_event_id": None,
            "source_page": None,
            "source_line": None,
            "source_sheet": "",
            "source_edited_at": None,
            "search_text": project_search_text(
                name=r.name,
                description=r.description,
                section=r.section,
                department=r.department,
            ),
            "version": 1,
            "created_at": now,
            "updated_at": now,
        }
        for r, lineage in zip(rows, lineages, strict=True)
    ]


def timed_insert(table: str, columns: list, values: list[tuple]) -> float:
    """Seconds for one executemany of ``values`` into ``table`` and its commit."""
    from django.db import connection, transaction

    quote = connection.ops.quote_name
    with connection.cursor() as cursor:
        cursor.execute(f"DELETE FROM {quote(table)}")
    sql = "INSERT INTO {} ({}) VALUES ({})".format(
        quote(table),
        ", ".join(quote(column) for column in columns),
        ", ".join(["%s"] * len(columns)),
    )
    started = time.perf_counter()
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.executemany(sql, values)
    return time.perf_counter() - started


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=20_000)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="schema_cost_") as workdir:
        _setup_django(Path(workdir) / "db.sqlite3")
        from django.core.management import call_command
        from django.db import connection

        from budgets.models import Project

        call_command("migrate", verbosity=0)
        # every column but the id, as the model orders them; a new field fails here
        fields = [f for f in Project._meta.concrete_fields if not f.primary_key]
        values = [
            tuple(
                connection.ops.adapt_datetimefield_value(row[f.attname])
                if f.get_internal_type() == "DateTimeField"
                else row[f.attname]
                for f in fields
            )
            for row in project_rows(args.rows)
        ]
        table = Project._meta.db_table
        with connection.cursor() as cursor:
            cursor.execute(f"CREATE TABLE plain AS SELECT * FROM {table} WHERE 0")
        columns = [f.column for f in fields]
        best = {
            name: min(timed_insert(name, columns, values) for _ in range(args.repeat))
            for name in (table, "plain")
        }
        connection.close()
    project, plain = best[table], best["plain"]
    print(f"{args.rows:,} city-like project rows, one executemany and its commit,")
    print(f"best of {args.repeat}; load average {os.getloadavg()[0]:.2f}")
    print(f"  budgets_project (constraints, foreign keys, indexes) {project:6.3f} s")
    print(f"  the same columns, no rules (the baseline)            {plain:6.3f} s")
    ratio = project / plain
    print(f"  ratio                                                {ratio:6.2f}x")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
