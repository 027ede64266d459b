"""How long does re-importing a changed table take, against its first import?

Run from the project root::

    .venv/bin/python benchmarks/reimport_speed.py               # 20,000 rows, SQLite
    .venv/bin/python benchmarks/reimport_speed.py --rows 20000 --repeat 3 \
        --postgres postgres://postgres@127.0.0.1:5432/h11i_bench    # and PostgreSQL

The yearly workflow re-imports: the December request list, then the February
decided list, then corrections. For each database, in a subprocess on a fresh,
migrated database, it imports the synthetic table of ``import_speed.py`` (the first
import), then a second version of it with the amounts changed in every row (the
changed import), and checks that every project changed once: version 2, two history
records, the second linked to the second import. The ratio is changed / first,
measured in the same process; the target is at most 2x.

``--postgres URL`` names a database this script may create and drop (and one with
``_tpl`` appended, migrated once as the template of the others).
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

sys.path.insert(0, str(Path(__file__).resolve().parent))

from import_speed import RESULT_PREFIX, ROOT, generate_rows, to_text

TARGET_RATIO = 2.0


def changed_rows(rows):
    """The same table with the requested and budgeted amounts of every row changed."""
    return [
        dataclasses.replace(row, requested=row.requested + 1, budgeted=row.budgeted + 1)
        for row in rows
    ]


def child(args: argparse.Namespace) -> dict:
    os.environ["DATABASE_URL"] = args.database_url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from budgets.importing import import_table
    from budgets.models import Project

    first = Path(args.first).read_bytes()
    second = Path(args.second).read_bytes()
    result = {}
    runs = (("first", first, "new"), ("changed", second, "changed"))
    for label, data, expect in runs:
        start = time.perf_counter()
        report = import_table(data, filename=f"{label}.txt", publish=True)
        result[f"{label}_s"] = time.perf_counter() - start
        if not report.ok or report.counts()[expect] != args.rows:
            raise SystemExit(f"{label}: {report.counts()} {report.problems[:3]}")
    versions = set(Project.objects.values_list("version", flat=True))
    records = Project.history.filter(import_event=report.event, history_type="~")
    if versions != {2} or records.count() != args.rows:
        raise SystemExit(f"versions {versions}, {records.count()} change records")
    return result


def run_child(script: str, mode: str, database_url: str, extra, rows: int) -> dict:
    """Run ``script --child mode`` on a database; return the JSON it printed."""
    command = [sys.executable, script, "--child", mode, "--database-url", database_url]
    command += [*extra, "--rows", str(rows)]
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "config.settings"}
    done = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True)
    lines = [
        line.removeprefix(RESULT_PREFIX)
        for line in done.stdout.splitlines()
        if line.startswith(RESULT_PREFIX)
    ]
    if done.returncode or not lines:
        sys.stderr.write(done.stdout + done.stderr)
        raise SystemExit("measurement failed")
    return json.loads(lines[-1])


def _migrate(database_url: str) -> None:
    subprocess.run(
        [sys.executable, "manage.py", "migrate", "--noinput", "--verbosity", "0"],
        cwd=ROOT,
        env={**os.environ, "DATABASE_URL": database_url},
        check=True,
    )


class SQLiteDatabases:
    def __init__(self, workdir: Path):
        self.template = workdir / "template.sqlite3"
        _migrate(f"sqlite:///{self.template}")
        self.workdir = workdir

    def fresh(self, name: str) -> str:
        db = self.workdir / f"{name}.sqlite3"
        shutil.copyfile(self.template, db)
        return f"sqlite:///{db}"

    def close(self) -> None:
        pass

    def drop(self, url: str) -> None:
        for path in self.workdir.glob(Path(urlsplit(url).path).name + "*"):
            path.unlink()


class PostgresDatabases:
    """Fresh databases copied from a template migrated once."""

    def __init__(self, url: str):
        import psycopg

        self.url = urlsplit(url)
        self.name = self.url.path.lstrip("/")
        self.admin = psycopg.connect(self._url("postgres"), autocommit=True)
        self.drop(self._url(f"{self.name}_tpl"))
        self.admin.execute(f'CREATE DATABASE "{self.name}_tpl"')
        _migrate(self._url(f"{self.name}_tpl"))

    def _url(self, name: str) -> str:
        return urlunsplit(self.url._replace(path=f"/{name}"))

    def fresh(self, name: str) -> str:
        url = self._url(f"{self.name}_{name}")
        self.drop(url)
        self.admin.execute(
            f'CREATE DATABASE "{self.name}_{name}" TEMPLATE "{self.name}_tpl"'
        )
        return url

    def drop(self, url: str) -> None:
        name = urlsplit(url).path.lstrip("/")
        self.admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')

    def close(self) -> None:
        self.drop(self._url(f"{self.name}_tpl"))
        self.admin.close()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=20_000)
    parser.add_argument("--repeat", type=int, default=1)
    parser.add_argument("--postgres", metavar="URL", help="also measure PostgreSQL")
    parser.add_argument("--child", choices=["import"], help=argparse.SUPPRESS)
    parser.add_argument("--database-url", help=argparse.SUPPRESS)
    parser.add_argument("--first", help=argparse.SUPPRESS)
    parser.add_argument("--second", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(RESULT_PREFIX + json.dumps(child(args)), flush=True)
        return 0

    with tempfile.TemporaryDirectory(prefix="reimport_speed_") as tmp:
        workdir = Path(tmp)
        rows = generate_rows(args.rows)
        files = [str(workdir / "first.txt"), str(workdir / "second.txt")]
        Path(files[0]).write_bytes(to_text(rows))
        Path(files[1]).write_bytes(to_text(changed_rows(rows)))
        databases = {"SQLite": SQLiteDatabases(workdir)}
        if args.postgres:
            databases["PostgreSQL"] = PostgresDatabases(args.postgres)
        print(f"{args.rows:,} rows, amounts changed in every row; target <= 2x")
        print(f"{'database':<11} run {'first s':>8} {'changed s':>10} {'ratio':>6}")
        for label, store in databases.items():
            for attempt in range(args.repeat):
                url = store.fresh(f"reimport_{attempt}")
                extra = ["--first", files[0], "--second", files[1]]
                result = run_child(__file__, "import", url, extra, args.rows)
                store.drop(url)
                ratio = result["changed_s"] / result["first_s"]
                verdict = "PASS" if ratio <= TARGET_RATIO else "FAIL"
                print(
                    f"{label:<11} {attempt + 1:>3} {result['first_s']:>8.2f} "
                    f"{result['changed_s']:>10.2f} {ratio:>5.2f}x {verdict}",
                    flush=True,
                )
            store.close()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
