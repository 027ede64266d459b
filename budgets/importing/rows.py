"""One function per kind of cell: a checked ProjectRow out of a row's cells."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any

from django.db.backends.base.operations import BaseDatabaseOperations
from django.utils.translation import gettext as _

from budgets import eras, source_files
from budgets.amounts import AmountError, parse_amount
from budgets.columns import BY_KEY, OPEN_DATA, TEXT
from budgets.importing.cells import as_text
from budgets.importing.headers import COLUMN_LABELS, category, published_flag
from budgets.importing.problems import Problems
from budgets.models import AMOUNT_FIELDS, ImportEvent, Project, amount_problems
from budgets.text import (
    nfkc_made_digits,
    normalise_line_breaks,
    show_controls,
    stored_text_problem,
)

# The largest No and theme number their columns hold, on every database.
WHOLE_NUMBER_MAX = {
    key: BaseDatabaseOperations.integer_field_ranges[
        BY_KEY[key].model_field().get_internal_type()
    ][1]
    for key in ("no", "theme_number")
}
MAX_DIGITS = {key: len(str(maximum)) for key, maximum in WHOLE_NUMBER_MAX.items()}
# The longest text a text column holds.
TEXT_LIMITS = {
    column.key: column.model_field().max_length
    for column in OPEN_DATA
    if column.kind == TEXT and column.model_field().max_length
}


@dataclass
class ProjectRow:
    """A checked project row of the file, ready to compare and write."""

    line: int
    year: int
    theme_number: int
    theme_name: str
    no: int
    department: str
    section: str
    name: str
    category: str
    description: str
    requested: int
    requested_levelup: int | None
    budgeted: int
    budgeted_levelup: int | None
    # from a backup only
    title: str | None = None
    published: bool | None = None
    lineage_key: str | None = None
    links: str | None = None  # JSON: budgets.backup_records
    successions: str | None = None
    # a backup's citation (budgets.importing.citing): None when the file has no
    # 出典ファイル column, "" for a project that cites no import
    source_sha256: str | None = None
    source_kind: str = ""
    source_filename: str = ""
    source_page: int | None = None
    source_line: int | None = None
    source_sheet: str = ""
    source_public: bool | None = None
    source_edited_at: datetime | None = None

    def values(self) -> dict[str, Any]:
        return {name: getattr(self, name) for name in COMPARED_FIELDS}


# Fields compared between the file and the database, in the order a diff lists them.
COMPARED_FIELDS = (
    "theme_number",
    "theme_name",
    "department",
    "section",
    "name",
    "category",
    "description",
    *AMOUNT_FIELDS,
)


TEXT_KEYS = ("department", "section", "name", "theme_name", "description")


class BadCell(Exception):
    """A cell that cannot be read; ``value`` is what the problem shows, if not the
    cell's own text."""

    def __init__(self, message: str, value: str | None = None):
        super().__init__(message)
        self.message = message
        self.value = value


def parse_project_row(
    line: int, cells: dict[str, Any], default_year: int | None, problems: Problems
) -> ProjectRow | None:
    """Read one project row's cells, by column key, each with the function of its
    kind below; None if any cell is bad (each bad cell is added to ``problems``)."""
    values: dict[str, Any] = {"line": line, "year": default_year}
    bad: list[str] = []  # the keys of bad cells, in the order of their problems

    def note(key: str, error: BadCell) -> None:
        bad.append(key)
        value = error.value if error.value is not None else as_text(cells.get(key))
        problems.add(error.message, line, COLUMN_LABELS[key], value)

    if "year" in cells:
        try:
            values["year"] = fiscal_year(cells["year"], default_year)
        except BadCell as error:
            note("year", error)
    for key, read in _CELLS:  # the hot loop: 1.2 million cells in 100,000 rows
        try:
            values[key] = read(cells.get(key), key)
        except BadCell as error:
            note(key, error)
    for key in ("requested", "budgeted"):
        if key not in bad and values[key] is None:
            note(key, BadCell(_("金額が必要です（0 も可）。「-」は使えません。")))
    if not bad:
        amounts = {name: values[name] for name in AMOUNT_FIELDS}
        for key, message in amount_problems(category=values["category"], **amounts):
            note(key, BadCell(message))
    for key, field, read in _BACKUP_CELLS:
        if key in cells:
            try:
                values[field] = read(cells[key])
            except BadCell as error:
                note(key, error)
    if not bad and (problem := citation_problem(values)):
        note(*problem)
    return None if bad else ProjectRow(**values)


