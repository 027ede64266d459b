"""How long do the import's proposals across years that change take on a big year?

Run from the project root::

    .venv/bin/python benchmarks/link_proposals.py               # 20,000 rows
    .venv/bin/python benchmarks/link_proposals.py --rows 5000 --repeat 3

In a fresh SQLite database it imports a year of N projects shaped like the seed
(its names, descriptions and amounts cycled over 40 departments and 300 sections),
then times, on the next year's table:

* ``proposals``: ``import_table(..., dry_run=True)`` of a year in which every
  department was renamed, a third of the projects renamed (「推進」→「支援」), one in
  fifty split in two: no row is linked by an exact match, so every row is proposed
  for (the worst case);
* ``plain``: the plain import of the same table (written, nothing accepted), in a
  copy of the database, the figure the proposals are compared with.

It prints both times, the ratio, and how many proposals and organisation changes
were found. See benchmarks/README.md.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SEED = ROOT / "fixtures" / "r03_shinki_levelup.txt"
HEADER = "\t".join(
    (
        "No",
        "部",
        "課名",
        "事業名",
        "二次経費区分",
        "事業内容",
        "要求額",
        "要求額 (うちレベルアップ)",
        "予算額",
        "予算額 (うちレベルアップ)",
    )
)
DEPARTMENTS = 40
SECTIONS_PER_DEPARTMENT = 7  # about 300 sections


def seed_projects() -> list[list[str]]:
    lines = SEED.read_text(encoding="utf-8").splitlines()
    return [
        cells
        for line in lines
        if len(cells := line.split("\t")) == 10 and cells[0].isdigit()
    ]


def table(year_label: str, rows: list[list[str]]) -> bytes:
    out = [
        f"{year_label}当初予算 新規事業及びレベルアップ事業一覧",
        "(単位:千円)",
        HEADER,
    ]
    out.append(
        "1 新型コロナウイルス感染症がもたらした影響から早期に回復するための取組"
        + "\t" * 9
    )
    out += ["\t".join(cells) for cells in rows]
    return "\n".join(out).encode("utf-8")


def first_year(count: int) -> list[list[str]]:
    seed = seed_projects()
    rows = []
    for no in range(1, count + 1):
        cells = [*seed[(no - 1) % len(seed)]]
        round_ = (no - 1) // len(seed)
        department = (no * 7) % DEPARTMENTS
        section = (no * 3) % SECTIONS_PER_DEPARTMENT
        cells[0] = str(no)
        cells[1] = f"第{department + 1}支援部"
        cells[2] = f"第{department + 1}部{section + 1}課"
        if round_:
            cells[3] = f"{cells[3]}（その{round_}）"
        rows.append(cells)
    return rows


def next_year(rows: list[list[str]]) -> list[list[str]]:
    changed = []
    extra = len(rows)
    for cells in rows:
        cells = [*cells]
        cells[1] = cells[1].replace("支援部", "推進局")  # every department renamed
        no = int(cells[0])
        if no % 3 == 0:
            cells[3] = cells[3].replace("推進", "支援") + "（拡充）"
        if no % 50 == 0:
            extra += 1
            part = [*cells]
            part[0], part[3] = str(extra), cells[3] + "（後期分）"
            cells[3] += "（前期分）"
            changed.append(part)
        changed.append(cells)
    return changed


def setup(database: Path) -> None:
    os.environ["DATABASE_URL"] = f"sqlite:///{database}"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=20_000)
    parser.add_argument("--repeat", type=int, default=1)
    args = parser.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="link-proposals-"))
    try:
        run(folder, args.rows, args.repeat)
    finally:
        shutil.rmtree(folder)


def run(folder: Path, count: int, repeat: int) -> None:
    database = folder / "db.sqlite3"
    setup(database)
    from django.core.management import call_command

    from budgets.importing import import_table

    call_command("migrate", verbosity=0)
    rows = first_year(count)
    report = import_table(table("令和3年度", rows), filename="r03.txt", publish=True)
    assert report.ok, report.problems[:3]
    following = table("令和4年度", next_year(rows))
    snapshot(database, folder / "before.sqlite3")
    times: dict[str, list[float]] = {"dry": [], "with": [], "plain": []}
    for _ in range(repeat):
        started = time.perf_counter()
        report = import_table(following, filename="r04.txt", dry_run=True)
        times["dry"].append(time.perf_counter() - started)
        assert report.ok, report.problems[:3]
        for kind in ("with", "plain"):
            started = time.perf_counter()
            with proposals_off() if kind == "plain" else contextlib.nullcontext():
                written = import_table(following, filename="r04.txt")
            times[kind].append(time.perf_counter() - started)
            assert written.ok and written.written
            snapshot(folder / "before.sqlite3", database)
    describe(
        report, count, repeat, {kind: min(values) for kind, values in times.items()}
    )


def snapshot(source: Path, target: Path) -> None:
    from django.db import connections

    connections.close_all()
    shutil.copy(source, target)


@contextlib.contextmanager
def proposals_off():
    """The plain import: the same import with the proposing step skipped."""
    from budgets.importing import proposing

    propose = proposing.propose
    proposing.propose = lambda plan: None
    try:
        yield
    finally:
        proposing.propose = propose


def describe(report, count: int, repeat: int, best: dict[str, float]) -> None:
    (year,) = report.plan.years
    print(f"rows: {len(year.rows):,} (the earlier year: {count:,})")
    print(
        f"proposed: {len(year.proposals):,} project links, "
        f"{len(report.plan.organisations)} organisation changes"
    )
    print(f"dry run with the proposals: {best['dry']:.2f} s (best of {repeat})")
    print(f"import with the proposals: {best['with']:.2f} s")
    print(f"plain import (no proposals): {best['plain']:.2f} s")
    print(f"proposals: {best['with'] - best['plain']:.2f} s")
    print(f"ratio to the plain import: {best['with'] / best['plain']:.2f}")


if __name__ == "__main__":
    main()
