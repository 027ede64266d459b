"""A login and an admin save while a 20,000-row import writes, on a real SQLite file.

Run by tests/test_import_under_load.py in a process of its own: the test database
is in memory (shared cache), where a writer is refused at once instead of waiting
for the lock as it does on a file in WAL mode. ``python -m tests.import_under_load
WORKDIR [--timeout S]`` migrates ``WORKDIR/db.sqlite3``, imports the seed (FY2021),
then, while a first import of a 20,000-row FY2022 table holds the write lock, logs
in through the rendered admin login form (WebTest on the WSGI application); while
a re-import of it with every amount changed holds the lock, saves a FY2021 project
through its rendered change form. It prints one JSON line of what happened.
``--timeout`` lowers the busy timeout (20 s) to show what a lock held longer does.
"""

from __future__ import annotations

import argparse
import json
import os
import sqlite3
import sys
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
RESULT_PREFIX = "RESULT "
PASSWORD = "a-long-enough-password-42"


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("workdir", type=Path)
    parser.add_argument("--rows", type=int, default=20_000)
    parser.add_argument("--timeout", type=float)
    args = parser.parse_args()
    db = args.workdir / "db.sqlite3"
    _setup(db, args)
    result = _run(db, args.rows)
    print(RESULT_PREFIX + json.dumps(result), flush=True)
    return 0


def _setup(db: Path, args: argparse.Namespace) -> None:
    os.environ["DATABASE_URL"] = f"sqlite:///{db}"
    os.environ["UPLOAD_ROOT"] = str(args.workdir / "uploads")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    sys.path[:0] = [str(ROOT), str(ROOT / "benchmarks")]
    import django
    from django.conf import settings

    django.setup()
    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "localhost", "testserver"]
    settings.OPEN_DATA_BUILD_AFTER_CHANGE = False
    settings.OPEN_DATA_ROOT = args.workdir / "opendata"
    settings.STORAGES["sources"]["OPTIONS"] = {"location": args.workdir / "sources"}
    if args.timeout is not None:
        settings.DATABASES["default"]["OPTIONS"]["timeout"] = args.timeout
    from django.core.management import call_command

    call_command("migrate", verbosity=0)


def _tables(rows: int) -> tuple[bytes, bytes]:
    from import_speed import generate_rows, to_text
    from reimport_speed import changed_rows

    table = generate_rows(rows)
    first, changed = to_text(table), to_text(changed_rows(table))
    return (
        first.replace("令和3年度".encode(), "令和4年度".encode()),
        changed.replace("令和3年度".encode(), "令和4年度".encode()),
    )


def _run(db: Path, rows: int) -> dict:
    from django.contrib.auth.models import User

    from budgets.importing import import_table
    from tests.conftest import SEED

    assert import_table(SEED.read_bytes(), publish=True).ok
    User.objects.create_superuser("admin", password=PASSWORD)
    first, changed = _tables(rows)
    app = _browser()
    result = {"login": _while_importing(db, first, "new", rows, lambda: _login(app))}
    result["save"] = _while_importing(db, changed, "changed", rows, lambda: _save(app))
    return result


def _browser():
    from django.core.wsgi import get_wsgi_application
    from webtest import TestApp

    return TestApp(get_wsgi_application(), extra_environ={"HTTP_HOST": "localhost"})


def _while_importing(db: Path, data: bytes, kind: str, rows: int, request) -> dict:
    """Run ``request`` once the import holds the write lock; say how each went."""
    from django.db import connection

    from budgets.importing import import_table

    reports = []

    def run() -> None:
        try:
            reports.append(import_table(data, filename=f"r04_{kind}.txt"))
        finally:
            connection.close()

    importer = threading.Thread(target=run)
    importer.start()
    while importer.is_alive() and not _write_lock_held(db):
        time.sleep(0.01)
    held = _write_lock_held(db)
    start = time.perf_counter()
    status = request()
    seconds = time.perf_counter() - start
    importer.join()
    report = reports[0] if reports else None
    return {
        "lock_held_at_start": held,
        "status": status,
        "seconds": round(seconds, 2),
        "import_ok": bool(report and report.ok and report.counts()[kind] == rows),
        "problems": [str(p) for p in report.problems[:3]] if report else ["crashed"],
    }


def _write_lock_held(db: Path) -> bool:
    probe = sqlite3.connect(db, timeout=0, isolation_level=None)
    try:
        probe.execute("BEGIN IMMEDIATE")
        probe.execute("COMMIT")
        return False
    except sqlite3.OperationalError:
        return True
    finally:
        probe.close()


def _login(app) -> int:
    """The admin's login form as rendered, filled in and sent."""
    form = app.get("/admin/login/").forms["login-form"]
    form["username"], form["password"] = "admin", PASSWORD
    return form.submit(expect_errors=True).status_int


def _save(app) -> int:
    """A FY2021 project's change form as rendered, its name changed and saved."""
    from budgets.models import Project

    project = Project.objects.get(fiscal_year__year=2021, no=1)
    page = app.get(f"/admin/budgets/project/{project.pk}/change/")
    form = page.forms["project_form"]
    form["name"] = project.name + "（改）"
    status = form.submit("_save", expect_errors=True).status_int
    project.refresh_from_db()
    return status if project.name.endswith("（改）") else -status


if __name__ == "__main__":
    raise SystemExit(main())
