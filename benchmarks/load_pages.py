"""Budget day: the public pages under a crowd, against a trivial Django view.

Run:  .venv/bin/python benchmarks/load_pages.py [--projects 100000] [--years 20]
          [--workers 4] [--connections 20] [--duration 10] [--keep]

It makes a fresh PostgreSQL database (``minato_load_pages`` on 127.0.0.1:5432,
dropped at the end unless ``--keep``), migrates it, fills it with ``--projects``
projects over ``--years`` published years (the same No in every year is the same
project, so each project page has a history), starts gunicorn on a free loopback port
with production settings (DEBUG off, the Redis cache on 127.0.0.1:6379 db 1, static
files by WhiteNoise) and runs wrk (apt-get installs it when missing and we are root)
with ``--connections`` clients for ``--duration`` seconds against each URL:

- ``/health/``, a trivial Django view through the same middleware: the baseline;
- ``/``, ``/projects/``, one project page, the latest year's CSV (5,000 rows): the
  pages as a crowd sees them, served from the cache after the first request;
- every project page at random (``/projects/<year>/<no>/`` over all 100,000): mostly
  cache misses, so what rendering costs.

It prints requests per second, p50 and p99 latency and the ratio of each to the
baseline, as a Markdown table. Every step is bounded in time; only 127.0.0.1 is used.
"""

from __future__ import annotations

import argparse
import os
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


def seed(projects: int, years: int) -> None:
    """Fill the database (run in a child process with Django set up)."""
    import django

    django.setup()
    from django.db import transaction

    from budgets.models import (
        Department,
        FiscalYear,
        Project,
        ProjectLineage,
        Section,
        Theme,
        project_search_text,
    )

    per_year = projects // years
    first_year = 2027 - years
    with transaction.atomic():
        departments = Department.objects.bulk_create(
            Department(name=f"部{n:02}") for n in range(40)
        )
        sections = Section.objects.bulk_create(
            Section(department=department, name=f"第{n}課")
            for department in departments
            for n in range(8)
        )
        lineages = ProjectLineage.objects.bulk_create(
            ProjectLineage() for _ in range(per_year)
        )
        for year in range(first_year, first_year + years):
            fiscal_year = FiscalYear.objects.create(year=year, is_published=True)
            themes = Theme.objects.bulk_create(
                Theme(fiscal_year=fiscal_year, number=n, name=f"施策の柱{n}")
                for n in range(1, 6)
            )
            rows = []
            for no in range(1, per_year + 1):
                section = sections[no % len(sections)]
                levelup = no % 3 == 0
                name = f"みなと事業{no}"
                description = "区民サービスを拡充し、地域の活動を支援します。"
                rows.append(
                    Project(
                        fiscal_year=fiscal_year,
                        theme=themes[no % 5],
                        no=no,
                        section=section,
                        name=name,
                        category="levelup" if levelup else "new",
                        description=description,
                        requested=(no * 7919 + year) % 5_000_000,
                        requested_levelup=1000 if levelup else None,
                        budgeted=(no * 7919 + year) % 5_000_000 // 10 * 9,
                        budgeted_levelup=900 if levelup else None,
                        lineage=lineages[no - 1],
                        search_text=project_search_text(
                            name=name,
                            description=description,
                            section=section.name,
                            department=section.department.name,
                        ),
                    )
                )
            Project.objects.bulk_create(rows, batch_size=2000)
    print(f"seeded {Project.objects.count():,} projects in {years} years")


def forget_cache(url: str, prefix: str) -> None:
    """Delete this run's keys (the data version never expires by itself)."""
    import redis

    server = redis.Redis.from_url(url)
    keys = list(server.scan_iter(f"{prefix}:*"))
    if keys:
        server.delete(*keys)


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
    parser.add_argument("--seed-only", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()

    if args.seed_only:
        seed(args.projects, args.years)
        return

    wrk = ensure_wrk()
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings",
        # persistent connections, as the README advises for production
        "DATABASE_URL": f"{SERVER_URL}/{DATABASE}?conn_max_age=60",
        "REDIS_URL": "redis://127.0.0.1:6379/1",
        "CACHE_KEY_PREFIX": f"load-pages-{os.getpid()}",
        "DEBUG": "false",
        "SECRET_KEY": "load-benchmark-only-" + "x" * 40,
        "ALLOWED_HOSTS": "127.0.0.1,localhost",
        "PYTHONPATH": str(ROOT),
    }
    psql(f"DROP DATABASE IF EXISTS {DATABASE}")
    psql(f"CREATE DATABASE {DATABASE}")
    server = None
    try:
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
        script = Path(tempfile.mkdtemp(prefix="load-pages-")) / "random.lua"
        script.write_text(
            "math.randomseed(42)\n"
            "request = function()\n"
            f"  local year = math.random({last_year - args.years + 1}, {last_year})\n"
            f"  local no = math.random(1, {per_year})\n"
            '  return wrk.format(nil, "/projects/" .. year .. "/" .. no .. "/")\n'
            "end\n"
        )
        for _, path in pages:  # warm: the first request of each fills the cache
            urllib.request.urlopen(base + path, timeout=60).read()

        results = []
        for name, path in [*pages, ("any project page (random)", "RANDOM")]:
            rate, p50, p99, errors = run_wrk(
                wrk,
                base + ("/" if path == "RANDOM" else path),
                connections=args.connections,
                duration=args.duration,
                script=str(script) if path == "RANDOM" else "",
            )
            results.append(Result(name, path, rate, p50, p99, errors))
            print(f"{name}: {rate:.0f} req/s, p50 {p50:.1f} ms, p99 {p99:.1f} ms")
        report(results, args)
    finally:
        if server is not None:
            server.terminate()
            server.wait(timeout=30)
        if not args.keep:
            psql(f"DROP DATABASE IF EXISTS {DATABASE}")
            forget_cache(env["REDIS_URL"], env["CACHE_KEY_PREFIX"])


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


if __name__ == "__main__":
    sys.exit(main())
