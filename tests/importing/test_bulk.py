"""budgets.importing.bulk writes what the ORM would, history included."""

from datetime import UTC, datetime
from unittest import mock

import pytest
from django.db import transaction
from simple_history.utils import bulk_update_with_history

from budgets.importing import bulk, import_table, writing
from budgets.models import ImportEvent, Project
from tests.tables import project_line, seed_cells, to_text

pytestmark = pytest.mark.django_db

NOW = datetime(2022, 2, 14, 9, 30, 15, 123456, tzinfo=UTC)


def orm_update_projects(self, fiscal_year, changes) -> None:
    """The writer's update before bulk.update_rows: simple-history's bulk update."""
    values = {row["id"]: row for _no, row in changes}
    projects = list(Project.objects.filter(pk__in=values))
    for project in projects:
        for name, value in values[project.pk].items():
            setattr(project, name, value)
        project.version += 1
    fields = [name for name in next(iter(values.values())) if name != "id"]
    bulk_update_with_history(
        projects, Project, [*fields, "version"], batch_size=500, **self.history
    )


def changed_table(seed_text: str) -> bytes:
    """The seed with every amount changed, and names, sections, categories too."""
    rows = seed_cells(seed_text)
    for no in range(1, 33):
        cells = rows[project_line(rows, no) - 1]
        cells[8] = f"{int(cells[8].replace(',', '')) + no:,}"  # every budgeted
    one, two, three, eight = (rows[project_line(rows, no) - 1] for no in (1, 2, 3, 8))
    one[4], one[7], one[9] = "新規", "-", "-"  # level-up amounts to NULL
    eight[4], eight[7], eight[9] = "レベルアップ", "1,000", "0"  # NULL to amounts
    two[1], two[2] = "子ども家庭支援部", "保育課"  # moved to another section
    three[3] = "ワールドプロモーション（「港区」の魅力発信）"
    three[5] += "さらに、ＳＮＳでも配信します。"
    return to_text(rows)


def written(data: bytes, user) -> tuple[list, list]:
    """Import ``data``, return every project and history row, then roll back."""
    with transaction.atomic():
        report = import_table(data, filename="second.txt", user=user)
        assert report.ok, report.problems
        assert report.counts()["changed"] == 32
        events = dict(ImportEvent.objects.values_list("id", "filename"))
        projects = [
            by_event_name(values, events)
            for values in Project.objects.order_by("id").values()
        ]
        history = [
            by_event_name(record, events)
            for record in Project.history.order_by("id", "history_type").values()
        ]
        for record in history:
            del record["history_id"]
        transaction.set_rollback(True)
    return projects, history


def by_event_name(values: dict, events: dict) -> dict:
    """Import events named by their file: a rolled-back event's id is not reused
    on PostgreSQL."""
    return {
        key: events.get(value) if key.endswith("event_id") else value
        for key, value in values.items()
    }


def test_updated_rows_and_their_history_equal_the_orm_s(
    seed_text, admin_user, monkeypatch
):
    monkeypatch.setattr(bulk, "BATCH_SIZE", 10)  # several batches, one partial
    with mock.patch("django.utils.timezone.now", return_value=NOW):
        import_table(seed_text.encode(), filename="first.txt")
        changed = changed_table(seed_text)
        fast = written(changed, admin_user)
        with mock.patch.object(writing._Writer, "update_projects", orm_update_projects):
            orm = written(changed, admin_user)

    projects, history = fast
    assert {project["version"] for project in projects} == {2}
    updates = [record for record in history if record["history_type"] == "~"]
    assert len(updates) == 32
    assert {
        (r["history_user_id"], r["import_event_id"], r["history_change_reason"])
        for r in updates
    } == {(admin_user.pk, "second.txt", "取り込み: second.txt")}
    assert projects == orm[0]
    assert history == orm[1]
