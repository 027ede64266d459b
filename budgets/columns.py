"""The open-data columns, written once.

Each column of the project's CSV (and of the backup) is one ``Column`` here: its key
(the JSON and API key, the importer's name for it), the CSV header, the name the
published table gives it (what a problem message calls it), its English label, the
ORM path of its value, its kind, what the data dictionary says about it and whether
the export neutralises it against spreadsheet formulas. Derived from this list:

- ``exporting.CSV_HEADER``, ``BACKUP_HEADER`` and the export's cell rules;
- the importer's header spellings, required columns and labels
  (``budgets.importing.headers``) and its text and number limits (the model field at
  the column's ORM path, ``Column.model_field``);
- the admin resource's fields (``budgets.resources``);
- the data dictionary, the JSON ``fields`` and the Table Schema (``budgets.opendata``);
- the benchmark's CSV header (``benchmarks/import_speed.py``).

This module imports no models, so a script can read it before Django is set up.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

TEXT, CATEGORY, NUMBER, AMOUNT, FLAG = "text", "category", "number", "amount", "flag"
# made by the site, never typed: neither checked as text nor neutralised
IDENTIFIER = "identifier"
RECORD = "record"  # a backup's JSON cell (budgets.backup_records)
# the citation as the public sees it (budgets.citations); the importer ignores it
CITATION = "citation"
FILE_KIND = "file_kind"  # a source file's kind ("pdf" …), from its stored name
TIMESTAMP = "timestamp"  # a date and time, written in ISO 8601


@dataclass(frozen=True)
class Column:
    """One column of the open data."""

    key: str
    header: str  # in the CSV, the XLSX and the Table Schema
    label: str  # as the published table names it: what a problem message says
    english: Promise
    path: str  # the value's ORM path from Project
    kind: str  # TEXT, CATEGORY (a Project.Category), NUMBER, AMOUNT, FLAG, IDENTIFIER
    # header spellings the importer reads as this column (after normalise_label)
    spellings: tuple[str, ...] = ()
    in_every_table: bool = False  # a header without it is refused
    required: bool = True  # a value in every row (the Table Schema's "required")
    ja: str = ""  # the data dictionary's description
    en: str = ""
    unit_ja: str = ""
    unit_en: str = ""

    @property
    def neutralised(self) -> bool:
        """Whether the CSV export puts a ``'`` before a formula-like value."""
        return self.kind == TEXT

    @property
    def is_amount(self) -> bool:
        return self.kind == AMOUNT

    @property
    def type(self) -> str:
        """The Table Schema's type."""
        strings = (TEXT, CATEGORY, IDENTIFIER, CITATION)
        return "string" if self.kind in strings else "integer"

    def model_field(self):
        """The model field that stores the column (its limits are the column's)."""
        from budgets.models import Project

        model, *relations, name = [Project, *self.path.split("__")]
        for relation in relations:
            model = model._meta.get_field(relation).related_model
        return model._meta.get_field(name)


_TEXT_NOTE_JA = (
    "（CSV では = + - @ などで始まる値の先頭に ' を付け、数式になるのを防いでいます）"
)
_TEXT_NOTE_EN = (
    " (in the CSV, a value starting with = + - @ gets a leading ' so that a "
    "spreadsheet never runs it as a formula)"
)
_AMOUNT_UNIT = {"unit_ja": "千円", "unit_en": "1,000 JPY"}

