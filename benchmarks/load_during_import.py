"""Public pages keep answering while a big import runs, and then show the new year.

Run:  .venv/bin/python benchmarks/load_during_import.py [--rows 20000] [--clients 8]
          [--redis]
      DATABASE_URL=postgres://postgres@127.0.0.1:5432/loadtest ... (an empty
      database you made for it, e.g. ``createdb -h 127.0.0.1 -U postgres loadtest``;
      default: a fresh SQLite file in a temporary folder)

It migrates a fresh database, loads the FY2021 seed (published), starts gunicorn (2
workers, 4 threads each) on a free loopback port, and sends requests from
``--clients`` threads: first for a few seconds alone, then while
``manage.py import_budget_table --publish`` imports a generated FY2022 table of
``--rows`` rows in a process of its own (as finance staff run it), then a few seconds
after. Half the requests are pages the cache answers once warm (/, /projects/, a
project page, the CSV); the other half are searches it cannot answer
(``/projects/?q=<a counter>`` with a random sort and category), so each of them reads
the database, during the import too.

It prints, per phase and per half, requests, errors (any status but 200, or a failed
connection) and p50/p99 latency; then whether the site shows the imported year. For
``/`` (the latest year's overview) and ``/projects/`` (its year filter offers every
published year), both cached in every worker before the import: how long after the
import's end the page first showed 令和4年度, how many asked later than
PAGE_CACHE_VERSION_SECONDS + 0.5 s after it still showed the old year (must be none,
from any worker), and a browser's conditional request with the ETag the page had
before the import (must be 200 with the new year, not 304); and ``/years/2022/``
(200 with 令和4年度). Any failed check makes the verdict FAIL and the exit 1. Pages are
cached in each worker's memory, or with ``--redis`` in Redis at 127.0.0.1:6379 (db 14,
under a key prefix of its own, deleted at the end). Every loop is bounded in time and
count and talks only to 127.0.0.1.
"""

from __future__ import annotations

import argparse
import http.client
import os
import random
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(Path(__file__).resolve().parent))

from import_speed import generate_rows, to_text  # noqa: E402

CACHED = ["/", "/projects/", "/projects/2021/1/", "/projects.csv?year=2021"]
# cached pages that must show the new year once it is published: the overview of the
# latest year, and the list (its year filter offers every published year)
WATCHED = ("/", "/projects/")
SORTS = ["no", "name", "requested", "requested_levelup", "budgeted", "year"]
CATEGORIES = ["", "new", "levelup"]
KINDS = ("cached", "uncached")
NEW_YEAR = "令和4年度"
MAX_REQUESTS = 200_000


@dataclass
class Sample:
    phase: int
    kind: str
    path: str
    started: float
    seconds: float = 0.0
    error: str = ""
    new_year: bool = False


