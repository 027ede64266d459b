"""Writing a plan: every change in the history, linked to its import; all or
nothing when the write dies halfway (the fault tests patch the named seams
``writing.search_text`` and ``bulk.BATCH_SIZE``, see tests/test_faults.py)."""

import pytest

from budgets.importing import apply_plan, parse_table, plan_import, read_source
from budgets.models import ImportEvent, Project, ProjectLineage

pytestmark = pytest.mark.django_db


def write(data: bytes, **kwargs) -> tuple[ImportEvent, int]:
    plan = plan_import(parse_table(read_source(data)), **kwargs)
    event = ImportEvent.objects.create(filename="r03.txt", sha256="0" * 64)
    return event, apply_plan(plan, event=event)


def test_each_new_project_gets_a_history_record_of_its_import_and_a_lineage(
    seed_bytes,
):
    event, pruned = write(seed_bytes, publish=True)

    assert pruned == 0
    assert Project.objects.count() == 32
    records = Project.history.all()
    assert records.count() == 32
    assert {r.import_event_id for r in records} == {event.pk}
    assert {r.history_change_reason for r in records} == {"取り込み: r03.txt"}
    assert ProjectLineage.objects.count() == 32
    assert not Project.objects.filter(lineage=None).exists()


def test_a_changed_project_gets_a_new_version_and_one_more_history_record(
    fy2021, seed_text
):
    project = Project.objects.get(no=1)

    write(seed_text.replace("3,191,866", "3,000,000").encode())

    project.refresh_from_db()
    assert (project.budgeted, project.version) == (3000000, 2)
    assert project.history.count() == 2
    assert project.history.first().budgeted == 3000000


def test_pruning_deletes_the_missing_projects_one_by_one_into_the_history(
    fy2021, seed_text
):
    lines = seed_text.split("\n")
    without_no_1 = "\n".join(line for line in lines if not line.startswith("1\t"))

    _event, pruned = write(without_no_1.encode(), prune=True)

    assert pruned == 1
    assert not Project.objects.filter(no=1).exists()
    assert Project.history.filter(history_type="-", no=1).count() == 1