# The project's CSV, in its order.
OPEN_DATA: tuple[Column, ...] = (
    Column(
        "year",
        "年度",
        "年度",
        _("年度"),
        "fiscal_year__year",
        NUMBER,
        spellings=("年度",),
        ja="会計年度が始まる西暦年。令和3年度は 2021（2021年4月〜2022年3月）。",
        en="Fiscal year, as the Western year it starts in: 2021 is 令和3年度 "
        "(April 2021 to March 2022).",
        unit_ja="年",
        unit_en="year",
    ),
    Column(
        "theme_number",
        "施策番号",
        "施策番号",
        _("施策番号"),
        "theme__number",
        NUMBER,
        spellings=("施策番号", "施策の柱番号"),
        ja="施策の柱の番号（年度ごとに振られます）。",
        en="Number of the policy theme (施策の柱), within the year.",
    ),
    Column(
        "theme_name",
        "施策名",
        "施策名",
        _("施策名"),
        "theme__name",
        TEXT,
        spellings=("施策名", "施策の柱"),
        ja="施策の柱の名称。" + _TEXT_NOTE_JA,
        en="Name of the policy theme." + _TEXT_NOTE_EN,
    ),
    Column(
        "no",
        "No",
        "No",
        pgettext_lazy("project number", "No"),
        "no",
        NUMBER,
        spellings=("no", "no.", "番号"),
        in_every_table=True,
        ja="その年度の表での事業の番号。年度と No で事業が一つに決まります。",
        en="Number of the project in that year's table; year and No identify it.",
    ),
    Column(
        "department",
        "部",
        "部",
        _("部"),
        "section__department__name",
        TEXT,
        spellings=("部", "部名"),
        in_every_table=True,
        ja="事業を担当する部。" + _TEXT_NOTE_JA,
        en="Department (部) in charge of the project." + _TEXT_NOTE_EN,
    ),
    Column(
        "section",
        "課名",
        "課名",
        _("課名"),
        "section__name",
        TEXT,
        spellings=("課名", "課", "担当課"),
        in_every_table=True,
        ja="事業を担当する課（または担当）。" + _TEXT_NOTE_JA,
        en="Section (課) or office (担当) in charge." + _TEXT_NOTE_EN,
    ),
    Column(
        "name",
        "事業名",
        "事業名",
        _("事業名"),
        "name",
        TEXT,
        spellings=("事業名",),
        in_every_table=True,
        ja="事業の名称。" + _TEXT_NOTE_JA,
        en="Name of the project." + _TEXT_NOTE_EN,
    ),
    Column(
        "category",
        "二次経費区分",
        "二次経費区分",
        _("二次経費区分"),
        "category",
        CATEGORY,
        spellings=("二次経費区分", "区分"),
        in_every_table=True,
        ja="「新規」（新しい事業）か「レベルアップ」（既存事業の拡充）か。"
        "JSON と API では new / levelup。",
        en="新規 (a new project) or レベルアップ (level-up of an existing one); "
        "new / levelup in JSON and the API.",
    ),
    Column(
        "description",
        "事業内容",
        "事業内容",
        _("事業内容"),
        "description",
        TEXT,
        spellings=("事業内容", "内容"),
        in_every_table=True,
        required=False,
        ja="事業の内容。" + _TEXT_NOTE_JA,
        en="What the project does." + _TEXT_NOTE_EN,
    ),
    Column(
        "requested",
        "要求額(千円)",
        "要求額",
        _("要求額（千円）"),
        "requested",
        AMOUNT,
        spellings=("要求額",),
        in_every_table=True,
        ja="部が要求した額。0 は 0 千円です。",
        en="Amount the department requested (budget phase: proposed). "
        "0 is a real zero.",
        **_AMOUNT_UNIT,
    ),
    Column(
        "requested_levelup",
        "要求額うちレベルアップ(千円)",
        "要求額（うちレベルアップ）",
        _("要求額のうちレベルアップ（千円）"),
        "requested_levelup",
        AMOUNT,
        spellings=("要求額うちレベルアップ",),
        in_every_table=True,
        required=False,
        ja="要求額のうちレベルアップ分。新規事業は空欄（JSON では null）で、"
        "該当なしを表します。",
        en="Part of the requested amount that is the level-up. Empty (null in JSON) "
        "for new projects: not applicable, which is not 0.",
        **_AMOUNT_UNIT,
    ),
    Column(
        "budgeted",
        "予算額(千円)",
        "予算額",
        _("予算額（千円）"),
        "budgeted",
        AMOUNT,
        spellings=("予算額",),
        in_every_table=True,
        ja="当初予算で決まった額。",
        en="Amount approved in the initial budget (budget phase: approved).",
        **_AMOUNT_UNIT,
    ),
    Column(
        "budgeted_levelup",
        "予算額うちレベルアップ(千円)",
        "予算額（うちレベルアップ）",
        _("予算額のうちレベルアップ（千円）"),
        "budgeted_levelup",
        AMOUNT,
        spellings=("予算額うちレベルアップ",),
        in_every_table=True,
        required=False,
        ja="予算額のうちレベルアップ分。新規事業は空欄（JSON では null）。",
        en="Part of the approved amount that is the level-up. Empty (null in JSON) "
        "for new projects.",
        **_AMOUNT_UNIT,
    ),
    Column(
        "lineage",
        "系譜ID",
        "系譜ID",
        _("系譜ID"),
        "lineage__public_id",
        IDENTIFIER,
        # 系譜: the backups before the id, whose key only groups rows
        spellings=("系譜id", "系譜"),
        required=False,
        ja="年度をまたいで同じ事業に付く ID。名称や担当の部・課が変わっても、"
        "継続・分割した事業は同じ ID のままです。一度公開した ID は変わりません。",
        en="The same project across years carries this id, through renames and "
        "reorganisations (a split's parts keep it). Never changes once published.",
    ),
    Column(
        "citation",
        "出典",
        "出典",
        _("出典"),
        "id",
        CITATION,
        # the importer knows the header and ignores the cells: they are made from
        # the import record and the columns above, never read back
        spellings=("出典",),
        required=False,
        ja="事業の数字の出典。事業のページと同じ表示で、公開の PDF はページまで、"
        "職員の CSV・XLSX などはファイルの名前だけです。管理画面で直した数字は"
        "「管理画面で修正」と日付。取り込み直しでは読みません。",
        en="Where the figures came from, as the project's page cites it: a public "
        "PDF with its page, another file by its name only; a figure edited in the "
        "admin as such, with the day. Not read back by an import.",
    ),
)

