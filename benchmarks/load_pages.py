"""Budget day: the public pages under a crowd, against a trivial Django view.

Run:  .venv/bin/python benchmarks/load_pages.py [--projects 100000] [--years 20]
          [--workers 4] [--connections 20] [--duration 10] [--keep] [--reuse]
          [--random-only] [--repeat N] [--database NAME] [--redis URL]
          [--miss-cpu ROUNDS [--list-pages]] [--miss-instructions PAGES]
          [--miss-parts PAGES]

It makes a fresh PostgreSQL database (``minato_load_pages`` on 127.0.0.1:5432,
dropped at the end unless ``--keep``), migrates it, fills it with ``--projects``
projects over ``--years`` published years (city-like rows, see ``seed``; the same No
in every year is the same project, so each project page has a history), starts
gunicorn on a free loopback port with production settings (DEBUG off, the Redis
cache on 127.0.0.1:6379 db 1, static files by WhiteNoise) and runs wrk (apt-get
installs it when missing and we are root) with ``--connections`` clients for
``--duration`` seconds against each URL:

- ``/health/``, a trivial Django view through the same middleware: the baseline;
- ``/``, ``/projects/``, one project page, the latest year's CSV (5,000 rows): the
  pages as a crowd sees them, served from the cache after the first request;
- every project page at random (``/projects/<year>/<no>/`` over all 100,000): mostly
  cache misses, so what rendering costs. Each wrk thread of each round draws its own
  pages (a seed per thread and round), so two threads never ask for the same pages
  in step and a round never meets the pages of the one before;
- every page of the list at random (``/projects/?year=Y&page=P&sort=S``: a year, a
  page of 50 and one of 8 sort orders, 16,000 pages in all), drawn the same way:
  mostly misses too.

``--random-only`` measures only the baseline and the random pages;
``--repeat N`` runs the measurements N times in the same server (the baseline first in
each round) and prints every round and the spread; ``--reuse`` keeps a database
already seeded by ``--keep`` (with this version of the seed) instead of building it
again. Before the first round, 3 s of random pages (not measured) warm every worker.
The machine's load average is printed before and after.

It prints requests per second, p50 and p99 latency and the ratio of each to the
baseline, as a Markdown table.

``--miss-cpu ROUNDS`` measures instead what a page the cache has not seen costs the
worker, the figure to decide between designs on a machine that other work shares
(wrk's rates move by ±30 % with it): in one process with the server's settings,
through ``config.wsgi``'s application as gunicorn loads it (no gunicorn, no wrk),
ROUNDS rounds of 300 random project pages after 100 to warm up, the process's CPU time
per page (lowest and median round), and the trivial view's; with ``--list-pages``, the
list of projects instead (``/projects/?year=Y&page=P`` at random: 50 projects a page,
each with its link twice, in the table and in the cards for phones).
``--miss-instructions PAGES`` counts instead the instructions of PAGES random project
pages (with ``--list-pages``, pages of the list) and PAGES trivial views with valgrind's
callgrind (each in a child of its own, less a child that only warms up), which other
work on the machine does not move. ``--miss-parts PAGES`` prints instead, in one
process, where the CPU of PAGES random project pages goes (the template, the project's
read, the history, the citation, the cache's get and set, the whole request, each
timed around the function that does it) and what the cyclic garbage collector's
collections cost, by generation.

Every step is bounded in time; only 127.0.0.1 is used.
"""

from __future__ import annotations

import argparse
import os
import random
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PYTHON = str(ROOT / ".venv" / "bin" / "python")
DATABASE = "minato_load_pages"
SERVER_URL = "postgres://postgres@127.0.0.1:5432"


@dataclass
class Result:
    name: str
    path: str
    requests_per_second: float
    p50_ms: float
    p99_ms: float
    errors: int


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def ensure_wrk() -> str:
    wrk = shutil.which("wrk")
    if wrk:
        return wrk
    if os.geteuid() != 0:
        raise SystemExit("wrk is missing: sudo apt-get install wrk")
    subprocess.run(["apt-get", "update", "-qq"], check=True, timeout=300)
    subprocess.run(
        ["apt-get", "install", "-y", "-qq", "wrk"],
        check=True,
        timeout=300,
        env={**os.environ, "DEBIAN_FRONTEND": "noninteractive"},
    )
    return shutil.which("wrk") or "/usr/bin/wrk"


