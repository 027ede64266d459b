"""Public pages keep answering while a big import runs.

Run:  .venv/bin/python benchmarks/load_during_import.py [--rows 20000] [--clients 8]
      DATABASE_URL=postgres://postgres@127.0.0.1:5432/loadtest ... (default: a fresh
      SQLite file in a temporary folder)

It migrates a fresh database, loads the FY2021 seed (published), starts gunicorn on a
free loopback port, and sends requests from ``--clients`` threads to /, /projects/,
a project page and the CSV: first for a few seconds alone, then while
``import_budget_table`` imports a generated FY2022 table of ``--rows`` rows, then a few
seconds after. It prints, for each phase, requests, errors (any status but 200, or a
failed connection), and p50/p99 latency. Every loop is bounded in time and count and
talks only to 127.0.0.1.
"""

from __future__ import annotations

import argparse
import http.client
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(Path(__file__).resolve().parent))

from import_speed import generate_rows, to_text  # noqa: E402

PATHS = ["/", "/projects/", "/projects/2021/1/", "/projects.csv?year=2021"]
MAX_REQUESTS = 200_000


@dataclass
class Phase:
    name: str
    latencies: list[float] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)

    def line(self) -> str:
        count = len(self.latencies) + len(self.errors)
        if self.latencies:
            ordered = sorted(self.latencies)
            p50 = statistics.median(ordered) * 1000
            p99 = ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))] * 1000
        else:
            p50 = p99 = float("nan")
        return (
            f"{self.name:<16} requests {count:>6}  errors {len(self.errors):>4}  "
            f"p50 {p50:7.1f} ms  p99 {p99:7.1f} ms"
        )


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


def client_loop(port: int, phases: list[Phase], current: list[int], stop) -> None:
    sent = 0
    index = 0
    while not stop.is_set() and sent < MAX_REQUESTS:
        path = PATHS[index % len(PATHS)]
        index += 1
        phase = phases[current[0]]
        started = time.perf_counter()
        try:
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
            connection.request("GET", path)
            response = connection.getresponse()
            response.read()
            connection.close()
            if response.status == 200:
                phase.latencies.append(time.perf_counter() - started)
            else:
                phase.errors.append(f"{path}: {response.status}")
        except OSError as error:
            phase.errors.append(f"{path}: {error!r}")
        sent += 1


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=20_000)
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--quiet-seconds", type=float, default=5.0)
    args = parser.parse_args(argv)

    workdir = Path(tempfile.mkdtemp(prefix="load-during-import-"))
    env = dict(os.environ)
    env.setdefault("DATABASE_URL", f"sqlite:///{workdir / 'db.sqlite3'}")
    env.update(DEBUG="false", ALLOWED_HOSTS="127.0.0.1,localhost")
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
    run("migrate", "--noinput")
    run(
        "import_budget_table",
        str(ROOT / "fixtures/r03_shinki_levelup.txt"),
        "--publish",
    )
    table = workdir / "r04_generated.txt"
    table.write_bytes(
        to_text(generate_rows(args.rows)).replace(
            "令和3年度".encode(), "令和4年度".encode()
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
        phases = [Phase("before import"), Phase("during import"), Phase("after import")]
        current = [0]
        stop = threading.Event()
        threads = [
            threading.Thread(target=client_loop, args=(port, phases, current, stop))
            for _ in range(args.clients)
        ]
        for thread in threads:
            thread.start()
        time.sleep(args.quiet_seconds)
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
        import_seconds = time.perf_counter() - started
        current[0] = 2
        time.sleep(args.quiet_seconds)
        stop.set()
        for thread in threads:
            thread.join(timeout=60)
    finally:
        server.terminate()
        server.wait(timeout=30)

    print(
        f"import of {args.rows:,} rows: exit {result.returncode}, "
        f"{import_seconds:.1f} s"
    )
    if result.returncode:
        print(result.stdout[-2000:], result.stderr[-2000:])
    for phase in phases:
        print(phase.line())
        for error in phase.errors[:5]:
            print(f"    {error}")
    failed = result.returncode or any(phase.errors for phase in phases)
    print("verdict:", "FAIL" if failed else "OK: no error while the import ran")
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main())
