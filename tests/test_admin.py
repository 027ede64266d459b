"""Finance staff in the admin: import with a preview, confirm, edit, export."""

import pytest
from django.contrib.admin.models import LogEntry
from django.contrib.auth.models import Permission, User
from django.core.files.uploadedfile import SimpleUploadedFile

from budgets.importing import import_table
from budgets.models import FiscalYear, Project
from tests.tables import project_line, seed_cells, to_csv

pytestmark = pytest.mark.django_db

IMPORT_URL = "/admin/budgets/project/import/"
PROCESS_URL = "/admin/budgets/project/process_import/"


def upload(client, data: bytes, name: str = "r03.txt", **extra):
    return client.post(
        IMPORT_URL,
        {
            "import_file": SimpleUploadedFile(name, data),
            "format": "0",
            "resource": "0",
            **extra,
        },
    )


def test_admin_index_and_every_changelist_open(admin_client, fy2021):
    assert admin_client.get("/admin/").status_code == 200
    for model in (
        "fiscalyear",
        "theme",
        "department",
        "section",
        "project",
        "projectlineage",
    ):
        assert admin_client.get(f"/admin/budgets/{model}/").status_code == 200
    project = Project.objects.get(no=1)
    assert (
        admin_client.get(f"/admin/budgets/project/{project.pk}/change/").status_code
        == 200
    )


def test_import_preview_shows_what_will_happen_and_writes_nothing(
    admin_client, seed_bytes
):
    response = upload(admin_client, seed_bytes, publish="on")

    assert response.status_code == 200
    content = response.content.decode()
    assert "取り込みの確認" in content
    assert "令和3年度（2021年度）" in content
    assert "14,511,093" in content
    assert "産業・地域振興支援部" in content  # new departments listed
    assert response.context["confirm_form"] is not None
    assert not Project.objects.exists()


def test_confirming_the_preview_imports_the_table(admin_client, seed_bytes):
    preview = upload(admin_client, seed_bytes, publish="on")
    confirm = preview.context["confirm_form"]

    response = admin_client.post(
        PROCESS_URL, {**confirm.initial, "confirm": "1"}, follow=True
    )

    assert response.status_code == 200
    assert Project.objects.count() == 32
    assert FiscalYear.objects.get(year=2021).is_published
    messages = [str(m) for m in response.context["messages"]]
    assert any("新規 32 件" in m for m in messages)
    entry = LogEntry.objects.get()
    assert "r03.txt" in entry.change_message and entry.object_repr.startswith(
        "令和3年度"
    )


def test_preview_of_a_changed_table_shows_old_and_new(admin_client, fy2021, seed_text):
    data = seed_text.replace("3,191,866", "3,000,000").encode()

    content = upload(admin_client, data).content.decode()

    assert "変わる事業" in content
    # No 1's budgeted amount, field by field: old, then new, with their commas
    assert "<td>3,191,866</td><td>3,000,000</td>" in content


def test_preview_shows_a_line_break_added_to_a_description(
    admin_client, fy2021, seed_text
):
    # helper-13: shown as a space, the change looked like none
    rows = seed_cells(seed_text)
    row = rows[project_line(rows, 1) - 1]
    row[5] = row[5].replace("、", "、\n", 1)  # inside the text, not at its end
    assert "\n" in row[5]

    content = upload(admin_client, to_csv(rows), "r03.csv").content.decode()

    assert row[5].replace("\n", "<br>") in content


def test_the_change_list_shows_amounts_with_their_commas(admin_client, fy2021):
    content = admin_client.get("/admin/budgets/project/?q=融資").content.decode()

    assert '<td class="field-budgeted">3,191,866</td>' in content


def test_a_bad_table_is_refused_with_its_problems_listed(admin_client, seed_text):
    data = seed_text.replace("3,826,938", "abc").encode()

    response = upload(admin_client, data)

    content = response.content.decode()
    assert "この表は取り込めません" in content
    assert "要求額" in content and "abc" in content
    assert (
        "confirm_form" not in response.context or not response.context["confirm_form"]
    )
    assert not Project.objects.exists()


def test_cp932_csv_upload_is_detected(admin_client, seed_text):
    rows = [
        ",".join(f'"{c}"' for c in line.split("\t")) for line in seed_text.split("\n")
    ]
    data = "\r\n".join(rows).replace("₂", "2").encode("cp932")

    response = upload(admin_client, data, name="r03.csv")

    assert "cp932" in response.content.decode()
    assert response.context["confirm_form"] is not None


def test_staff_without_the_import_permission_cannot_import(client, seed_bytes):
    clerk = User.objects.create_user("clerk", password="pw-12345678", is_staff=True)
    clerk.user_permissions.add(Permission.objects.get(codename="view_project"))
    client.force_login(clerk)

    assert client.get(IMPORT_URL).status_code == 403
    assert upload(client, seed_bytes).status_code == 403
    assert not Project.objects.exists()


def test_export_from_the_admin_is_the_open_data_csv(admin_client, fy2021, client):
    response = admin_client.post(
        "/admin/budgets/project/export/", {"format": "0", "resource": "0"}
    )

    assert response.status_code == 200
    public = b"".join(client.get("/projects.csv").streaming_content)
    assert response.content == public


def test_the_admins_export_of_two_years_comes_as_its_list_shows_them(
    admin_client, fy2021, client, seed_text
):
    # helper-19: the export now follows the change list's order, as the public
    # list's CSV follows the public list's
    fy2022 = seed_text.replace("令和3年度", "令和4年度").encode()
    assert import_table(fy2022, filename="r04.txt", publish=True).ok

    exported = admin_client.post(
        "/admin/budgets/project/export/", {"format": "0", "resource": "0"}
    ).content

    years = [line.split(b",", 1)[0] for line in exported.splitlines()[1:]]
    assert years == [b"2022"] * 32 + [b"2021"] * 32  # the newest first, as listed
    assert exported == b"".join(client.get("/projects.csv").streaming_content)


@pytest.mark.parametrize("description", ["-", "=SUM(A1)", "'quoted", "'=1+1"])
def test_the_admins_xlsx_export_imports_back_unchanged(
    admin_client, fy2021, description
):
    project = Project.objects.get(no=1)
    project.description = description
    project.save()
    exported = admin_client.post(
        "/admin/budgets/project/export/", {"format": "1", "resource": "0"}
    )
    assert exported["Content-Type"].startswith(
        "application/vnd.openxmlformats-officedocument.spreadsheetml"
    )

    report = import_table(exported.content, filename="export.xlsx")

    assert report.counts()["changed"] == 0
    assert Project.objects.get(no=1).description == description