def psql(sql: str) -> None:
    subprocess.run(
        ["psql", f"{SERVER_URL}/postgres", "-q", "-v", "ON_ERROR_STOP=1", "-c", sql],
        check=True,
        timeout=120,
    )


# What a database seeded by this version of ``seed`` says of itself (a database
# comment): ``--reuse`` seeds again a database seeded by an earlier one.
SEED_MARK = "load_pages seed 2: city-like rows, citations, renames"


def seed(projects: int, years: int) -> None:
    """Fill the database (run in a child process with Django set up).

    The rows are ``import_speed.generate_rows``' city-like ones (the seed's names and
    descriptions as the city writes them: full-width forms, 「」, notes; 40
    departments and 300 sections), the same No in every year one project whose
    amounts change from year to year; one project in ten is renamed in one of the
    years, and every row cites its year's PDF at a page and line, as an import does.
    """
    import django

    django.setup()
    from django.db import connection, transaction

    sys.path.insert(0, str(Path(__file__).resolve().parent))
    from import_speed import LEVELUP, generate_rows

    from budgets.eras import era_label
    from budgets.models import (
        Department,
        FiscalYear,
        ImportEvent,
        Project,
        ProjectLineage,
        Section,
        Theme,
    )

    per_year = projects // years
    first_year = 2027 - years
    rows = generate_rows(per_year)
    rng = random.Random(2027)
    with transaction.atomic():
        departments = {
            name: Department.objects.create(name=name)
            for name in dict.fromkeys(row.department for row in rows)
        }
        sections = {
            pair: Section.objects.create(department=departments[pair[0]], name=pair[1])
            for pair in dict.fromkeys((row.department, row.section) for row in rows)
        }
        theme_names = dict((row.theme_number, row.theme_name) for row in rows)
        lineages = ProjectLineage.objects.bulk_create(
            ProjectLineage() for _ in range(per_year)
        )
        # (the year from which a renamed project has its new name) for one in ten
        renamed = {
            row.no: rng.randrange(first_year + 1, first_year + years)
            for row in rows
            if row.no % 10 == 0
        }
        for year in range(first_year, first_year + years):
            fiscal_year = FiscalYear.objects.create(
                year=year,
                is_published=True,
                title=f"{era_label(year)}当初予算 新規事業及びレベルアップ事業一覧",
            )
            sha256 = f"{year:064x}"
            event = ImportEvent.objects.create(
                filename=f"r{year - 2018:02}_shinki_levelup.pdf",
                sha256=sha256,
                years=str(year),
                created=per_year,
                source=f"{sha256[:2]}/{sha256}.pdf",
                source_public=True,
            )
            themes = {
                number: Theme.objects.create(
                    fiscal_year=fiscal_year, number=number, name=name
                )
                for number, name in theme_names.items()
            }
            scale = 0.8 + 0.02 * (year - first_year) + rng.uniform(-0.05, 0.05)
            Project.objects.bulk_create(
                (
                    _project(
                        row,
                        fiscal_year=fiscal_year,
                        theme=themes[row.theme_number],
                        section=sections[(row.department, row.section)],
                        lineage=lineages[row.no - 1],
                        event=event,
                        scale=scale,
                        renamed=year < renamed.get(row.no, year + 1),
                        levelup=row.category == LEVELUP,
                    )
                    for row in rows
                ),
                batch_size=2000,
            )
    # the planner's statistics, as autovacuum would gather them a minute later
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
        database = connection.settings_dict["NAME"]
        cursor.execute(f"COMMENT ON DATABASE {database} IS '{SEED_MARK}'")
    print(f"seeded {Project.objects.count():,} projects in {years} years")


def _project(row, *, scale: float, renamed: bool, levelup: bool, **kw):
    """One year's row of a generated project, its amounts scaled for the year."""
    from budgets.models import Project, project_search_text

    def scaled(amount: int | None) -> int | None:
        return None if amount is None else int(amount * scale)

    name = f"{row.name}（旧）" if renamed else row.name  # before its renaming
    section = kw["section"]
    return Project(
        no=row.no,
        name=name,
        category="levelup" if levelup else "new",
        description=row.description,
        requested=scaled(row.requested),
        requested_levelup=scaled(row.requested_levelup),
        budgeted=scaled(row.budgeted),
        budgeted_levelup=scaled(row.budgeted_levelup),
        search_text=project_search_text(
            name=name,
            description=row.description,
            section=section.name,
            department=section.department.name,
        ),
        fiscal_year=kw["fiscal_year"],
        theme=kw["theme"],
        section=section,
        lineage=kw["lineage"],
        source_event=kw["event"],
        source_page=1 + (row.no - 1) // 25,
        source_line=5 + (row.no - 1) % 25,
    )


