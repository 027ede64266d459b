"""Finance staff in a real browser (Debian's Chromium, through Playwright), in Japanese.

Each workflow a clerk uses goes through the admin's pages as they render: log in, find
the import, correct a project, be told what is wrong, be stopped from overwriting a
colleague, restore a version, import a year's table, publish it, read without
changing, be locked out. Every step leaves a screenshot in artifacts/admin-*.png.
"""

from __future__ import annotations

import os

import pytest
from django.contrib.auth.models import User

from budgets.importing import import_table
from budgets.models import FiscalYear, ImportEvent, Project
from tests import test_browser
from tests.conftest import SEED
from tests.factories import make_staff
from tests.tables import project_line, seed_cells, to_csv, to_text, to_xlsx

browser = test_browser.browser  # the same Chromium, flags and checks
screenshot = test_browser.screenshot

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(
        os.environ.get("DATABASE_URL", "").startswith("postgres"),
        reason="the browser story runs once, on SQLite; the pages are the same",
    ),
]

PASSWORD = "minato-kakunin-2021"
GROUPS = {"clerk": "財務担当", "colleague": "財務担当", "reader": "閲覧"}
STOPPED = "他の人が保存しています"
NEW_DESCRIPTION = "中小企業の資金繰りを支えるため、融資のあっせんと利子補給を行います。"


# --- Who and what ------------------------------------------------------------------


@pytest.fixture
def staff(transactional_db, settings):
    """Make staff users on demand: admin (superuser), clerk and colleague (財務担当),
    reader (閲覧) and nogroup (staff in no group), all with PASSWORD."""
    # the default hasher takes ~0.5 s a password; the login form works the same
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]

    def make(name: str) -> User:
        if name == "admin":
            return User.objects.create_superuser(name, password=PASSWORD)
        groups = [GROUPS[name]] if name in GROUPS else []
        return make_staff(name, *groups, password=PASSWORD)

    return make


@pytest.fixture
def fy2021(staff, seed_bytes) -> FiscalYear:
    report = import_table(seed_bytes, filename=SEED.name, publish=True)
    assert report.ok, report.problems
    return FiscalYear.objects.get(year=2021)


def loan() -> Project:
    return Project.objects.get(fiscal_year__year=2021, name="融資事業")


def japanese_context(browser):
    context = browser.new_context(
        locale="ja-JP", viewport={"width": 1280, "height": 900}
    )
    context.set_default_timeout(10_000)  # a local page loads in well under a second
    return context


def log_in(context, live_server, username: str, password: str = PASSWORD):
    """Type the user name and password into the login form, as a clerk does."""
    page = context.new_page()
    page.goto(live_server.url + "/admin/")
    page.get_by_label("ユーザー名").click()
    page.keyboard.type(username)
    page.keyboard.press("Tab")
    page.keyboard.type(password)
    with page.expect_navigation():
        page.keyboard.press("Enter")
    return page


def follow(locator) -> None:
    """Click a link or button that loads another page, and wait for it."""
    with locator.page.expect_navigation():
        locator.click()


def open_project(page, live_server, project: Project) -> None:
    page.goto(f"{live_server.url}/admin/budgets/project/{project.pk}/change/")


def retype(field, text: str) -> None:
    """Select what a field holds and type over it."""
    field.click()
    field.press("Control+A")
    field.press_sequentially(text)


def save(page) -> None:
    follow(page.get_by_role("button", name="保存", exact=True))


def public_text(page, live_server, path: str) -> str:
    page.goto(live_server.url + path)
    return page.locator("main").inner_text()


# --- 1. Log in, find the import ------------------------------------------------


