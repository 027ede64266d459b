"""Nothing lost under faults: an import that dies halfway leaves no trace."""

from unittest import mock

import pytest

from budgets import importing
from budgets.importing import import_table
from budgets.models import ImportEvent, Project
from tests.test_importing import database_snapshot

pytestmark = pytest.mark.django_db


def failing_after(calls: int):
    real = importing._search_text
    seen = {"n": 0}

    def search_text(row):
        seen["n"] += 1
        if seen["n"] > calls:
            raise RuntimeError("power cut")
        return real(row)

    return mock.patch.object(importing, "_search_text", side_effect=search_text)


def test_an_import_killed_halfway_leaves_an_empty_database_empty(seed_bytes):
    before = database_snapshot()
    with failing_after(20), pytest.raises(RuntimeError):
        import_table(seed_bytes)

    assert database_snapshot() == before
    assert not ImportEvent.objects.exists()
    assert not Project.history.exists()


def test_an_update_killed_halfway_leaves_the_year_as_it_was(fy2021, seed_text):
    before = database_snapshot()
    history_before = Project.history.count()
    changed = seed_text.replace("3,191,866", "3,000,000").replace("50,535", "50,000")

    with failing_after(1), pytest.raises(RuntimeError):
        import_table(changed.encode())

    assert database_snapshot() == before
    assert Project.history.count() == history_before
    assert ImportEvent.objects.count() == 1
