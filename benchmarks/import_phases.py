"""Where does a large import spend its time? One import, phase by phase.

Run from the project root::

    .venv/bin/python benchmarks/import_phases.py                 # 100,000 rows, text
    .venv/bin/python benchmarks/import_phases.py --rows 10000 --format csv
    .venv/bin/python benchmarks/import_phases.py --with-gc       # the collector on

It builds the same synthetic table as ``import_speed.py``, migrates a fresh SQLite
database in a temporary directory, and runs the steps ``import_table`` runs, timing
each: reading the bytes into rows, parsing and checking them, planning against the
database, writing (split into the project INSERTs, the history copies and the search
keys), and the commit. It also counts the cyclic garbage collector's passes, the
time they took and what they freed. The importer pauses the collector; with
``--with-gc`` the phases run with it on, to show what the pause saves.
"""

from __future__ import annotations

import argparse
import contextlib
import gc
import os
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from import_speed import ROOT, generate_rows, to_csv, to_text


class Timer(Counter):
    def wrap(self, module, name: str, label: str) -> None:
        """Add the time spent in ``module.name`` to this counter's ``label``."""
        original = getattr(module, name)

        def timed(*args, **kwargs):
            start = time.perf_counter()
            try:
                return original(*args, **kwargs)
            finally:
                self[label] += time.perf_counter() - start

        setattr(module, name, timed)


class GCWatch:
    """Count the collector's passes, their time and what they freed."""

    def __init__(self) -> None:
        self.passes = self.freed = 0
        self.seconds = 0.0
        self._start = 0.0

    def __call__(self, phase: str, info: dict) -> None:
        if phase == "start":
            self._start = time.perf_counter()
        else:
            self.passes += 1
            self.freed += info["collected"]
            self.seconds += time.perf_counter() - self._start


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--format", choices=("text", "csv"), default="text")
    parser.add_argument(
        "--with-gc", action="store_true", help="keep the cyclic collector running"
    )
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="import_phases_") as workdir:
        os.environ["DATABASE_URL"] = f"sqlite:///{Path(workdir) / 'db.sqlite3'}"
        return measure(args)


def measure(args: argparse.Namespace) -> int:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import transaction

    from budgets import importing
    from budgets.importing import bulk, writing
    from budgets.models import ImportEvent

    call_command("migrate", verbosity=0)
    rows = generate_rows(args.rows)
    data = to_text(rows) if args.format == "text" else to_csv(rows)
    del rows

    timer = Timer()
    timer.wrap(bulk, "insert_rows", "write: project INSERTs")
    timer.wrap(bulk, "copy_into_history", "write: history copies")
    timer.wrap(writing, "search_text", "write: search keys")
    watch = GCWatch()
    gc.collect()
    gc.callbacks.append(watch)
    phases: dict[str, float] = {}

    @contextlib.contextmanager
    def phase(name: str):
        start = time.perf_counter()
        yield
        phases[name] = time.perf_counter() - start

    paused = contextlib.nullcontext() if args.with_gc else bulk.cyclic_gc_paused()
    with paused:
        with phase("read"):
            source = importing.read_source(data)
        with phase("parse"):
            table = importing.parse_table(source)
        source.rows.clear()
        if table.problems:
            raise SystemExit(f"the table has problems: {table.problems[:3]}")
        with phase("commit"), transaction.atomic():
            with phase("plan"):
                plan = importing.plan_import(table, prune=False, publish=True)
            event = ImportEvent.objects.create(filename="phases", sha256="0" * 64)
            with phase("write"):
                importing.apply_plan(plan, event=event)
    gc.callbacks.remove(watch)
    phases["commit"] -= phases["plan"] + phases["write"]

    total = sum(phases.values())
    print(
        f"{args.rows:,} rows, {args.format}, "
        f"collector {'on' if args.with_gc else 'paused'}"
    )
    for name, seconds in phases.items():
        print(f"  {name:<24} {seconds:6.2f} s  {seconds / total:5.1%}")
        if name == "write":
            for label, part in sorted(timer.items()):
                print(f"    {label:<22} {part:6.2f} s")
    print(f"  {'total':<24} {total:6.2f} s")
    print(
        f"  garbage collector: {watch.passes:,} passes, {watch.seconds:.2f} s, "
        f"{watch.freed:,} objects freed"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