def test_1_a_clerk_logs_in_and_the_index_leads_to_the_import(
    browser, live_server, staff
):
    staff("clerk")
    context = japanese_context(browser)
    page = log_in(context, live_server, "clerk")

    assert page.url == live_server.url + "/admin/"
    assert page.locator("html").get_attribute("lang") == "ja"
    assert page.get_by_role("link", name="これまでの取り込み記録").count() == 1
    assert page.get_by_role("link", name="公開サイトを見る").count() == 1
    screenshot(page, "admin-1-index")

    follow(page.get_by_role("link", name="年度の表を取り込む"))
    assert page.url == live_server.url + "/admin/budgets/project/import/"
    assert page.get_by_label("インポートするファイル").count() == 1
    screenshot(page, "admin-1-import")
    context.close()


# --- 2. Correct a project ------------------------------------------------------


def test_2_a_clerk_corrects_a_description_and_an_amount_and_the_public_page_follows(
    browser, live_server, staff, fy2021
):
    staff("clerk")
    context = japanese_context(browser)
    page = log_in(context, live_server, "clerk")
    before = public_text(page, live_server, "/projects/2021/1/")  # now cached
    assert NEW_DESCRIPTION not in before and "3,200,000" not in before

    page.goto(live_server.url + "/admin/")
    follow(page.get_by_role("link", name="事業を探して直す"))
    follow(page.get_by_role("link", name="融資事業").first)
    retype(page.get_by_role("textbox", name="事業内容"), NEW_DESCRIPTION)
    retype(page.get_by_label("予算額（千円）").first, "3200000")
    screenshot(page, "admin-2-edit")
    save(page)

    assert "を変更しました" in page.locator(".messagelist").inner_text()
    screenshot(page, "admin-2-saved")
    after = public_text(page, live_server, "/projects/2021/1/")
    assert NEW_DESCRIPTION in after and "3,200,000" in after
    screenshot(page, "admin-2-public")
    project = loan()
    assert (project.description, project.budgeted, project.version) == (
        NEW_DESCRIPTION,
        3_200_000,
        2,
    )
    context.close()


def test_2_a_project_of_the_next_year_saves_with_its_link_to_last_years(
    browser, live_server, staff, fy2021, seed_text
):
    # each project of a second year's table continues last year's (a link row on
    # its page); every one of them was stopped as a colleague's save (helper-14)
    next_year = seed_text.replace("令和3年度", "令和4年度")
    assert import_table(next_year.encode(), publish=True).ok
    staff("clerk")
    context = japanese_context(browser)
    page = log_in(context, live_server, "clerk")
    project = Project.objects.get(fiscal_year__year=2022, name="融資事業")
    open_project(page, live_server, project)
    assert page.get_by_role("heading", name="前の年度の事業とのつながり").count() == 1
    save(page)  # nothing changed: nothing written, and said so
    assert "何も保存していません" in page.locator(".messagelist").inner_text()
    assert Project.objects.get(pk=project.pk).version == 1

    open_project(page, live_server, project)
    retype(page.get_by_label("予算額（千円）").first, "3200000")
    save(page)

    assert "を変更しました" in page.locator(".messagelist").inner_text()
    screenshot(page, "admin-2-next-year-saved")
    history = public_text(page, live_server, f"/projects/2022/{project.no}/")
    assert "3,200,000" in history and "令和3年度（2021年度）" in history
    project.refresh_from_db()
    assert (project.budgeted, project.version) == (3_200_000, 2)
    context.close()


# --- 3. A broken rule ------------------------------------------------------------


def error_beside(page, field: str) -> str:
    return page.locator(f".field-{field} .errorlist").inner_text()


