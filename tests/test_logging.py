"""A server error with DEBUG off leaves its traceback in the server's log."""

import io
import logging
import sys

import pytest
from django.test import Client, override_settings

from budgets.views import HealthView

pytestmark = pytest.mark.django_db


@pytest.fixture
def server_log():
    """What the server writes to standard error (its log under gunicorn)."""
    handlers = logging.getLogger("django.request").handlers  # pytest adds its own
    (handler,) = [h for h in handlers if type(h) is logging.StreamHandler]
    assert handler.stream in (sys.stderr, sys.__stderr__)
    log = io.StringIO()
    previous = handler.setStream(log)
    yield log
    handler.setStream(previous)


@override_settings(DEBUG=False)
def test_an_unhandled_error_goes_to_standard_error_with_its_traceback(
    monkeypatch, server_log
):
    def broken(self, request):
        raise RuntimeError("the disk is full")

    monkeypatch.setattr(HealthView, "get", broken)

    response = Client(raise_request_exception=False).get("/health/")

    assert response.status_code == 500
    log = server_log.getvalue()
    assert "ERROR django.request" in log
    assert "Traceback (most recent call last)" in log
    assert "RuntimeError: the disk is full" in log