# --- One function per kind of cell: the cell's value, or BadCell ----------------


def fiscal_year(cell: Any, default_year: int | None) -> int:
    """A 年度 cell (2021, 令和3年度 …), which must agree with the table's year."""
    try:
        year = eras.parse_fiscal_year(as_text(cell))
    except ValueError:
        raise BadCell(_("年度として読めません。例: 2021 または 令和3年度")) from None
    if default_year is not None and year != default_year:
        raise BadCell(
            _("この行の年度が表題または指定の年度（%(year)s）と違います。")
            % {"year": eras.dual_label(default_year)}
        )
    return year


def whole_number(cell: Any, key: str) -> int:
    """A No or theme number: a whole number from 1 to what its column holds."""
    maximum = WHOLE_NUMBER_MAX[key]
    if isinstance(cell, int) and not isinstance(cell, bool) and 1 <= cell <= maximum:
        return cell
    text = as_text(cell)
    if not text.isdecimal():  # int() reads full-width digits as NFKC would
        normalised = unicodedata.normalize("NFKC", text)
        # "12¹", a footnote mark, is not 121
        text = "" if nfkc_made_digits(text, normalised) else normalised
        text = text.removesuffix(".0")
    digits = text.lstrip("0")
    if not text.isdecimal() or not digits:
        raise BadCell(_("1 以上の整数で入力してください。"))
    # the length first: int() refuses text of thousands of digits
    if len(digits) > MAX_DIGITS[key] or int(digits) > maximum:
        raise BadCell(
            _("%(maximum)s 以下の整数で入力してください。")
            % {"maximum": f"{maximum:,}"}
        )
    return int(digits)


# What a workbook's date and time cells read as (a tuple: made once, not per cell).
_DATES_AND_TIMES = (date, time, timedelta)


def text(cell: Any, key: str) -> str:
    """A name or description, as written: not empty (but the description), not longer
    than its column holds."""
    if isinstance(cell, _DATES_AND_TIMES):  # Excel made a date of "4/1"
        raise BadCell(
            _(
                "日付や時刻のセルです。文字として入力してください（Excel ではセルの"
                "書式を「文字列」にします）。"
            ),
            str(cell),
        )
    value = cell if type(cell) is str else as_text(cell)
    if not value and key != "description":
        raise BadCell(_("空欄にできません。"))
    multiline = key == "description"
    if multiline:
        value = normalise_line_breaks(value)
    if problem := stored_text_problem(value, multiline=multiline):
        raise BadCell(problem, _shown(value))
    if limit := TEXT_LIMITS.get(key):
        check_length(value, limit)
    return value


def check_length(value: str, limit: int) -> None:
    """Refuse a text longer than its column holds, showing how it begins."""
    if len(value) > limit:
        raise BadCell(
            _("%(limit)s 文字以内にしてください（%(length)s 文字あります）。")
            % {"limit": limit, "length": len(value)},
            value[:40] + "…",
        )


def _shown(value: str) -> str:
    """A bad text as the problem list shows it: cut short, its controls visible."""
    return show_controls(value[:40])


def category_of(cell: Any, key: str = "category") -> str:
    """A Project.Category from the words tables use for it."""
    found = category(as_text(cell))
    if found is None:
        raise BadCell(
            _(
                "二次経費区分がわかりません。「新規」か「レベルアップ」"
                "（レベル・ﾚﾍﾞﾙ・拡充も可）を入力してください。"
            )
        )
    return found


def amount(cell: Any, key: str = "") -> int | None:
    """An amount in 千円; None for "not applicable" (「-」)."""
    try:
        return parse_amount(cell)
    except AmountError as error:
        raise BadCell(error.message) from None


def optional_text(cell: Any) -> str | None:
    """A backup's title or lineage key; None when empty."""
    return as_text(cell) or None


def published(cell: Any) -> bool:
    """A backup's 公開 cell: 1 (published) or 0 (draft)."""
    flag = published_flag(as_text(cell))
    if flag is None:
        raise BadCell(_("公開は 1（公開）か 0（下書き）で入力してください。"))
    return flag


