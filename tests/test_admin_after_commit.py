"""An import the admin confirmed and the database committed never answers 500: a
failure in what follows the commit (the data version, the admin's log entries, the
upload's removal) is logged and shown as a warning beside "取り込みました"; a
database error before the commit is told as it is."""

import logging

import pytest
from django.db import OperationalError, connection

from budgets import caching, uploads
from budgets.admin import ProjectAdmin
from budgets.importing import service
from budgets.models import ImportEvent, Project
from tests.test_uploads import form_with, make_clerk, preview

# commit hooks run for real; the rows the migrations made (groups, content types)
# restored after each test, as the tests run after it expect them
pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)

SAVED = "新規 32 件"
WARNED = "取り込みは保存しました。ただし"


def locked(*args, **kwargs):
    raise OperationalError("database is locked")


def confirm(django_app, clerk, seed_bytes):
    page = preview(django_app, clerk, seed_bytes, publish=True)
    return form_with(page, "upload").submit("confirm", user=clerk)


@pytest.fixture
def clerk():
    return make_clerk("clerk")


@pytest.mark.parametrize(
    "target, name",
    [
        (caching, "bump_data_version"),  # a commit hook of the import
        (ProjectAdmin, "generate_log_entries"),  # the admin's history of it
        (uploads, "consume"),  # the upload's removal
    ],
)
def test_a_failure_after_the_commit_is_logged_and_the_import_reported_saved(
    django_app, clerk, seed_bytes, monkeypatch, caplog, target, name
):
    monkeypatch.setattr(target, name, locked)
    with caplog.at_level(logging.ERROR, logger="budgets"):
        done = confirm(django_app, clerk, seed_bytes)

    assert done.status_code == 302
    page = done.follow(user=clerk)
    assert SAVED in page.text and WARNED in page.text
    assert Project.objects.count() == 32 and ImportEvent.objects.count() == 1
    logged = [r for r in caplog.records if r.levelno == logging.ERROR and r.exc_info]
    assert "database is locked" in str(logged[0].exc_info[1])


def test_a_database_error_at_the_confirm_is_told_not_hidden(
    django_app, clerk, seed_bytes, monkeypatch
):
    def broken_write(plan, **kwargs):
        with connection.cursor() as cursor:
            cursor.execute("SELECT no_such_column FROM budgets_project")

    monkeypatch.setattr(service, "apply_plan", broken_write)
    page = confirm(django_app, clerk, seed_bytes).follow(user=clerk)

    assert "保存中にデータベースのエラーが起きました" in page.text
    assert "同時" not in page.text and SAVED not in page.text
    assert not Project.objects.exists() and not ImportEvent.objects.exists()
