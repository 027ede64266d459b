"""Two imports at once: nothing is silently mixed (two clerks editing one record:
tests/test_admin_editing.py)."""

import threading

import pytest
from django.db import connection

from budgets.importing import import_table
from budgets.models import Project

pytestmark = pytest.mark.django_db


@pytest.mark.django_db(transaction=True)
def test_two_imports_of_the_same_year_at_once_never_mix(seed_bytes):
    barrier = threading.Barrier(2)
    reports = []

    def run() -> None:
        try:
            barrier.wait()
            reports.append(import_table(seed_bytes, filename="same.txt"))
        finally:
            connection.close()

    threads = [threading.Thread(target=run) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert Project.objects.count() == 32
    assert Project.history.filter(history_type="+").count() == 32
    written = [r for r in reports if r.ok and r.written]
    assert len(written) == 1
    other = next(r for r in reports if r is not written[0])
    # the other one waited and found nothing to do, or was refused with a reason
    assert (other.ok and other.counts()["unchanged"] == 32) or (
        not other.ok and "同時に" in other.problems[0].message
    )
