"""How much of a first import is the database's own work? The import's SQL replayed.

Run from the project root::

    .venv/bin/python benchmarks/import_writes.py       # 20,000 and 100,000 rows
    .venv/bin/python benchmarks/import_writes.py --sizes 20000 --repeat 3

For each size it builds ``import_speed.py``'s city-like text table and, each in a
subprocess of its own on a fresh copy of one migrated SQLite database:

1. imports it with ``import_table`` (as ``import_speed.py`` does), while an
   ``execute_wrapper`` records every statement the import sends, with its
   parameters, as the database received them (the recording is in the time: a
   list append per statement, 48 for 20,000 rows);
2. on another fresh copy, runs those same statements with the same parameters in
   one transaction, commit included, and nothing else: no reading, no checking, no
   planning, no search keys, no Python building rows. The database answers exactly
   as it did (same ids, same times), so this is the database's share of the import:
   the project rows with their rules and indexes, their history records, lineages,
   sections, themes, the import record;
3. the floor of ``import_speed.py``: a plain read of the same bytes plus one
   ``executemany`` into a plain table, commit included.

It prints the three, each as a ratio to the floor measured in the same run, and the
rest (the import less the replay: Python's share). The best of ``--repeat`` each.
Issue 11.4 asks for the import at 5x the floor or less; the replay says how much of
that the writes the import must make take by themselves.
"""

from __future__ import annotations

import argparse
import json
import os
import pickle
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from import_speed import (
    RESULT_PREFIX,
    ROOT,
    _child,
    _fresh_db,
    _migrated_template,
    _setup_django,
    generate_rows,
    to_text,
)


class Recorder:
    """An execute_wrapper that keeps each statement and its parameters."""

    def __init__(self) -> None:
        self.statements: list[tuple[str, object, bool]] = []

    def __call__(self, execute, sql, params, many, context):
        if many:
            params = list(params)  # executemany may be given an iterator
        self.statements.append((sql, params, many))
        return execute(sql, params, many, context)


def child_import(args: argparse.Namespace) -> dict:
    """Import the table, recording its statements into ``args.record``."""
    _setup_django(Path(args.db))
    from django.db import connection

    from budgets.importing import import_table

    data = Path(args.data).read_bytes()
    recorder = Recorder()
    with connection.execute_wrapper(recorder):
        start = time.perf_counter()
        report = import_table(data, filename=Path(args.data).name, publish=True)
        seconds = time.perf_counter() - start
    if not report.ok or report.counts()["new"] != args.size:
        raise SystemExit(f"import refused or short: {report.problems[:3]}")
    Path(args.record).write_bytes(pickle.dumps(recorder.statements))
    return {"import_s": seconds, "statements": len(recorder.statements)}


def child_replay(args: argparse.Namespace) -> dict:
    """Run the recorded statements in one transaction on a fresh database."""
    _setup_django(Path(args.db))
    from django.db import connection, transaction

    from budgets.models import Project

    statements = pickle.loads(Path(args.record).read_bytes())
    connection.ensure_connection()
    start = time.perf_counter()
    with transaction.atomic(), connection.cursor() as cursor:
        for sql, params, many in statements:
            verb = sql.lstrip().upper()
            if verb.startswith("ROLLBACK"):
                raise SystemExit("the import rolled back to a savepoint: no replay")
            if verb.startswith(("BEGIN", "SAVEPOINT", "RELEASE")):
                continue  # atomic() makes its own
            if many:
                cursor.executemany(sql, params)
            else:
                cursor.execute(sql, params)
    seconds = time.perf_counter() - start
    written = Project.objects.count(), Project.history.count()
    if written != (args.size, args.size):
        raise SystemExit(f"the replay wrote {written} projects and history records")
    return {"replay_s": seconds}


def measure(size: int, repeat: int, workdir: Path, template: Path, env) -> dict:
    source = workdir / f"table_{size}.txt"
    source.write_bytes(to_text(generate_rows(size)))
    record = workdir / f"statements_{size}.pickle"
    extra = ["--data", str(source), "--size", str(size), "--record", str(record)]

    def best(mode: str, key: str) -> dict:
        runs = [
            _child(
                mode,
                _fresh_db(template, workdir, f"{mode}_{size}_{n}"),
                extra,
                env,
                script=__file__,
            )
            for n in range(repeat)
        ]
        return min(runs, key=lambda result: result[key])

    imported = best("import", "import_s")
    replayed = best("replay", "replay_s")
    floor = best("floor", "floor_s")
    return {"rows": size, **imported, **replayed, **floor}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[20_000, 100_000])
    parser.add_argument("--repeat", type=int, default=2)
    parser.add_argument(
        "--child", choices=["import", "replay", "floor"], help=argparse.SUPPRESS
    )
    for hidden in ("--db", "--data", "--record"):
        parser.add_argument(hidden, help=argparse.SUPPRESS)
    parser.add_argument("--size", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        if args.child == "floor":
            import import_speed

            result = import_speed.child_floor(args)
        else:
            result = (child_import if args.child == "import" else child_replay)(args)
        print(RESULT_PREFIX + json.dumps(result), flush=True)
        return 0

    env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
    env["DJANGO_SETTINGS_MODULE"] = "config.settings"
    print(f"best of {args.repeat}; load average {os.getloadavg()[0]:.2f} before")
    print(
        "    rows  floor s  import s  ratio  SQL alone s  ratio"
        "  the rest s  ratio  statements"
    )
    with tempfile.TemporaryDirectory(prefix="import_writes_") as tmp:
        workdir = Path(tmp)
        template = _migrated_template(workdir, env)
        for size in args.sizes:
            m = measure(size, args.repeat, workdir, template, env)
            floor, rest = m["floor_s"], m["import_s"] - m["replay_s"]
            print(
                f"{size:>8,}  {floor:7.3f}  {m['import_s']:8.2f}  "
                f"{m['import_s'] / floor:4.1f}x  {m['replay_s']:11.2f}  "
                f"{m['replay_s'] / floor:4.1f}x  {rest:10.2f}  "
                f"{rest / floor:4.1f}x  {m['statements']:10}",
                flush=True,
            )
    print(f"load average {os.getloadavg()[0]:.2f} after")
    return 0


if __name__ == "__main__":
    sys.path.insert(0, str(ROOT))
    raise SystemExit(main())
