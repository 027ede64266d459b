"""The public pages' cache: a data version, cached pages, conditional requests.

Every change to the public data (a save or delete in the admin, an import) bumps a
*data version* kept in the cache. Page cache keys and ETags are built from it, from the
page's absolute URL, the language and the code's own version, so a change makes every
cached page and every ETag stale at once, with nothing to delete one by one.

With the local-memory cache (the default) each process has its own version: run one
process, or set ``REDIS_URL`` so that all processes share one cache and one version.

Each process also keeps the pages it served lately (``PAGE_CACHE_LOCAL_BYTES``), and
reads the shared version at most every ``PAGE_CACHE_VERSION_SECONDS`` (1 s): a change
made in one process shows in the others within that second, and a crowd reading the
same pages costs no round trip to Redis at all.
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
from django.db import transaction
from django.http import HttpRequest, HttpResponse, HttpResponseBase
from django.utils.cache import get_conditional_response, patch_cache_control
from django.utils.http import http_date
from django.utils.translation import get_language

DATA_VERSION_KEY = "budgets:data-version"
PAGE_KEY_PREFIX = "budgets:page:"
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
# (when it was read, the version): the shared version as this process last saw it
_seen: tuple[float, int] | None = None


def _remember(version: int) -> int:
    global _seen
    _seen = (time.monotonic(), version)
    return version


def data_version() -> int:
    """Return the current data version: the time (ns) of the last change."""
    seen = _seen
    if seen and time.monotonic() - seen[0] < settings.PAGE_CACHE_VERSION_SECONDS:
        return seen[1]
    version = cache.get(DATA_VERSION_KEY)
    if version is None:
        # Empty cache (first request, restart, flush): start a version no earlier
        # page can share.
        cache.add(DATA_VERSION_KEY, time.time_ns(), timeout=None)
        version = cache.get(DATA_VERSION_KEY) or time.time_ns()
    return _remember(version)


def bump_data_version() -> int:
    """Start a new data version: every cached page and ETag becomes stale."""
    old = cache.get(DATA_VERSION_KEY) or 0
    version = max(time.time_ns(), old + 1, (_seen or (0, 0))[1] + 1)
    cache.set(DATA_VERSION_KEY, version, timeout=None)
    return _remember(version)


def forget_local_copies() -> None:
    """Forget this process's pages and its memory of the data version."""
    global _seen
    _local_pages.clear()
    _seen = None


def reset() -> None:
    """Forget every cached page and the data version, here and in the shared cache."""
    cache.clear()
    forget_local_copies()


def data_changed(*, using: str | None = None, **kwargs) -> None:
    """Bump the data version now and again once the transaction commits.

    The second bump drops pages that a request rendered from the old rows while the
    change was still uncommitted. Connected to the budget models' post_save and
    post_delete; the importer, whose bulk writes send no signals, calls it itself.
    """
    bump_data_version()
    transaction.on_commit(bump_data_version, using=using)


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


def page_etag(request: HttpRequest, version: int) -> str:
    """Return the ETag of a public page: its URL, language, data and code."""
    variant = "\n".join(
        [
            request.build_absolute_uri(),
            get_language() or "",
            str(version),
            code_version(),
        ]
    )
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


def _stamp(response: HttpResponseBase, etag: str, last_modified: int) -> None:
    response["ETag"] = etag
    response["Last-Modified"] = http_date(last_modified)
    # Any cache may keep the page, but must ask us (a cheap 304) before reusing it.
    patch_cache_control(response, public=True, no_cache=True)


def cached_page(view: View) -> View:
    """Serve a public page from the cache, with ETag, Last-Modified and 304s.

    Only for pages that are the same for every visitor: nothing from the session,
    the user or a CSRF token may be in them. Only 200 responses are kept; a
    streamed one (the CSV) is kept when it is no larger than
    ``settings.PAGE_CACHE_MAX_BYTES``.
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
                _stamp(not_modified, etag, last_modified)
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
            else:
                entry["content"] = response.content
                cache.set(key, entry)
                _local_pages.put(key, entry)
        _stamp(response, etag, last_modified)
        return response

    return wrapper


class CachedPageMixin:
    """Serve a class-based public view through ``cached_page``."""

    @classmethod
    def as_view(cls, **initkwargs) -> View:
        return cached_page(super().as_view(**initkwargs))
