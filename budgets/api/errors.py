"""The API's errors in the reader's language.

Django's ``get_object_or_404`` says "No Project matches the given query.", in
English and naming the model, where DRF's own 404 says 「見つかりませんでした。」 in
the reader's language (helper-17: the same API answered in both). Every 404 the API
gives is DRF's.
"""

from __future__ import annotations

from django.http import Http404
from rest_framework.exceptions import NotFound
from rest_framework.views import exception_handler


def readable_exception_handler(exc, context):
    if isinstance(exc, Http404):
        exc = NotFound()
    return exception_handler(exc, context)
