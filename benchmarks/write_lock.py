"""How long does an import hold SQLite's write lock, against its busy timeout?

Run from the project root::

    .venv/bin/python benchmarks/write_lock.py            # 20,000 rows: the admin limit
    .venv/bin/python benchmarks/write_lock.py --rows 20000 --repeat 3

SQLite has one writer at a time: while an import's transaction is open, a login (it
writes the session and the last login) or an admin save waits for the lock, and fails
with "database is locked" after the busy timeout (``timeout`` in config/settings.py,
20 s). In a subprocess on a fresh, migrated SQLite file, this script imports the
synthetic table of ``import_speed.py`` through ``import_table`` (what the admin's
confirm step runs) into an empty year, then a version with every amount changed,
while a probe thread on a connection of its own takes the write lock
(``BEGIN IMMEDIATE; COMMIT``) every 20 ms. The longest the probe waited is the
longest a login or an edit waits during that import; printed with the import's
whole time and the ratio of the wait to the busy timeout (it must stay below 1).
"""

from __future__ import annotations

import argparse
import json
import os
import sqlite3
import sys
import tempfile
import threading
import time
from pathlib import Path
from urllib.parse import urlsplit

sys.path.insert(0, str(Path(__file__).resolve().parent))

from import_speed import RESULT_PREFIX, ROOT, generate_rows, to_text
from reimport_speed import SQLiteDatabases, changed_rows, run_child


class Probe(threading.Thread):
    """Take and release the write lock over and over; keep the longest wait."""

    def __init__(self, path: str):
        super().__init__(daemon=True)
        self.path = path
        self.longest = 0.0
        self.stop = threading.Event()

    def run(self) -> None:
        db = sqlite3.connect(self.path, timeout=600, isolation_level=None)
        while not self.stop.is_set():
            start = time.perf_counter()
            db.execute("BEGIN IMMEDIATE")
            db.execute("COMMIT")
            self.longest = max(self.longest, time.perf_counter() - start)
            time.sleep(0.02)
        db.close()


def child(args: argparse.Namespace) -> dict:
    os.environ["DATABASE_URL"] = args.database_url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from django.conf import settings

    from budgets.importing import import_table

    result = {"busy_timeout_s": settings.DATABASES["default"]["OPTIONS"]["timeout"]}
    runs = (("first", args.first, "new"), ("changed", args.second, "changed"))
    for label, path, expect in runs:
        data = Path(path).read_bytes()
        probe = Probe(urlsplit(args.database_url).path)
        probe.start()
        start = time.perf_counter()
        report = import_table(data, filename=f"{label}.txt", publish=True)
        result[f"{label}_import_s"] = time.perf_counter() - start
        probe.stop.set()
        probe.join()
        result[f"{label}_lock_wait_s"] = probe.longest
        if not report.ok or report.counts()[expect] != args.rows:
            raise SystemExit(f"{label}: {report.counts()} {report.problems[:3]}")
    return result


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=20_000)
    parser.add_argument("--repeat", type=int, default=1)
    parser.add_argument("--child", choices=["import"], help=argparse.SUPPRESS)
    parser.add_argument("--database-url", help=argparse.SUPPRESS)
    parser.add_argument("--first", help=argparse.SUPPRESS)
    parser.add_argument("--second", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(RESULT_PREFIX + json.dumps(child(args)), flush=True)
        return 0
    with tempfile.TemporaryDirectory(prefix="write_lock_") as tmp:
        workdir = Path(tmp)
        rows = generate_rows(args.rows)
        files = [str(workdir / "r04_first.txt"), str(workdir / "r04_changed.txt")]
        Path(files[0]).write_bytes(to_text(rows))
        Path(files[1]).write_bytes(to_text(changed_rows(rows)))
        store = SQLiteDatabases(workdir)
        print(f"{args.rows:,} rows, SQLite; a writer waits at most the busy timeout")
        print(f"run {'table':<8} {'import s':>9} {'lock wait s':>12} {'ratio':>6}")
        for attempt in range(args.repeat):
            url = store.fresh(f"lock_{attempt}")
            extra = ["--first", files[0], "--second", files[1]]
            measured = run_child(__file__, "import", url, extra, args.rows)
            store.drop(url)
            _print_run(attempt, measured)
    return 0


def _print_run(attempt: int, measured: dict) -> None:
    timeout = measured["busy_timeout_s"]
    for table in ("first", "changed"):
        wait = measured[f"{table}_lock_wait_s"]
        verdict = "PASS" if wait < timeout else "FAIL"
        print(
            f"{attempt + 1:>3} {table:<8} {measured[f'{table}_import_s']:>9.2f} "
            f"{wait:>12.2f} {wait / timeout:>5.2f}x {verdict} (of {timeout} s)",
            flush=True,
        )


if __name__ == "__main__":
    raise SystemExit(main())
