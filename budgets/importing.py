"""Import a year's table: read it, check every cell, show what would change, write it.

One code path for the management command and the admin. The table arrives as finance
staff have it: the text copied out of the published PDF (tab-separated, page headers
repeated, theme rows between projects), a CSV from Excel (UTF-8, UTF-8 with BOM or
cp932) in the seed's columns or in this project's open-data columns, or an XLSX.

The steps are plain functions so each can be tested alone:

``read_source`` (bytes -> rows of cells) -> ``parse_table`` (rows -> checked project
rows, or problems) -> ``plan_import`` (rows -> what changes in the database) ->
``apply_plan`` (write). ``import_table`` runs them all in one transaction and writes
nothing when any problem exists.
"""

from __future__ import annotations

import contextlib
import contextvars
import csv
import functools
import gc
import hashlib
import io
import operator
import re
import unicodedata
import zipfile
from collections import defaultdict
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.db import IntegrityError, OperationalError, connection, transaction
from django.db.backends.base.operations import BaseDatabaseOperations
from django.db.models import F
from django.dispatch import receiver
from django.utils import timezone
from django.utils.translation import gettext as _
from simple_history.signals import pre_create_historical_record
from simple_history.utils import bulk_create_with_history, bulk_update_with_history

from budgets import caching, eras
from budgets.amounts import AmountError, parse_amount
from budgets.exporting import restore_neutralised
from budgets.models import (
    AMOUNT_FIELDS,
    Department,
    FiscalYear,
    ImportEvent,
    Project,
    ProjectLineage,
    Section,
    Theme,
    amount_problems,
    project_search_text,
)
from budgets.text import clean_cell, normalise_label, search_key

BATCH_SIZE = 2000

# --- Columns -----------------------------------------------------------------------

# Column key -> the name a clerk sees in a problem message.
COLUMN_LABELS = {
    "year": "年度",
    "theme_number": "施策番号",
    "theme_name": "施策名",
    "no": "No",
    "department": "部",
    "section": "課名",
    "name": "事業名",
    "category": "二次経費区分",
    "description": "事業内容",
    "requested": "要求額",
    "requested_levelup": "要求額（うちレベルアップ）",
    "budgeted": "予算額",
    "budgeted_levelup": "予算額（うちレベルアップ）",
    "title": "表題",
    "published": "公開",
    "lineage": "系譜",
}

# Header spellings (after normalise_label) -> column key.
HEADER_SPELLINGS = {
    "年度": "year",
    "施策番号": "theme_number",
    "施策の柱番号": "theme_number",
    "施策名": "theme_name",
    "施策の柱": "theme_name",
    "no": "no",
    "no.": "no",
    "番号": "no",
    "部": "department",
    "部名": "department",
    "課名": "section",
    "課": "section",
    "担当課": "section",
    "事業名": "name",
    "二次経費区分": "category",
    "区分": "category",
    "事業内容": "description",
    "内容": "description",
    "要求額": "requested",
    "要求額うちレベルアップ": "requested_levelup",
    "予算額": "budgeted",
    "予算額うちレベルアップ": "budgeted_levelup",
    # the backup's extra columns (export_budget_table --backup)
    "表題": "title",
    "公開": "published",
    "系譜": "lineage",
}

REQUIRED_COLUMNS = (
    "no",
    "department",
    "section",
    "name",
    "category",
    "description",
    "requested",
    "requested_levelup",
    "budgeted",
    "budgeted_levelup",
)

# Category spellings (after normalise_label, brackets removed) -> Project.Category.
CATEGORY_SPELLINGS = {
    "新規": Project.Category.NEW,
    "新": Project.Category.NEW,
    "new": Project.Category.NEW,
    "レベルアップ": Project.Category.LEVELUP,
    "レベル": Project.Category.LEVELUP,
    "レ": Project.Category.LEVELUP,
    "拡充": Project.Category.LEVELUP,
    "levelup": Project.Category.LEVELUP,
    "level-up": Project.Category.LEVELUP,
}

PUBLISHED_WORDS = {
    "1": True,
    "true": True,
    "公開": True,
    "0": False,
    "false": False,
    "下書き": False,
    "非公開": False,
}

# The largest No and theme number their columns hold, on every database.
WHOLE_NUMBER_MAX = {
    key: BaseDatabaseOperations.integer_field_ranges[field.get_internal_type()][1]
    for key, field in (
        ("no", Project._meta.get_field("no")),
        ("theme_number", Theme._meta.get_field("number")),
    )
}
MAX_DIGITS = {key: len(str(maximum)) for key, maximum in WHOLE_NUMBER_MAX.items()}
TEXT_LIMITS = {"department": 200, "section": 200, "name": 300, "theme_name": 300}

THEME_ROW = re.compile(r"^\s*(\d{1,3})\s*[.．、:：]?\s+(\S.*)$")
_SPACES = re.compile(r"\s+")
PAGE_NUMBER = re.compile(r"^[-‐－―—–\s]*\d{1,4}[-‐－―—–\s]*$")


# --- Results ------------------------------------------------------------------------


@dataclass(frozen=True)
class Problem:
    """One thing wrong with the file, located for the clerk who has to fix it."""

    message: str
    line: int | None = None
    column: str | None = None
    value: str | None = None
    unit: str = "line"  # "line" for text and CSV, "row" for XLSX

    def __str__(self) -> str:
        where = []
        if self.line is not None:
            where.append(
                _("%(n)s行目") % {"n": self.line}
                if self.unit == "line"
                else _("%(n)s行目（シートの行）") % {"n": self.line}
            )
        if self.column:
            where.append(_("「%(column)s」列") % {"column": self.column})
        prefix = " ".join(where)
        text = f"{prefix}: {self.message}" if prefix else self.message
        if self.value is not None and self.value != "":
            text += " " + _("（値: 「%(value)s」）") % {"value": self.value}
        return text


class ImportRefused(Exception):
    """The table cannot be imported; nothing was written."""

    def __init__(self, problems: Sequence[Problem]):
        self.problems = list(problems)
        super().__init__("\n".join(str(p) for p in self.problems))


