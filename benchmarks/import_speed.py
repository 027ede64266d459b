"""How fast does ``budgets.importing.import_table`` take in a large year's table?

Run from the project root::

    .venv/bin/python benchmarks/import_speed.py
    .venv/bin/python benchmarks/import_speed.py --sizes 1000 10000 --formats text
    .venv/bin/python benchmarks/import_speed.py --sizes 100000 --formats text \
        --profile            # cProfile of the first import, top functions printed

For every (format, size) it builds a synthetic table of N project rows shaped like
the real seed ``fixtures/r03_shinki_levelup.txt`` (the PDF-copied tab-separated text,
or the project's CSV), then, each in its own subprocess against its own fresh SQLite
file (a copy of a database migrated once, before anything is timed):

* imports it into the empty database (``publish=True``), then again, unchanged;
* inserts the same N rows with one plain ``executemany`` INSERT into
  ``budgets_project`` (the floor: what SQLite itself needs to store the rows).

See ``benchmarks/README.md`` for what each number means.
"""

from __future__ import annotations

import argparse
import csv
import hashlib
import io
import json
import os
import random
import resource
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import time
import tracemalloc
from collections.abc import Callable, Iterator, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
SEED = ROOT / "fixtures" / "r03_shinki_levelup.txt"
RESULT_PREFIX = "RESULT "

# An import that commits starts a build of /data/'s files in a process of its own
# (budgets.opendata_build): it ran beside the next measurement, a CPU of two, and
# wrote each scratch database's files into the project's private/opendata. Every
# benchmark imports this module, and its children inherit the environment.
os.environ["OPEN_DATA_BUILD_AFTER_CHANGE"] = "false"

