"""The public pages' cache: a data version, cached pages, conditional requests.

Every change to the public data (a save or delete in the admin or the shell, an import
in the admin or by ``manage.py import_budget_table``) bumps a *data version* kept in
the database (``DataVersion``, one row) when its transaction commits. Page cache keys
and ETags are built from it, from the page's absolute URL, the language and the code's
own version, so a change makes every cached page and every ETag stale at once, with
nothing to delete one by one.

Being in the database, the version is one for every process (the site's workers and
a command run beside them) whatever holds the pages: local memory (the default, one
cache per process) or Redis (``REDIS_URL``, one cache that all workers share, so a page
rendered by one serves them all).

Each process reads the version at most every ``PAGE_CACHE_VERSION_SECONDS`` (1 s, one
small query) and keeps the pages it served lately (``PAGE_CACHE_LOCAL_BYTES``): a
change shows in every process within that second, and a crowd reading the same pages
costs no query and no round trip to Redis. A change shows once its transaction
commits: at once in the process that made it, within that second in the others.
"""

from __future__ import annotations

import hashlib
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Iterable, Iterator
from functools import cache as memoize
from functools import wraps
from pathlib import Path

from django.conf import settings
from django.core.cache import cache
from django.db import models, transaction
from django.db.models.functions import Greatest
from django.dispatch import Signal
from django.http import HttpRequest, HttpResponse, HttpResponseBase
from django.utils.cache import get_conditional_response, patch_cache_control
from django.utils.http import http_date
from django.utils.translation import get_language

from budgets.models import DataVersion

PAGE_KEY_PREFIX = "budgets:page:"
# Sent once a committed change has raised the data version (budgets.opendata_build
# rebuilds the files of /data/ on it).
data_version_bumped = Signal()
# Where the code that shapes a page lives: a change there (a deploy) is a new page.
_CODE_DIRS = ("budgets", "templates", "locale", "static", "config")
_CODE_SUFFIXES = {".py", ".html", ".mo", ".css", ".js", ".svg"}

View = Callable[..., HttpResponseBase]


class _LocalPages:
    """The pages this process served lately, newest last, within a byte budget."""

    def __init__(self) -> None:
        self._entries: OrderedDict[str, dict] = OrderedDict()
        self._size = 0
        self._lock = threading.Lock()

    def get(self, key: str) -> dict | None:
        with self._lock:
            entry = self._entries.get(key)
            if entry is not None:
                self._entries.move_to_end(key)
            return entry

    def put(self, key: str, entry: dict) -> None:
        size = len(entry["content"])
        budget = settings.PAGE_CACHE_LOCAL_BYTES
        if size > budget // 4:
            return
        with self._lock:
            if key in self._entries:
                return
            self._entries[key] = entry
            self._size += size
            while self._size > budget:
                _, dropped = self._entries.popitem(last=False)
                self._size -= len(dropped["content"])

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()
            self._size = 0


_local_pages = _LocalPages()
# What this process knows of the data version: (when it read the database, the version)
_seen: tuple[float, int] | None = None


def read_data_version() -> int:
    """Return the data version in the database (one query); make its row if missing."""
    row, _ = DataVersion.objects.get_or_create(
        pk=1, defaults={"version": time.time_ns()}
    )
    return row.version


def _remember(version: int) -> int:
    global _seen
    _seen = (time.monotonic(), version)
    return version


def data_version() -> int:
    """Return the data version: about the time (ns) of the last committed change.

    Read from the database at most once every ``PAGE_CACHE_VERSION_SECONDS``.
    """
    seen = _seen
    if seen and time.monotonic() - seen[0] < settings.PAGE_CACHE_VERSION_SECONDS:
        return seen[1]
    return _remember(read_data_version())