def test_3_a_broken_rule_is_told_beside_the_field_and_nothing_is_saved(
    browser, live_server, staff, fy2021
):
    staff("clerk")
    context = japanese_context(browser)
    page = log_in(context, live_server, "clerk")
    project = loan()  # a level-up project
    open_project(page, live_server, project)
    # every year numbers its themes from 1: each on offer says its year
    theme = page.locator("#id_theme option:checked").inner_text()
    assert theme.startswith("令和3年度 1 新型コロナ")
    retype(page.get_by_label("要求額のうちレベルアップ（千円）"), "99999999")
    save(page)

    assert "「要求額のうちレベルアップ（千円）」（99,999,999 千円）が" in error_beside(
        page, "requested_levelup"
    )
    screenshot(page, "admin-3-levelup-too-large")

    new_project = Project.objects.get(fiscal_year__year=2021, no=23)
    assert new_project.category == Project.Category.NEW
    open_project(page, live_server, new_project)
    retype(page.get_by_label("予算額のうちレベルアップ（千円）"), "100")
    save(page)

    assert error_beside(page, "budgeted_levelup") == (
        "新規事業にはレベルアップ分はありません。"
        "「予算額のうちレベルアップ（千円）」を空欄（-）にしてください。"
    )
    screenshot(page, "admin-3-new-with-levelup")
    assert loan().version == 1 and loan().requested_levelup == project.requested_levelup
    new_project.refresh_from_db()
    assert (new_project.version, new_project.budgeted_levelup) == (1, None)

    open_project(page, live_server, new_project)
    retype(page.get_by_label("No:", exact=True), "1")  # the year's No 1 is taken
    save(page)

    assert error_beside(page, "no") == "この年度にはその No の事業がすでにあります。"
    new_project.refresh_from_db()
    assert (new_project.no, new_project.version) == (23, 1)
    context.close()


# --- 4. Two clerks, one project ------------------------------------------------


def test_4_the_second_of_two_clerks_is_stopped_and_keeps_what_they_typed(
    browser, live_server, staff, fy2021
):
    staff("clerk")
    staff("colleague")
    first, second = japanese_context(browser), japanese_context(browser)
    first_page = log_in(first, live_server, "clerk")
    second_page = log_in(second, live_server, "colleague")
    for page in (first_page, second_page):
        open_project(page, live_server, loan())

    retype(first_page.get_by_role("textbox", name="事業内容"), NEW_DESCRIPTION)
    retype(first_page.get_by_label("要求額（千円）").first, "3900000")
    save(first_page)
    assert "を変更しました" in first_page.locator(".messagelist").inner_text()

    typed = "融資のあっせんを拡充します（第二の担当者の入力）。"
    retype(second_page.get_by_role("textbox", name="事業内容"), typed)
    retype(second_page.get_by_label("予算額（千円）").first, "3300000")
    save(second_page)

    assert STOPPED in second_page.locator("#content").inner_text()
    # both changed the description: the second clerk's text, the first's beside it
    assert second_page.get_by_role("textbox", name="事業内容").input_value() == typed
    assert f"他の人が保存した値: {NEW_DESCRIPTION}" in error_beside(
        second_page, "description"
    )
    # only the second changed the budget: what they typed
    assert second_page.get_by_label("予算額（千円）").first.input_value() == "3300000"
    # only the first changed the request: the first's figure, not the stale one
    assert second_page.get_by_label("要求額（千円）").first.input_value() == "3900000"
    assert "他の人が保存した値に入れ替えました: 3,900,000" in error_beside(
        second_page, "requested"
    )
    screenshot(second_page, "admin-4-stopped")
    project = loan()
    assert project.description == NEW_DESCRIPTION and project.budgeted != 3_300_000

    save(second_page)  # having seen both, the second clerk saves again

    assert "を変更しました" in second_page.locator(".messagelist").inner_text()
    project = loan()
    assert (project.description, project.requested, project.budgeted) == (
        typed,
        3_900_000,
        3_300_000,
    )
    first.close()
    second.close()


# --- 5. History and restore ------------------------------------------------------