YEAR = 2021
TITLE = "令和3年度当初予算 新規事業及びレベルアップ事業一覧"
UNIT = "(単位:千円)"
TEXT_HEADER = (
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
NEW, LEVELUP = "新規", "レベルアップ"
ROWS_PER_PAGE = 25

# 40 departments (the seed's, Minato's others, a few more), 300 sections in all.
DEPARTMENTS = (
    "産業・地域振興支援部",
    "子ども家庭支援部",
    "保健福祉支援部",
    "みなと保健所",
    "教育推進部",
    "学校教育部",
    "防災危機管理室",
    "環境リサイクル支援部",
    "企画経営部",
    "各地区総合支所",
    "芝地区総合支所",
    "麻布地区総合支所",
    "赤坂地区総合支所",
    "高輪地区総合支所",
    "芝浦港南地区総合支所",
    "総務部",
    "街づくり支援部",
    "会計室",
    "区議会事務局",
    "選挙管理委員会事務局",
    "監査事務局",
    "デジタル改革推進部",
    "住宅政策部",
    "都市計画部",
    "土木部",
    "交通政策部",
    "税務部",
    "区民部",
    "文化観光部",
    "スポーツ推進部",
    "子ども若者部",
    "福祉総務部",
    "契約管財部",
    "国際交流推進部",
    "男女平等参画推進部",
    "生涯学習推進部",
    "公園緑地部",
    "資源循環推進部",
    "地域包括ケア推進部",
    "公共施設マネジメント部",
)
SECTION_TOPICS = (
    "産業振興",
    "観光政策",
    "保育",
    "障害者福祉",
    "高齢者支援",
    "介護保険",
    "生活衛生",
    "教育指導",
    "図書文化財",
    "防災",
    "環境",
    "協働推進",
    "地域振興",
    "まちづくり",
    "国際化・文化芸術",
    "子ども家庭支援",
    "児童相談",
    "健康推進",
    "住宅",
    "道路",
    "公園",
    "税務",
    "戸籍住民",
    "情報政策",
    "契約",
    "人事",
    "財政",
    "広報",
)
SECTION_KINDS = ("課", "担当", "係", "センター", "推進担当", "調整担当")
EXTRA_THEMES = (
    "子どもたちの未来を育む取組",
    "安全・安心なまちを実現する取組",
    "環境と共生する持続可能なまちをつくる取組",
    "多様な人々が交流しにぎわうまちをつくる取組",
    "区民とともに歩む区政運営の取組",
    "デジタル技術で区民サービスを向上する取組",
)


@dataclass(frozen=True)
class Row:
    """One synthetic project row, before it is written as text or CSV."""

    theme_number: int
    theme_name: str
    no: int
    department: str
    section: str
    name: str
    category: str  # NEW or LEVELUP, as the table writes it
    description: str
    requested: int
    requested_levelup: int | None
    budgeted: int
    budgeted_levelup: int | None


# --- The synthetic table --------------------------------------------------------------


def seed_table() -> tuple[list[str], list[list[str]]]:
    """The seed's theme names and project rows (10 cells each)."""
    themes: list[str] = []
    projects: list[list[str]] = []
    for line in SEED.read_text(encoding="utf-8").splitlines():
        cells = line.split("\t")
        if len(cells) == 10 and cells[0].isdecimal():
            projects.append(cells)
        elif cells[0][:1].isdecimal() and not any(cells[1:]):
            themes.append(cells[0].split(" ", 1)[1])
    return themes, projects


def sections() -> list[tuple[str, str]]:
    """300 (department, section) pairs: 8 for the first 20 departments, 7 after."""
    rng = random.Random(300)
    pairs: list[tuple[str, str]] = []
    for index, department in enumerate(DEPARTMENTS):
        names: set[str] = set()
        while len(names) < (8 if index < 20 else 7):
            names.add(rng.choice(SECTION_TOPICS) + rng.choice(SECTION_KINDS))
        pairs.extend((department, name) for name in sorted(names))
    return pairs


# What the city's own tables write where the seed happens not to (its R3 list is
# short and plain): full-width letters, digits and brackets, 「」 and ・, notes, lists.
FULL_WIDTH = str.maketrans(
    {chr(code): chr(code + 0xFEE0) for code in range(0x21, 0x7F)} | {" ": "\u3000"}
)
NAME_SUFFIXES = ("（仮称）", "（拡充）", "・運営支援", "（第２期）", "")
NOTES = (
    "（令和３年度から実施）",
    "※詳細は「港区基本計画」のとおり。",
    "①相談体制の充実、②情報発信の強化、③関係機関との連携を図ります。",
    "対象者は区内在住・在勤・在学の方（約１，２００人）です。",
    "なお、東京２０２０大会の延期に伴い、実施時期を見直します。",
)


def citylike(text: str, rng: random.Random) -> str:
    """The seed's text as the city writes it half the time: full-width forms."""
    return text.translate(FULL_WIDTH) if rng.random() < 0.5 else text


def city_name(template: str, cycle: int, rng: random.Random) -> str:
    name = citylike(template, rng) + rng.choice(NAME_SUFFIXES)
    return name if cycle == 0 else f"{name}（その{cycle + 1}）"


def city_description(
    template: str, name: str, seed_projects: list, rng: random.Random
) -> str:
    """A description as long and mixed as the city's: the seed's, quoting the
    project's name in 「」, often longer, often with a note or a numbered list."""
    parts = [f"「{name}」について、", citylike(template, rng)]
    for _more in range(rng.choice((0, 0, 1, 2))):
        parts.append(citylike(seed_projects[rng.randrange(len(seed_projects))][5], rng))
    if rng.random() < 0.6:
        parts.append(rng.choice(NOTES))
    return "".join(parts)


def generate_rows(n: int, *, seed: int = 20210401) -> list[Row]:
    """N project rows built from the seed's own, No 1..N (benchmarks/README.md)."""
    rng = random.Random(seed)
    seed_themes, seed_projects = seed_table()
    themes = [*seed_themes, *EXTRA_THEMES]
    pairs = sections()
    order = list(range(len(pairs)))
    rng.shuffle(order)
    rows: list[Row] = []
    for index in range(n):
        template = seed_projects[index % len(seed_projects)]
        name = city_name(template[3], index // len(seed_projects), rng)
        description = city_description(template[5], name, seed_projects, rng)
        department, section = pairs[order[index % len(pairs)]]
        requested = int(10 ** rng.uniform(2, 6.8))
        budgeted = int(requested * rng.uniform(0.6, 1.0))
        requested_levelup: int | None = None
        budgeted_levelup: int | None = None
        category = LEVELUP if rng.random() < 0.6 else NEW
        if category == LEVELUP:
            requested_levelup = int(requested * rng.uniform(0.0, 1.0))
            budgeted_levelup = min(budgeted, int(requested_levelup * rng.uniform(0, 1)))
        theme = index * len(themes) // n
        rows.append(
            Row(
                theme_number=theme + 1,
                theme_name=themes[theme],
                no=index + 1,
                department=department,
                section=section,
                name=name,
                category=category,
                description=description,
                requested=requested,
                requested_levelup=requested_levelup,
                budgeted=budgeted,
                budgeted_levelup=budgeted_levelup,
            )
        )
    return rows


def _thousands(amount: int | None) -> str:
    return "-" if amount is None else f"{amount:,}"


def to_text(rows: Sequence[Row]) -> bytes:
    """The PDF-copied layout: title block and page number on every page of 25 rows,
    theme rows, tabs."""
    lines: list[str] = []
    theme = 0
    for index, row in enumerate(rows):
        if index % ROWS_PER_PAGE == 0:
            if index:
                lines += ["", f"- {index // ROWS_PER_PAGE} -"]
            lines += ["", "", TITLE, "", UNIT, "", "\t".join(TEXT_HEADER)]
        if row.theme_number != theme:
            theme = row.theme_number
            lines.append("\t".join([f"{theme} {row.theme_name}", *[""] * 9]))
        lines.append(
            "\t".join(
                [
                    str(row.no),
                    row.department,
                    row.section,
                    row.name,
                    row.category,
                    row.description,
                    _thousands(row.requested),
                    _thousands(row.requested_levelup),
                    _thousands(row.budgeted),
                    _thousands(row.budgeted_levelup),
                ]
            )
        )
    return "\n".join(lines).encode("utf-8")


AMOUNTS = ("requested", "requested_levelup", "budgeted", "budgeted_levelup")


def csv_columns() -> tuple[tuple[str, str], ...]:
    """The project's CSV columns (key, header): budgets.columns, readable before
    Django is set up."""
    if str(ROOT) not in sys.path:
        sys.path.insert(0, str(ROOT))
    from budgets.columns import OPEN_DATA

    return tuple((column.key, column.header) for column in OPEN_DATA)


def to_csv(rows: Sequence[Row]) -> bytes:
    """The project's CSV, as budgets.exporting.csv_chunks writes it (a column the
    synthetic rows have no value for, such as the lineage id, left empty)."""
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer)
    buffer.write("\ufeff")
    columns = csv_columns()
    writer.writerow([header for _key, header in columns])
    for row in rows:
        values = {**asdict(row), "year": YEAR}
        writer.writerow(
            ["" if values.get(key) is None else values[key] for key, _h in columns]
        )
    return buffer.getvalue().encode("utf-8")


WRITERS: dict[str, Callable[[Sequence[Row]], bytes]] = {"text": to_text, "csv": to_csv}


# --- Inside a measurement subprocess --------------------------------------------------


def _setup_django(db: Path) -> None:
    os.environ["DATABASE_URL"] = f"sqlite:///{db}"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()


def _status_mb(key: str) -> float:
    """A /proc/self/status memory figure (VmRSS, VmHWM) in MB; Linux only."""
    with open("/proc/self/status", encoding="ascii") as status:
        for line in status:
            if line.startswith(f"{key}:"):
                return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _reset_peak_rss() -> bool:
    """Start a new peak-RSS (VmHWM) window; False where the kernel does not allow.

    Not ru_maxrss: Linux carries it over from the parent across fork and exec, so
    a child spawned by a large driver would report the driver's peak.
    """
    try:
        with open("/proc/self/clear_refs", "w", encoding="ascii") as clear:
            clear.write("5")
    except OSError:
        return False
    return True


class QueryCounter:
    """An execute_wrapper that counts every execute() and executemany()."""

    def __init__(self) -> None:
        self.count = 0

    def __call__(self, execute, sql, params, many, context):
        self.count += 1
        return execute(sql, params, many, context)


def child_import(args: argparse.Namespace) -> dict[str, Any]:
    _setup_django(Path(args.db))
    from django.db import connection

    from budgets import importing
    from budgets.importing import import_table
    from budgets.models import Project

    package = Path(importing.__file__).parent  # every module of budgets/importing/
    code = b"".join(path.read_bytes() for path in sorted(package.glob("*.py")))
    data = Path(args.data).read_bytes()
    filename = Path(args.data).name
    result: dict[str, Any] = {
        "rss_before_mb": _status_mb("VmRSS"),
        "importing_sha256": hashlib.sha256(code).hexdigest(),
    }
    if args.tracemalloc:
        tracemalloc.start()

    def run(label: str, expect: str, profile: str | None = None) -> None:
        counter = QueryCounter()
        profiler = None
        if profile:
            import cProfile

            profiler = cProfile.Profile()
        if args.tracemalloc:
            tracemalloc.reset_peak()
        _reset_peak_rss()
        with connection.execute_wrapper(counter):
            start, cpu_start = time.perf_counter(), time.process_time()
            if profiler is not None:
                profiler.enable()
            report = import_table(data, filename=filename, publish=True)
            if profiler is not None:
                profiler.disable()
            seconds = time.perf_counter() - start
            cpu_seconds = time.process_time() - cpu_start
        if profiler is not None and profile:
            profiler.dump_stats(profile)
        if not report.ok:
            problems = "\n".join(str(p) for p in report.problems[:10])
            raise SystemExit(f"{label}: import refused:\n{problems}")
        counts = report.counts()
        if counts[expect] != args.size:
            raise SystemExit(f"{label}: expected {args.size} {expect}, got {counts}")
        result[f"{label}_s"] = seconds
        result[f"{label}_cpu_s"] = cpu_seconds
        result[f"{label}_queries"] = counter.count
        result[f"{label}_peak_rss_mb"] = _status_mb("VmHWM")
        if args.tracemalloc:
            result[f"{label}_traced_peak_mb"] = (
                tracemalloc.get_traced_memory()[1] / 2**20
            )

    run("import", "new", args.profile_to)
    if Project.objects.count() != args.size:
        raise SystemExit("the first import did not write every row")
    run("reimport", "unchanged")
    return result


def plain_read(data: bytes, fmt: str) -> list[list]:
    """The floor's read: the file's lines split into cells, amounts to integers."""
    if fmt == "text":
        lines = (line.split("\t") for line in data.decode("utf-8").splitlines())
        rows = [cells for cells in lines if len(cells) == 10 and cells[0].isdecimal()]
        amounts = range(6, 10)
    else:
        rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))[1:]
        keys = [key for key, _header in csv_columns()]
        amounts = [keys.index(key) for key in AMOUNTS]
    for cells in rows:
        for index in amounts:
            amount = cells[index]
            cells[index] = None if amount in ("-", "") else int(amount.replace(",", ""))
    return rows


