"""The files of /data/, built once per data version outside the request.

``build_open_data`` (and ``manage.py build_open_data``, which a committed change
starts in the background, ``start_build``) writes every file of /data/ (each
published year and all of them, in every format) into a folder of
``settings.OPEN_DATA_ROOT`` named for the data version it was built from
(``<version>-<built>``), with a ``manifest.json`` of what is in it. A build is
written in a hidden folder and renamed when complete, so a reader never sees half
of one. One builder runs at a time (a lock file holding its pid); when it has
finished it looks at the data version again and builds anew if a change committed
meanwhile, so a burst of changes costs one build after the last.

``build_to_serve`` tells the view what to send: the build of the current data
version; while a build runs, or has been asked for in the last ``STARTING_SECONDS``
(its process still starting), the previous one (its own version in its ETag and
``X-Data-Version``), unless it holds a year no longer published or a request has
already answered this version from the data itself (``note_served_live``);
otherwise None, and the view makes the file in the request (streamed, like the
list's downloads). So a reader never gets an older file after a newer one: before,
the second between a change and its builder taking the lock was served from the
request (the new data), and then the previous build (the old) until the new one
was written (helper-14, helper-15).
"""

from __future__ import annotations

import fcntl
import json
import logging
import os
import shutil
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings

from budgets import caching, opendata
from budgets.downloads import in_pieces
from budgets.exporting import csv_chunks

logger = logging.getLogger(__name__)

MANIFEST = "manifest.json"
LOCK = "build.lock"
REQUESTED = "build.requested"  # touched when a build is asked for
LIVE = "live.version"  # the data version a request answered from the data itself
# A builder's process takes the lock within a few seconds of being started (Django's
# start-up); one that has not by then is taken to have failed.
STARTING_SECONDS = 30
KEEP_BUILDS = 2  # the current build and the one before it
EXCEL_MAX_ROWS = 1_048_576  # a worksheet's rows, the header included


@dataclass(frozen=True)
class Build:
    """One complete build of the files of /data/."""

    path: Path
    version: int  # the data version it was built from
    built: int  # when (ns), which orders two builds of one version
    years: tuple[int, ...]  # the published years it holds
    files: dict[str, int]  # name -> size in bytes
    too_many_rows: dict[str, int]  # a workbook not made -> its rows

    @property
    def name(self) -> str:
        return self.path.name

    def file(self, name: str) -> Path | None:
        return self.path / name if name in self.files else None


def root() -> Path:
    return Path(settings.OPEN_DATA_ROOT)


def builds() -> list[Build]:
    """Every complete build, the newest data version first."""
    found = []
    if root().is_dir():
        for path in root().iterdir():
            if path.name.startswith(".") or not (path / MANIFEST).is_file():
                continue
            manifest = json.loads((path / MANIFEST).read_text(encoding="utf-8"))
            found.append(
                Build(
                    path=path,
                    version=manifest["version"],
                    built=manifest["built"],
                    years=tuple(manifest["years"]),
                    files=manifest["files"],
                    too_many_rows=manifest["too_many_rows"],
                )
            )
    return sorted(found, key=lambda build: (build.version, build.built), reverse=True)


def build_to_serve(version: int, published: set[int] | None = None) -> Build | None:
    """The build to send for this data version: its own, or, while a build runs,
    the one before it if it holds no year that ``published`` (read when needed)
    no longer lists; else None."""
    every = builds()
    for build in every:
        if build.version == version:
            return build
    if _served_live(version):  # a reader had this version's data: never older
        return None
    if not (building() or _asked_for_lately()):
        return None
    previous = next((build for build in every if build.version < version), None)
    if previous is None:
        return None
    if published is None:
        published = set(opendata.published_years().values_list("year", flat=True))
    return previous if set(previous.years) <= published else None


# --- Building ----------------------------------------------------------------


def build_open_data(*, force: bool = False) -> Build | None:
    """Build the files of the current data version unless built already (``force``:
    anew); None when another builder is at work (it builds the latest version
    before it stops)."""
    while True:
        with _builder_lock() as mine:
            if not mine:
                return None
            build = _build_latest(force=force)
        # a change committed while the lock was being let go
        if build.version == caching.read_data_version():
            return build
        force = False


def _build_latest(*, force: bool) -> Build:
    while True:
        version = caching.read_data_version()
        build = next((b for b in builds() if b.version == version), None)
        if build is None or force:
            build = write_build(version)
            force = False
        if caching.read_data_version() == version:
            _prune()
            return build


