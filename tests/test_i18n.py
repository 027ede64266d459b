"""English readers and English-speaking finance staff: the catalogue behind them.

The UI is written in Japanese (the msgids) and translated to English through
locale/en/LC_MESSAGES/django.po. The data (project names, departments, era labels)
stays Japanese in both languages.
"""

from __future__ import annotations

import ast
import re
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from django.conf import settings
from django.utils import translation

from budgets.models import Department, ImportEvent, Project, amount_problems
from tests.test_feeds_sitemaps import meta

pytestmark = pytest.mark.django_db

PO_FILE = Path(settings.BASE_DIR) / "locale" / "en" / "LC_MESSAGES" / "django.po"
MO_FILE = PO_FILE.with_suffix(".mo")

ENGLISH = {"HTTP_ACCEPT_LANGUAGE": "en"}
JAPANESE = {"HTTP_ACCEPT_LANGUAGE": "ja"}


# --- A small .po reader ----------------------------------------------------------


@dataclass
class Entry:
    msgid: str
    msgid_plural: str | None = None
    msgctxt: str | None = None
    msgstr: dict[int, str] = field(default_factory=dict)
    flags: set[str] = field(default_factory=set)
    line: int = 0

    @property
    def where(self) -> str:
        return f"{PO_FILE.name}:{self.line} {self.msgid[:40]!r}"


_KEYWORD = re.compile(r'^(msgctxt|msgid_plural|msgid|msgstr)(?:\[(\d+)\])?\s+(".*")$')


def read_po(path: Path = PO_FILE) -> list[Entry]:
    """Return the entries of a .po file, header included (msgid "")."""
    entries: list[Entry] = []
    entry: Entry | None = None
    flags: set[str] = set()
    target: tuple[str, int] | None = None
    for number, raw in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        line = raw.strip()
        if not line or line.startswith("#~"):  # blank, or an obsolete entry
            target = None
            continue
        if line.startswith("#,"):
            flags |= {flag.strip() for flag in line[2:].split(",")}
            continue
        if line.startswith("#"):
            continue
        match = _KEYWORD.match(line)
        if match:
            keyword, index, text = match.groups()
            value = ast.literal_eval(text)
            if keyword == "msgctxt" or (
                keyword == "msgid" and (entry is None or entry.msgstr)
            ):
                entry = Entry(msgid="", flags=flags, line=number)
                entries.append(entry)
                flags = set()
            assert entry is not None, f"{path}:{number}: {keyword} before msgid"
            if keyword == "msgstr":
                target = ("msgstr", int(index or 0))
                entry.msgstr[target[1]] = value
            else:
                target = (keyword, 0)
                setattr(entry, keyword, value)
        elif line.startswith('"') and target is not None and entry is not None:
            value = ast.literal_eval(line)
            if target[0] == "msgstr":
                entry.msgstr[target[1]] += value
            else:
                setattr(entry, target[0], getattr(entry, target[0]) + value)
        else:
            raise AssertionError(f"{path}:{number}: cannot read {raw!r}")
    return entries


def messages() -> list[Entry]:
    return [entry for entry in read_po() if entry.msgid]


def placeholders(text: str) -> list[str]:
    """Return the printf placeholders in text: %(name)s and bare %s, not %%."""
    return sorted(
        match.group(0)
        for match in re.finditer(r"%(?:\([^)]*\))?[-#0 +]*\d*(?:\.\d+)?[sdifr%]", text)
        if match.group(0) != "%%"
    )


# --- Public pages ------------------------------------------------------------------


def test_an_english_reader_sees_the_project_list_in_english(client, fy2021):
    response = client.get("/projects/", **ENGLISH)

    assert response.status_code == 200
    content = response.content.decode()
    assert '<html lang="en">' in content
    for english in (
        "Find projects",
        "Keywords",
        "All fiscal years",
        "Filter",
        "Clear filters",
        "32 projects",
        "Total budgeted amount",
        "thousand yen",
        "Download this list",
        "CSV (Shift_JIS, for older Excel)",
        "Project name",
        "Department / section",
        "Requested amount",
        "Level-up part of budgeted amount",
        "Minato City New and Level-up Projects",
        "Amounts are in thousands of yen.",
    ):
        assert english in content, english
    for japanese in (
        "事業を探す",
        "キーワード",
        "すべての年度",
        "絞り込む",
        "条件をクリア",
        "件の事業",
        "予算額の合計",
        "この一覧をダウンロード",
        "部・課",
        "金額の単位は千円です",
    ):
        assert japanese not in content, japanese
    # the records themselves stay as the city published them
    assert "融資事業" in content
    assert "産業・地域振興支援部" in content