def child_floor(args: argparse.Namespace) -> dict[str, Any]:
    """Read the file plainly and executemany() its rows into one plain table.

    The file's own columns, all of them, into a table of SQLite's own (the
    project's pragmas, one transaction, the commit included), with no Django.
    """
    data = Path(args.data).read_bytes()
    fmt = "text" if args.data.endswith(".txt") else "csv"
    connection = sqlite3.connect(args.db, isolation_level=None)
    connection.execute("PRAGMA journal_mode=WAL")
    connection.execute("PRAGMA synchronous=NORMAL")
    csv_columns()  # imported before the clock starts
    start, cpu_start = time.perf_counter(), time.process_time()
    rows = plain_read(data, fmt)
    columns = ", ".join(f"c{n}" for n in range(len(rows[0])))
    connection.execute("BEGIN")
    connection.execute(f"CREATE TABLE floor ({columns})")
    connection.executemany(
        f"INSERT INTO floor VALUES ({', '.join(['?'] * len(rows[0]))})", rows
    )
    connection.execute("COMMIT")
    seconds = time.perf_counter() - start
    cpu_seconds = time.process_time() - cpu_start
    if connection.execute("SELECT count(*) FROM floor").fetchone()[0] != args.size:
        raise SystemExit("the floor did not read and write every row")
    return {"floor_s": seconds, "floor_cpu_s": cpu_seconds}


