"""The API's answers say which data version they are, and a client holding one asks
again for nothing (helper-14: the API alone had no ETag, Last-Modified or
X-Data-Version, so a consumer could neither revalidate nor tell versions apart).

Each JSON answer carries the data version (``X-Data-Version``), an ETag made from it,
the URL, the language, the code and the ``Accept`` header (the format it chose),
and Last-Modified; a request whose ``If-None-Match`` or ``If-Modified-Since``
still holds gets 304 before the view runs. The browsable HTML pages are left as
Django REST framework makes them.
"""

from __future__ import annotations

import hashlib
from functools import wraps

from django.http import HttpRequest
from django.utils.cache import get_conditional_response

from budgets.caching import data_version, page_etag, stamp


def versioned(view):
    """Wrap an API view so its answers carry their version and revalidate."""

    @wraps(view)
    def wrapper(request: HttpRequest, *args, **kwargs):
        if request.method not in ("GET", "HEAD") or _browsable(request):
            return view(request, *args, **kwargs)
        version = data_version()
        etag = _etag(request, version)
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


class VersionedViewMixin:
    """An API view class whose view function is ``versioned``."""

    @classmethod
    def as_view(cls, *args, **kwargs):
        return versioned(super().as_view(*args, **kwargs))


def _etag(request: HttpRequest, version: int) -> str:
    variant = page_etag(request, version) + request.headers.get("Accept", "")
    return '"' + hashlib.sha256(variant.encode()).hexdigest()[:32] + '"'


def _browsable(request: HttpRequest) -> bool:
    """Whether DRF will answer with its HTML page (a browser's Accept)."""
    asked = request.GET.get("format")
    return asked != "json" and (
        asked == "api" or "text/html" in request.headers.get("Accept", "")
    )
