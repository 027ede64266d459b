"""What the public sees is escaped; production settings pass Django's deploy check."""

import csv
import io
import os
import secrets
import subprocess
import sys
from pathlib import Path

import openpyxl
import pytest

from budgets.models import Project

pytestmark = pytest.mark.django_db

ROOT = Path(__file__).resolve().parent.parent
HOSTILE = '<script>alert("x")</script>'


def test_a_description_with_a_script_tag_is_shown_as_text(client, fy2021):
    project = Project.objects.get(no=1)
    project.description = HOSTILE
    project.name = HOSTILE
    project.save()

    for url in ("/projects/2021/1/", "/projects/?q=script"):
        content = client.get(url).content.decode()
        assert HOSTILE not in content
        assert "&lt;script&gt;" in content


def test_csv_and_xlsx_cells_cannot_run_as_formulas(client, admin_client, fy2021):
    project = Project.objects.get(no=1)
    project.name = '=HYPERLINK("http://evil")'
    project.description = "@SUM(1)"
    project.save()

    body = b"".join(client.get("/projects.csv").streaming_content).decode()
    first_row = next(csv.reader(io.StringIO(body.splitlines()[1])))
    assert first_row[6] == '\'=HYPERLINK("http://evil")'
    assert first_row[8] == "'@SUM(1)"
    assert first_row[9] == "3826938"

    response = admin_client.post(
        "/admin/budgets/project/export/", {"format": "1", "resource": "0"}
    )
    sheet = openpyxl.load_workbook(io.BytesIO(response.content)).active
    first = next(sheet.iter_rows(min_row=2, max_row=2))
    for cell, text in ((first[6], '=HYPERLINK("http://evil")'), (first[8], "@SUM(1)")):
        # a text cell, marked to show as text (Excel's leading '), never a formula
        assert (cell.value, cell.data_type, cell.quotePrefix) == (text, "s", True)
    assert first[9].value == 3_826_938  # amounts stay numbers


def test_pages_send_a_content_security_policy(client, fy2021):
    response = client.get("/")
    assert "default-src 'self'" in response["Content-Security-Policy"]
    assert response["X-Frame-Options"] == "DENY"


def test_production_settings_pass_the_deploy_check():
    env = {
        **os.environ,
        "DEBUG": "false",
        "HTTPS": "true",
        "SECRET_KEY": secrets.token_urlsafe(50),
        "ALLOWED_HOSTS": "budget.example.jp",
        "DATABASE_URL": "sqlite:///:memory:",
    }
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues" in result.stdout