# --- The driver -----------------------------------------------------------------------


@dataclass
class Measurement:
    format: str
    rows: int
    bytes: int
    import_s: float
    import_cpu_s: float
    import_queries: int
    import_peak_rss_mb: float
    reimport_s: float
    reimport_cpu_s: float
    reimport_queries: int
    reimport_peak_rss_mb: float
    rss_before_mb: float
    importing_sha256: str
    floor_s: float
    floor_cpu_s: float
    import_traced_peak_mb: float | None = None
    reimport_traced_peak_mb: float | None = None

    @property
    def rows_per_s(self) -> float:
        return self.rows / self.import_s

    @property
    def peak_mb(self) -> float:
        return max(self.import_peak_rss_mb, self.reimport_peak_rss_mb)

    @property
    def ratio(self) -> float:
        return self.import_s / self.floor_s

    @property
    def cpu_ratio(self) -> float:
        """The same ratio in CPU seconds: steadier on a shared machine."""
        return self.import_cpu_s / self.floor_cpu_s


def _child(
    mode: str, db: Path, extra: list[str], env: dict[str, str], script: str = __file__
) -> dict:
    """Run ``script --child mode`` and return the result it prints."""
    command = [sys.executable, script, "--child", mode, "--db", str(db), *extra]
    done = subprocess.run(
        command, cwd=ROOT, env=env, capture_output=True, text=True, check=False
    )
    lines = [
        line[len(RESULT_PREFIX) :]
        for line in done.stdout.splitlines()
        if line.startswith(RESULT_PREFIX)
    ]
    if done.returncode != 0 or not lines:
        sys.stderr.write(done.stdout + done.stderr)
        raise SystemExit(f"measurement failed: {' '.join(command)}")
    return json.loads(lines[-1])