@dataclass
class Phase:
    name: str
    samples: list[Sample] = field(default_factory=list)

    def lines(self) -> list[str]:
        lines = []
        for kind in KINDS:
            samples = [s for s in self.samples if s.kind == kind]
            latencies = sorted(s.seconds for s in samples if not s.error)
            errors = sum(1 for s in samples if s.error)
            if latencies:
                p50 = statistics.median(latencies) * 1000
                p99 = latencies[min(len(latencies) - 1, int(len(latencies) * 0.99))]
                p99 *= 1000
            else:
                p50 = p99 = float("nan")
            lines.append(
                f"{self.name:<14} {kind:<8} requests {len(samples):>6}  "
                f"errors {errors:>4}  p50 {p50:7.1f} ms  p99 {p99:7.1f} ms"
            )
        return lines


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_for(port: int, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                return
        except OSError:
            time.sleep(0.2)
    raise SystemExit(f"gunicorn did not start on port {port}")


def get(port: int, path: str, headers: dict | None = None) -> tuple[int, dict, str]:
    """GET a path from the server: status, headers and the body as text."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        connection.request("GET", path, headers=headers or {})
        response = connection.getresponse()
        body = response.read().decode("utf-8", "replace")
        return response.status, dict(response.getheaders()), body
    finally:
        connection.close()


def client_loop(
    port: int, number: int, samples: list[Sample], current: list[int], stop
) -> None:
    rng = random.Random(number)
    for sent in range(MAX_REQUESTS):
        if stop.is_set():
            break
        if sent % 2:
            # a search no one asked before: the cache cannot answer it
            sort = ("-" if rng.random() < 0.5 else "") + rng.choice(SORTS)
            query = {"q": f"{number}x{sent}", "sort": sort}
            if category := rng.choice(CATEGORIES):
                query["category"] = category
            kind, path = "uncached", "/projects/?" + urlencode(query)
        else:
            kind, path = "cached", CACHED[(sent // 2) % len(CACHED)]
        sample = Sample(current[0], kind, path, time.perf_counter())
        try:
            status, _, body = get(port, path)
        except OSError as error:
            sample.error = f"{path}: {error!r}"
        else:
            if status != 200:
                sample.error = f"{path}: {status}"
            sample.new_year = NEW_YEAR in body
        sample.seconds = time.perf_counter() - sample.started
        samples.append(sample)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=20_000)
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--quiet-seconds", type=float, default=5.0)
    parser.add_argument(
        "--redis", action="store_true", help="cache the pages in Redis (127.0.0.1)"
    )
    args = parser.parse_args(argv)

    workdir = Path(tempfile.mkdtemp(prefix="load-during-import-"))
    env = dict(os.environ)
    env.setdefault("DATABASE_URL", f"sqlite:///{workdir / 'db.sqlite3'}")
    env.update(DEBUG="false", ALLOWED_HOSTS="127.0.0.1,localhost")
    if args.redis:
        env.update(
            REDIS_URL="redis://127.0.0.1:6379/14",
            CACHE_KEY_PREFIX=f"load-during-import-{os.getpid()}",
        )
    else:
        env.pop("REDIS_URL", None)
    # a worker may show the old year this long after the import committed
    grace = float(env.get("PAGE_CACHE_VERSION_SECONDS", "1")) + 0.5
    python = sys.executable
    manage = [python, str(ROOT / "manage.py")]

    def run(*command: str) -> None:
        subprocess.run(
            [*manage, *command],
            env=env,
            cwd=ROOT,
            check=True,
            stdout=subprocess.DEVNULL,
        )

    print(f"database: {env['DATABASE_URL']}")
    print(f"pages cached in: {env.get('REDIS_URL') or 'each worker (local memory)'}")
    run("migrate", "--noinput")
    run(
        "import_budget_table",
        str(ROOT / "fixtures/r03_shinki_levelup.txt"),
        "--publish",
    )
    table = workdir / "r04_generated.txt"
    table.write_bytes(
        to_text(generate_rows(args.rows)).replace(
            "令和3年度".encode(), NEW_YEAR.encode()
        )
    )

    port = free_port()
    server = subprocess.Popen(
        [
            python,
            "-m",
            "gunicorn",
            "config.wsgi:application",
            "--bind",
            f"127.0.0.1:{port}",
            "--workers",
            "2",
            "--threads",
            "4",
            "--log-level",
            "warning",
        ],
        env=env,
        cwd=ROOT,
    )
    try:
        wait_for(port)
        current = [0]
        stop = threading.Event()
        per_client: list[list[Sample]] = [[] for _ in range(args.clients)]
        threads = [
            threading.Thread(
                target=client_loop, args=(port, number, samples, current, stop)
            )
            for number, samples in enumerate(per_client)
        ]
        for thread in threads:
            thread.start()
        time.sleep(args.quiet_seconds)
        # a browser's copy of each page, as it was before the import
        before = {path: get(port, path) for path in WATCHED}
        current[0] = 1
        started = time.perf_counter()
        result = subprocess.run(
            [*manage, "import_budget_table", str(table), "--publish"],
            env=env,
            cwd=ROOT,
            capture_output=True,
            text=True,
            timeout=600,
        )
        import_end = time.perf_counter()
        current[0] = 2
        time.sleep(max(args.quiet_seconds, grace + 1))
        stop.set()
        for thread in threads:
            thread.join(timeout=60)
        final = {
            path: get(port, path, {"If-None-Match": headers.get("ETag", "")})
            for path, (_, headers, _) in before.items()
        }
        final["/years/2022/"] = get(port, "/years/2022/")
    finally:
        server.terminate()
        server.wait(timeout=30)
        if args.redis:
            forget_redis_keys(env["CACHE_KEY_PREFIX"])

    samples = [sample for client in per_client for sample in client]
    phases = [Phase("before import"), Phase("during import"), Phase("after import")]
    for sample in samples:
        phases[sample.phase].samples.append(sample)
    print(
        f"import of {args.rows:,} rows: exit {result.returncode}, "
        f"{import_end - started:.1f} s"
    )
    if result.returncode:
        print(result.stdout[-2000:], result.stderr[-2000:])
    for phase in phases:
        print("\n".join(phase.lines()))
        for error in [s.error for s in phase.samples if s.error][:5]:
            print(f"    {error}")

    checks = {
        "the import failed": bool(result.returncode),
        "errors": any(s.error for s in samples),
    }
    for path in WATCHED:
        answers = [s for s in phases[2].samples if s.path == path and not s.error]
        shown = [s.started - import_end for s in answers if s.new_year]
        late = [s for s in answers if s.started > import_end + grace]
        stale = [s for s in late if not s.new_year]
        status, _, body = final[path]
        print(
            f"{path}: the new year first shown "
            + (f"{max(0.0, min(shown)):.2f} s after the import" if shown else "never")
            + f"; asked over {grace:.1f} s after it, {len(stale)} of {len(late)} "
            "still showed the old year; with the ETag from before the import: "
            f"{status}{', shows ' + NEW_YEAR if NEW_YEAR in body else ''}"
        )
        checks |= {
            f"{path} showed the new year before the import": NEW_YEAR
            in before[path][2],
            f"{path} never showed the new year": not shown,
            f"{path} kept showing the old year": bool(stale),
            f"{path} with the old ETag is not the new page": status != 200
            or NEW_YEAR not in body,
        }
    status, _, body = final["/years/2022/"]
    print(f"/years/2022/: {status}{', shows ' + NEW_YEAR if NEW_YEAR in body else ''}")
    checks["/years/2022/ is not the new year"] = status != 200 or NEW_YEAR not in body
    failed = [reason for reason, bad in checks.items() if bad]
    print(
        "verdict:",
        "FAIL: " + "; ".join(failed)
        if failed
        else "OK: no error while the import ran, and the new year shows everywhere",
    )
    return 1 if failed else 0


def forget_redis_keys(prefix: str) -> None:
    """Delete the keys this run left in Redis."""
    import redis

    server = redis.Redis.from_url("redis://127.0.0.1:6379/14")
    keys = list(server.scan_iter(f"{prefix}:*"))
    if keys:
        server.delete(*keys)


if __name__ == "__main__":
    raise SystemExit(main())
