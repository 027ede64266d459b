"""The API's answers say which data version they are, and a client holding one asks
again for nothing (helper-14: the API alone had no ETag, Last-Modified or
X-Data-Version, so a consumer could neither revalidate nor tell versions apart).

Each JSON answer goes through ``caching.revalidated``: the data version in
``X-Data-Version``, an ETag of it, the URL, the language, the code and the ``Accept``
header (the format chosen), and Last-Modified; a request whose ``If-None-Match`` or
``If-Modified-Since`` still holds gets 304 before the view runs. The browsable HTML
pages are left as Django REST framework makes them.
"""

from __future__ import annotations

from django.http import HttpRequest

from budgets.caching import revalidated


def versioned(view):
    """An API view whose JSON answers carry their version and revalidate."""
    return revalidated(view, unless=_browsable)


class VersionedViewMixin:
    """An API view class whose view function is ``versioned``."""

    @classmethod
    def as_view(cls, *args, **kwargs):
        return versioned(super().as_view(*args, **kwargs))


def _browsable(request: HttpRequest) -> bool:
    """Whether DRF may answer with its HTML page: anything but ``format=json`` that
    asks for a text type (``text/html``, ``text/*``, in any case: helper-15)."""
    asked = request.GET.get("format")
    if asked is not None:
        return asked != "json"
    return "text/" in request.headers.get("Accept", "").lower()