def _migrated_template(workdir: Path, env: dict[str, str]) -> Path:
    template = workdir / "template.sqlite3"
    subprocess.run(
        [sys.executable, "manage.py", "migrate", "--noinput", "--verbosity", "0"],
        cwd=ROOT,
        env={**env, "DATABASE_URL": f"sqlite:///{template}"},
        check=True,
    )
    return template


def _fresh_db(template: Path, workdir: Path, name: str) -> Path:
    db = workdir / f"{name}.sqlite3"
    shutil.copyfile(template, db)
    return db


def measure(
    fmt: str,
    size: int,
    *,
    template: Path,
    workdir: Path,
    env: dict[str, str],
    profile: Path | None,
    trace: bool,
    repeat: int = 1,
) -> Measurement:
    data = WRITERS[fmt](generate_rows(size))
    source = workdir / f"table_{size}.{'txt' if fmt == 'text' else 'csv'}"
    source.write_bytes(data)
    extra = ["--data", str(source), "--size", str(size)]
    if profile is not None:
        extra += ["--profile-to", str(profile)]
    if trace:
        extra.append("--tracemalloc")
    imported = min(
        (
            _child(
                "import",
                _fresh_db(template, workdir, f"import_{fmt}_{size}_{attempt}"),
                extra,
                env,
            )
            for attempt in range(repeat)
        ),
        key=lambda result: result["import_s"],
    )
    floor = min(
        (
            _child("floor", workdir / f"floor_{size}_{attempt}.sqlite3", extra, env)
            for attempt in range(repeat)
        ),
        key=lambda result: result["floor_s"],
    )
    source.unlink()
    for path in workdir.glob("*_*.sqlite3*"):
        path.unlink()
    return Measurement(format=fmt, rows=size, bytes=len(data), **imported, **floor)


