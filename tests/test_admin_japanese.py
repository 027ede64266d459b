"""The admin speaks Japanese to staff, superusers included, on the libraries' pages too.

simple-history's history pages and django-axes' records ship no Japanese: the project
catalogue locale/ja translates their words. English staff still read English.
"""

from pathlib import Path

import pytest
from django.conf import settings
from django.utils import translation

from budgets.models import Project
from tests.test_i18n import placeholders, read_po

pytestmark = pytest.mark.django_db

JA_PO = Path(settings.BASE_DIR) / "locale" / "ja" / "LC_MESSAGES" / "django.po"
JAPANESE = {"HTTP_ACCEPT_LANGUAGE": "ja"}
ENGLISH = {"HTTP_ACCEPT_LANGUAGE": "en"}


@pytest.fixture
def corrected(fy2021, admin_user) -> Project:
    """融資事業 with one correction by the superuser after the import."""
    project = Project.objects.get(name="融資事業")
    project.budgeted = 3_200_000
    project._history_user = admin_user
    project.save()
    return project


def page(client, url: str, language=JAPANESE) -> str:
    response = client.get(url, **language)
    assert response.status_code == 200, url
    return response.content.decode()


def history_url(project: Project) -> str:
    return f"/admin/budgets/project/{project.pk}/history/"


def lock_out(client) -> None:
    for _attempt in range(5):
        client.post("/admin/login/", {"username": "clerk", "password": "wrong"})


def test_the_history_page_is_japanese(admin_client, corrected):
    content = page(admin_client, history_url(corrected))

    for japanese in (
        "変更履歴: 令和3年度 No.1 融資事業",
        "下の一覧から版を選ぶと、その時点の内容を確かめて元に戻せます。",
        '<th scope="col">版</th>',
        '<th scope="col">予算額（千円）</th>',
        '<th scope="col">要求額（千円）</th>',
        '<th scope="col">取り込み記録</th>',
        '<th scope="col">日時</th>',
        '<th scope="col">操作</th>',
        '<th scope="col">変更した人</th>',
        '<th scope="col">変更の理由</th>',
        '<th scope="col">変更内容</th>',
        "<td>変更</td>",
        "<td>作成</td>",
        "2 件",
    ):
        assert japanese in content, japanese
    for english in ("Change history", "Changed by", "Change reason", "entries"):
        assert english not in content, english


def test_the_restore_page_is_japanese(admin_client, corrected):
    before = corrected.history.earliest()

    content = page(admin_client, f"{history_url(corrected)}{before.history_id}/")

    for japanese in (
        "令和3年度 No.1 融資事業 を元に戻す",
        "事業を元に戻す",  # the breadcrumb
        "下の「元に戻す」を押すと、この版の内容に戻します。",
        'value="元に戻す"',
        "閉じる",
    ):
        assert japanese in content, japanese
    assert "Revert" not in content


def test_the_admin_index_names_the_login_records_in_japanese(admin_client, db):
    content = page(admin_client, "/admin/")

    for japanese in (
        "ログインの制限",
        "ログインの試み",
        "ログインの失敗",
        "ログインの記録",
    ):
        assert japanese in content, japanese
    for english in ("Axes", "Access attempts", "Access failures", "Access logs"):
        assert english not in content, english


def test_a_superuser_unlocks_a_clerk_from_japanese_pages(client, admin_client, db):
    lock_out(client)

    listing = page(admin_client, "/admin/axes/accessattempt/")
    for japanese in (
        "ログインの試み",
        "IP アドレス",
        "ブラウザー（User-Agent）",
        "続けて失敗した回数",
        "ロック中",  # the status column and the filter
        "期限切れの試みを消す",
    ):
        assert japanese in listing, japanese
    assert "Failed Logins" not in listing and "Locked Out" not in listing

    from axes.models import AccessAttempt

    attempt = AccessAttempt.objects.get(username="clerk")
    detail = page(admin_client, f"/admin/axes/accessattempt/{attempt.pk}/change/")
    for japanese in ("送られた内容", "接続の情報", "POST の内容", "パス"):
        assert japanese in detail, japanese
    failures = page(admin_client, "/admin/axes/accessfailurelog/")
    assert "ロックした" in failures and "Access lock out" not in failures


def test_english_staff_still_read_english(admin_client, client, corrected):
    index = page(admin_client, "/admin/", ENGLISH)
    for english in ("Import a fiscal year table", "Common tasks", "Login throttling"):
        assert english in index, english
    assert "ログインの制限" not in index and "よく使う操作" not in index

    history = page(admin_client, history_url(corrected), ENGLISH)
    for english in ("Change history: ", "Changed by", "Budgeted amount"):
        assert english in history, english
    for japanese in ("変更した人", "変更内容", "予算額（千円）"):
        assert japanese not in history, japanese

    lock_out(client)
    attempts = page(admin_client, "/admin/axes/accessattempt/", ENGLISH)
    assert "Failed Logins" in attempts and "続けて失敗した回数" not in attempts


def test_the_japanese_catalogue_is_complete_and_compiled():
    header, *entries = read_po(JA_PO)

    assert "Plural-Forms: nplurals=1; plural=0;" in header.msgstr[0]
    with translation.override("ja"):
        for entry in entries:
            assert entry.msgid.isascii(), entry.where  # the libraries' words only
            assert all(text.strip() for text in entry.msgstr.values()), entry.where
            assert placeholders(entry.msgstr[0]) == placeholders(
                entry.msgid_plural or entry.msgid
            ), entry.where
            if entry.msgid_plural is None:
                assert translation.gettext(entry.msgid) == entry.msgstr[0], (
                    f"{entry.where}: run compilemessages -l ja"
                )