def bump_data_version() -> int:
    """Raise the data version in the database: every cached page and ETag, in every
    process, becomes stale. It is the time of the change (ns), and at least a
    second after the version before, so that each version has a Last-Modified of
    its own (whole seconds): a client that revalidates by date alone is never
    told 304 for a change made in the same second (helper-15)."""
    DataVersion.objects.filter(pk=1).update(
        version=Greatest(
            models.F("version") + 10**9,
            models.Value(time.time_ns()),
            output_field=models.BigIntegerField(),
        )
    )
    return _remember(read_data_version())


def forget_local_copies() -> None:
    """Forget this process's pages, its memory of the data version and the menus
    kept with it (budgets.menus_once)."""
    from budgets import menus_once  # which reads the data version from here

    global _seen
    _local_pages.clear()
    menus_once.forget()
    _seen = None


def reset() -> None:
    """Forget every cached page, here and in the shared cache, and this process's
    memory of the data version (the version itself is data: it stays)."""
    cache.clear()
    forget_local_copies()


def data_changed(*, using: str | None = None, **kwargs) -> None:
    """Make the pages stale once the change commits: in this process at once, in
    the others within ``PAGE_CACHE_VERSION_SECONDS``.

    Bumping on commit also drops pages that a request rendered from the old rows
    while the change was uncommitted, and a change rolled back bumps nothing.
    Connected to the budget models' post_save and post_delete; the importer, whose
    bulk writes send no signals, calls it itself.
    """
    if not _bump_pending(using):  # one bump per transaction: a bulk delete is one
        transaction.on_commit(BumpOnCommit(), using=using)


class BumpOnCommit:
    """A transaction's bump of the data version, run when the transaction commits.

    ``done``: a bump already run is not pending, even while still listed (Django's
    test helper runs commit callbacks without clearing them).
    """

    def __init__(self) -> None:
        self.done = False

    def __call__(self) -> None:
        self.done = True
        bump_data_version()
        data_version_bumped.send(sender=BumpOnCommit)


def _bump_pending(using: str | None) -> bool:
    """Whether a bump is already due when this change commits.

    Django keeps a transaction's commit callbacks as (the savepoints open when it
    was registered, callback, robust) and drops a callback when one of its
    savepoints rolls back. A bump registered within savepoints that are all still
    open around this change is dropped only with this change itself.

    It reads Django's private ``connection.run_on_commit`` so that a transaction of
    many changes (an import, a bulk delete in the admin) bumps the version once, not
    once per row; tests/test_caching.py pins that behaviour (one bump for many
    deletions, a bump lost with a rolled-back savepoint registered again), so a
    Django upgrade that changes the list fails there first.
    """
    connection = transaction.get_connection(using)
    # None stands for an atomic block without a savepoint (Django's deletions open
    # one): it cannot roll back alone, only with the block around it
    open_savepoints = set(connection.savepoint_ids) - {None}
    return any(
        isinstance(entry[1], BumpOnCommit)
        and not entry[1].done
        and entry[0] - {None} <= open_savepoints
        for entry in connection.run_on_commit
    )


@memoize
def code_version() -> str:
    """Return a fingerprint of the code and templates this process serves."""
    root = Path(settings.BASE_DIR)
    digest = hashlib.sha256()
    for name in _CODE_DIRS:
        for path in sorted((root / name).rglob("*")):
            if path.suffix in _CODE_SUFFIXES and path.is_file():
                digest.update(str(path.relative_to(root)).encode())
                digest.update(path.read_bytes())
    return digest.hexdigest()[:16]


def page_etag(request: HttpRequest, version: int, also: str = "") -> str:
    """Return the ETag of a public page: its URL, language, data and code, and
    ``also`` what else the answer varies with (the API's ``Accept``)."""
    parts = [request.build_absolute_uri(), get_language() or "", str(version)]
    variant = "\n".join([*parts, code_version(), *([also] if also else [])])
    return '"' + hashlib.sha256(variant.encode()).hexdigest()[:32] + '"'