STARTUP_COMMANDS = {
    "python -c 'import django'": ["-c", "import django"],
    "django.setup()": ["-c", "import django; django.setup()"],
    "manage.py import_budget_table <seed> --dry-run": [
        "manage.py",
        "import_budget_table",
        str(SEED),
        "--dry-run",
    ],
    # what the command's start-up was with every system check (before issue 11)
    "manage.py check (every system check)": ["manage.py", "check"],
}


def measure_startup(template: Path, env: dict[str, str], repeat: int) -> dict:
    """Wall seconds of each start-up command, best of ``repeat`` (at least 3)."""
    env = {**env, "DATABASE_URL": f"sqlite:///{template}"}
    best = {}
    for label, arguments in STARTUP_COMMANDS.items():
        times = []
        for _attempt in range(max(repeat, 3)):
            start = time.perf_counter()
            subprocess.run(
                [sys.executable, *arguments],
                cwd=ROOT,
                env=env,
                check=True,
                stdout=subprocess.DEVNULL,
            )
            times.append(time.perf_counter() - start)
        best[label] = min(times)
    return best


HEADER = (
    f"{'format':<6} {'rows':>7} {'import s':>9} {'cpu s':>7} {'rows/s':>8} "
    f"{'queries':>8} {'peak MB':>8} {'reimport s':>10} {'re-q':>6} "
    f"{'floor s':>8} {'ratio':>6} {'cpu ratio':>9}"
)


def format_line(m: Measurement) -> str:
    return (
        f"{m.format:<6} {m.rows:>7} {m.import_s:>9.2f} {m.import_cpu_s:>7.2f} "
        f"{m.rows_per_s:>8.0f} "
        f"{m.import_queries:>8} {m.peak_mb:>8.0f}"
        f" {m.reimport_s:>10.2f} {m.reimport_queries:>6} {m.floor_s:>8.3f}"
        f" {m.ratio:>5.1f}x {m.cpu_ratio:>8.1f}x"
    )


# Batches of >= 500 rows for the three tables an import fills row by row (project,
# its history, lineage) make at most ~6 queries per 1,000 rows; per-row queries make
# 1,000 or more.
QUERIES_PER_THOUSAND_ROWS = 6

TARGETS = (
    "targets: 100,000 rows < 30 s; ratio <= 5x; queries grow with batches, not "
    "rows; peak < 500 MB; reimport <= first import"
)


# The ratio to the floor is judged from this size on (see benchmarks/README.md).
RATIO_FROM_ROWS = 10_000


def verdicts(results: Sequence[Measurement]) -> Iterator[str]:
    """One line per target, judged on the measured numbers."""
    for m in results:
        tag = f"{m.format} {m.rows}"
        peak = m.peak_mb
        checks = [
            ("peak < 500 MB", peak < 500, f"{peak:.0f} MB"),
            ("reimport <= import", m.reimport_s <= m.import_s, f"{m.reimport_s:.2f}s"),
        ]
        if m.rows >= RATIO_FROM_ROWS:
            checks.insert(0, ("ratio <= 5x", m.ratio <= 5, f"{m.ratio:.1f}x"))
        else:
            yield (
                f"  n/a  {tag}: ratio <= 5x ({m.ratio:.1f}x; below "
                f"{RATIO_FROM_ROWS:,} rows the fixed cost, such as creating the "
                "table's departments and sections, outweighs the rows)"
            )
        if m.rows >= 100_000:
            checks.insert(0, ("< 30 s", m.import_s < 30, f"{m.import_s:.1f}s"))
        for name, ok, value in checks:
            yield f"  {'PASS' if ok else 'FAIL'} {tag}: {name} ({value})"
    for fmt in sorted({m.format for m in results}):
        series = sorted((m for m in results if m.format == fmt), key=lambda m: m.rows)
        if len(series) > 1:
            small, large = series[0], series[-1]
            per_thousand = (
                1000
                * (large.import_queries - small.import_queries)
                / (large.rows - small.rows)
            )
            ok = per_thousand <= QUERIES_PER_THOUSAND_ROWS
            yield (
                f"  {'PASS' if ok else 'FAIL'} {fmt}: {per_thousand:.1f} more queries "
                f"per 1,000 more rows ({small.import_queries} at {small.rows:,} -> "
                f"{large.import_queries} at {large.rows:,}; "
                f"limit {QUERIES_PER_THOUSAND_ROWS})"
            )