def forget_cache(url: str, prefix: str) -> None:
    """Delete this run's keys (the data version never expires by itself)."""
    import redis

    server = redis.Redis.from_url(url)
    keys = list(server.scan_iter(f"{prefix}:*"))
    if keys:
        server.delete(*keys)


def database_is_seeded(name: str, projects: int) -> bool:
    """Whether database ``name`` exists and holds ``projects`` projects, seeded by
    this version of ``seed``."""
    found = subprocess.run(
        [
            "psql",
            f"{SERVER_URL}/{name}",
            "-tAq",
            "-c",
            "SELECT count(*) FROM budgets_project",
        ],
        capture_output=True,
        text=True,
        timeout=60,
    )
    marked = subprocess.run(
        [
            "psql",
            f"{SERVER_URL}/{name}",
            "-tAq",
            "-c",
            "SELECT shobj_description(oid, 'pg_database') FROM pg_database"
            " WHERE datname = current_database()",
        ],
        capture_output=True,
        text=True,
        timeout=60,
    )
    return (
        found.returncode == 0
        and found.stdout.strip() == str(projects)
        and marked.stdout.strip() == SEED_MARK
    )


def load_average() -> str:
    return " ".join(f"{value:.2f}" for value in os.getloadavg())


# the list's sort orders (budgets.filters.ProjectFilter's sort), for random lists
SORTS = ("year", "no", "name", "requested", "budgeted", "-year", "-no", "-budgeted")


def random_pages_script(
    directory: Path,
    *,
    first_year: int,
    last_year: int,
    per_year: int,
    seed: int,
    lists: bool = False,
) -> str:
    """Write a wrk script asking for project pages at random, a seed per thread; or
    pages of the list, each a year, a page of 50 and a sort order at random."""
    script = directory / f"random-{'lists-' if lists else ''}{seed}.lua"
    if lists:
        sorts = "{" + ", ".join(f'"{sort}"' for sort in SORTS) + "}"
        path = (
            f"  local sorts = {sorts}\n"
            f"  local page = math.random(1, {per_year // 50})\n"
            "  local sort = sorts[math.random(1, #sorts)]\n"
            '  return wrk.format(nil, "/projects/?year=" .. year .. "&page=" .. page'
            ' .. "&sort=" .. sort)\n'
        )
    else:
        path = (
            f"  local no = math.random(1, {per_year})\n"
            '  return wrk.format(nil, "/projects/" .. year .. "/" .. no .. "/")\n'
        )
    script.write_text(
        "local counter = 0\n"
        "function setup(thread)\n"
        "  counter = counter + 1\n"
        f'  thread:set("seed", {seed} * 100 + counter)\n'
        "end\n"
        "function init(args)\n"
        "  math.randomseed(seed)\n"
        "end\n"
        "request = function()\n"
        f"  local year = math.random({first_year}, {last_year})\n"
        f"{path}"
        "end\n"
    )
    return str(script)


def run_wrk(
    wrk: str, url: str, *, connections: int, duration: int, script: str = ""
) -> tuple[float, float, float, int]:
    command = [
        wrk,
        f"-t{min(2, connections)}",
        f"-c{connections}",
        f"-d{duration}s",
        "--timeout",
        "5s",
        "--latency",
    ]
    if script:
        command += ["-s", script]
    output = subprocess.run(
        [*command, url],
        check=True,
        capture_output=True,
        text=True,
        timeout=duration + 60,
    ).stdout
    rate = float(re.search(r"Requests/sec:\s+([\d.]+)", output)[1])
    p50 = _ms(re.search(r"50%\s+([\d.]+)(us|ms|s)", output))
    p99 = _ms(re.search(r"99%\s+([\d.]+)(us|ms|s)", output))
    errors = 0
    for pattern in (r"Non-2xx or 3xx responses: (\d+)", r"Socket errors: .*"):
        match = re.search(pattern, output)
        if match:
            errors += sum(int(n) for n in re.findall(r"\d+", match[0]))
    return rate, p50, p99, errors