def _tee_into_cache(
    chunks: Iterable[bytes], key: str, entry: dict, limit: int
) -> Iterator[bytes]:
    """Yield a streamed body and keep it in the cache if it stays under limit."""
    parts: list[bytes] | None = []
    size = 0
    for chunk in chunks:
        yield chunk
        if parts is not None:
            size += len(chunk)
            if size <= limit:
                parts.append(chunk)
            else:
                parts = None
    if parts is not None:
        entry = entry | {"content": b"".join(parts)}
        cache.set(key, entry)
        _local_pages.put(key, entry)


def stamp(response: HttpResponseBase, etag: str, last_modified: int) -> None:
    """Mark a public response with its version (the ETag) and time, revalidated."""
    response["ETag"] = etag
    response["Last-Modified"] = http_date(last_modified)
    # Any cache may keep the page, but must ask us (a cheap 304) before reusing it.
    patch_cache_control(response, public=True, no_cache=True)


def revalidated(
    view: View, *, unless: Callable[[HttpRequest], bool] | None = None
) -> View:
    """Mark a public view's answers with the data version (``X-Data-Version``, an
    ETag, Last-Modified) and answer 304 while the client holds it, before the view
    runs; nothing kept in the cache (for answers cheap to make: the API, the feed).
    The ETag also varies with ``Accept`` (the format chosen). ``unless``: requests
    left as the view answers them."""

    @wraps(view)
    def wrapper(request: HttpRequest, *args, **kwargs) -> HttpResponseBase:
        if (
            request.method not in ("GET", "HEAD")
            or (unless and unless(request))
            # "if any version exists": this cannot tell before the view answers
            or request.headers.get("If-None-Match", "").strip() == "*"
        ):
            return view(request, *args, **kwargs)
        version = data_version()
        etag = page_etag(request, version, request.headers.get("Accept", ""))
        last_modified = version // 10**9
        response = get_conditional_response(
            request, etag=etag, last_modified=last_modified
        )
        if response is None:
            response = view(request, *args, **kwargs)
        if response.status_code in (200, 304):
            stamp(response, etag, last_modified)
            response["X-Data-Version"] = str(version)
        return response

    return wrapper


def cached_page(view: View) -> View:
    """Serve a public page from the cache, with ETag, Last-Modified and 304s.

    Only for pages that are the same for every visitor: nothing from the session,
    the user or a CSRF token may be in them. Only 200 responses are kept, and only
    when no larger than ``settings.PAGE_CACHE_MAX_BYTES`` (a streamed one, the CSV,
    is measured as it streams).
    """

    @wraps(view)
    def wrapper(request: HttpRequest, *args, **kwargs) -> HttpResponseBase:
        if request.method not in ("GET", "HEAD"):
            return view(request, *args, **kwargs)
        version = data_version()
        etag = page_etag(request, version)
        last_modified = version // 10**9
        not_modified = get_conditional_response(
            request, etag=etag, last_modified=last_modified
        )
        if not_modified is not None:
            if not_modified.status_code == 304:
                stamp(not_modified, etag, last_modified)
            return not_modified

        key = PAGE_KEY_PREFIX + etag.strip('"')
        entry = _local_pages.get(key)
        if entry is None:
            entry = cache.get(key)
            if entry is not None:
                _local_pages.put(key, entry)
        if entry is not None:
            response = HttpResponse(entry["content"])
            for header, value in entry["headers"].items():
                response[header] = value
        else:
            response = view(request, *args, **kwargs)
            if callable(getattr(response, "render", None)):
                response = response.render()
            if response.status_code != 200:
                return response
            entry = {"headers": dict(response.items())}
            if response.streaming:
                response.streaming_content = _tee_into_cache(
                    response.streaming_content,
                    key,
                    entry,
                    settings.PAGE_CACHE_MAX_BYTES,
                )
            elif len(response.content) <= settings.PAGE_CACHE_MAX_BYTES:
                entry["content"] = response.content
                cache.set(key, entry)
                _local_pages.put(key, entry)
        stamp(response, etag, last_modified)
        return response

    return wrapper


class CachedPageMixin:
    """Serve a class-based public view through ``cached_page``."""

    @classmethod
    def as_view(cls, **initkwargs) -> View:
        return cached_page(super().as_view(**initkwargs))