def test_a_japanese_reader_still_sees_japanese(client, fy2021):
    content = client.get("/projects/", **JAPANESE).content.decode()

    assert '<html lang="ja">' in content
    assert "事業を探す" in content and "32 件の事業" in content
    assert "Find projects" not in content


def test_the_language_cookie_keeps_a_reader_in_english(client, fy2021):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"

    content = client.get("/projects/").content.decode()

    assert "Find projects" in content
    assert "事業を探す" not in content


def test_the_project_page_labels_are_english(client, fy2021):
    response = client.get("/projects/2021/1/", **ENGLISH)

    assert response.status_code == 200
    content = response.content.decode()
    for label in (
        "<dt>Fiscal year</dt>",
        "<dt>Policy theme</dt>",
        "<dt>Department</dt>",
        "<dt>Section</dt>",
        "<dt>Category</dt>",
        "<dt>Description</dt>",
        "<dd>Level-up</dd>",
        "Requested amount",
        "Level-up part of requested amount",
        "Budgeted amount",
        "Level-up part of budgeted amount",
        "All projects of this fiscal year",
    ):
        assert label in content, label
    for japanese in ("施策の柱</dt>", "二次経費区分", "事業内容", "課名", "予算額の"):
        assert japanese not in content, japanese
    # name and description are data: Japanese in every language
    assert "融資事業" in content
    assert "中小企業支援策" in content


def test_a_new_project_says_new_in_english(client, fy2021):
    content = client.get("/projects/2021/23/", **ENGLISH).content.decode()

    assert "<dd>New</dd>" in content
    assert "<dd>新規</dd>" not in content


def test_the_overview_is_english(client, fy2021):
    content = client.get("/", **ENGLISH).content.decode()

    for english in (
        "Fiscal year overview",
        "Number of projects",
        "By policy theme",
        "By department",
        "Download CSV",
    ):
        assert english in content, english
    for japanese in ("年度の概要", "事業数", "施策の柱ごと", "部ごと"):
        assert japanese not in content, japanese


def test_an_english_reader_reads_the_years_in_english(client, fy2021):
    projects = client.get("/projects/", **ENGLISH).content.decode()
    data = client.get("/data/", **ENGLISH).content.decode()
    page = client.get("/projects/2021/1/", **ENGLISH).content.decode()

    assert '<option value="2021">FY2021 (Reiwa 3)</option>' in projects
    assert ">FY2021 1 " in projects  # the theme menu
    assert ">FY2021 (Reiwa 3)</a>" in data
    assert "FY2021 (Reiwa 3)" in meta(page, "og:description")
    for text in (projects, meta(page, "og:description")):
        assert "令和3年度" not in text
    assert ">令和3年度（2021年度）</a>" not in data  # its dictionary is in both
    japanese = client.get("/projects/").content.decode()
    assert '<option value="2021">令和3年度（2021年度）</option>' in japanese


def test_english_totals_are_written_with_english_brackets(client, fy2021):
    for path in ("/projects/", "/years/2021/themes/1/"):
        content = client.get(path, **ENGLISH).content.decode()
        assert "thousand yen (about ¥" in content, path
        assert "（about" not in content and "thousand yen（" not in content, path
    japanese = client.get("/projects/").content.decode()
    assert "予算額の合計 " in japanese and " 千円（約" in japanese


def test_the_year_s_share_chart_writes_english_brackets_in_english(client, fy2021):
    # helper-17: "Level-up: 99.2%（about ¥13 billion）"
    english = client.get("/years/2021/", **ENGLISH).content.decode()
    japanese = client.get("/years/2021/").content.decode()

    assert re.search(r"Level-up: [\d.]+% \(about ¥[\d.]+ billion\)</text>", english)
    assert "（about" not in english
    assert re.search(r"レベルアップ: [\d.]+%（約[\d,]+億円）</text>", japanese)