def write_build(version: int) -> Build:
    """Write every file of /data/ as the data stand now, labelled ``version``."""
    years = list(opendata.published_years().values_list("year", flat=True))
    started = time.monotonic()
    folder = root() / f".building-{version}-{os.getpid()}"
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    files: dict[str, int] = {}
    too_many_rows: dict[str, int] = {}
    for year in [None, *years] if years else []:  # no year, no file
        projects = opendata.projects_of(year)
        for fmt in opendata.FORMATS:
            name = opendata.filename(year, fmt)
            rows = _write_file(
                folder / name, fmt, projects, years if year is None else [year]
            )
            if rows is None:
                files[name] = (folder / name).stat().st_size
            else:
                too_many_rows[name] = rows
    built = time.time_ns()
    manifest = {
        "version": version,
        "built": built,
        "years": years,
        "files": files,
        "too_many_rows": too_many_rows,
    }
    (folder / MANIFEST).write_text(json.dumps(manifest, indent=1), encoding="utf-8")
    final = root() / f"{version}-{built}"
    folder.rename(final)
    logger.info(
        "built the files of /data/ for data version %s in %.1f s",
        version,
        time.monotonic() - started,
    )
    return next(build for build in builds() if build.path == final)


def _write_file(path: Path, fmt: str, projects, years: list[int]) -> int | None:
    """Write one file; for a workbook longer than a worksheet, write nothing and
    return its number of rows."""
    if fmt == "xlsx":
        rows = projects.count()
        if rows + 1 > EXCEL_MAX_ROWS:
            return rows
        opendata.write_xlsx(projects, str(path))
        return None
    chunks = {
        "csv": lambda: csv_chunks(projects),
        "cp932.csv": lambda: opendata.cp932_chunks(projects),
        "json": lambda: opendata.json_chunks(projects, years=years),
    }[fmt]()
    with path.open("wb") as file:
        for piece in in_pieces(chunks):
            file.write(piece)
    return None


def _prune() -> None:
    """Keep the newest builds; remove older ones and what dead builders left."""
    for build in builds()[KEEP_BUILDS:]:
        shutil.rmtree(build.path, ignore_errors=True)
    for path in root().glob(".building-*"):
        pid = int(path.name.rsplit("-", 1)[1])
        if not _alive(pid):
            shutil.rmtree(path, ignore_errors=True)


# --- One builder at a time ---------------------------------------------------


@contextmanager
def _builder_lock() -> Iterator[bool]:
    """Hold the builders' lock (True), or say another builder holds it (False)."""
    root().mkdir(parents=True, exist_ok=True)
    with open(root() / LOCK, "a+", encoding="ascii") as lock:
        try:
            fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            yield False
            return
        try:
            lock.truncate(0)
            lock.write(str(os.getpid()))
            lock.flush()
            yield True
        finally:
            lock.truncate(0)
            lock.flush()
            fcntl.flock(lock, fcntl.LOCK_UN)


def building() -> bool:
    """Whether a builder is at work (the pid in the lock file is alive)."""
    try:
        text = (root() / LOCK).read_text(encoding="ascii").strip()
    except FileNotFoundError:
        return False
    return text.isdigit() and _alive(int(text))


def note_served_live(version: int) -> None:
    """Say that a request answered from the data of ``version`` itself: until its
    build is written, the others do too, not from the build before (helper-15)."""
    root().mkdir(parents=True, exist_ok=True)
    (root() / LIVE).write_text(str(version), encoding="ascii")


def _served_live(version: int) -> bool:
    try:
        return (root() / LIVE).read_text(encoding="ascii") == str(version)
    except FileNotFoundError:
        return False


def _asked_for_lately() -> bool:
    """Whether a build was started in the last ``STARTING_SECONDS``."""
    try:
        asked = (root() / REQUESTED).stat().st_mtime
    except FileNotFoundError:
        return False
    return time.time() - asked < STARTING_SECONDS


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


# --- Starting a build ----------------------------------------------------------


def start_build() -> None:
    """Start ``manage.py build_open_data`` in a process of its own (it outlives a
    request and a worker), its output appended to ``build.log``."""
    root().mkdir(parents=True, exist_ok=True)
    (root() / REQUESTED).touch()
    with open(root() / "build.log", "ab") as log:
        subprocess.Popen(
            [
                sys.executable,
                str(Path(settings.BASE_DIR) / "manage.py"),
                "build_open_data",
            ],
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=log,
            start_new_session=True,
            cwd=settings.BASE_DIR,
        )


def build_after_change(**kwargs) -> None:
    """Start a build once a change has committed (``caching.data_version_bumped``)."""
    if settings.OPEN_DATA_BUILD_AFTER_CHANGE:
        start_build()
