"""Two clerks, two imports: nothing is silently overwritten or mixed."""

import threading

import pytest
from django.db import connection

from budgets.importing import import_table
from budgets.models import Project

pytestmark = pytest.mark.django_db


def form_data(client, project) -> dict:
    form = (
        client.get(f"/admin/budgets/project/{project.pk}/change/")
        .context["adminform"]
        .form
    )
    data = {k: ("" if v is None else v) for k, v in form.initial.items()}
    return {k: v for k, v in data.items() if k not in ("created_at", "updated_at")}


def test_the_second_of_two_editors_is_stopped_not_overwriting(admin_client, fy2021):
    project = Project.objects.get(no=1)
    url = f"/admin/budgets/project/{project.pk}/change/"
    first = form_data(admin_client, project)
    second = form_data(admin_client, project)

    assert admin_client.post(url, first | {"budgeted": 3_100_000}).status_code == 302
    response = admin_client.post(url, second | {"budgeted": 3_150_000})

    assert response.status_code == 200
    assert "他の人が保存しています" in response.content.decode()
    assert Project.objects.get(no=1).budgeted == 3_100_000


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