def test_5_history_shows_who_changed_what_and_restores_the_version_before(
    browser, live_server, staff, fy2021
):
    staff("clerk")
    original = loan().description
    context = japanese_context(browser)
    page = log_in(context, live_server, "clerk")
    public_text(page, live_server, "/projects/2021/1/")  # cached
    open_project(page, live_server, loan())
    retype(page.get_by_role("textbox", name="事業内容"), NEW_DESCRIPTION)
    save(page)

    open_project(page, live_server, loan())
    follow(page.get_by_role("link", name="履歴"))
    rows = page.locator("#change-history tbody tr")
    assert rows.count() == 2
    latest = rows.first.inner_text()
    assert "clerk" in latest and "変更" in latest
    assert "事業内容" in latest and NEW_DESCRIPTION in latest
    # amounts as the clerk reads them; an edit has no import record: no "None"
    assert "3,191,866" in latest and "3,826,938" in latest and "None" not in latest
    # the seed went in by the command: no user, but not nobody
    assert "取り込み（コマンド）" in rows.nth(1).inner_text()
    screenshot(page, "admin-5-history")

    follow(rows.nth(1).locator("td").first.get_by_role("link"))
    assert "元に戻す" in page.locator("h1").inner_text()
    assert page.get_by_role("textbox", name="事業内容").input_value() == original
    screenshot(page, "admin-5-restore")
    follow(page.get_by_role("button", name="元に戻す").first)

    assert "を変更しました" in page.locator(".messagelist").inner_text()
    assert loan().description == original
    assert original in public_text(page, live_server, "/projects/2021/1/")
    screenshot(page, "admin-5-public")
    context.close()


def test_5_a_category_changed_by_a_clerk_reads_as_the_form_offered_it_in_the_history(
    browser, live_server, staff, fy2021
):
    # helper-16: the history's 変更内容 read "levelup -> new"
    staff("clerk")
    context = japanese_context(browser)
    page = log_in(context, live_server, "clerk")
    open_project(page, live_server, loan())
    page.get_by_label("二次経費区分").select_option(label="新規")
    for part in (
        "要求額のうちレベルアップ（千円）",
        "予算額のうちレベルアップ（千円）",
    ):
        page.get_by_label(part).fill("")  # a new project has no level-up part
    save(page)
    assert "を変更しました" in page.locator(".messagelist").inner_text()

    open_project(page, live_server, loan())
    follow(page.get_by_role("link", name="履歴"))
    latest = page.locator("#change-history tbody tr").first.inner_text()
    changes = [" ".join(line.split()) for line in latest.splitlines()[1:]]
    assert "二次経費区分: レベルアップ → 新規" in changes
    assert "予算額のうちレベルアップ（千円）: 2,770,452 → -" in changes
    assert "levelup" not in latest and "new" not in latest
    screenshot(page, "admin-5-category")
    assert loan().category == Project.Category.NEW
    context.close()


# --- 6. Import through the admin -----------------------------------------------


def upload(page, live_server, name: str, data: bytes) -> None:
    """Choose a file on the import page and send it to the preview."""
    page.goto(live_server.url + "/admin/")
    follow(page.get_by_role("link", name="年度の表を取り込む"))
    page.get_by_label("インポートするファイル").set_input_files(
        {"name": name, "mimeType": "application/octet-stream", "buffer": data}
    )
    follow(page.get_by_role("button", name="内容を確かめる（まだ保存しません）"))


def confirm(page) -> str:
    follow(page.get_by_role("button", name="インポート実行"))
    return page.locator(".messagelist").inner_text()


def retitled(seed_text: str, era: str) -> list[list[str]]:
    return seed_cells(seed_text.replace("令和3年度", era))