@dataclass
class SourceRow:
    line: int
    cells: list[Any]


@dataclass
class Source:
    kind: str  # "text", "csv" or "xlsx"
    encoding: str | None
    rows: list[SourceRow]

    @property
    def unit(self) -> str:
        return "row" if self.kind == "xlsx" else "line"

    @property
    def kind_label(self) -> str:
        return {
            "text": _("PDF から写したテキスト（タブ区切り）"),
            "csv": _("CSV"),
            "xlsx": _("Excel ブック（XLSX）"),
        }[self.kind]


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


@dataclass
class ParsedTable:
    source: Source
    rows: list[ProjectRow] = field(default_factory=list)
    titles: dict[int, str] = field(default_factory=dict)  # year -> title as published
    published: dict[int, bool] = field(default_factory=dict)  # from a backup
    problems: list[Problem] = field(default_factory=list)


# --- Reading ------------------------------------------------------------------------


def read_source(data: bytes) -> Source:
    """Turn a file's bytes into rows of cells, detecting its kind and encoding.

    Raise ImportRefused when the bytes are no table at all.
    """
    if not data or not data.strip():
        raise ImportRefused([Problem(_("ファイルが空です。"))])
    if data[:4] == b"PK\x03\x04":
        return _read_xlsx(data)
    text, encoding = _decode(data)
    text = text.lstrip("\ufeff")
    lines = text.splitlines()
    if any("\t" in line for line in lines):
        rows = [
            SourceRow(number, line.split("\t"))
            for number, line in enumerate(lines, start=1)
        ]
        return Source("text", encoding, rows)
    return Source("csv", encoding, _read_csv(text))


def _decode(data: bytes) -> tuple[str, str]:
    unreadable = Problem(
        _(
            "このファイルは表として読めません。PDF から写したテキスト、"
            "CSV（UTF-8 または Shift_JIS）、XLSX のいずれかを選んでください。"
        )
    )
    if b"\x00" in data[:65536]:
        raise ImportRefused([unreadable])
    if data.startswith(b"\xef\xbb\xbf"):
        candidates = ("utf-8-sig",)
    else:
        candidates = ("utf-8", "cp932")
    for encoding in candidates:
        try:
            text = data.decode(encoding)
        except UnicodeDecodeError:
            continue
        if _looks_binary(text):
            raise ImportRefused([unreadable])
        return text, "utf-8" if encoding == "utf-8-sig" else encoding
    raise ImportRefused([unreadable])