def _git_head() -> str:
    done = subprocess.run(
        ["git", "describe", "--always", "--dirty"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    return done.stdout.strip() or "unknown"


def print_profile(path: Path, limit: int = 30) -> None:
    import pstats

    for key in ("cumulative", "tottime"):
        print(f"\n--- cProfile of the first import, sorted by {key} ---")
        stats = pstats.Stats(str(path), stream=sys.stdout)
        stats.strip_dirs().sort_stats(key).print_stats(limit)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--sizes", type=int, nargs="+", default=[1000, 10000, 100000], metavar="N"
    )
    parser.add_argument(
        "--formats", nargs="+", choices=sorted(WRITERS), default=["text", "csv"]
    )
    parser.add_argument(
        "--profile",
        action="store_true",
        help="cProfile the first import of each measurement (slows it down)",
    )
    parser.add_argument(
        "--tracemalloc",
        action="store_true",
        help="also report Python's traced peak allocation (slows imports down)",
    )
    parser.add_argument(
        "--repeat",
        type=int,
        default=1,
        metavar="R",
        help="run each measurement R times, each on a fresh database; keep the fastest",
    )
    parser.add_argument("--json", type=Path, help="also write the results here")
    parser.add_argument("--child", choices=["import", "floor"], help=argparse.SUPPRESS)
    parser.add_argument("--db", help=argparse.SUPPRESS)
    parser.add_argument("--data", help=argparse.SUPPRESS)
    parser.add_argument("--size", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--profile-to", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)

    if args.child:
        handler = child_import if args.child == "import" else child_floor
        print(RESULT_PREFIX + json.dumps(handler(args)), flush=True)
        return 0

    env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
    env["DJANGO_SETTINGS_MODULE"] = "config.settings"
    results: list[Measurement] = []
    with tempfile.TemporaryDirectory(prefix="import_speed_") as tmp:
        workdir = Path(tmp)
        template = _migrated_template(workdir, env)
        print(HEADER, flush=True)
        for fmt in args.formats:
            for size in args.sizes:
                profile = workdir / f"{fmt}_{size}.prof" if args.profile else None
                m = measure(
                    fmt,
                    size,
                    template=template,
                    workdir=workdir,
                    env=env,
                    profile=profile,
                    trace=args.tracemalloc,
                    repeat=args.repeat,
                )
                results.append(m)
                print(format_line(m), flush=True)
                if m.import_traced_peak_mb is not None:
                    print(
                        f"       tracemalloc peak: import {m.import_traced_peak_mb:.0f}"
                        f" MB, reimport {m.reimport_traced_peak_mb:.0f} MB",
                        flush=True,
                    )
                if profile is not None:
                    print_profile(profile)
        startup = measure_startup(template, env, args.repeat)
    print("start-up, best of 3 or more runs (the seed's 32 rows for the command):")
    for label, seconds in startup.items():
        print(f"  {label:<48} {seconds:5.2f} s")
    versions = sorted({m.importing_sha256[:12] for m in results})
    print(f"budgets/importing/ sha256: {', '.join(versions)} (git {_git_head()})")
    if len(versions) > 1:
        print("WARNING: budgets/importing/ changed during the run; rerun to compare")
    print(TARGETS)
    for line in verdicts(results):
        print(line)
    if args.json:
        args.json.write_text(
            json.dumps([asdict(m) for m in results], indent=2), encoding="utf-8"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
