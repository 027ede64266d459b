"""The admin's upload store: a file waits between preview and confirm, for its user.

The clerk's story is driven through the pages as they render (django-webtest). The
attack tests forge the confirm POST on purpose (names with ``forged``): a file name,
a path, another user's key, a made-up key; each must read, delete and import nothing.
"""

import hashlib
import os
import re
import tempfile
from datetime import timedelta
from pathlib import Path

import pytest
from django.contrib.auth.models import Group, User
from django.core.files.uploadedfile import SimpleUploadedFile, TemporaryUploadedFile
from django.core.management import call_command
from django.utils import timezone, translation
from webtest import Upload as FileUpload

from budgets import uploads
from budgets.admin import BudgetImportForm
from budgets.models import FiscalYear, ImportEvent, Project, Upload
from budgets.resources import BudgetTableFormat, ProjectResource
from tests.factories import make_fiscal_year, make_project

pytestmark = pytest.mark.django_db

IMPORT_URL = "/admin/budgets/project/import/"
PROCESS_URL = "/admin/budgets/project/process_import/"
REFUSED = "この取り込みは確定できません"
MB = 1024 * 1024


def make_clerk(name: str) -> User:
    user = User.objects.create_user(name, password="not-used-123", is_staff=True)
    user.groups.set(Group.objects.filter(name="財務担当"))
    return user


@pytest.fixture
def clerk(db) -> User:
    return make_clerk("clerk")


def stored_files() -> list[str]:
    try:
        return sorted(uploads.storage().listdir("")[1])
    except FileNotFoundError:
        return []


def kept_files(upload: Upload) -> list[str]:
    """The upload's file and the preview's reading of it (budgets.upload_parses)."""
    return sorted([upload.stored_name, uploads.parse_name(upload)])


def form_with(page, field: str):
    return next(form for form in page.forms.values() if field in form.fields)


def preview(app, user, data: bytes, name: str = "r03.txt", **choices):
    page = app.get(IMPORT_URL, user=user)
    form = form_with(page, "import_file")
    form["import_file"] = FileUpload(name, data)
    for field, value in choices.items():
        form[field] = value
    return form.submit(user=user)


def old(path: Path, hours: float = 2) -> None:
    stamp = (timezone.now() - timedelta(hours=hours)).timestamp()
    os.utime(path, (stamp, stamp))


# --- The clerk's story -------------------------------------------------------------


def test_a_clerk_uploads_previews_and_confirms_a_table(django_app, clerk, seed_bytes):
    page = preview(django_app, clerk, seed_bytes, publish=True)

    assert "取り込みの確認" in page.text
    # the button after what it confirms (helper-13: the library put it first)
    assert page.text.index("取り込みの確認") < page.text.index('name="confirm"')
    upload = Upload.objects.get()
    assert upload.user == clerk and upload.original_name == "r03.txt"
    assert upload.sha256 == hashlib.sha256(seed_bytes).hexdigest()
    assert upload.size == len(seed_bytes)
    assert stored_files() == kept_files(upload)
    assert not Project.objects.exists()

    done = form_with(page, "upload").submit("confirm", user=clerk).follow(user=clerk)

    assert "新規 32 件" in done.text
    assert Project.objects.count() == 32
    assert ImportEvent.objects.get().filename == "r03.txt"
    assert not Upload.objects.exists() and stored_files() == []


def test_the_preview_says_a_new_title_and_a_renamed_theme(
    django_app, clerk, fy2021, seed_text
):
    title = "令和3年度当初予算 新規事業及びレベルアップ事業一覧"
    theme = "新型コロナウイルス感染症"
    assert title in seed_text and theme in seed_text
    changed = seed_text.replace(title, "令和3年度 当初予算（訂正）").replace(
        theme, "感染症", 1
    )

    page = preview(django_app, clerk, changed.encode())

    said = page.html.select_one(".import-year-changes").get_text()
    assert f"表題が変わります: 「{title}」→「令和3年度 当初予算（訂正）」" in said
    assert "施策の柱の名前が変わります: 1 「" in said and "」→「感染症" in said


CHANGED_SINCE = "確認画面を開いた後に、他の取り込みか編集でデータが変わりました"


