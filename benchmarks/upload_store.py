"""How long does keeping an admin upload take: our store against the library's?

Run from the project root::

    .venv/bin/python benchmarks/upload_store.py               # 50 MB, best of 3
    .venv/bin/python benchmarks/upload_store.py --mb 20 50 --repeat 5

For each size it writes a file of random bytes as Django hands a large upload to a
view (a ``TemporaryUploadedFile``, read in 64 KB chunks), then times keeping it
between the preview and the confirm step:

* ``budgets.uploads.save``: written chunk by chunk to the private storage while
  hashed, plus its database record (and the purge every upload runs);
* django-import-export 4's ``ImportMixin.write_to_tmp_storage`` with its
  ``TempFolderStorage`` and its ``MediaStorage``: the file joined in memory with
  ``data += chunk`` (quadratic in size), then written.

It prints each time and the ratio of the library's to ours. Everything happens in a
temporary folder with its own SQLite database; nothing of the project is touched.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
MB = 1024 * 1024


def setup_django(workdir: Path) -> None:
    os.environ["DATABASE_URL"] = f"sqlite:///{workdir / 'db.sqlite3'}"
    os.environ["UPLOAD_ROOT"] = str(workdir / "private")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    sys.path.insert(0, str(ROOT))
    import django
    from django.conf import settings

    django.setup()
    settings.MEDIA_ROOT = str(workdir / "media")
    tempfile.tempdir = str(workdir / "tmp")  # TempFolderStorage writes here
    Path(tempfile.tempdir).mkdir()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)


def uploaded_file(size: int):
    """A large upload as Django's TemporaryFileUploadHandler gives it to the view."""
    from django.core.files.uploadedfile import TemporaryUploadedFile

    uploaded = TemporaryUploadedFile("table.csv", "text/csv", size, None)
    remaining = size
    while remaining:
        piece = os.urandom(min(MB, remaining))
        uploaded.write(piece)
        remaining -= len(piece)
    uploaded.flush()
    uploaded.seek(0)
    return uploaded


def best_of(repeat: int, run: Callable[[], Callable[[], None]]) -> float:
    """The shortest of ``repeat`` runs; each run returns how to clean up after it."""
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        clean_up = run()
        times.append(time.perf_counter() - start)
        clean_up()
    return min(times)


def our_store(uploaded, user) -> Callable[[], None]:
    from budgets import uploads

    upload = uploads.save(uploaded, user=user)
    assert upload.size == uploaded.size, "the store kept part of the file"
    return lambda: uploads.remove(upload)


def library_store(storage_class: str) -> Callable:
    from import_export.admin import ImportMixin

    from budgets.resources import BudgetTableFormat

    mixin = ImportMixin()
    mixin.tmp_storage_class = storage_class

    def run(uploaded, user) -> Callable[[], None]:
        tmp_storage = mixin.write_to_tmp_storage(uploaded, BudgetTableFormat())
        return tmp_storage.remove

    return run


def measure(size_mb: int, repeat: int, user) -> dict[str, float]:
    uploaded = uploaded_file(size_mb * MB)
    stores = {
        "budgets.uploads": our_store,
        "TempFolderStorage": library_store(
            "import_export.tmp_storages.TempFolderStorage"
        ),
        "MediaStorage": library_store("import_export.tmp_storages.MediaStorage"),
    }
    try:
        return {
            name: best_of(repeat, lambda store=store: store(uploaded, user))
            for name, store in stores.items()
        }
    finally:
        uploaded.close()


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--mb", type=int, nargs="+", default=[50])
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="upload-store-") as folder:
        setup_django(Path(folder))
        from django.contrib.auth.models import User

        user = User.objects.create_user("bench")
        print(f"best of {args.repeat}; ratio = the library's time / ours")
        print(f"{'size':>6} {'store':<18} {'seconds':>8} {'ratio':>7}")
        for size_mb in args.mb:
            times = measure(size_mb, args.repeat, user)
            ours = times["budgets.uploads"]
            for name, seconds in times.items():
                ratio = seconds / ours
                print(f"{size_mb:>3} MB {name:<18} {seconds:>8.3f} {ratio:>6.1f}×")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