def test_6_a_clerk_imports_text_csv_and_xlsx_and_a_bad_table_writes_nothing(
    browser, live_server, staff, seed_bytes, seed_text
):
    staff("clerk")
    context = japanese_context(browser)
    page = log_in(context, live_server, "clerk")

    upload(page, live_server, SEED.name, seed_bytes)
    preview = page.locator("#content").inner_text()
    assert "取り込みの確認" in preview and "（新しい年度）" in preview
    assert Project.objects.count() == 0  # a preview writes nothing
    screenshot(page, "admin-6-preview")
    assert "取り込みました: 新規 32 件" in confirm(page)
    screenshot(page, "admin-6-imported")

    # cp932 has no subscript two (CO₂); Excel writes what it can, so does this test
    cp932_text = seed_text.replace("₂", "2")
    csv = to_csv(retitled(cp932_text, "令和4年度"), encoding="cp932")
    upload(page, live_server, "r04.csv", csv)
    assert "cp932" in page.locator("#content").inner_text().lower()
    assert "取り込みました: 新規 32 件" in confirm(page)
    upload(page, live_server, "r05.xlsx", to_xlsx(retitled(seed_text, "令和5年度")))
    assert "取り込みました: 新規 32 件" in confirm(page)
    assert sorted(FiscalYear.objects.values_list("year", flat=True)) == [
        2021,
        2022,
        2023,
    ]

    rows = seed_cells(seed_text.replace("令和3年度", "令和6年度"))
    rows[project_line(rows, 1) - 1][8] = "三百万"
    rows[project_line(rows, 2) - 1][7] = "△ 26,000"
    upload(page, live_server, "r06-broken.txt", to_text(rows))
    problems = page.get_by_role("table", name="問題の一覧").locator("tbody tr")
    assert problems.count() == 2
    assert problems.nth(0).inner_text().split("\t")[:2] == [
        str(project_line(rows, 1)),
        "予算額",
    ]
    assert problems.nth(1).inner_text().split("\t")[:2] == [
        str(project_line(rows, 2)),
        "要求額（うちレベルアップ）",
    ]
    assert page.get_by_role("button", name="インポート実行").count() == 0
    screenshot(page, "admin-6-broken")
    assert Project.objects.count() == 96 and ImportEvent.objects.count() == 3
    assert not FiscalYear.objects.filter(year=2024).exists()
    context.close()


def test_6_a_clerk_is_warned_of_a_renumbered_table_and_leaves_it_unimported(
    browser, live_server, staff, fy2021, seed_text
):
    from tests.test_uploads import with_a_row_inserted_at

    staff("clerk")
    stored = dict(Project.objects.values_list("no", "name"))
    context = japanese_context(browser)
    page = log_in(context, live_server, "clerk")

    # a row inserted as No 5 moves every later project one No down
    upload(
        page,
        live_server,
        "r03-inserted.txt",
        with_a_row_inserted_at(seed_text, 5).encode(),
    )
    warning = page.locator(".import-renumbered")
    assert warning.is_visible()
    assert "この表の 27 件の事業名が、登録済みの別の No の事業名です" in (
        warning.inner_text()
    )
    listed = warning.get_by_role("listitem")
    assert listed.count() == 10  # the first ten of 27
    assert listed.first.inner_text() == f"No 6「{stored[5]}」（登録済みは No 5）"
    # it warns, it does not refuse: the clerk may mean it
    assert page.get_by_role("button", name="インポート実行").is_visible()
    screenshot(page, "admin-6-renumbered")

    # the clerk goes back to fix the file instead; nothing was written
    follow(page.get_by_role("link", name="ホーム"))
    assert dict(Project.objects.values_list("no", "name")) == stored
    assert ImportEvent.objects.count() == 1
    context.close()


# --- 7. Publish and unpublish --------------------------------------------------


def run_action(page, live_server, year: int, action: str) -> None:
    page.goto(live_server.url + "/admin/")
    follow(page.get_by_role("link", name="年度を公開する・非公開にする"))
    row = page.locator("#result_list tbody tr", has_text=str(year))
    row.get_by_role("checkbox").check()
    page.get_by_label("操作").select_option(label=action)
    follow(page.get_by_role("button", name="実行"))


def test_7_a_clerk_publishes_and_unpublishes_a_year_and_the_public_site_follows(
    browser, live_server, staff, fy2021, seed_text
):
    import_table(seed_text.replace("令和3年度", "令和4年度").encode())  # a draft
    staff("clerk")
    context = japanese_context(browser)
    page = log_in(context, live_server, "clerk")
    assert page.goto(live_server.url + "/years/2022/").status == 404
    assert public_text(page, live_server, "/").startswith("令和3年度")

    run_action(page, live_server, 2022, "選んだ年度を公開する")
    said = page.locator(".messagelist").inner_text()
    assert "令和4年度（2022年度） を公開しました。" in said  # which year
    screenshot(page, "admin-7-published")
    assert page.goto(live_server.url + "/years/2022/").status == 200
    assert public_text(page, live_server, "/").startswith("令和4年度")
    screenshot(page, "admin-7-public")

    run_action(page, live_server, 2022, "選んだ年度を非公開（下書き）にする")
    assert page.goto(live_server.url + "/years/2022/").status == 404
    assert public_text(page, live_server, "/").startswith("令和3年度")
    assert not FiscalYear.objects.get(year=2022).is_published
    context.close()