def test_a_preview_older_than_another_import_is_not_confirmed(
    django_app, clerk, fy2021, seed_text
):
    # helper-13: two tabs, two previews; confirming the second undid the first
    # import's change, which its preview never showed
    no1 = Project.objects.get(no=1)
    no2 = Project.objects.get(no=2)
    first_budget, second_budget = f"{no1.budgeted:,}", f"{no2.budgeted:,}"
    first = seed_text.replace(first_budget, "3,300,000", 1)
    second = seed_text.replace(second_budget, "50,000", 1)
    assert first != seed_text and second != seed_text
    page_a = preview(django_app, clerk, first.encode(), "r03_a.txt")
    page_b = preview(django_app, clerk, second.encode(), "r03_b.txt")

    form_with(page_a, "upload").submit("confirm", user=clerk)
    done = form_with(page_b, "upload").submit("confirm", user=clerk)

    assert CHANGED_SINCE in done.follow(user=clerk).text
    no1.refresh_from_db(), no2.refresh_from_db()
    assert (no1.budgeted, no2.budgeted) == (3_300_000, 50_535)  # A's, and B not
    assert ImportEvent.objects.filter(filename="r03_b.txt").count() == 0
    assert not Upload.objects.exists()  # B's file let go: choose it again


def test_a_preview_older_than_an_edit_is_not_confirmed(
    django_app, clerk, fy2021, seed_text
):
    page = preview(
        django_app, clerk, seed_text.replace("融資", "中小企業融資").encode()
    )
    Project.objects.filter(no=32).update(budgeted=9_999)  # a colleague's, meanwhile

    done = form_with(page, "upload").submit("confirm", user=clerk)

    # the import would now also set No 32 back, which its preview never showed
    assert CHANGED_SINCE in done.follow(user=clerk).text
    assert not Project.objects.filter(name__contains="中小企業融資").exists()
    assert Project.objects.get(no=32).budgeted == 9_999


def test_a_confirm_in_the_moment_after_another_commits_is_refused_too(
    django_app, clerk, fy2021, seed_text, django_capture_on_commit_callbacks
):
    # helper-15: A committed, its bump of the data version still pending; B,
    # planned before A, went through and wrote the seed's value over A's
    no1 = Project.objects.get(no=1)
    first = seed_text.replace(f"{no1.budgeted:,}", "3,300,000", 1)
    page_a = preview(django_app, clerk, first.encode(), "r03_a.txt")
    page_b = preview(django_app, clerk, seed_text.encode(), "r03_b.txt")
    with django_capture_on_commit_callbacks(execute=False) as pending:
        form_with(page_a, "upload").submit("confirm", user=clerk)
    assert pending  # A's bump not run yet

    done = form_with(page_b, "upload").submit("confirm", user=clerk)

    assert CHANGED_SINCE in done.follow(user=clerk).text
    no1.refresh_from_db()
    assert no1.budgeted == 3_300_000
    assert not ImportEvent.objects.filter(filename="r03_b.txt").exists()


def test_an_edit_the_preview_does_not_touch_does_not_stop_its_confirm(
    django_app, clerk, fy2021, seed_text
):
    page = preview(
        django_app, clerk, seed_text.replace("融資", "中小企業融資").encode()
    )
    make_project(fiscal_year=make_fiscal_year(year=2030, is_published=False))

    done = form_with(page, "upload").submit("confirm", user=clerk)

    assert CHANGED_SINCE not in done.follow(user=clerk).text
    assert Project.objects.filter(name__contains="中小企業融資").exists()


def test_the_preview_reads_a_changed_category_as_the_table_writes_it(
    django_app, clerk, fy2021, seed_text
):
    from tests.test_commands import NO1_AS_NEW

    page = preview(django_app, clerk, seed_text.replace(*NO1_AS_NEW).encode())

    # helper-16: "二次経費区分 levelup → new"
    assert "<td>二次経費区分</td><td>レベルアップ</td><td>新規</td>" in page.text
    assert "levelup" not in page.text


def with_a_row_inserted_at(text: str, no: int) -> str:
    """The table with a new project as No ``no``, every later No one higher."""
    lines = []
    for line in text.splitlines():
        first, tab, rest = line.partition("\t")
        if tab and first.isdigit() and int(first) >= no:
            if int(first) == no:
                lines.append(
                    f"{no}\t企画経営部\t企画課\t新しい事業\t新規\t説明。"
                    "\t1,000\t-\t1,000\t-"
                )
            line = f"{int(first) + 1}\t{rest}"
        lines.append(line)
    return "\n".join(lines)


