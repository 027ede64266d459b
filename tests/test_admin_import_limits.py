"""The admin's import takes tables up to ADMIN_IMPORT_MAX_ROWS projects; above, the
preview refuses the table and names the command."""

import pytest

from budgets.models import ImportEvent, Project, Upload
from tests.test_uploads import clerk, preview, stored_files  # noqa: F401

pytestmark = pytest.mark.django_db


def test_a_table_above_the_row_limit_is_refused_naming_the_command(
    django_app,
    clerk,  # noqa: F811
    settings,
    seed_bytes,
):
    settings.ADMIN_IMPORT_MAX_ROWS = 31  # the seed has 32 projects

    page = preview(django_app, clerk, seed_bytes)

    assert "この表は取り込めません" in page.text
    assert "この表には 32 件の事業があります" in page.text
    assert "管理画面で取り込めるのは 31 件までです" in page.text
    assert "import_budget_table" in page.text
    assert not any("upload" in form.fields for form in page.forms.values())
    assert not Upload.objects.exists() and stored_files() == []
    assert not Project.objects.exists() and not ImportEvent.objects.exists()


def test_a_table_at_the_row_limit_can_be_confirmed(
    django_app,
    clerk,  # noqa: F811
    settings,
    seed_bytes,
):
    settings.ADMIN_IMPORT_MAX_ROWS = 32

    page = preview(django_app, clerk, seed_bytes)

    assert "取り込みの確認" in page.text and "この表には" not in page.text
    assert any("upload" in form.fields for form in page.forms.values())
    assert Upload.objects.count() == 1


def test_the_default_row_limit_is_the_benchmarked_20000(settings):
    assert settings.ADMIN_IMPORT_MAX_ROWS == 20_000