def _looks_binary(text: str) -> bool:
    sample = text[:20000]
    controls = sum(
        1 for ch in sample if unicodedata.category(ch) == "Cc" and ch not in "\t\r\n"
    )
    return controls > max(3, len(sample) // 100)


def _read_csv(text: str) -> list[SourceRow]:
    rows: list[SourceRow] = []
    reader = csv.reader(io.StringIO(text, newline=""))
    start = 1
    try:
        for cells in reader:
            rows.append(SourceRow(start, cells))
            start = reader.line_num + 1
    except csv.Error as error:
        raise ImportRefused(
            [Problem(_("CSV として読めません: %(error)s") % {"error": error}, start)]
        ) from error
    return rows


def _read_xlsx(data: bytes) -> Source:
    import openpyxl  # installed with tablib[xlsx], which the admin's XLSX export uses

    try:
        book = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except (zipfile.BadZipFile, KeyError, OSError, ValueError) as error:
        raise ImportRefused(
            [Problem(_("XLSX ファイルとして開けません: %(error)s") % {"error": error})]
        ) from error
    try:
        sheet = book.worksheets[0]
        rows = [
            SourceRow(number, list(cells))
            for number, cells in enumerate(
                sheet.iter_rows(min_row=1, values_only=True), start=1
            )
        ]
    finally:
        book.close()
    return Source("xlsx", None, rows)


# --- Parsing ------------------------------------------------------------------------


def _cell_text(value: Any, *, quoted: bool = True) -> str:
    """A cell as trimmed text. ``quoted``: a text cell of a CSV or text file, where
    our export put a ``'`` before a formula character (exporting.neutralise); an
    XLSX cell holds its text as it is (the export marks it with a quote prefix)."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    text = clean_cell(str(value))
    return restore_neutralised(text) if quoted else text


_CELL_SPECIAL = re.compile("['\u200b\ufeff]")


def _cell_texts(cells: list[Any], plain: bool) -> list[str]:
    """_cell_text of every cell; a row of strings (text, CSV) the quick way."""
    if not plain:
        return [_cell_text(cell, quoted=False) for cell in cells]
    if not _CELL_SPECIAL.search("".join(cells)):
        return list(map(str.strip, cells))
    return [_cell_text(cell) for cell in cells]


def _as_text(value: Any) -> str:
    """A cell parse_table already cleaned stays as it is; a number becomes text."""
    return value if isinstance(value, str) else _cell_text(value)


def _header_mapping(cells: Sequence[Any]) -> dict[int, str] | None:
    mapping: dict[int, str] = {}
    for index, cell in enumerate(cells):
        key = HEADER_SPELLINGS.get(normalise_label(_cell_text(cell)))
        if key:
            mapping[index] = key
    keys = set(mapping.values())
    if {"no", "name"} <= keys and keys & {"requested", "budgeted"}:
        return mapping
    return None


def parse_table(source: Source, *, year: int | None = None) -> ParsedTable:
    """Check every row of the source; collect all problems rather than stop at one."""
    table = ParsedTable(source=source)
    unit = source.unit

    def problem(message: str, line=None, column=None, value=None) -> None:
        table.problems.append(Problem(message, line, column, value, unit))

    mapping: dict[int, str] | None = None
    header_width = 0
    unmapped: list[int] = []  # columns left of the last known one without a name
    plain = source.kind != "xlsx"  # every cell is a str
    headers: dict[tuple[str, ...], dict[int, str] | None] = {}
    theme: tuple[int, str] | None = None
    title_years: dict[int, tuple[int, str]] = {}  # year -> (line, title)
    raw_rows: list[tuple[int, dict[str, str | Any]]] = []

    for row in source.rows:
        texts = _cell_texts(row.cells, plain)
        filled = len(texts) - texts.count("")
        if not filled:
            continue
        # a header names 事業名; checking that first keeps data rows cheap
        joined = "".join(texts)
        header = None
        if "名" in joined and "事業名" in _SPACES.sub("", joined):
            key = tuple(texts)  # the same header repeats on every page
            if key not in headers:
                headers[key] = _header_mapping(row.cells)
            header = headers[key]
        if header is not None:
            for name in [t for i, t in enumerate(texts) if t and i not in header]:
                problem(
                    _("この列は取り込めません。列を削除するか、名前を直してください。"),
                    row.line,
                    name,
                )
            missing = [k for k in REQUIRED_COLUMNS if k not in header.values()]
            if "theme_number" in header.values() and "theme_name" not in (
                header.values()
            ):
                missing.append("theme_name")
            for key in missing:
                problem(
                    _("見出し行にこの列がありません。"), row.line, COLUMN_LABELS[key]
                )
            mapping = header
            header_width = max(header) + 1
            unmapped = [i for i in range(header_width) if i not in mapping]
            continue
        if filled == 1:
            text = next(t for t in texts if t)
            if _is_unit_row(text):
                if "千円" not in unicodedata.normalize("NFKC", text):
                    problem(
                        _(
                            "単位が千円ではありません。この表は千円単位で"
                            "取り込みます。千円単位の表を用意してください。"
                        ),
                        row.line,
                        value=text,
                    )
                continue
            years = eras.find_fiscal_years(text)
            if years and not THEME_ROW.match(unicodedata.normalize("NFKC", text)):
                if len(years) > 1:
                    problem(_("表題に複数の年度があります。"), row.line, value=text)
                for found in years:
                    title_years.setdefault(found, (row.line, text))
                continue
            if PAGE_NUMBER.match(text):
                continue
            match = THEME_ROW.match(unicodedata.normalize("NFKC", text))
            if match and mapping is not None:
                number = int(match.group(1))
                # keep the theme name as written: drop only the leading number
                name = clean_cell(re.sub(r"^\s*\S+?[\s.．、:：]+", "", text, count=1))
                theme = (number, name)
                continue
            if mapping is None:
                continue  # free text above the header (notes, department banners)
        if mapping is None:
            problem(
                _(
                    "見出し行（No・部・課名・事業名・二次経費区分・事業内容・要求額・"
                    "予算額…）より前に表の行があります。"
                ),
                row.line,
            )
            continue
        if len(row.cells) < header_width:
            problem(
                _(
                    "列が足りません（%(found)s 列、%(needed)s 列必要）。"
                    "行が途中で切れていないか確かめてください。"
                )
                % {"found": len(row.cells), "needed": header_width},
                row.line,
            )
            continue
        extra = [texts[i] for i in unmapped if texts[i]]
        extra += [t for t in texts[header_width:] if t]
        if extra:
            problem(
                _(
                    "見出しのない列に値があります。取り込まれずに失われるため拒否します。"
                ),
                row.line,
                value=extra[0],
            )
            continue
        # cleaned text, except the numbers an XLSX cell holds
        if plain:
            cells = {key: texts[index] for index, key in mapping.items()}
        else:
            cells = {
                key: row.cells[index]
                if isinstance(row.cells[index], int | float)
                else texts[index]
                for index, key in mapping.items()
            }
        if "theme_number" not in cells:
            if theme is None:
                problem(
                    _(
                        "施策の柱の行（例: 「1 新型コロナ…」）より前に"
                        "事業の行があります。"
                    ),
                    row.line,
                )
                continue
            cells["theme_number"], cells["theme_name"] = theme
        raw_rows.append((row.line, cells))

    if mapping is None:
        problem(
            _(
                "見出し行が見つかりません。No・部・課名・事業名・二次経費区分・"
                "事業内容・要求額・予算額の列名がある行が必要です。"
            )
        )
        return table

    default_year, year_known = _resolve_year(title_years, year, problem)
    if (
        year_known
        and default_year is None
        and any("year" not in c for _l, c in raw_rows)
    ):
        problem(
            _(
                "年度がわかりません。表題（例: 令和3年度当初予算）を残すか、"
                "年度の列を加えるか、年度を指定してください（--year 2021）。"
            )
        )
        year_known = False
    for line, cells in raw_rows:
        if not year_known and "year" not in cells:
            continue
        parsed = _parse_project_row(line, cells, default_year, problem)
        if parsed is not None:
            table.rows.append(parsed)
    if not raw_rows and not table.problems:
        problem(_("事業の行が一つもありません。"))
    for found, (_line, title) in title_years.items():
        table.titles[found] = title
    _check_table(table, problem)
    return table


def _is_unit_row(text: str) -> bool:
    return "単位" in unicodedata.normalize("NFKC", text)


def _resolve_year(title_years, year, problem) -> tuple[int | None, bool]:
    """Return the table's year (None if it has none) and whether it is settled."""
    if len(title_years) > 1:
        found = sorted(title_years)
        problem(
            _("表題の年度が一つに決まりません: %(years)s")
            % {"years": "、".join(eras.dual_label(y) for y in found)},
            title_years[found[-1]][0],
        )
        return None, False
    title_year = next(iter(title_years), None)
    if year is not None and title_year is not None and year != title_year:
        line, title = title_years[title_year]
        problem(
            _(
                "表題の年度（%(title_year)s）と指定された年度（%(year)s）が"
                "一致しません。どちらが正しいか確かめてください。"
            )
            % {
                "title_year": eras.dual_label(title_year),
                "year": eras.dual_label(year),
            },
            line,
            value=title,
        )
        return None, False
    return (year if year is not None else title_year), True


def _parse_project_row(line, cells, default_year, problem):
    ok = True

    def bad(message, key, value=None) -> None:
        nonlocal ok
        ok = False
        text = value if value is not None else _as_text(cells.get(key))
        problem(message, line, COLUMN_LABELS[key], text)

    # year
    row_year = default_year
    if "year" in cells:
        raw = _as_text(cells["year"])
        try:
            row_year = eras.parse_fiscal_year(raw)
        except ValueError:
            bad(_("年度として読めません。例: 2021 または 令和3年度"), "year")
        else:
            if default_year is not None and row_year != default_year:
                bad(
                    _("この行の年度が表題または指定の年度（%(year)s）と違います。")
                    % {"year": eras.dual_label(default_year)},
                    "year",
                )
    whole_numbers = {}
    for key in ("no", "theme_number"):
        raw = cells.get(key)
        if (
            isinstance(raw, int)
            and not isinstance(raw, bool)
            and 1 <= raw <= WHOLE_NUMBER_MAX[key]
        ):
            whole_numbers[key] = raw
            continue
        text = _as_text(raw)
        if not text.isdecimal():  # int() reads full-width digits as NFKC would
            text = unicodedata.normalize("NFKC", text).removesuffix(".0")
        digits = text.lstrip("0")
        if not text.isdecimal() or not digits:
            bad(_("1 以上の整数で入力してください。"), key)
        # the length first: int() refuses text of thousands of digits
        elif len(digits) > MAX_DIGITS[key] or int(digits) > WHOLE_NUMBER_MAX[key]:
            bad(
                _("%(maximum)s 以下の整数で入力してください。")
                % {"maximum": f"{WHOLE_NUMBER_MAX[key]:,}"},
                key,
            )
        else:
            whole_numbers[key] = int(digits)

    texts = {}
    for key in ("department", "section", "name", "theme_name", "description"):
        value = cells.get(key)
        if type(value) is not str:
            value = _as_text(value)
        texts[key] = value
        if not value and key != "description":
            bad(_("空欄にできません。"), key)
        limit = TEXT_LIMITS.get(key)
        if limit and len(value) > limit:
            bad(
                _("%(limit)s 文字以内にしてください（%(length)s 文字あります）。")
                % {"limit": limit, "length": len(value)},
                key,
                value[:40] + "…",
            )

    category_text = _as_text(cells.get("category"))
    category = _category(category_text)
    if category is None:
        bad(
            _(
                "二次経費区分がわかりません。「新規」か「レベルアップ」"
                "（レベル・ﾚﾍﾞﾙ・拡充も可）を入力してください。"
            ),
            "category",
            category_text,
        )

    amounts: dict[str, int | None] = {}
    for key in AMOUNT_FIELDS:
        try:
            amounts[key] = parse_amount(cells.get(key))
        except AmountError as error:
            bad(error.message, key)
    for key in ("requested", "budgeted"):
        if key in amounts and amounts[key] is None:
            bad(_("金額が必要です（0 も可）。「-」は使えません。"), key)
    if ok and category is not None:
        for key, message in amount_problems(category=category, **amounts):
            bad(message, key)
    backup: dict[str, Any] = {}
    if "title" in cells:
        backup["title"] = _as_text(cells["title"]) or None
    if "published" in cells:
        flag = normalise_label(_as_text(cells["published"]))
        if flag in PUBLISHED_WORDS:
            backup["published"] = PUBLISHED_WORDS[flag]
        else:
            bad(_("公開は 1（公開）か 0（下書き）で入力してください。"), "published")
    if "lineage" in cells:
        backup["lineage_key"] = _as_text(cells["lineage"]) or None
    if not ok:
        return None
    return ProjectRow(
        line=line,
        year=row_year,
        theme_number=whole_numbers["theme_number"],
        theme_name=texts["theme_name"],
        no=whole_numbers["no"],
        department=texts["department"],
        section=texts["section"],
        name=texts["name"],
        category=category,
        description=texts["description"],
        **amounts,
        **backup,
    )


@functools.lru_cache(maxsize=256)
def _category(text: str) -> str | None:
    """The category a cell names (a table spells the same few words on every row)."""
    return CATEGORY_SPELLINGS.get(normalise_label(text).strip("【】[]「」<>〈〉"))


def _check_table(table: ParsedTable, problem) -> None:
    """Rules across rows: No unique in a year, one name for each theme."""
    for row in table.rows:
        for key, found, target in (
            ("title", row.title, table.titles),
            ("published", row.published, table.published),
        ):
            if found is None:
                continue
            if target.setdefault(row.year, found) != found:
                problem(
                    _("同じ年度の「%(column)s」が行によって違います。")
                    % {"column": COLUMN_LABELS[key]},
                    row.line,
                    COLUMN_LABELS[key],
                    str(found),
                )
    first_line: dict[tuple[int, int], int] = {}
    theme_names: dict[tuple[int, int], tuple[str, int]] = {}
    for row in table.rows:
        key = (row.year, row.no)
        if key in first_line:
            problem(
                _("No %(no)s が重複しています（%(first)s 行目にもあります）。")
                % {"no": row.no, "first": first_line[key]},
                row.line,
                "No",
                str(row.no),
            )
        else:
            first_line[key] = row.line
        theme_key = (row.year, row.theme_number)
        name, line = theme_names.setdefault(theme_key, (row.theme_name, row.line))
        if name != row.theme_name:
            problem(
                _("施策番号 %(number)s の施策名が %(line)s 行目と違います。")
                % {"number": row.theme_number, "line": line},
                row.line,
                "施策名",
                row.theme_name,
            )


# --- Planning -----------------------------------------------------------------------


@dataclass
class FieldChange:
    field: str
    old: Any
    new: Any

    @property
    def label(self) -> str:
        return field_label(self.field)


@dataclass
class ProjectChange:
    row: ProjectRow
    project_id: int
    changes: list[FieldChange]


@dataclass
class LineageLink:
    row: ProjectRow
    lineage_id: int
    earlier_year: int
    earlier_no: int
    earlier_name: str


@dataclass
class YearPlan:
    year: int
    title: str
    fiscal_year: FiscalYear | None
    new: list[ProjectRow] = field(default_factory=list)
    changed: list[ProjectChange] = field(default_factory=list)
    unchanged: list[ProjectRow] = field(default_factory=list)
    missing: list[dict[str, Any]] = field(default_factory=list)
    new_themes: list[tuple[int, str]] = field(default_factory=list)
    renamed_themes: list[tuple[int, str, str]] = field(default_factory=list)
    links: list[LineageLink] = field(default_factory=list)
    totals: dict[str, int] = field(default_factory=dict)
    previous_year: int | None = None
    previous_totals: dict[str, int] | None = None
    title_change: tuple[str, str] | None = None
    publish: bool = False  # a backup says this year was published

    @property
    def rows(self) -> list[ProjectRow]:
        return [*self.new, *(c.row for c in self.changed), *self.unchanged]

    @property
    def has_changes(self) -> bool:
        return bool(
            self.fiscal_year is None
            or self.new
            or self.changed
            or self.new_themes
            or self.renamed_themes
            or self.title_change
        )


@dataclass
class ImportPlan:
    years: list[YearPlan]
    new_departments: list[str]
    new_sections: list[tuple[str, str]]
    prune: bool = False
    publish: bool = False

    def count(self, kind: str) -> int:
        return sum(len(getattr(plan, kind)) for plan in self.years)

    @property
    def has_changes(self) -> bool:
        return bool(
            any(plan.has_changes for plan in self.years)
            or (self.prune and self.count("missing"))
            or any(
                (self.publish or p.publish) and not self._is_published(p)
                for p in self.years
            )
        )

    @staticmethod
    def _is_published(plan: YearPlan) -> bool:
        return plan.fiscal_year is not None and plan.fiscal_year.is_published


def field_label(name: str) -> str:
    if name == "theme_number":
        return str(Theme._meta.get_field("number").verbose_name)
    if name == "theme_name":
        return str(Theme._meta.get_field("name").verbose_name)
    if name == "department":
        return str(Department._meta.get_field("name").verbose_name)
    if name == "section":
        return str(Section._meta.get_field("name").verbose_name)
    return str(Project._meta.get_field(name).verbose_name)


def _lineage_key(department: str, section: str, name: str) -> tuple[str, str, str]:
    return (search_key(department), search_key(section), search_key(name))


def plan_import(table: ParsedTable, *, prune: bool = False, publish: bool = False):
    """Compare the checked rows with the database; read only."""
    by_year: dict[int, list[ProjectRow]] = defaultdict(list)
    for row in table.rows:
        by_year[row.year].append(row)
    years = sorted(by_year)
    fiscal_years = {fy.year: fy for fy in FiscalYear.objects.filter(year__in=years)}
    departments = set(Department.objects.values_list("name", flat=True))
    sections = set(Section.objects.values_list("department__name", "name"))
    themes: dict[tuple[int, int], str] = {
        (year, number): name
        for year, number, name in Theme.objects.filter(
            fiscal_year__year__in=years
        ).values_list("fiscal_year__year", "number", "name")
    }
    existing: dict[tuple[int, int], dict[str, Any]] = {}
    for values in Project.objects.filter(fiscal_year__year__in=years).values(
        "id",
        "no",
        "name",
        "category",
        "description",
        *AMOUNT_FIELDS,
        year=F("fiscal_year__year"),
        theme_number=F("theme__number"),
        theme_name=F("theme__name"),
        department=F("section__department__name"),
        section_name=F("section__name"),
    ):
        values["section"] = values.pop("section_name")
        existing[(values["year"], values["no"])] = values

    new_departments: list[str] = []
    new_sections: list[tuple[str, str]] = []
    for row in table.rows:
        if row.department not in departments:
            departments.add(row.department)
            new_departments.append(row.department)
        if (row.department, row.section) not in sections:
            sections.add((row.department, row.section))
            new_sections.append((row.department, row.section))

    plans = []
    earlier = _earlier_projects(years[-1]) if years else {}
    for year in years:
        fiscal_year = fiscal_years.get(year)
        title = table.titles.get(year, "")
        plan = YearPlan(
            year=year,
            title=title,
            fiscal_year=fiscal_year,
            publish=table.published.get(year, False),
        )
        if fiscal_year is not None and title and fiscal_year.title != title:
            plan.title_change = (fiscal_year.title, title)
        seen_themes: set[int] = set()
        seen_projects: set[int] = set()
        for row in by_year[year]:
            if row.theme_number not in seen_themes:
                seen_themes.add(row.theme_number)
                old_name = themes.get((year, row.theme_number))
                if old_name is None:
                    plan.new_themes.append((row.theme_number, row.theme_name))
                elif old_name != row.theme_name:
                    plan.renamed_themes.append(
                        (row.theme_number, old_name, row.theme_name)
                    )
            current = existing.get((year, row.no))
            if current is None:
                plan.new.append(row)
                link = None if row.lineage_key else _find_link(row, earlier)
                if link is not None:
                    plan.links.append(link)
                continue
            seen_projects.add(current["id"])
            changes = [
                FieldChange(name, current[name], new)
                for name, new in row.values().items()
                if current[name] != new
            ]
            if changes:
                plan.changed.append(ProjectChange(row, current["id"], changes))
            else:
                plan.unchanged.append(row)
        plan.missing = sorted(
            (
                values
                for (y, _no), values in existing.items()
                if y == year and values["id"] not in seen_projects
            ),
            key=lambda values: values["no"],
        )
        plan.totals = _totals(by_year[year])
        previous = FiscalYear.objects.filter(year__lt=year).order_by("-year").first()
        if previous is not None:
            plan.previous_year = previous.year
            plan.previous_totals = previous.projects.totals()
        plans.append(plan)
    return ImportPlan(plans, new_departments, new_sections, prune, publish)


def _totals(rows: Iterable[ProjectRow]) -> dict[str, int]:
    totals = {name: 0 for name in AMOUNT_FIELDS}
    count = new_count = 0
    for row in rows:
        count += 1
        new_count += row.category == Project.Category.NEW
        for name in AMOUNT_FIELDS:
            totals[name] += getattr(row, name) or 0
    return {"count": count, "new_count": new_count, **totals}


def _earlier_projects(before_year: int) -> dict[tuple, list[dict[str, Any]]]:
    """Projects of earlier years by (department, section, name) key, newest first."""
    earlier: dict[tuple, list[dict[str, Any]]] = defaultdict(list)
    rows = (
        Project.objects.filter(fiscal_year__year__lt=before_year)
        .order_by("-fiscal_year__year", "no")
        .values(
            "lineage_id",
            "no",
            "name",
            year=F("fiscal_year__year"),
            department=F("section__department__name"),
            section_name=F("section__name"),
        )
    )
    for values in rows:
        key = _lineage_key(values["department"], values["section_name"], values["name"])
        earlier[key].append(values)
    return earlier


def _find_link(row: ProjectRow, earlier) -> LineageLink | None:
    if not earlier:
        return None
    for values in earlier.get(_lineage_key(row.department, row.section, row.name), ()):
        if values["year"] < row.year and values["lineage_id"] is not None:
            return LineageLink(
                row, values["lineage_id"], values["year"], values["no"], values["name"]
            )
    return None


# --- Writing ------------------------------------------------------------------------


@dataclass
class ImportReport:
    """What an import found, planned and (unless a dry run) wrote."""

    filename: str
    sha256: str
    source_kind: str = ""
    encoding: str | None = None
    problems: list[Problem] = field(default_factory=list)
    plan: ImportPlan | None = None
    dry_run: bool = False
    written: bool = False
    pruned: int = 0
    event: ImportEvent | None = None

    @property
    def ok(self) -> bool:
        return not self.problems

    def counts(self) -> dict[str, int]:
        if self.plan is None:
            return {"new": 0, "changed": 0, "unchanged": 0, "missing": 0}
        return {
            kind: self.plan.count(kind)
            for kind in ("new", "changed", "unchanged", "missing")
        }


# The import event a history record written now belongs to (see _tag_history).
_current_event: contextvars.ContextVar[ImportEvent | None] = contextvars.ContextVar(
    "budget_import_event", default=None
)


@receiver(pre_create_historical_record)
def _tag_history(sender, history_instance, **kwargs) -> None:
    """Link history records made by save()/delete() during an import to it."""
    event = _current_event.get()
    if event is not None and hasattr(history_instance, "import_event_id"):
        history_instance.import_event = event


@dataclass
class _Writer:
    """Writes a plan, recording each change in the history with who and which import."""

    event: ImportEvent
    user: Any
    now: Any

    @property
    def history(self) -> dict[str, Any]:
        return {
            "default_user": self.user,
            "default_change_reason": _("取り込み: %(file)s")
            % {"file": self.event.filename or self.event.sha256[:12]},
            "default_date": self.now,
            "custom_historical_attrs": {"import_event": self.event},
        }

    def create(self, model, objects: list) -> list:
        if not objects:
            return []
        return bulk_create_with_history(
            objects, model, batch_size=BATCH_SIZE, **self.history
        )

    def insert_projects(self, fiscal_year: FiscalYear, rows: Iterable[dict]) -> None:
        """Insert new projects with plain executemany, then copy them into history.

        The hot path of a yearly import (100,000 rows): Django's bulk_create spends
        most of its time preparing each field of each object; these values are
        already plain ints and strings. The history records are copied inside the
        database (INSERT … SELECT) from the rows just written, matched by year and
        No, so their values are the stored ones. Columns come from the models' own
        metadata, so the SQL follows the schema; other writes use the ORM. Rows are
        built and written a batch at a time, so memory does not grow with the table.
        """
        now = connection.ops.adapt_datetimefield_value(self.now)
        history = {
            "history_date": now,
            "history_change_reason": self.history["default_change_reason"],
            "history_type": "+",
            "history_user_id": getattr(self.user, "pk", None),
            "import_event_id": self.event.pk,
        }
        for batch in _batches(rows, BATCH_SIZE):
            for row in batch:
                row["created_at"] = row["updated_at"] = now
            _insert_rows(Project, batch)
            _copy_into_history(
                Project, history, fiscal_year.pk, [row["no"] for row in batch]
            )

    def update(self, model, objects: list, fields: list[str]) -> None:
        if objects:
            bulk_update_with_history(
                objects, model, fields, batch_size=500, **self.history
            )


def apply_plan(plan: ImportPlan, *, event: ImportEvent, user=None) -> int:
    """Write the plan; return the number of projects pruned. Call inside atomic()."""
    writer = _Writer(event=event, user=user, now=timezone.now())
    token = _current_event.set(event)
    try:
        return _apply(plan, writer)
    finally:
        _current_event.reset(token)


def _apply(plan: ImportPlan, writer: _Writer) -> int:
    _create_departments_and_sections(plan, writer)
    section_ids = {
        (department, name): pk
        for pk, department, name in Section.objects.values_list(
            "id", "department__name", "name"
        )
    }
    pruned = 0
    keyed: dict[str, int] = {}  # a backup's lineage key -> the lineage made for it
    for year_plan in plan.years:
        fiscal_year = _write_fiscal_year(
            year_plan, publish=plan.publish or year_plan.publish
        )
        theme_ids = _write_themes(year_plan, fiscal_year, writer)
        links = {id(link.row): link.lineage_id for link in year_plan.links}
        links.update(
            {
                id(row): keyed[row.lineage_key]
                for row in year_plan.new
                if row.lineage_key in keyed
            }
        )
        unlinked = [row for row in year_plan.new if id(row) not in links]
        fresh: list[ProjectRow] = []  # rows of one key share one new lineage
        fresh_keys: set[str] = set()
        for row in unlinked:
            if row.lineage_key is None or row.lineage_key not in fresh_keys:
                fresh.append(row)
                if row.lineage_key is not None:
                    fresh_keys.add(row.lineage_key)
        for row, lineage_id in zip(
            fresh, _new_lineages(len(fresh), writer.now), strict=True
        ):
            links[id(row)] = lineage_id
            if row.lineage_key is not None:
                keyed[row.lineage_key] = lineage_id
        for row in unlinked:
            if id(row) not in links:
                links[id(row)] = keyed[row.lineage_key]
        writer.insert_projects(
            fiscal_year,
            (
                _project_values(
                    row,
                    theme_ids,
                    section_ids,
                    writer.now,
                    fiscal_year_id=fiscal_year.pk,
                    no=row.no,
                    lineage_id=links[id(row)],
                    created_at=writer.now,
                    version=1,
                )
                for row in year_plan.new
            ),
        )
        _update_projects(year_plan, theme_ids, section_ids, writer)
        if plan.prune and year_plan.missing:
            missing = Project.objects.filter(
                pk__in=[values["id"] for values in year_plan.missing]
            )
            for project in missing:  # one by one, so each deletion is in the history
                project._change_reason = writer.history["default_change_reason"]
                project.delete()
                pruned += 1
    return pruned


def _new_lineages(count: int, now) -> list[int]:
    """Create ``count`` lineages in one statement; return their ids.

    They are all new and alike, so which id goes to which project does not matter.
    """
    if not count:
        return []
    table = connection.ops.quote_name(ProjectLineage._meta.db_table)
    column = connection.ops.quote_name(
        ProjectLineage._meta.get_field("created_at").column
    )
    created_at = connection.ops.adapt_datetimefield_value(now)
    if connection.vendor == "postgresql":
        sql = (
            f"INSERT INTO {table} ({column}) "
            "SELECT %s FROM generate_series(1, %s) RETURNING id"
        )
        params = [created_at, count]
    else:  # SQLite 3.35+: a recursive series and RETURNING
        sql = (
            "WITH RECURSIVE series(n) AS "
            "(SELECT 1 UNION ALL SELECT n + 1 FROM series WHERE n < %s) "
            f"INSERT INTO {table} ({column}) SELECT %s FROM series RETURNING id"
        )
        params = [count, created_at]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        ids = [row[0] for row in cursor.fetchall()]
    if len(ids) != count:  # pragma: no cover - a database that ignores RETURNING
        raise RuntimeError(f"made {len(ids)} lineages, needed {count}")
    return ids


def _batches(items: Iterable, size: int) -> Iterator[list]:
    batch = []
    for item in items:
        batch.append(item)
        if len(batch) == size:
            yield batch
            batch = []
    if batch:
        yield batch


def _insert_rows(model, rows: list[dict[str, Any]]) -> None:
    """INSERT the rows (attname -> database-ready value) in one executemany."""
    fields = [
        field
        for field in model._meta.concrete_fields
        if not (field.primary_key and field.attname not in rows[0])
    ]
    missing = [field.attname for field in fields if field.attname not in rows[0]]
    if missing:  # a schema change the fast path does not know yet
        raise ValueError(f"{model.__name__}: no value for {missing}")
    quote = connection.ops.quote_name
    sql = "INSERT INTO {} ({}) VALUES ({})".format(
        quote(model._meta.db_table),
        ", ".join(quote(field.column) for field in fields),
        ", ".join(["%s"] * len(fields)),
    )
    values = operator.itemgetter(*[field.attname for field in fields])
    with connection.cursor() as cursor:
        cursor.executemany(sql, list(map(values, rows)))


def _copy_into_history(
    model, extra: dict[str, Any], fiscal_year_id: int, numbers: list[int]
) -> None:
    """Write a history record for each of the year's projects numbered ``numbers``.

    One INSERT … SELECT: every column the history shares with the model comes from
    the stored row; the history's own columns (``extra``) are the same for all.
    """
    history_model = model.history.model
    source = {field.attname: field.column for field in model._meta.concrete_fields}
    quote = connection.ops.quote_name
    columns, selected, params = [], [], []
    for column in history_model._meta.concrete_fields:
        if column.primary_key:
            continue
        columns.append(quote(column.column))
        if column.attname in extra:
            selected.append("%s")
            params.append(extra[column.attname])
        elif column.attname in source:
            selected.append(quote(source[column.attname]))
        else:  # a schema change the fast path does not know yet
            raise ValueError(f"{history_model.__name__}: no value for {column.attname}")
    sql = "INSERT INTO {} ({}) SELECT {} FROM {} WHERE {} = %s AND {} IN ({})".format(
        quote(history_model._meta.db_table),
        ", ".join(columns),
        ", ".join(selected),
        quote(model._meta.db_table),
        quote(model._meta.get_field("fiscal_year").column),
        quote(model._meta.get_field("no").column),
        ", ".join(["%s"] * len(numbers)),
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [*params, fiscal_year_id, *numbers])
        if cursor.rowcount != len(numbers):  # pragma: no cover - a lost row
            raise RuntimeError(f"{cursor.rowcount} history records for {len(numbers)}")


def _project_values(
    row: ProjectRow, theme_ids, section_ids, now, **more: Any
) -> dict[str, Any]:
    return {
        **more,
        "theme_id": theme_ids[row.theme_number],
        "section_id": section_ids[(row.department, row.section)],
        "name": row.name,
        "category": row.category,
        "description": row.description,
        "requested": row.requested,
        "requested_levelup": row.requested_levelup,
        "budgeted": row.budgeted,
        "budgeted_levelup": row.budgeted_levelup,
        "search_text": _search_text(row),
        "updated_at": now,
    }


UPDATED_FIELDS = [
    "theme",
    "section",
    "name",
    "category",
    "description",
    *AMOUNT_FIELDS,
    "search_text",
    "updated_at",
    "version",
]


def _update_projects(year_plan: YearPlan, theme_ids, section_ids, writer) -> None:
    changes = {change.project_id: change.row for change in year_plan.changed}
    ids = list(changes)
    for start in range(0, len(ids), BATCH_SIZE):
        # whole rows, so every history record holds the complete new version
        projects = list(Project.objects.filter(pk__in=ids[start : start + BATCH_SIZE]))
        for project in projects:
            values = _project_values(
                changes[project.pk], theme_ids, section_ids, writer.now
            )
            for name, value in values.items():
                setattr(project, name, value)
            project.version += 1
        writer.update(Project, projects, UPDATED_FIELDS)


def _search_text(row: ProjectRow) -> str:
    return project_search_text(
        name=row.name,
        description=row.description,
        section=row.section,
        department=row.department,
    )


def _create_departments_and_sections(plan: ImportPlan, writer: _Writer) -> None:
    writer.create(Department, [Department(name=name) for name in plan.new_departments])
    if plan.new_sections:
        department_ids = dict(
            Department.objects.filter(
                name__in={d for d, _s in plan.new_sections}
            ).values_list("name", "id")
        )
        writer.create(
            Section,
            [
                Section(department_id=department_ids[department], name=name)
                for department, name in plan.new_sections
            ],
        )


def _write_fiscal_year(year_plan: YearPlan, *, publish: bool) -> FiscalYear:
    fiscal_year = (
        FiscalYear.objects.select_for_update().filter(year=year_plan.year).first()
    )
    if fiscal_year is None:
        return FiscalYear.objects.create(
            year=year_plan.year,
            title=year_plan.title or f"{eras.era_label(year_plan.year)}当初予算",
            is_published=publish,
        )
    changed = []
    if year_plan.title and fiscal_year.title != year_plan.title:
        fiscal_year.title = year_plan.title
        changed.append("title")
    if publish and not fiscal_year.is_published:
        fiscal_year.is_published = True
        changed.append("is_published")
    if changed:
        fiscal_year.save(update_fields=[*changed, "updated_at"])
    return fiscal_year


def _write_themes(year_plan: YearPlan, fiscal_year: FiscalYear, writer) -> dict:
    writer.create(
        Theme,
        [
            Theme(fiscal_year=fiscal_year, number=number, name=name)
            for number, name in year_plan.new_themes
        ],
    )
    for theme in fiscal_year.themes.filter(
        number__in=[number for number, _old, _new in year_plan.renamed_themes]
    ):
        theme.name = next(
            new
            for number, _old, new in year_plan.renamed_themes
            if number == theme.number
        )
        theme.save(update_fields=["name"])
    return dict(fiscal_year.themes.values_list("number", "id"))


def _lock_years(years: Iterable[int]) -> None:
    """Serialise imports of the same years: a second one waits for the first.

    PostgreSQL: a transaction-scoped advisory lock per year. SQLite allows one writer
    at a time anyway; a second import there waits for the lock or is refused.
    """
    if connection.vendor != "postgresql":
        return
    with connection.cursor() as cursor:
        for year in sorted(years):
            cursor.execute("SELECT pg_advisory_xact_lock(%s, %s)", [IMPORT_LOCK, year])


IMPORT_LOCK = 0x4D494E41  # "MINA": the advisory-lock namespace of budget imports


def import_table(
    data: bytes,
    *,
    filename: str = "",
    year: int | None = None,
    dry_run: bool = False,
    publish: bool = False,
    prune: bool = False,
    user=None,
    via: str = ImportEvent.Via.COMMAND,
) -> ImportReport:
    """Read, check, plan and (unless ``dry_run``) write a table, all or nothing.

    A report with problems means nothing was written. A real import (not a dry run)
    is recorded as one ImportEvent; every history record it writes links to it.
    """
    with _cyclic_gc_paused():
        return _import_table(
            data,
            filename=filename,
            year=year,
            dry_run=dry_run,
            publish=publish,
            prune=prune,
            user=user,
            via=via,
        )


@contextlib.contextmanager
def _cyclic_gc_paused() -> Iterator[None]:
    """Pause Python's cyclic garbage collector while a table is imported.

    An import builds some ten objects per row and next to no reference cycles:
    with the collector running, a 100,000-row import spent about a second in 1,201
    collections that freed 635 objects in all (benchmarks/import_phases.py). Memory
    is still freed as usual by reference counting; the collector runs again after.
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def _import_table(
    data: bytes,
    *,
    filename: str,
    year: int | None,
    dry_run: bool,
    publish: bool,
    prune: bool,
    user,
    via: str,
) -> ImportReport:
    report = ImportReport(
        filename=filename, sha256=hashlib.sha256(data).hexdigest(), dry_run=dry_run
    )
    try:
        source = read_source(data)
    except ImportRefused as refused:
        report.problems = refused.problems
        return report
    report.source_kind, report.encoding = source.kind, source.encoding
    table = parse_table(source, year=year)
    source.rows.clear()  # parsed: the raw cells are no longer needed
    if table.problems:
        report.problems = table.problems
        return report
    try:
        with transaction.atomic():
            if not dry_run:
                _lock_years({row.year for row in table.rows})
            report.plan = plan_import(table, prune=prune, publish=publish)
            if dry_run:
                return report
            counts = report.counts()
            event = ImportEvent.objects.create(
                filename=filename[:255],
                sha256=report.sha256,
                user=user if getattr(user, "pk", None) else None,
                via=via,
                years=",".join(str(plan.year) for plan in report.plan.years),
                created=counts["new"],
                updated=counts["changed"],
                unchanged=counts["unchanged"],
            )
            report.event = event
            if report.plan.has_changes:
                report.pruned = apply_plan(report.plan, event=event, user=user)
                report.written = True
                caching.data_changed()
                if report.pruned:
                    event.deleted = report.pruned
                    event.save(update_fields=["deleted"])
    except (IntegrityError, OperationalError) as error:
        report.problems = [
            Problem(
                _(
                    "データベースが取り込みを受け付けませんでした（同じ年度の取り込みが"
                    "同時に行われた可能性があります）。何も書き込んでいません。"
                    "もう一度お試しください: %(error)s"
                )
                % {"error": error}
            )
        ]
        report.written = False
        report.event = None
    return report
