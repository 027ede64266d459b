"""How long do the admin's preview and confirm of a large table take?

Run from the project root::

    .venv/bin/python benchmarks/admin_import.py                   # 20,000 rows, SQLite
    .venv/bin/python benchmarks/admin_import.py --repeat 3 \
        --postgres postgres://postgres@127.0.0.1:5432/h11i_admin   # and PostgreSQL

A worker's timeout is 30 s; the target is 10 s for each step. For each database, in
subprocesses on fresh, migrated databases, it times with Django's test client (the
whole request in-process: upload parsing, the upload store, the dry run, the page):

* the preview (POST of the file to 事業 → インポート) and the confirm (POST of the
  upload's key), of the synthetic table of ``import_speed.py`` into an empty year,
  then of a second version with the amounts changed in every row;
* the same two imports by ``import_budget_table`` (``call_command``, in-process: the
  command's start-up is timed apart by ``import_speed.py``), on another database.

Each admin step is printed with its ratio to the command's import of the same file,
measured in the same run.
"""

from __future__ import annotations

import argparse
import io
import json
import os
import re
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from import_speed import RESULT_PREFIX, ROOT, generate_rows, to_text
from reimport_speed import (
    PostgresDatabases,
    SQLiteDatabases,
    changed_rows,
    run_child,
)

TARGET_SECONDS = 10.0
IMPORT_URL = "/admin/budgets/project/import/"
PROCESS_URL = "/admin/budgets/project/process_import/"
UPLOAD_KEY = re.compile(rb'name="upload" value="([^"]+)"')


def _setup(database_url: str, workdir: str) -> None:
    os.environ["DATABASE_URL"] = database_url
    os.environ["UPLOAD_ROOT"] = str(Path(workdir) / "uploads")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from django.conf import settings

    from budgets import uploads

    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "testserver"]
    uploads.make_folders()


def child_admin(args: argparse.Namespace) -> dict:
    _setup(args.database_url, args.workdir)
    from django.contrib.auth.models import User
    from django.test import Client

    client = Client()
    client.force_login(User.objects.create_superuser("bench", password="x" * 20))
    if client.get(IMPORT_URL).status_code != 200:  # the clerk opens the page first
        raise SystemExit("the import page does not open")
    result = {}
    for label, path in (("first", args.first), ("changed", args.second)):
        data = Path(path).read_bytes()
        start = time.perf_counter()
        page = client.post(
            IMPORT_URL,
            {"import_file": _named(path, data), "format": "0", "publish": "on"},
        )
        result[f"{label}_preview_s"] = time.perf_counter() - start
        result[f"{label}_preview_bytes"] = len(page.content)
        key = UPLOAD_KEY.search(page.content)
        if page.status_code != 200 or key is None:
            raise SystemExit(f"{label} preview: {page.status_code}, no upload key")
        start = time.perf_counter()
        done = client.post(
            PROCESS_URL, {"upload": key.group(1).decode(), "format": "0", "publish": 1}
        )
        result[f"{label}_confirm_s"] = time.perf_counter() - start
        if done.status_code != 302:
            raise SystemExit(f"{label} confirm: {done.status_code}")
    _check(args.rows)
    return result


def _named(path: str, data: bytes):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile(Path(path).name, data, "text/plain")


def _check(rows: int) -> None:
    from budgets.models import Project

    versions = set(Project.objects.values_list("version", flat=True))
    if Project.objects.count() != rows or versions != {2}:
        raise SystemExit(f"{Project.objects.count()} projects, versions {versions}")


def child_command(args: argparse.Namespace) -> dict:
    _setup(args.database_url, args.workdir)
    from django.core.management import call_command

    result = {}
    for label, path in (("first", args.first), ("changed", args.second)):
        start = time.perf_counter()
        call_command("import_budget_table", path, "--publish", stdout=io.StringIO())
        result[f"{label}_s"] = time.perf_counter() - start
    _check(args.rows)
    return result


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=20_000)
    parser.add_argument("--repeat", type=int, default=1)
    parser.add_argument("--postgres", metavar="URL", help="also measure PostgreSQL")
    parser.add_argument("--child", choices=["admin", "command"], help=argparse.SUPPRESS)
    parser.add_argument("--database-url", help=argparse.SUPPRESS)
    parser.add_argument("--workdir", help=argparse.SUPPRESS)
    parser.add_argument("--first", help=argparse.SUPPRESS)
    parser.add_argument("--second", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        handler = child_admin if args.child == "admin" else child_command
        print(RESULT_PREFIX + json.dumps(handler(args)), flush=True)
        return 0

    with tempfile.TemporaryDirectory(prefix="admin_import_") as tmp:
        workdir = Path(tmp)
        rows = generate_rows(args.rows)
        files = [str(workdir / "r04_first.txt"), str(workdir / "r04_changed.txt")]
        Path(files[0]).write_bytes(to_text(rows))
        Path(files[1]).write_bytes(to_text(changed_rows(rows)))
        databases = {"SQLite": SQLiteDatabases(workdir)}
        if args.postgres:
            databases["PostgreSQL"] = PostgresDatabases(args.postgres)
        size = Path(files[0]).stat().st_size / 2**20
        print(f"{args.rows:,} rows ({size:.1f} MB of text); target <= 10 s a step")
        print(
            f"{'database':<11} run {'table':<8} {'step':<8} {'admin s':>8} "
            f"{'command s':>10} {'ratio':>6}"
        )
        for label, store in databases.items():
            for attempt in range(args.repeat):
                measured = {}
                for mode in ("command", "admin"):
                    url = store.fresh(f"admin_{mode}_{attempt}")
                    extra = [
                        "--workdir",
                        tmp,
                        "--first",
                        files[0],
                        "--second",
                        files[1],
                    ]
                    measured[mode] = run_child(__file__, mode, url, extra, args.rows)
                    store.drop(url)
                _print_run(label, attempt, measured)
            store.close()
    return 0


def _print_run(label: str, attempt: int, measured: dict) -> None:
    admin, command = measured["admin"], measured["command"]
    for table in ("first", "changed"):
        for step in ("preview", "confirm"):
            seconds = admin[f"{table}_{step}_s"]
            verdict = "PASS" if seconds <= TARGET_SECONDS else "FAIL"
            print(
                f"{label:<11} {attempt + 1:>3} {table:<8} {step:<8} {seconds:>8.2f} "
                f"{command[f'{table}_s']:>10.2f} "
                f"{seconds / command[f'{table}_s']:>5.2f}x {verdict}",
                flush=True,
            )
    kb = admin["first_preview_bytes"] / 1024
    print(f"{'':<11} preview page of the first table: {kb:,.0f} KB", flush=True)


if __name__ == "__main__":
    raise SystemExit(main())