def _ms(match: re.Match) -> float:
    value, unit = float(match[1]), match[2]
    return {"us": value / 1000, "ms": value, "s": value * 1000}[unit]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--projects", type=int, default=100_000)
    parser.add_argument("--years", type=int, default=20)
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--connections", type=int, default=20)
    parser.add_argument("--duration", type=int, default=10)
    parser.add_argument("--keep", action="store_true", help="keep the database")
    parser.add_argument(
        "--reuse", action="store_true", help="use the database if already seeded"
    )
    parser.add_argument(
        "--random-only",
        action="store_true",
        help="measure only the trivial view and the random project pages",
    )
    parser.add_argument("--repeat", type=int, default=1, help="rounds of measurements")
    parser.add_argument("--database", default=DATABASE)
    parser.add_argument("--redis", default="redis://127.0.0.1:6379/1")
    parser.add_argument(
        "--miss-cpu", type=int, metavar="ROUNDS", help="CPU per page, in one process"
    )
    parser.add_argument(
        "--list-pages",
        action="store_true",
        help="with --miss-cpu or --miss-instructions: random pages of the list of "
        "projects, not project pages",
    )
    parser.add_argument("--seed-only", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument(
        "--miss-instructions",
        type=int,
        metavar="PAGES",
        help="instructions per page, counted by valgrind",
    )
    parser.add_argument(
        "--miss-parts",
        type=int,
        metavar="PAGES",
        help="CPU per page by part, and the garbage collector's, in one process",
    )
    parser.add_argument("--in-process", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--serve", help=argparse.SUPPRESS)
    args = parser.parse_args()

    if args.seed_only:
        seed(args.projects, args.years)
        return
    if args.in_process:
        shape = {"years": args.years, "per_year": args.projects // args.years}
        if args.serve:
            serve_pages(
                args.serve, args.miss_instructions, lists=args.list_pages, **shape
            )
        elif args.miss_parts:
            measure_miss_parts(args.miss_parts, **shape)
        else:
            measure_miss_cpu(args.miss_cpu, lists=args.list_pages, **shape)
        return

    wrk = ensure_wrk()
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings",
        # persistent connections, as the README advises for production
        "DATABASE_URL": f"{SERVER_URL}/{args.database}?conn_max_age=60",
        "REDIS_URL": args.redis,
        "CACHE_KEY_PREFIX": f"load-pages-{os.getpid()}",
        "DEBUG": "false",
        "SECRET_KEY": "load-benchmark-only-" + "x" * 40,
        "ALLOWED_HOSTS": "127.0.0.1,localhost",
        "PYTHONPATH": str(ROOT),
    }
    print(f"load average before: {load_average()}")
    server = None
    try:
        if args.reuse and database_is_seeded(args.database, args.projects):
            print(f"reusing database {args.database}")
            migrate = [PYTHON, str(ROOT / "manage.py"), "migrate", "-v0"]
            subprocess.run(migrate, check=True, env=env, timeout=600)
        else:
            build_database(args, env)
        if args.miss_instructions:
            measure_miss_instructions(args.miss_instructions, env, args.list_pages)
            print(f"load average after: {load_average()}")
            return
        if args.miss_cpu or args.miss_parts:
            subprocess.run(
                [PYTHON, __file__, "--in-process", *sys.argv[1:]],
                check=True,
                env=env,
                timeout=1800,
                cwd=ROOT,
            )
            print(f"load average after: {load_average()}")
            return
        port = free_port()
        server = subprocess.Popen(
            [
                str(ROOT / ".venv" / "bin" / "gunicorn"),
                "config.wsgi",
                "--bind",
                f"127.0.0.1:{port}",
                "--workers",
                str(args.workers),
                "--log-level",
                "warning",
            ],
            env=env,
            cwd=ROOT,
        )
        base = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 60
        while True:
            try:
                urllib.request.urlopen(base + "/health/", timeout=2).read()
                break
            except OSError:
                if time.monotonic() > deadline:
                    raise SystemExit("gunicorn did not start") from None
                time.sleep(0.3)

        last_year = 2026
        per_year = args.projects // args.years
        pages = [
            ("trivial view", "/health/"),
            ("latest year /", "/"),
            ("list /projects/", "/projects/"),
            ("project page", f"/projects/{last_year}/1/"),
            (f"CSV ({per_year:,} rows)", f"/projects.csv?year={last_year}"),
        ]
        if args.random_only:
            pages = pages[:1]
        scripts = Path(tempfile.mkdtemp(prefix="load-pages-"))
        run_seed = random.randrange(1, 10**6)
        for _, path in pages:  # warm: the first request of each fills the cache
            urllib.request.urlopen(base + path, timeout=60).read()
        # and every worker: its first project page loads the templates (0.13 s) and
        # its statements are prepared on their fifth run, which the first round
        # measured and the others did not (3 s of random pages of their own seed)
        warm_up = random_pages_script(
            scripts,
            first_year=last_year - args.years + 1,
            last_year=last_year,
            per_year=per_year,
            seed=run_seed + args.repeat,
        )
        run_wrk(
            wrk, base + "/", connections=args.connections, duration=3, script=warm_up
        )

        rounds = []
        for round_number in range(args.repeat):
            scripted = {
                kind: random_pages_script(
                    scripts,
                    first_year=last_year - args.years + 1,
                    last_year=last_year,
                    per_year=per_year,
                    seed=run_seed + round_number,
                    lists=kind == "LISTS",
                )
                for kind in ("RANDOM", "LISTS")
            }
            results = []
            for name, path in [
                *pages,
                ("any project page (random)", "RANDOM"),
                ("any page of the list (random)", "LISTS"),
            ]:
                rate, p50, p99, errors = run_wrk(
                    wrk,
                    base + ("/" if path in scripted else path),
                    connections=args.connections,
                    duration=args.duration,
                    script=scripted.get(path, ""),
                )
                results.append(Result(name, path, rate, p50, p99, errors))
                print(f"{name}: {rate:.0f} req/s, p50 {p50:.1f} ms, p99 {p99:.1f} ms")
            report(results, args)
            rounds.append(results)
        if len(rounds) > 1:
            report_spread(rounds)
        print(f"load average after: {load_average()}")
    finally:
        if server is not None:
            server.terminate()
            server.wait(timeout=30)
        if not args.keep:
            psql(f"DROP DATABASE IF EXISTS {args.database}")
        forget_cache(env["REDIS_URL"], env["CACHE_KEY_PREFIX"])


def build_database(args: argparse.Namespace, env: dict[str, str]) -> None:
    """Make the database afresh, migrate it and seed it (in a child process)."""
    psql(f"DROP DATABASE IF EXISTS {args.database}")
    psql(f"CREATE DATABASE {args.database}")
    manage = [PYTHON, str(ROOT / "manage.py")]
    subprocess.run([*manage, "migrate", "-v0"], check=True, env=env, timeout=600)
    started = time.monotonic()
    subprocess.run(
        [
            *(PYTHON, __file__, "--seed-only"),
            *("--projects", str(args.projects), "--years", str(args.years)),
        ],
        check=True,
        env=env,
        timeout=1800,
        cwd=ROOT,
    )
    print(f"seed took {time.monotonic() - started:.0f} s")


class InProcess:
    """Django's WSGI handler with the server's settings, no gunicorn and no wrk:
    the random project pages of a fixed seed and the trivial view, one by one."""

    def __init__(self, *, years: int, per_year: int) -> None:
        import warnings

        warnings.filterwarnings("ignore", message="No directory at")  # no collectstatic
        from config.wsgi import application  # as gunicorn loads it

        self.application = application
        self.rng = random.Random(2718)
        self.last_year, self.years, self.per_year = 2026, years, per_year

    def get(self, path: str) -> None:
        import io

        path, _, query = path.partition("?")
        environ = {
            "REQUEST_METHOD": "GET",
            "PATH_INFO": path,
            "QUERY_STRING": query,
            "SERVER_NAME": "127.0.0.1",
            "SERVER_PORT": "80",
            "SERVER_PROTOCOL": "HTTP/1.1",
            "HTTP_HOST": "127.0.0.1",
            "wsgi.url_scheme": "http",
            "wsgi.input": io.BytesIO(),
            "wsgi.errors": sys.stderr,
        }
        statuses: list[str] = []

        def start_response(status, headers, exc_info=None) -> None:
            statuses.append(status)

        b"".join(self.application(environ, start_response))
        if not statuses[0].startswith("200"):  # a 404 or 500 is not a page's cost
            raise SystemExit(f"{path}: {statuses[0]}")

    def random_pages(self, count: int) -> list[str]:
        first_year = self.last_year - self.years + 1
        return [
            f"/projects/{self.rng.randint(first_year, self.last_year)}/"
            f"{self.rng.randint(1, self.per_year)}/"
            for _ in range(count)
        ]

    def list_pages(self, count: int, page_size: int = 50) -> list[str]:
        first_year = self.last_year - self.years + 1
        return [
            f"/projects/?year={self.rng.randint(first_year, self.last_year)}"
            f"&page={self.rng.randint(1, self.per_year // page_size)}"
            for _ in range(count)
        ]

    def pages(self, kind: str, count: int) -> list[str]:
        if kind == "list":
            return self.list_pages(count)
        return self.random_pages(count) if kind == "random" else ["/health/"] * count

    def warm_up(self) -> None:
        for path in self.random_pages(100):  # templates loaded, statements prepared
            self.get(path)

    def cpu_per_page(self, paths: list[str]) -> float:
        started = time.process_time()
        for path in paths:
            self.get(path)
        return (time.process_time() - started) / len(paths) * 1000


def measure_miss_cpu(
    rounds: int, *, years: int, per_year: int, lists: bool = False, pages=300
) -> None:
    """Print the CPU time per request of the trivial view and of random project
    pages, or pages of the list (run in a child process with Django's settings for
    the server)."""
    import statistics

    server = InProcess(years=years, per_year=per_year)
    server.warm_up()
    kind, name = ("list", "list pages") if lists else ("random", "project pages")
    if lists:
        for path in server.pages(kind, 20):  # the list's own template and query
            server.get(path)
    trivial = server.cpu_per_page(server.pages("trivial", pages))
    misses = sorted(
        server.cpu_per_page(server.pages(kind, pages)) for _ in range(rounds)
    )
    print(
        f"CPU per request, {rounds} rounds of {pages} random {name}: "
        f"lowest {misses[0]:.2f} ms, median {statistics.median(misses):.2f} ms "
        f"(every round: {', '.join(f'{m:.2f}' for m in misses)}); "
        f"the trivial view {trivial:.2f} ms"
    )


def measure_miss_parts(pages: int, *, years: int, per_year: int) -> None:
    """Print where a random project page's CPU goes, each part timed around the
    function that does it (in one process, after the warm-up), and what the cyclic
    garbage collector's collections cost a page, by generation."""
    import gc
    from collections import Counter
    from functools import wraps

    server = InProcess(years=years, per_year=per_year)
    from django.core.cache import cache
    from django.core.handlers.wsgi import WSGIHandler
    from django.template.response import SimpleTemplateResponse

    from budgets import citations, project_page, views

    spent: Counter[str] = Counter()

    def timed(owner, name: str, part: str) -> None:
        function = getattr(owner, name)

        @wraps(function)
        def wrapper(*args, **kwargs):
            started = time.process_time()
            try:
                return function(*args, **kwargs)
            finally:
                spent[part] += time.process_time() - started

        setattr(owner, name, wrapper)

    backend = type(cache._connections[cache._alias])
    for owner, name, part in (
        (WSGIHandler, "__call__", "the whole request"),
        (SimpleTemplateResponse, "render", "the template"),
        (views.ProjectDetailView, "get_object", "the project's read"),
        (project_page, "history", "the history's read"),
        (citations, "of", "the citation"),
        (backend, "get", "the cache's get (a miss)"),
        (backend, "set", "the cache's set"),
    ):
        timed(owner, name, part)
    collections: Counter[int] = Counter()
    collecting: Counter[int] = Counter()
    started_at: list[float] = []

    def on_collection(phase: str, info: dict) -> None:
        if phase == "start":
            started_at.append(time.perf_counter())
        else:
            collections[info["generation"]] += 1
            collecting[info["generation"]] += time.perf_counter() - started_at.pop()

    server.warm_up()
    spent.clear()
    gc.callbacks.append(on_collection)
    for path in server.random_pages(pages):
        server.get(path)
    gc.callbacks.remove(on_collection)
    print(f"CPU per page, {pages} random project pages after 100 to warm up:")
    for part, seconds in spent.most_common():
        print(f"  {part}: {seconds / pages * 1000:.2f} ms")
    print(f"the garbage collector, {len(gc.get_objects()):,} objects tracked:")
    for generation in sorted(collections):
        count, seconds = collections[generation], collecting[generation]
        print(
            f"  generation {generation}: {count} collections, "
            f"{seconds / count * 1000:.1f} ms each, "
            f"{seconds / pages * 1e6:.0f} µs a page"
        )


def serve_pages(
    kind: str, count: int, *, years: int, per_year: int, lists: bool = False
) -> None:
    """Warm up (with ``lists``, on 20 pages of the list too), then serve ``count``
    pages of ``kind`` (none, random, list, trivial)."""
    server = InProcess(years=years, per_year=per_year)
    server.warm_up()
    for path in server.pages("list", 20) if lists else []:
        server.get(path)
    for path in server.pages(kind, count) if kind != "none" else []:
        server.get(path)


def measure_miss_instructions(
    pages: int, env: dict[str, str], lists: bool = False
) -> None:
    """Print the instructions per request of random project pages (or pages of the
    list) and of the trivial view: valgrind's callgrind counts a child that warms
    up and serves ``pages`` of each, less one that only warms up. Other work on the
    machine does not move the count."""
    kind, name = ("list", "pages of the list") if lists else ("random", "project pages")
    counts = {}
    for child in ("none", kind, "trivial"):
        command = [
            "valgrind",
            "--tool=callgrind",
            "--callgrind-out-file=/dev/null",
            PYTHON,
            __file__,
            "--in-process",
            "--serve",
            child,
            *sys.argv[1:],
        ]
        own_cache = {**env, "CACHE_KEY_PREFIX": f"{env['CACHE_KEY_PREFIX']}-{child}"}
        done = subprocess.run(  # each its own cache: every page a miss
            command,
            env=own_cache,
            cwd=ROOT,
            capture_output=True,
            text=True,
            timeout=3600,
        )
        found = re.search(r"Collected : (\d+)", done.stderr)
        if done.returncode != 0 or found is None:
            raise SystemExit(f"callgrind failed:\n{done.stderr[-2000:]}")
        counts[child] = int(found.group(1))
    page, trivial = (
        (counts[child] - counts["none"]) / pages for child in (kind, "trivial")
    )
    print(
        f"instructions per request, {pages} pages after 100 to warm up: random "
        f"{name} {page / 1e6:.2f} million, the trivial view "
        f"{trivial / 1e6:.2f} million ({page / trivial:.1f}x)"
    )


def report(results: list[Result], args: argparse.Namespace) -> None:
    baseline = results[0].requests_per_second
    print()
    print(
        f"{args.projects:,} projects in PostgreSQL, gunicorn --workers {args.workers}, "
        f"wrk -c{args.connections} -d{args.duration}s, {os.cpu_count()} CPUs"
    )
    print()
    print("| page | req/s | ratio to trivial | p50 ms | p99 ms | errors |")
    print("| --- | ---: | ---: | ---: | ---: | ---: |")
    for result in results:
        print(
            f"| {result.name} | {result.requests_per_second:,.0f} "
            f"| {result.requests_per_second / baseline:.2f} "
            f"| {result.p50_ms:.1f} | {result.p99_ms:.1f} | {result.errors} |"
        )


def report_spread(rounds: list[list[Result]]) -> None:
    """Print, per page, the lowest and highest of the rounds' figures."""
    print()
    print(f"spread over {len(rounds)} rounds (lowest – highest):")
    print()
    print("| page | req/s | ratio to trivial | p50 ms | p99 ms |")
    print("| --- | ---: | ---: | ---: | ---: |")
    for index, first in enumerate(rounds[0]):
        rows = [results[index] for results in rounds]
        ratios = [
            row.requests_per_second / results[0].requests_per_second
            for row, results in zip(rows, rounds, strict=True)
        ]
        rates = [row.requests_per_second for row in rows]
        p50s = [row.p50_ms for row in rows]
        p99s = [row.p99_ms for row in rows]
        print(
            f"| {first.name} | {min(rates):,.0f} – {max(rates):,.0f} "
            f"| {min(ratios):.2f} – {max(ratios):.2f} "
            f"| {min(p50s):.1f} – {max(p50s):.1f} | {min(p99s):.1f} – {max(p99s):.1f} |"
        )


if __name__ == "__main__":
    sys.exit(main())