def test_a_table_whose_rows_were_renumbered_is_said_so_before_it_is_imported(
    django_app, clerk, fy2021, seed_text
):
    # helper-16: a row inserted as No 5; 28 projects took their neighbours' names,
    # amounts and history, and the preview said nothing of it
    page = preview(django_app, clerk, with_a_row_inserted_at(seed_text, 5).encode())

    warning = page.html.select_one(".import-renumbered").get_text(" ", strip=True)
    assert "この表の 27 件の事業名が、登録済みの別の No の事業名です" in warning
    stored_5 = Project.objects.get(no=5).name
    assert f"No 6「{stored_5}」（登録済みは No 5）" in warning


def test_a_name_two_nos_share_kept_at_its_own_no_is_no_renumbering(
    django_app, clerk, fy2021, seed_text
):
    # helper-18: No 3 and No 5 both 「事務費」; a new amount for No 3 was warned of
    # as "No 3 事務費 (stored as No 5)"
    Project.objects.filter(no__in=[3, 5]).update(name="事務費")
    no3, no5 = Project.objects.get(no=3), Project.objects.get(no=5)
    lines = []
    for line in seed_text.splitlines():
        cells = line.split("\t")
        if cells[0] in ("3", "5") and len(cells) == 10:
            cells[3] = "事務費"
            if cells[0] == "3":
                cells[8] = f"{no3.budgeted + 1:,}"
        lines.append("\t".join(cells))
    assert no5.name == "事務費"

    page = preview(django_app, clerk, "\n".join(lines).encode())

    assert "取り込みの確認" in page.text
    assert not page.html.select(".import-renumbered")


def test_a_corrected_name_alone_is_no_renumbering(django_app, clerk, fy2021, seed_text):
    page = preview(
        django_app, clerk, seed_text.replace("融資事業", "中小企業融資事業").encode()
    )

    assert "取り込みの確認" in page.text
    assert not page.html.select(".import-renumbered")


@pytest.mark.parametrize("option", ["prune", "publish"])
def test_a_confirm_whose_options_are_not_the_previews_is_refused(
    django_app, clerk, fy2021, seed_text, option
):
    # helper-16: the preview said No 32 would be kept; the confirm, its hidden
    # prune set to True, deleted it
    FiscalYear.objects.filter(year=2021).update(is_published=False)
    without_32 = "\n".join(
        line for line in seed_text.splitlines() if not line.startswith("32\t")
    )
    assert without_32 != seed_text
    page = preview(django_app, clerk, without_32.encode())
    confirm = form_with(page, "upload")

    confirm[option].force_value("True")
    done = confirm.submit("confirm", user=clerk)

    assert CHANGED_SINCE in done.follow(user=clerk).text
    assert Project.objects.filter(no=32).exists()
    assert not FiscalYear.objects.get(year=2021).is_published


def test_the_confirm_form_carries_only_the_uploads_key(django_app, clerk, seed_bytes):
    page = preview(django_app, clerk, seed_bytes)

    confirm = form_with(page, "upload")

    assert set(confirm.fields) == {
        "csrfmiddlewaretoken",
        "upload",
        "format",
        "resource",
        "publish",
        "prune",
        "confirm",
    }
    assert confirm["upload"].value == Upload.objects.get().key
    assert Upload.objects.get().stored_name not in page.text


def test_thousands_of_problems_show_the_first_thousand_and_what_they_are(
    django_app, clerk, seed_text
):
    # helper-16: 40,000 problems made a 5.6 MB page in 6.5 s
    lines = seed_text.splitlines()
    header, body = lines[:8], [line for line in lines[8:] if line[:1].isdigit()]
    rows = []
    for n in range(1, 3001):
        cells = body[(n - 1) % len(body)].split("\t")
        cells[0], cells[8] = str(n), "未定"  # 予算額 not an amount, on every row
        rows.append("\t".join(cells))
    page = preview(django_app, clerk, "\n".join(header + rows).encode())

    kinds = page.html.select(".budget-problem-kinds tbody tr")
    count, first, column, message = (
        td.get_text(strip=True) for td in kinds[0].select("td")
    )
    assert (count, first, column) == ("3,000", "9", "予算額")
    assert "金額" in message
    assert len(page.html.select(".budget-problems tbody tr")) == 1000
    assert re.search(r"問題の一覧は最初の 1,000 件です（全 3,\d{3} 件）。", page.text)
    assert len(page.body) < 1_000_000


def test_a_refused_table_leaves_no_upload_behind(django_app, clerk, seed_text):
    data = seed_text.replace("3,826,938", "abc").encode()

    page = preview(django_app, clerk, data)

    assert "この表は取り込めません" in page.text
    assert not Upload.objects.exists() and stored_files() == []