def test_a_department_s_and_a_theme_s_projects_are_headed_in_the_plural(client, fy2021):
    department = Department.objects.get(name="環境リサイクル支援部")
    for path in (department.get_absolute_url(), "/years/2021/themes/1/"):
        content = client.get(path, **ENGLISH).content.decode()
        assert '<h2 id="projects">Projects</h2>' in content, path


# --- The admin ---------------------------------------------------------------------


def test_the_admins_model_names_are_english_for_an_english_admin(admin_client, fy2021):
    content = admin_client.get("/admin/", **ENGLISH).content.decode()

    for english in (
        "Minato City budget projects administration",
        "Budgets",
        "Fiscal years",
        "Policy themes",
        "Departments",
        "Sections",
        "Project lineages",
        "Import records",
        "Import a fiscal year table",
    ):
        assert english in content, english
    for japanese in (
        "予算事業 管理",
        "取り込み記録",
        "事業の系譜",
        "年度の表を取り込む",
    ):
        assert japanese not in content, japanese

    with translation.override("en"):
        assert str(ImportEvent._meta.verbose_name_plural) == "Import records"
        assert str(Project._meta.verbose_name) == "Project"


def test_the_project_changelist_columns_are_english(admin_client, fy2021):
    content = admin_client.get("/admin/budgets/project/", **ENGLISH).content.decode()

    for english in (
        "Project name",
        "Category",
        "Requested amount (¥1,000)",
        "Level-up part of budgeted amount (¥1,000)",
    ):
        assert english in content, english
    assert "要求額（千円）" not in content


def test_finance_staff_working_in_english_are_told_what_is_wrong_in_english(db):
    with translation.override("en"):
        problems = dict(
            amount_problems(
                category=Project.Category.NEW,
                requested=100,
                requested_levelup=10,
                budgeted=100,
                budgeted_levelup=None,
            )
        )

    assert problems == {
        "requested_levelup": (
            "A new project has no level-up part. Leave "
            "“Level-up part of requested amount (¥1,000)” blank (-)."
        )
    }


def test_the_updates_feed_is_english(client, fy2021):
    content = client.get("/feeds/updates.atom", **ENGLISH).content.decode()

    assert "Minato City New and Level-up Projects: publications and corrections" in (
        content
    )
    assert "thousand yen" in content
    assert "公開と訂正" not in content


# --- Labels that once fell through the catalogue -----------------------------------


def test_the_sort_choices_are_english(client, fy2021):
    content = client.get("/projects/", **ENGLISH).content.decode()

    assert "Project name (descending)" in content


def test_a_japanese_reader_sees_the_number_column_as_no(client, fy2021):
    content = client.get("/projects/2021/1/", **JAPANESE).content.decode()

    assert "<dt>No</dt>" in content


# --- The catalogue -----------------------------------------------------------------


def test_the_catalogue_reader_reads_the_catalogue():
    entries = read_po()

    assert entries[0].msgid == ""  # the header
    assert "Language: en" in entries[0].msgstr[0]
    assert "Plural-Forms: nplurals=2; plural=(n != 1);" in entries[0].msgstr[0]
    by_id = {entry.msgid: entry for entry in entries if entry.msgctxt is None}
    assert by_id["年度"].msgstr == {0: "Fiscal year"}
    assert by_id["%(counter)s 件の事業"].msgstr == {
        0: "%(counter)s project",
        1: "%(counter)s projects",
    }
    assert len(by_id) > 200


def test_every_msgid_in_the_catalogue_has_a_translation():
    header, *entries = read_po()

    assert "fuzzy" not in header.flags, "the header is marked fuzzy"
    untranslated = [
        entry.where
        for entry in entries
        if not entry.msgstr or any(not text.strip() for text in entry.msgstr.values())
    ]
    fuzzy = [entry.where for entry in entries if "fuzzy" in entry.flags]
    assert not untranslated, "empty msgstr: " + ", ".join(untranslated)
    assert not fuzzy, "fuzzy: " + ", ".join(fuzzy)


