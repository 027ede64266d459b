"""Each import keeps the file it read; staff download it through a checked view."""

from __future__ import annotations

import hashlib

import pytest
from django.contrib.auth.models import Permission, User
from django.core.management import call_command

from budgets.importing import import_table
from budgets.models import ImportEvent, source_storage
from tests.conftest import FIXTURES, SEED
from tests.test_uploads import form_with, preview

pytestmark = pytest.mark.django_db

SEED_PDF = FIXTURES / "pdf" / "seed.pdf"


def source_url(event: ImportEvent) -> str:
    return f"/admin/budgets/importevent/{event.pk}/source/"


def test_an_import_from_the_command_keeps_the_file_it_read_with_its_sha256():
    call_command("import_budget_table", str(SEED_PDF))

    event = ImportEvent.objects.get()
    data = SEED_PDF.read_bytes()
    assert event.sha256 == hashlib.sha256(data).hexdigest()
    assert event.source.name == f"{event.sha256[:2]}/{event.sha256}.pdf"
    with source_storage().open(event.source.name, "rb") as kept:
        assert kept.read() == data


def test_the_same_file_imported_twice_is_stored_once(private_uploads):
    call_command("import_budget_table", str(SEED))
    call_command("import_budget_table", str(SEED))  # nothing changed: still recorded

    first, second = ImportEvent.objects.order_by("pk")
    assert first.source.name == second.source.name
    assert first.source.name.endswith(".txt")
    assert len(list((private_uploads / "sources").rglob("*.txt"))) == 1


def test_a_dry_run_and_a_refused_table_keep_nothing(private_uploads, seed_text):
    import_table(SEED_PDF.read_bytes(), dry_run=True)
    import_table(seed_text.replace("3,826,938", "abc").encode())

    assert not ImportEvent.objects.exists()
    assert not (private_uploads / "sources").exists()


def test_an_import_confirmed_in_the_admin_keeps_the_uploaded_file(
    django_app, admin_user
):
    data = SEED_PDF.read_bytes()
    page = preview(django_app, admin_user, data, name="r03.pdf")
    confirmed = form_with(page, "upload").submit("confirm", user=admin_user)
    assert confirmed.status_code == 302

    event = ImportEvent.objects.get()
    assert event.filename == "r03.pdf"
    with source_storage().open(event.source.name, "rb") as kept:
        assert kept.read() == data


def test_staff_download_the_kept_file_from_the_import_record(admin_client):
    call_command("import_budget_table", str(SEED_PDF))
    event = ImportEvent.objects.get()

    page = admin_client.get(f"/admin/budgets/importevent/{event.pk}/change/")
    assert f'href="{source_url(event)}"' in page.content.decode()
    response = admin_client.get(source_url(event))

    assert response.status_code == 200
    assert b"".join(response.streaming_content) == SEED_PDF.read_bytes()
    assert 'attachment; filename="seed.pdf"' in response["Content-Disposition"]


def test_only_staff_who_may_view_import_records_download_the_file(client):
    call_command("import_budget_table", str(SEED_PDF))
    event = ImportEvent.objects.get()
    clerk = User.objects.create_user("clerk", password="pw", is_staff=True)
    client.force_login(clerk)

    assert client.get(source_url(event)).status_code == 403
    clerk.user_permissions.add(Permission.objects.get(codename="view_importevent"))
    assert client.get(source_url(event)).status_code == 200


def test_the_public_cannot_reach_the_kept_file(client):
    call_command("import_budget_table", str(SEED_PDF))
    event = ImportEvent.objects.get()

    response = client.get(source_url(event))

    assert response.status_code == 302
    assert response["Location"].startswith("/admin/login/")


def test_a_kept_file_gone_from_the_storage_is_not_found(admin_client):
    call_command("import_budget_table", str(SEED_PDF))
    event = ImportEvent.objects.get()
    source_storage().delete(event.source.name)

    assert admin_client.get(source_url(event)).status_code == 404