# --- 8. Readers, and staff with no group ---------------------------------------


def test_8_a_reader_sees_everything_and_finds_no_save_button(
    browser, live_server, staff, fy2021
):
    staff("reader")
    context = japanese_context(browser)
    page = log_in(context, live_server, "reader")
    index = page.locator("#content").inner_text()
    assert "年度の表を取り込む" not in index
    for model in ("年度", "施策の柱", "部", "課", "事業", "取り込み記録"):
        assert page.get_by_role("link", name=model, exact=True).count() == 1, model
    screenshot(page, "admin-8-reader-index")

    follow(page.get_by_role("link", name="事業を見る"))
    follow(page.get_by_role("link", name="融資事業").first)
    assert loan().description in page.locator("#content").inner_text()
    assert page.get_by_role("button", name="保存").count() == 0
    assert page.get_by_role("textbox").count() == 0
    screenshot(page, "admin-8-reader-project")
    page.goto(live_server.url + "/admin/budgets/fiscalyear/")
    assert page.get_by_label("操作").count() == 0
    context.close()


def test_8_a_readers_forged_save_is_refused(browser, live_server, staff, fy2021):
    staff("reader")
    context = japanese_context(browser)
    page = log_in(context, live_server, "reader")
    project = loan()
    open_project(page, live_server, project)
    token = next(c["value"] for c in context.cookies() if c["name"] == "csrftoken")

    # forged on purpose: the read-only page has no form to send
    response = page.request.post(
        page.url,
        form={
            "csrfmiddlewaretoken": token,
            "name": "書き換えられた事業",
            "budgeted": "1",
            "seen_version": str(project.version),
            "_save": "保存",
        },
        headers={"Referer": page.url},
    )

    assert response.status == 403
    assert "CSRF" not in response.text()  # refused for the permission, not the token
    assert loan().name == "融資事業" and loan().version == 1
    context.close()


def test_8_staff_with_no_group_see_nothing_of_the_budgets(
    browser, live_server, staff, fy2021
):
    staff("nogroup")
    context = japanese_context(browser)
    page = log_in(context, live_server, "nogroup")

    content = page.locator("#content").inner_text()
    assert "表示または変更のためのパーミッションがありません。" in content
    assert page.get_by_role("link", name="事業", exact=True).count() == 0
    screenshot(page, "admin-8-nogroup")
    assert page.goto(live_server.url + "/admin/budgets/project/").status == 403
    context.close()


# --- 9. Locked out ---------------------------------------------------------------


def test_9_five_wrong_passwords_lock_the_account_with_a_japanese_page(
    browser, live_server, staff
):
    staff("clerk")
    context = japanese_context(browser)
    page = log_in(context, live_server, "clerk", "wrong-password")
    for _attempt in range(4):
        assert page.get_by_label("パスワード").count() == 1
        page.get_by_label("パスワード").fill("wrong-password")
        with page.expect_navigation():
            page.keyboard.press("Enter")

    assert page.locator("h1").inner_text() == "ログインを一時的に止めています"
    assert page.locator("html").get_attribute("lang") == "ja"
    assert page.locator("#site-name").inner_text() == "港区 予算事業 管理"
    screenshot(page, "admin-9-locked")
    page.close()
    page = log_in(context, live_server, "clerk")  # the right password, too late
    assert page.locator("h1").inner_text() == "ログインを一時的に止めています"
    assert "_auth_user_id" not in str(context.cookies())
    context.close()
