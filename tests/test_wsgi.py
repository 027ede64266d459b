"""The server's worker, as gunicorn loads it (``config.wsgi``)."""

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_what_loading_made_is_kept_out_of_the_collectors_full_passes():
    # a child of its own: freezing here would freeze the test run's objects
    shown = subprocess.run(
        [sys.executable, "-c", "import gc, config.wsgi; print(gc.get_freeze_count())"],
        capture_output=True,
        text=True,
        cwd=ROOT,
        env={**os.environ, "DJANGO_SETTINGS_MODULE": "config.settings"},
        timeout=60,
        check=True,
    )
    assert int(shown.stdout) > 10_000