def test_plural_messages_have_a_singular_and_a_plural_form():
    for entry in messages():
        if entry.msgid_plural is not None:
            assert sorted(entry.msgstr) == [0, 1], entry.where
        else:
            assert sorted(entry.msgstr) == [0], entry.where


def test_translations_keep_the_placeholders():
    for entry in messages():
        if entry.msgid_plural is None:
            assert placeholders(entry.msgstr[0]) == placeholders(entry.msgid), (
                entry.where
            )
        else:
            allowed = set(placeholders(entry.msgid) + placeholders(entry.msgid_plural))
            assert set(placeholders(entry.msgstr[0])) <= allowed, entry.where
            assert placeholders(entry.msgstr[1]) == placeholders(entry.msgid_plural), (
                entry.where
            )


def test_no_translation_is_the_japanese_copied_over():
    """A msgstr equal to its Japanese msgid is a string someone forgot."""
    copied = [
        entry.where
        for entry in messages()
        if not entry.msgid.isascii()
        and any(
            text in (entry.msgid, entry.msgid_plural) for text in entry.msgstr.values()
        )
    ]
    assert not copied, ", ".join(copied)


def test_the_compiled_catalogue_is_up_to_date_with_the_po():
    """Fails when someone edits django.po and forgets compilemessages."""
    assert MO_FILE.exists(), "run: manage.py compilemessages -l en"
    stale = []
    with translation.override("en"):
        for entry in messages():
            if "fuzzy" in entry.flags or not all(entry.msgstr.values()):
                continue  # not compiled: the test above reports it
            if entry.msgid_plural is None:
                got = (
                    translation.pgettext(entry.msgctxt, entry.msgid)
                    if entry.msgctxt is not None
                    else translation.gettext(entry.msgid)
                )
                expected = [entry.msgstr[0]]
                found = [got]
            else:
                expected = [entry.msgstr[0], entry.msgstr[1]]
                if entry.msgctxt is not None:
                    found = [
                        translation.npgettext(
                            entry.msgctxt, entry.msgid, entry.msgid_plural, n
                        )
                        for n in (1, 2)
                    ]
                else:
                    found = [
                        translation.ngettext(entry.msgid, entry.msgid_plural, n)
                        for n in (1, 2)
                    ]
            if found != expected:
                stale.append(f"{entry.where}: {found!r} != {expected!r}")
    assert not stale, "compiled catalogue is stale:\n" + "\n".join(stale)


# the functions that mark a message, and where the message is among their arguments
_MARKERS = {
    "_": 0,
    "gettext": 0,
    "gettext_lazy": 0,
    "gettext_noop": 0,
    "ngettext": 0,
    "ngettext_lazy": 0,
    "pgettext": 1,
    "pgettext_lazy": 1,
}
_JAPANESE = re.compile(r"[\u3000-\u30ff\u4e00-\u9fff\uff00-\uffef]")


def marked_messages(path: Path) -> list[tuple[str, int]]:
    """The Japanese messages a module marks for translation, with their lines."""
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if not isinstance(node, ast.Call):
            continue
        name = getattr(node.func, "id", getattr(node.func, "attr", None))
        index = _MARKERS.get(name)
        if index is None or len(node.args) <= index:
            continue
        argument = node.args[index]
        if isinstance(argument, ast.Constant) and isinstance(argument.value, str):
            if _JAPANESE.search(argument.value):
                found.append((argument.value, node.lineno))
    return found


def test_every_japanese_message_the_code_marks_is_in_the_catalogue():
    # helper-18: a new refusal of the PDF reader reached English staff in Japanese,
    # the catalogue never told of it
    known = {entry.msgid for entry in messages()}
    root = Path(settings.BASE_DIR)
    missing = [
        f"{path.relative_to(root)}:{line} {message[:40]!r}"
        for path in sorted((root / "budgets").rglob("*.py"))
        if "migrations" not in path.parts
        for message, line in marked_messages(path)
        if message not in known
    ]
    assert missing == []
