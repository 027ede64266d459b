"""import_budget_table starts without loading the site's URL conf and API stack."""

import json
import os
import subprocess
import sys

from tests.conftest import ROOT, SEED

RUN_THE_COMMAND = f"""
import json, sys
import django
django.setup()
from django.core.management import execute_from_command_line
try:
    execute_from_command_line(["manage.py", "import_budget_table", {str(SEED)!r},
                               "--dry-run"])
finally:
    loaded = ["config.urls", "rest_framework.views", "drf_spectacular.views"]
    print(json.dumps([name for name in loaded if name in sys.modules]))
"""


def test_the_import_command_runs_without_the_url_conf(tmp_path):
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "DATABASE_URL": f"sqlite:///{tmp_path / 'empty.sqlite3'}",
    }
    done = subprocess.run(
        [sys.executable, "-c", RUN_THE_COMMAND],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )

    # the table was read (an empty database refuses it), and nothing else loaded
    assert "r03_shinki_levelup.txt" in done.stdout + done.stderr
    assert json.loads(done.stdout.strip().splitlines()[-1]) == []
