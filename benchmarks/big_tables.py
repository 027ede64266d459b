"""Every figure of issue 11 ("big tables and big downloads") in one run.

Run from the project root (PostgreSQL on 127.0.0.1:5432 and Redis on 127.0.0.1:6379,
as on these machines)::

    .venv/bin/python benchmarks/big_tables.py            # the issue's sizes, ~25 min
    .venv/bin/python benchmarks/big_tables.py --quick    # smaller sizes, ~6 min
    .venv/bin/python benchmarks/big_tables.py --only import_speed load_pages

It runs each part's own benchmark one after the other (never two at once: they would
measure each other) and prints its table as it comes, each figure beside the baseline
that benchmark measures in the same run:

1. re-importing a changed table: ``reimport_speed.py``, the changed import against
   the first import of the same size, SQLite and PostgreSQL;
2. the admin on large tables: ``admin_import.py``, the preview and the confirm against
   the command's import of the same file;
3. downloads: ``downloads.py``, each download's worker peak, first byte and total
   against the UTF-8 CSV of the same database;
4. speed on city-like text: ``import_speed.py``, the first import against the floor
   (a plain read plus one ``executemany``), and the command's start-up;
   ``import_writes.py`` replays that import's own SQL alone against the same floor:
   the database's share of the import, which the 5x target has to hold too;
5. pages the cache has not seen: ``load_pages.py --random-only``, random project
   pages against the trivial view, PostgreSQL, 4 workers, 20 clients.

At the end it prints the machine's load average before and after and how long each
part took. A part stops the run only for itself: one whose script fails is named
FAILED at the end and the others still run. The figures against their targets are
each script's own lines (``import_speed.py`` prints PASS or FAIL per target).
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
PYTHON = str(ROOT / ".venv" / "bin" / "python")
POSTGRES = "postgres://postgres@127.0.0.1:5432"

# part -> (the sizes, --quick sizes): the arguments of its script
PARTS: dict[str, tuple[list[str], list[str]]] = {
    "reimport_speed": (
        ["--rows", "20000", "--postgres", f"{POSTGRES}/bench_big_reimport"],
        ["--rows", "5000", "--postgres", f"{POSTGRES}/bench_big_reimport"],
    ),
    "admin_import": (
        ["--rows", "20000", "--postgres", f"{POSTGRES}/bench_big_admin"],
        ["--rows", "5000"],
    ),
    "downloads": (["--rows", "1000000"], ["--rows", "100000"]),
    "import_speed": (
        ["--sizes", "20000", "100000", "--repeat", "2"],
        ["--sizes", "20000"],
    ),
    "import_writes": (
        ["--sizes", "20000", "100000", "--repeat", "2"],
        ["--sizes", "20000", "--repeat", "1"],
    ),
    "load_pages": (
        ["--random-only", "--repeat", "2", "--database", "bench_big_pages"],
        ["--random-only", "--projects", "20000", "--database", "bench_big_pages"],
    ),
}


def load_average() -> str:
    return " ".join(f"{value:.2f}" for value in os.getloadavg())


def run_part(name: str, arguments: list[str]) -> tuple[int, float]:
    """Run one benchmark with its output streamed; return its exit code and time."""
    command = [PYTHON, str(HERE / f"{name}.py"), *arguments]
    print(f"\n## {name}: {' '.join(command[1:])}\n", flush=True)
    started = time.monotonic()
    code = subprocess.run(command, cwd=ROOT, check=False).returncode
    return code, time.monotonic() - started


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="smaller sizes")
    parser.add_argument(
        "--only", nargs="+", choices=list(PARTS), help="run only these parts"
    )
    args = parser.parse_args()
    before = load_average()
    finished: list[tuple[str, int, float]] = []
    for name, (full, quick) in PARTS.items():
        if args.only and name not in args.only:
            continue
        code, seconds = run_part(name, quick if args.quick else full)
        finished.append((name, code, seconds))
    print(f"\nload average before: {before}; after: {load_average()}")
    for name, code, seconds in finished:
        status = "ok" if code == 0 else f"FAILED (exit {code})"
        print(f"  {name:<15} {seconds:7.0f} s  {status}")
    return 0 if all(code == 0 for _name, code, _s in finished) else 1


if __name__ == "__main__":
    sys.exit(main())
