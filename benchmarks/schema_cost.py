"""What the project table's rules cost an import's INSERTs, against a plain table.

Run from the project root::

    .venv/bin/python benchmarks/schema_cost.py              # 20,000 rows, best of 3
    .venv/bin/python benchmarks/schema_cost.py --rows 100000 --repeat 5

It migrates a fresh SQLite database in a temporary directory (the project's
pragmas: WAL, ``synchronous=NORMAL``, foreign keys on), gives it the year, themes,
departments, sections and lineages the rows point at, and times one
``executemany`` of the city-like rows of ``import_speed.py`` (every column the
importer writes, the search key included) with its commit:

- into ``budgets_project``: its CHECK constraints, foreign keys, unique (year, No)
  and indexes, as an import meets them;
- into a table of the same columns without any of them (the baseline).

Each a fresh copy of the table, best of ``--repeat``; the ratio is the first to the
second. This is the part of the import's gap to the floor of ``import_speed.py``
that is the schema, not Python (README, Performance, "The yearly import").
"""

from __future__ import annotations

import argparse
import os
import sqlite3
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from import_speed import ROOT, generate_rows

COLUMNS = (
    "no, name, category, description, requested, requested_levelup, budgeted, "
    "budgeted_levelup, search_text, version, created_at, updated_at, fiscal_year_id, "
    "lineage_id, section_id, theme_id, source_edited_at, source_event_id, "
    "source_line, source_page, source_sheet"
)


def migrated(db: Path) -> None:
    """Migrate ``db`` with the project's settings."""
    os.environ["DATABASE_URL"] = f"sqlite:///{db}"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)


def project_rows(n: int) -> tuple[list[tuple], int, int]:
    """The rows' values in COLUMNS' order; the number of sections and themes."""
    from budgets.models import project_search_text

    rows = generate_rows(n)
    sections = {(r.department, r.section): i for i, r in enumerate(rows)}
    section_ids = {key: i for i, key in enumerate(sections, start=1)}
    themes = sorted({r.theme_number for r in rows})
    now = "2026-12-01 00:00:00"
    values = [
        (
            r.no,
            r.name,
            "new" if r.requested_levelup is None else "levelup",
            r.description,
            r.requested,
            r.requested_levelup,
            r.budgeted,
            r.budgeted_levelup,
            project_search_text(
                name=r.name,
                description=r.description,
                section=r.section,
                department=r.department,
            ),
            1,
            now,
            now,
            1,
            r.no,
            section_ids[(r.department, r.section)],
            r.theme_number,
            None,
            None,
            None,
            None,
            "",
        )
        for r in rows
    ]
    return values, len(section_ids), max(themes)


def parents(con: sqlite3.Connection, rows: int, sections: int, themes: int) -> None:
    now = "2026-12-01 00:00:00"
    con.execute(
        "INSERT INTO budgets_fiscalyear (id, version, year, title, is_published,"
        " created_at, updated_at) VALUES (1, 1, 2021, '', 1, ?, ?)",
        (now, now),
    )
    con.execute(
        "INSERT INTO budgets_department (id, version, name) VALUES (1, 1, '部')"
    )
    con.executemany(
        "INSERT INTO budgets_section (id, version, department_id, name)"
        " VALUES (?, 1, 1, ?)",
        [(i, f"課{i}") for i in range(1, sections + 1)],
    )
    con.executemany(
        "INSERT INTO budgets_theme (id, version, fiscal_year_id, number, name)"
        " VALUES (?, 1, 1, ?, '施策')",
        [(i, i) for i in range(1, themes + 1)],
    )
    con.executemany(
        "INSERT INTO budgets_projectlineage (id, created_at, public_id)"
        " VALUES (?, ?, ?)",
        [(i, now, f"{i:032x}") for i in range(1, rows + 1)],
    )
    con.execute("CREATE TABLE plain AS SELECT * FROM budgets_project WHERE 0")
    con.commit()


def timed_insert(con: sqlite3.Connection, table: str, rows: list[tuple]) -> float:
    """Seconds for one executemany of ``rows`` into ``table`` and its commit."""
    con.execute(f"DELETE FROM {table}")
    con.commit()
    marks = ", ".join("?" * len(rows[0]))
    started = time.perf_counter()
    con.executemany(f"INSERT INTO {table} ({COLUMNS}) VALUES ({marks})", rows)
    con.commit()
    return time.perf_counter() - started


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=20_000)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="schema_cost_") as workdir:
        db = Path(workdir) / "db.sqlite3"
        migrated(db)
        rows, sections, themes = project_rows(args.rows)
        con = sqlite3.connect(db)
        for pragma in ("journal_mode=WAL", "synchronous=NORMAL", "foreign_keys=ON"):
            con.execute(f"PRAGMA {pragma}")
        parents(con, args.rows, sections, themes)
        best = {
            table: min(timed_insert(con, table, rows) for _ in range(args.repeat))
            for table in ("budgets_project", "plain")
        }
    project, plain = best["budgets_project"], best["plain"]
    print(f"{args.rows:,} city-like project rows, one executemany and its commit,")
    print(f"best of {args.repeat}; load average {os.getloadavg()[0]:.2f}")
    print(f"  budgets_project (constraints, foreign keys, indexes) {project:6.3f} s")
    print(f"  the same columns, no rules (the baseline)            {plain:6.3f} s")
    ratio = project / plain
    print(f"  ratio                                                {ratio:6.2f}x")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
