"""Downloads at a million rows: the worker's peak memory, first byte and total time.

Run:  .venv/bin/python benchmarks/downloads.py [--rows 1000000] [--years 20]

It migrates a scratch SQLite database in a temporary folder under /tmp, fills it with
``--rows`` published projects over ``--years`` years with one raw ``executemany``
per year (rows in the seed's text, from ``benchmarks/import_speed.py``), builds the
files of /data/ with ``manage.py build_open_data`` (timed, with its peak memory), then
serves each download from a fresh gunicorn (one sync worker) and reads it over
loopback: the time to the first byte of the body, the total time, the size, and the
worker's peak resident memory while it served that download (``VmHWM`` of
/proc/PID/status, reset after a warm-up request by writing 5 to /proc/PID/clear_refs).

Every figure is also printed as a ratio to the UTF-8 CSV of the list
(``/projects.csv``, streamed since before this benchmark) measured in the same run.
A row "(no build)" serves /data/ from an empty build folder: the file made in the
request. ``--skip-build`` leaves out the build and the rows served from it (the build
of 1,000,000 rows takes longer than the rest together). Nothing outside the
temporary folder is touched.

The downloads made in the request read their rows a year at a time
(``budgets.year_by_year``). Each of them is served a second time, right after, by an
app that reads them in one query ordered by year and No, as before
(``one_ordered_query_app``; for the list sorted by 予算額, one query sorted by year
and 予算額), and a second table prints the two side by side: the
first byte and the total year by year as a ratio to that baseline of the same run.
Both tables give the machine's 1-minute load average as each download started.
"""

from __future__ import annotations

import argparse
import http.client
import importlib
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PYTHON = sys.executable
GUNICORN = str(ROOT / ".venv" / "bin" / "gunicorn")
FIRST_YEAR = 2001


@dataclass
class Download:
    label: str
    path: str
    built: bool = True  # serve /data/ from the build (False: an empty build folder)
    compared: bool = False  # also served by one_ordered_query_app, the baseline


APP = "config.wsgi"
ONE_QUERY_APP = "benchmarks.downloads:one_ordered_query_app()"


def downloads(years: int) -> list[Download]:
    one_year = FIRST_YEAR + years - 1
    return [
        Download("list CSV, UTF-8 (baseline)", "/projects.csv", compared=True),
        Download("list CSV, cp932", "/projects.csv?encoding=cp932", compared=True),
        Download(
            "list CSV sorted by 予算額 (down), a year at a time",
            "/projects.csv?sort=-budgeted",
            compared=True,
        ),
        Download(
            f"list XLSX, one year ({one_year})", f"/projects.xlsx?year={one_year}"
        ),
        Download("list XLSX, all rows (page to the CSV)", "/projects.xlsx"),
        Download("/data/ all CSV, UTF-8", "/data/minato-budget-all.csv"),
        Download("/data/ all CSV, cp932", "/data/minato-budget-all.cp932.csv"),
        Download("/data/ all JSON", "/data/minato-budget-all.json"),
        Download("/data/ all XLSX", "/data/minato-budget-all.xlsx"),
        Download(
            "/data/ all JSON (no build)",
            "/data/minato-budget-all.json",
            built=False,
            compared=True,
        ),
        Download(
            "/data/ all CSV, cp932 (no build)",
            "/data/minato-budget-all.cp932.csv",
            built=False,
            compared=True,
        ),
    ]


# --- The scratch database ---------------------------------------------------------