SHA256 = re.compile(r"[0-9a-f]{64}")
SOURCE_KINDS = tuple(source_files.EXTENSIONS)
# the name and sheet cells go into ImportEvent.filename and Project.source_sheet
SOURCE_TEXT_LIMIT = min(
    ImportEvent._meta.get_field("filename").max_length,
    Project._meta.get_field("source_sheet").max_length,
)
PLACE_MAX = BaseDatabaseOperations.integer_field_ranges[
    Project._meta.get_field("source_page").get_internal_type()
][1]


def source_sha256(cell: Any) -> str:
    """A backup's 出典ファイル: the cited file's SHA-256, or "" for no import."""
    value = as_text(cell).lower()
    if value and not SHA256.fullmatch(value):
        raise BadCell(
            _("出典ファイルは SHA-256（64 桁の 16 進数）で入力してください。")
        )
    return value


def source_kind(cell: Any) -> str:
    """A backup's 出典の種類: pdf, text, csv or xlsx (or empty)."""
    value = as_text(cell)
    if value and value not in SOURCE_KINDS:
        raise BadCell(
            _("出典の種類は %(kinds)s のどれかです。")
            % {"kinds": "・".join(SOURCE_KINDS)}
        )
    return value


def source_text(cell: Any) -> str:
    """A backup's 出典ファイル名 or 出典シート: one line, as written."""
    value = as_text(cell)
    if problem := stored_text_problem(value, multiline=False):
        raise BadCell(problem, _shown(value))
    check_length(value, SOURCE_TEXT_LIMIT)
    return value


def source_place(cell: Any) -> int | None:
    """A backup's 出典ページ or 出典行: a whole number from 1, or empty."""
    value = as_text(cell)
    if not value:
        return None
    if not value.isascii() or not value.isdecimal() or int(value) < 1:
        raise BadCell(_("1 以上の整数で入力してください。"))
    if len(value) > len(str(PLACE_MAX)) or int(value) > PLACE_MAX:
        raise BadCell(
            _("%(maximum)s 以下の整数で入力してください。")
            % {"maximum": f"{PLACE_MAX:,}"}
        )
    return int(value)


def source_public(cell: Any) -> bool | None:
    """A backup's 出典公開: 1 (the file is public) or 0; empty for no import."""
    value = as_text(cell)
    if not value:
        return None
    flag = published_flag(value)
    if flag is None:
        raise BadCell(_("出典公開は 1（公開）か 0（非公開）で入力してください。"))
    return flag


def edited_at(cell: Any) -> datetime | None:
    """A backup's 管理画面で修正: when a figure was edited (ISO 8601, with offset)."""
    value = as_text(cell)
    if not value:
        return None
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        moment = None
    if moment is None or moment.tzinfo is None:
        raise BadCell(
            _(
                "日時は ISO 8601 で時差まで入力してください。"
                "例: 2026-04-01T09:30:00+09:00"
            )
        )
    return moment


def citation_problem(values: dict[str, Any]) -> tuple[str, BadCell] | None:
    """(column key, problem) when a backup row's citation cells disagree."""
    sha256 = values.get("source_sha256")
    if sha256 is None:
        return None
    if sha256 and not values.get("source_kind"):
        return "source_kind", BadCell(_("出典ファイルには出典の種類が必要です。"))
    if sha256 and values.get("source_edited_at"):
        return "source_edited_at", BadCell(
            _("管理画面で修正した事業には出典ファイルを書きません。")
        )
    has_place = values.get("source_page") or values.get("source_line")
    if not sha256 and (has_place or values.get("source_sheet")):
        return "source_sha256", BadCell(_("出典の場所には出典ファイルが必要です。"))
    return None


# The cells every project row has, in the order their problems are listed.
_CELLS = (
    ("no", whole_number),
    ("theme_number", whole_number),
    *((key, text) for key in TEXT_KEYS),
    ("category", category_of),
    *((key, amount) for key in AMOUNT_FIELDS),
)
# What only a backup has: column key, ProjectRow field, reader.
_BACKUP_CELLS = (
    ("title", "title", optional_text),
    ("published", "published", published),
    ("lineage", "lineage_key", optional_text),
    ("links", "links", optional_text),
    ("successions", "successions", optional_text),
    ("source_sha256", "source_sha256", source_sha256),
    ("source_kind", "source_kind", source_kind),
    ("source_filename", "source_filename", source_text),
    ("source_page", "source_page", source_place),
    ("source_line", "source_line", source_place),
    ("source_sheet", "source_sheet", source_text),
    ("source_public", "source_public", source_public),
    ("source_edited_at", "source_edited_at", edited_at),
)