# What a backup (export_budget_table --backup) adds, so a restore is exact.
BACKUP_ONLY: tuple[Column, ...] = (
    Column("title", "表題", "表題", _("表題"), "fiscal_year__title", TEXT, ("表題",)),
    Column(
        "published",
        "公開",
        "公開",
        _("公開"),
        "fiscal_year__is_published",
        FLAG,
        ("公開",),
    ),
    Column(
        "links",
        "前の事業",
        "前の事業",
        _("前の年度の事業とのつながり"),
        "id",
        RECORD,
        ("前の事業",),
        required=False,
    ),
    Column(
        "successions",
        "組織改正",
        "組織改正",
        _("組織改正"),
        "section_id",
        RECORD,
        ("組織改正",),
        required=False,
    ),
    # The citation (Project.source_*) and the import record it points to: a restore
    # makes one import record per source file (its SHA-256) for the projects to cite.
    *(
        Column(key, header, header, english, path, kind, (header,), required=False)
        for key, header, english, path, kind in (
            (
                "source_sha256",
                "出典ファイル",
                _("出典ファイルの SHA-256"),
                "source_event__sha256",
                IDENTIFIER,
            ),
            (
                "source_kind",
                "出典の種類",
                _("出典ファイルの種類"),
                "source_event__source",
                FILE_KIND,
            ),
            (
                "source_filename",
                "出典ファイル名",
                _("出典ファイルの名前"),
                "source_event__filename",
                TEXT,
            ),
            ("source_page", "出典ページ", _("出典のページ"), "source_page", NUMBER),
            ("source_line", "出典行", _("出典の行"), "source_line", NUMBER),
            ("source_sheet", "出典シート", _("出典のシート"), "source_sheet", TEXT),
            (
                "source_public",
                "出典公開",
                _("出典ファイルの公開"),
                "source_event__source_public",
                FLAG,
            ),
            (
                "source_edited_at",
                "管理画面で修正",
                _("管理画面で修正した日時"),
                "source_edited_at",
                TIMESTAMP,
            ),
        )
    ),
)

BACKUP = (*OPEN_DATA, *BACKUP_ONLY)
BY_KEY = {column.key: column for column in BACKUP}

CSV_HEADER = tuple(column.header for column in OPEN_DATA)
BACKUP_HEADER = tuple(column.header for column in BACKUP)