def seed(rows: int, years: int) -> None:
    """Fill the database (in a child process with Django set up)."""
    import django

    django.setup()
    sys.path.insert(0, str(ROOT / "benchmarks"))
    from django.db import connection, transaction
    from django.utils import timezone
    from import_speed import generate_rows

    from budgets.models import Department, FiscalYear, Project, Section, Theme

    per_year = rows // years
    now = connection.ops.adapt_datetimefield_value(timezone.now())
    category = {"新規": Project.Category.NEW, "レベルアップ": Project.Category.LEVELUP}
    template = generate_rows(per_year)
    sections: dict[tuple[str, str], int] = {}
    with transaction.atomic():
        for department, section in sorted(
            {(r.department, r.section) for r in template}
        ):
            owner, _ = Department.objects.get_or_create(name=department)
            sections[(department, section)] = Section.objects.create(
                department=owner, name=section
            ).pk
        for year in range(FIRST_YEAR, FIRST_YEAR + years):
            fiscal_year = FiscalYear.objects.create(year=year, is_published=True)
            themes = {
                number: Theme.objects.create(
                    fiscal_year=fiscal_year, number=number, name=name
                ).pk
                for number, name in sorted(
                    {(r.theme_number, r.theme_name) for r in template}
                )
            }
            values = [
                (
                    fiscal_year.pk,
                    themes[r.theme_number],
                    r.no,
                    sections[(r.department, r.section)],
                    r.name,
                    category[r.category],
                    r.description,
                    r.requested,
                    r.requested_levelup,
                    r.budgeted,
                    r.budgeted_levelup,
                    "",
                    "",
                    1,
                    now,
                    now,
                )
                for r in template
            ]
            with connection.cursor() as cursor:
                cursor.executemany(
                    f"INSERT INTO {Project._meta.db_table} (fiscal_year_id, theme_id, "
                    "no, section_id, name, category, description, requested, "
                    "requested_levelup, budgeted, budgeted_levelup, search_text, "
                    "source_sheet, version, created_at, updated_at) "
                    f"VALUES ({', '.join(['%s'] * 16)})",
                    values,
                )
    print(f"seeded {Project.objects.count():,} projects in {years} years")


def build() -> None:
    """Build the files of /data/ (in a child process) and print its peak memory."""
    import django

    django.setup()
    from django.core.management import call_command

    call_command("build_open_data")
    print(f"build peak RSS {status_mb(os.getpid(), 'VmHWM'):.0f} MB")


# --- Serving ------------------------------------------------------------------------


def one_ordered_query(queryset, *fields):
    """How the downloads read their rows before budgets.year_by_year: one query, in
    the order year_by_year gives them (by year, then No, or within each year the
    list's sort)."""
    from budgets.year_by_year import split_ordering

    newest_first, within_year = split_ordering(queryset.query.order_by)
    year = "-fiscal_year__year" if newest_first else "fiscal_year__year"
    return (
        queryset.order_by(year, *within_year)
        .values_list(*fields)
        .iterator(chunk_size=2000)
    )


def one_ordered_query_app():
    """The project's WSGI app, its downloads read in one ordered query (the
    baseline of the second table; gunicorn calls it in the worker)."""
    from config import wsgi  # sets Django up

    year_by_year = importlib.import_module("budgets.year_by_year")
    year_by_year.values = one_ordered_query
    return wsgi.application


def status_mb(pid: int, key: str) -> float:
    with open(f"/proc/{pid}/status", encoding="ascii") as status:
        for line in status:
            if line.startswith(f"{key}:"):
                return int(line.split()[1]) / 1024
    raise RuntimeError(f"no {key} for {pid}")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def get(port: int, path: str) -> tuple[int, float, float, int]:
    """GET path: status, seconds to the first body byte, seconds in all, bytes."""
    started = time.perf_counter()
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=900)
    connection.request("GET", path)
    response = connection.getresponse()
    first = response.read(1)
    first_byte = time.perf_counter() - started
    size = len(first)
    while chunk := response.read(1 << 16):
        size += len(chunk)
    total = time.perf_counter() - started
    connection.close()
    return response.status, first_byte, total, size


def worker_of(master: int) -> int:
    for _ in range(300):
        children = Path(f"/proc/{master}/task/{master}/children").read_text().split()
        if children:
            return int(children[0])
        time.sleep(0.05)
    raise RuntimeError("gunicorn started no worker")