def test_a_file_above_the_limit_is_refused_naming_the_limit(
    django_app, clerk, settings, private_uploads
):
    settings.ADMIN_UPLOAD_MAX_BYTES = 3 * MB  # above Django's 2.5 MB kept in memory

    page = preview(django_app, clerk, b"x" * (3 * MB + 1))

    assert "3,145,729 バイト" in page.text
    assert "管理画面で取り込めるのは 3 MB（3,145,728 バイト）までです" in page.text
    assert "import_budget_table" in page.text
    assert not Upload.objects.exists() and stored_files() == []
    assert list((private_uploads / "incoming").iterdir()) == []


def test_a_file_at_the_limit_is_read(django_app, clerk, settings, seed_bytes):
    settings.ADMIN_UPLOAD_MAX_BYTES = len(seed_bytes)

    page = preview(django_app, clerk, seed_bytes)

    assert "取り込みの確認" in page.text


def test_the_default_limit_is_20_mb(settings):
    assert settings.ADMIN_UPLOAD_MAX_BYTES == 20 * MB


# --- Forged confirm requests ---------------------------------------------------------


@pytest.fixture
def victim(seed_bytes):
    """A file in the server's temp folder that holds a valid table."""
    handle, name = tempfile.mkstemp(prefix="victim-", dir=tempfile.gettempdir())
    os.write(handle, seed_bytes)
    os.close(handle)
    yield Path(name)
    Path(name).unlink(missing_ok=True)


def forged_confirm(client, **fields):
    return client.post(
        PROCESS_URL,
        {"format": "0", "resource": "0", "confirm": "1", **fields},
        follow=True,
    )


@pytest.mark.parametrize("how", ["name", "../name", "absolute"])
def test_a_forged_confirm_naming_a_temp_file_reads_and_deletes_nothing(
    client, clerk, victim, seed_bytes, how
):
    named = {"name": victim.name, "../name": f"../{victim.name}"}.get(how, str(victim))
    client.force_login(clerk)

    response = forged_confirm(
        client, upload=named, import_file_name=named, original_file_name="forged.txt"
    )

    assert victim.read_bytes() == seed_bytes
    assert not Project.objects.exists() and not ImportEvent.objects.exists()
    assert REFUSED in response.content.decode()


def test_a_forged_confirm_with_another_users_key_is_refused(
    django_app, client, clerk, seed_bytes
):
    page = preview(django_app, clerk, seed_bytes)
    upload = Upload.objects.get()
    client.force_login(make_clerk("intruder"))

    response = forged_confirm(client, upload=upload.key)

    assert REFUSED in response.content.decode()
    assert not Project.objects.exists()
    assert Upload.objects.get() == upload and stored_files() == kept_files(upload)
    form_with(page, "upload").submit("confirm", user=clerk)  # its owner still can
    assert Project.objects.count() == 32


def test_a_forged_made_up_key_is_refused(client, clerk):
    client.force_login(clerk)

    response = forged_confirm(client, upload="x" * 43)

    assert REFUSED in response.content.decode()
    assert response.redirect_chain[-1][0] == IMPORT_URL


def test_a_forged_file_name_is_not_what_the_import_records(
    django_app, client, clerk, seed_bytes
):
    preview(django_app, clerk, seed_bytes, name="r03_shinki.txt")
    client.force_login(clerk)

    forged_confirm(
        client, upload=Upload.objects.get().key, original_file_name="forged.txt"
    )

    assert ImportEvent.objects.get().filename == "r03_shinki.txt"
    assert Project.objects.count() == 32


def test_a_forged_format_index_is_refused_and_keeps_the_upload(
    django_app, client, clerk, seed_bytes
):
    preview(django_app, clerk, seed_bytes)
    client.force_login(clerk)

    response = forged_confirm(client, upload=Upload.objects.get().key, format="7")

    assert REFUSED in response.content.decode()
    assert Upload.objects.exists() and not Project.objects.exists()


def test_a_file_changed_in_the_store_is_refused_and_removed(
    django_app, client, clerk, seed_bytes
):
    page = preview(django_app, clerk, seed_bytes)
    upload = Upload.objects.get()
    with uploads.storage().open(upload.stored_name, "wb") as file:
        file.write(seed_bytes.replace(b"3,191,866", b"3,000,000"))

    response = form_with(page, "upload").submit("confirm", user=clerk).follow()

    assert REFUSED in response.text
    assert not Project.objects.exists()
    assert not Upload.objects.exists() and stored_files() == []


