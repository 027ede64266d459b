"""Who may: the finance group edits and imports, the reader group only reads."""

import pytest
from django.contrib.auth.models import Group, User
from django.core.files.uploadedfile import SimpleUploadedFile

from budgets.models import Project

pytestmark = pytest.mark.django_db


def staff(client, *groups: str) -> User:
    user = User.objects.create_user("u", password="not-used-123", is_staff=True)
    user.groups.set(Group.objects.filter(name__in=groups))
    client.force_login(user)
    return user


def test_the_migration_made_both_groups():
    assert set(Group.objects.values_list("name", flat=True)) >= {"財務担当", "閲覧"}


def test_a_reader_sees_everything_and_forged_posts_change_nothing(
    client, fy2021, seed_bytes
):
    staff(client, "閲覧")
    project = Project.objects.get(no=1)
    change = f"/admin/budgets/project/{project.pk}/change/"

    assert client.get("/admin/budgets/project/").status_code == 200
    assert client.get(change).status_code == 200  # the read-only view
    assert client.post(change, {"name": "x", "budgeted": 0}).status_code == 403
    assert client.post("/admin/budgets/project/add/", {"name": "x"}).status_code == 403
    delete = f"/admin/budgets/project/{project.pk}/delete/"
    assert client.post(delete, {"post": "yes"}).status_code == 403
    assert client.get("/admin/budgets/project/import/").status_code == 403
    upload = client.post(
        "/admin/budgets/project/import/",
        {"import_file": SimpleUploadedFile("t.txt", seed_bytes), "format": "0"},
    )
    assert upload.status_code == 403
    bulk = client.post(
        "/admin/budgets/project/",
        {"action": "delete_selected", "_selected_action": [project.pk], "post": "yes"},
    )
    # a reader has no delete_selected action: the changelist is shown again, 200
    assert bulk.status_code == 200
    project.refresh_from_db()
    assert project.name == "融資事業"
    assert Project.objects.count() == 32
    assert "年度の表を取り込む" not in client.get("/admin/").content.decode()


def test_finance_staff_may_import_and_see_the_link(client, fy2021):
    staff(client, "財務担当")
    assert client.get("/admin/budgets/project/import/").status_code == 200
    assert "年度の表を取り込む" in client.get("/admin/").content.decode()


def test_staff_without_a_group_can_do_nothing(client, fy2021):
    staff(client)
    project = Project.objects.get(no=1)
    assert client.get("/admin/budgets/project/").status_code == 403
    assert client.get(f"/admin/budgets/project/{project.pk}/change/").status_code == 403


def test_repeated_failed_logins_lock_the_account_with_a_clear_message(client, db):
    User.objects.create_user("clerk", password="right-password-1", is_staff=True)
    for _attempt in range(5):
        client.post("/admin/login/", {"username": "clerk", "password": "wrong"})

    response = client.post(
        "/admin/login/", {"username": "clerk", "password": "right-password-1"}
    )

    assert response.status_code == 429
    assert "ログインを一時的に止めています" in response.content.decode()
    assert "_auth_user_id" not in client.session