def serve(download: Download, env: dict[str, str], app: str = APP) -> dict:
    """One download from a fresh gunicorn worker of ``app``; its figures."""
    port = free_port()
    load = os.getloadavg()[0]
    server = subprocess.Popen(
        [
            GUNICORN,
            app,
            *("--bind", f"127.0.0.1:{port}", "--workers", "1", "--timeout", "900"),
        ],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        for _ in range(200):
            try:
                get(port, "/health/")
                break
            except OSError:
                time.sleep(0.1)
        worker = worker_of(server.pid)
        get(port, "/health/")  # Django and the URL conf loaded
        Path(f"/proc/{worker}/clear_refs").write_text("5")
        status, first_byte, total, size = get(port, download.path)
        peak = status_mb(worker, "VmHWM")
    finally:
        server.terminate()
        server.wait(timeout=30)
    return {
        "status": status,
        "first_byte": first_byte,
        "total": total,
        "mb": size / 1e6,
        "peak": peak,
        "load": load,
    }


def table(results: list[tuple[Download, dict]]) -> str:
    base = results[0][1]
    lines = [
        "| download | status | MB | worker peak MB | first byte s | total s "
        "| peak / baseline | first byte / baseline | total / baseline | load |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    for download, r in results:
        lines.append(
            f"| {download.label} | {r['status']} | {r['mb']:,.1f} | {r['peak']:.0f} "
            f"| {r['first_byte']:.2f} | {r['total']:.1f} "
            f"| {r['peak'] / base['peak']:.2f} "
            f"| {r['first_byte'] / base['first_byte']:.1f} "
            f"| {r['total'] / base['total']:.2f} | {r['load']:.1f} |"
        )
    return "\n".join(lines)


def year_by_year_table(pairs: list[tuple[Download, dict, dict]]) -> str:
    """Each download year by year beside its baseline: one ordered query."""
    lines = [
        "| download | first byte s, one query | first byte s, year by year "
        "| first byte / baseline | total s, one query | total s, year by year "
        "| total / baseline | peak MB, one query | peak MB, year by year | load |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    for download, now, before in pairs:
        lines.append(
            f"| {download.label} | {before['first_byte']:.2f} "
            f"| {now['first_byte']:.2f} "
            f"| {now['first_byte'] / before['first_byte']:.2f} "
            f"| {before['total']:.1f} | {now['total']:.1f} "
            f"| {now['total'] / before['total']:.2f} "
            f"| {before['peak']:.0f} | {now['peak']:.0f} "
            f"| {now['load']:.1f} / {before['load']:.1f} |"
        )
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--years", type=int, default=20)
    parser.add_argument(
        "--skip-build",
        action="store_true",
        help="no build_open_data: only the downloads made in the request",
    )
    parser.add_argument("--child", choices=["seed", "build"], help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child == "seed":
        return seed(args.rows, args.years)
    if args.child == "build":
        return build()

    workdir = Path(tempfile.mkdtemp(prefix="downloads-bench-", dir="/tmp"))
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "DATABASE_URL": f"sqlite:///{workdir / 'bench.sqlite3'}",
        "OPEN_DATA_ROOT": str(workdir / "opendata"),
        "OPEN_DATA_BUILD_AFTER_CHANGE": "false",
        "DEBUG": "false",
        "SECRET_KEY": "downloads-benchmark-only-" + "x" * 40,
        "ALLOWED_HOSTS": "127.0.0.1,localhost",
        "PYTHONPATH": str(ROOT),
    }
    try:
        manage = [PYTHON, str(ROOT / "manage.py")]
        subprocess.run([*manage, "migrate", "-v0"], check=True, env=env, cwd=ROOT)
        child = [PYTHON, __file__, "--rows", str(args.rows), "--years", str(args.years)]
        started = time.monotonic()
        subprocess.run([*child, "--child", "seed"], check=True, env=env, cwd=ROOT)
        print(f"seed took {time.monotonic() - started:.0f} s")
        if not args.skip_build:
            started = time.monotonic()
            subprocess.run([*child, "--child", "build"], check=True, env=env, cwd=ROOT)
            print(f"build_open_data took {time.monotonic() - started:.0f} s")
        results, pairs = [], []
        for download in downloads(args.years):
            if args.skip_build and download.built and download.path.startswith("/data"):
                continue
            served_env = env
            if not download.built:
                served_env = {**env, "OPEN_DATA_ROOT": str(workdir / "no-build")}
            results.append((download, serve(download, served_env)))
            print(f"  {download.label}: {results[-1][1]}", flush=True)
            if download.compared:
                before = serve(download, served_env, ONE_QUERY_APP)
                pairs.append((download, results[-1][1], before))
                print(f"  {download.label}, one ordered query: {before}", flush=True)
        print(f"\n{args.rows:,} projects over {args.years} years\n")
        print(table(results))
        print("\nYear by year (budgets.year_by_year) against one ordered query\n")
        print(year_by_year_table(pairs))
        load = ", ".join(f"{value:.1f}" for value in os.getloadavg())
        print(
            f"\nload average at the end (1, 5, 15 min): {load} on {os.cpu_count()} CPUs"
        )
    finally:
        shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    main()
