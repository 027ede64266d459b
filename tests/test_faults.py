"""Nothing lost under faults: an import that dies halfway leaves no trace."""

from unittest import mock

import pytest

from budgets.importing import bulk, import_table, writing
from budgets.models import ImportEvent, Project
from tests.test_importing import database_snapshot

pytestmark = pytest.mark.django_db


def failing_after(calls: int, at_failure: dict | None = None):
    """Make the importer die at its ``calls + 1``-th project; note what was written."""
    real = writing.search_text
    seen = {"n": 0}

    def search_text(row):
        seen["n"] += 1
        if seen["n"] > calls:
            if at_failure is not None:
                at_failure["projects"] = Project.objects.count()
                at_failure["history"] = Project.history.count()
            raise RuntimeError("power cut")
        return real(row)

    return mock.patch.object(writing, "search_text", side_effect=search_text)


def test_an_import_killed_halfway_leaves_an_empty_database_empty(
    seed_bytes, monkeypatch, private_uploads
):
    monkeypatch.setattr(bulk, "BATCH_SIZE", 10)  # two batches written, then death
    before = database_snapshot()
    at_failure: dict = {}
    with failing_after(20, at_failure), pytest.raises(RuntimeError):
        import_table(seed_bytes)

    assert at_failure == {"projects": 20, "history": 20}  # it did die halfway
    assert database_snapshot() == before
    assert not ImportEvent.objects.exists()
    assert not Project.history.exists()
    kept = private_uploads / "sources"  # nor a copy of the file (conftest's folder)
    assert not kept.exists() or not any(path.is_file() for path in kept.rglob("*"))


def test_an_update_killed_halfway_leaves_the_year_as_it_was(
    fy2021, seed_text, monkeypatch, private_uploads
):
    monkeypatch.setattr(bulk, "BATCH_SIZE", 1)  # one project updated, then death
    before = database_snapshot()
    history_before = Project.history.count()
    changed = seed_text.replace("3,191,866", "3,000,000").replace("50,535", "50,000")

    at_failure: dict = {}
    with failing_after(1, at_failure), pytest.raises(RuntimeError):
        import_table(changed.encode())

    assert at_failure["history"] == history_before + 1  # the first update was written
    assert database_snapshot() == before
    assert Project.history.count() == history_before
    assert ImportEvent.objects.count() == 1
    # the first import's file stays: its record names it
    [event] = ImportEvent.objects.all()
    assert (private_uploads / "sources" / event.source.name).is_file()


def test_a_rolled_back_import_keeps_the_file_an_earlier_import_names(
    fy2021, seed_bytes, monkeypatch, private_uploads
):
    from django.db import DatabaseError

    from budgets import source_files

    [earlier] = ImportEvent.objects.all()
    kept = private_uploads / "sources" / earlier.source.name
    real_keep = source_files.keep

    def keep_then_fail(event, data, *, kind):
        real_keep(event, data, kind=kind)  # the same bytes: the same file
        raise DatabaseError("the disk is full")

    monkeypatch.setattr(source_files, "keep", keep_then_fail)

    report = import_table(seed_bytes)

    assert not report.ok and ImportEvent.objects.count() == 1
    assert kept.is_file()  # the earlier import's record still names it