def test_an_expired_upload_cannot_be_confirmed(django_app, clerk, seed_bytes):
    page = preview(django_app, clerk, seed_bytes)
    Upload.objects.update(expires_at=timezone.now() - timedelta(seconds=1))

    response = form_with(page, "upload").submit("confirm", user=clerk).follow()

    assert REFUSED in response.text
    assert not Project.objects.exists()


# --- The store ---------------------------------------------------------------------


def test_the_store_names_the_file_itself_and_hashes_it_in_chunks(clerk):
    data = os.urandom(3 * MB + 17)
    uploaded = TemporaryUploadedFile("../../etc/passwd", "text/plain", len(data), None)
    uploaded.write(data)
    uploaded.seek(0)

    upload = uploads.save(uploaded, user=clerk)

    assert upload.original_name == "passwd"  # Django keeps the base name only
    assert upload.stored_name == f"{upload.key}.bin"
    assert upload.size == len(data)
    assert upload.sha256 == hashlib.sha256(data).hexdigest()
    assert uploads.read(upload) == data
    assert uploads.find(upload.key, clerk) == upload
    assert uploads.find(upload.key, make_clerk("other")) is None


def test_an_expired_upload_is_purged_and_a_fresh_one_kept(clerk):
    expired = uploads.save(SimpleUploadedFile("a.txt", b"a"), user=clerk)
    fresh = uploads.save(SimpleUploadedFile("b.txt", b"b"), user=clerk)
    Upload.objects.filter(pk=expired.pk).update(expires_at=timezone.now())

    assert uploads.purge_expired() == 1

    assert list(Upload.objects.all()) == [fresh]
    assert stored_files() == [fresh.stored_name]


def test_a_new_upload_purges_the_expired_ones(django_app, clerk, seed_bytes):
    expired = uploads.save(SimpleUploadedFile("a.txt", b"a"), user=clerk)
    Upload.objects.update(expires_at=timezone.now() - timedelta(minutes=1))

    preview(django_app, clerk, seed_bytes)

    assert not Upload.objects.filter(pk=expired.pk).exists()
    assert expired.stored_name not in stored_files()


def test_purge_removes_what_a_killed_worker_left(clerk, private_uploads):
    kept = uploads.save(SimpleUploadedFile("kept.txt", b"kept"), user=clerk)
    store = private_uploads / "uploads"
    incoming = private_uploads / "incoming"
    (store / "orphan.bin").write_bytes(b"no record")
    (store / "recent-orphan.bin").write_bytes(b"still being written")
    (incoming / "tmpab12cd.upload.txt").write_bytes(b"spooled")
    (incoming / "tmpfresh.upload.csv").write_bytes(b"a request in flight")
    (incoming / "notes.txt").write_bytes(b"not Django's")
    for path in (store / "orphan.bin", incoming / "tmpab12cd.upload.txt"):
        old(path)
    old(incoming / "notes.txt")
    old(store / kept.stored_name)  # old file, but its record has not expired

    assert uploads.purge_expired() == 2

    assert sorted(stored_files()) == sorted([kept.stored_name, "recent-orphan.bin"])
    assert sorted(p.name for p in incoming.iterdir()) == [
        "notes.txt",
        "tmpfresh.upload.csv",
    ]


def test_the_purge_uploads_command_says_what_it_removed(clerk, capsys):
    uploads.save(SimpleUploadedFile("a.txt", b"a"), user=clerk)
    Upload.objects.update(expires_at=timezone.now())

    call_command("purge_uploads")

    assert "Removed 1 file(s)." in capsys.readouterr().out
    assert not Upload.objects.exists()


def test_the_limit_is_told_in_english_too(settings):
    settings.ADMIN_UPLOAD_MAX_BYTES = MB
    big = SimpleUploadedFile("big.csv", b"x" * (MB + 1))
    form = BudgetImportForm(
        [BudgetTableFormat],
        [ProjectResource],
        data={"format": "0", "resource": "0"},
        files={"import_file": big},
    )

    with translation.override("en"):
        assert not form.is_valid()
        message = form.errors["import_file"][0]

    assert message == (
        "The file is too large (1,048,577 bytes). The admin imports files of up to "
        "1 MB (1,048,576 bytes); import a larger table with the command "
        "import_budget_table."
    )
