"""A login and an admin save during the longest import the admin allows (20,000
projects) succeed on SQLite: the import holds the write lock for less than the
busy timeout (benchmarks/write_lock.py measures how long).

The test database is in memory, where a second writer is refused at once; the
import, the login and the save run in a process of their own on a SQLite file in
WAL mode with the project's settings (tests/import_under_load.py).
"""

import json
import os
import subprocess
import sys

from django.conf import settings

from tests.conftest import ROOT
from tests.import_under_load import RESULT_PREFIX


def test_a_login_and_an_admin_save_during_a_20000_row_import_succeed(tmp_path):
    assert settings.ADMIN_IMPORT_MAX_ROWS == 20_000  # the longest import it allows
    done = subprocess.run(
        [sys.executable, "-m", "tests.import_under_load", str(tmp_path)],
        cwd=ROOT,
        env={**os.environ, "DJANGO_SETTINGS_MODULE": "config.settings"},
        capture_output=True,
        text=True,
        timeout=600,
    )
    lines = [x for x in done.stdout.splitlines() if x.startswith(RESULT_PREFIX)]
    assert done.returncode == 0 and lines, done.stderr[-3000:]
    result = json.loads(lines[-1].removeprefix(RESULT_PREFIX))
    for step in ("login", "save"):
        went = result[step]
        assert went["lock_held_at_start"], f"the {step} did not meet the import"
        assert went["status"] == 302, went  # the login and the save went through
        assert went["import_ok"], went["problems"]
