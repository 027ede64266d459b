"""Open data: the files of /data/, their data dictionary, licence and datapackage.json.

Every published year is offered as

- CSV, UTF-8 with a BOM: ``budgets.exporting.csv_chunks``, the project's own format;
- CSV, cp932 (Shift_JIS as Windows and Excel write it), for older tools. cp932 lacks
  some characters (FY2021 No 22 has "CO ₂", U+2082). Such a character is written as
  the first of these that cp932 can encode: the ideograph a radical look-alike stands
  for (⺠ → 民), the character Windows uses for it (— → ―), its NFKC form (₂ → 2),
  else an HTML numeric reference (𠮷 → ``&#x20BB7;``), so nothing is lost silently.
  The /data/ page lists every such replacement in the published data;
- XLSX: amounts as numbers, text as text cells that a spreadsheet never runs as a
  formula, and a second sheet with the data dictionary and the licence;
- JSON: the projects with the API's field names, amounts as numbers, ``null`` for
  "not applicable".

``datapackage_descriptor`` describes the UTF-8 CSVs as a Frictionless Data Package
(Table Schema per file) with a Fiscal Data Package ``model``: amounts as measures in
JPY with factor 1000, requested as phase "proposed" and budgeted as "approved", the
department and section as the administrative classification, the policy theme as the
functional one.
"""

from __future__ import annotations

import csv
import io
import json
import unicodedata
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import IO, Any

from django.db.models import QuerySet
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font

from budgets import citations, columns, year_by_year
from budgets.exporting import (
    CATEGORY_WORDS,
    COLUMNS,
    CSV_HEADER,
    FORMULA_PREFIXES,
    LineText,
    neutralise,
    project_rows,
    restore_neutralised,
)
from budgets.models import FiscalYear, Project
from budgets.text import fix_lookalikes

TITLE = "港区 新規事業及びレベルアップ事業一覧"
TITLE_EN = "Minato City: new and level-up projects of the initial budget"
SOURCE_TITLE = "港区「新規事業及びレベルアップ事業一覧」（港区ウェブサイト）"
SOURCE_URL = "https://www.city.minato.tokyo.jp/"
LICENCE_NAME = "CC-BY-4.0"
LICENCE_TITLE = "クリエイティブ・コモンズ 表示 4.0 国際（CC BY 4.0）"
LICENCE_URL = "https://creativecommons.org/licenses/by/4.0/deed.ja"
GOVERNMENT_TERMS = "政府標準利用規約（第2.0版）"
ATTRIBUTION = (
    "出典：港区「新規事業及びレベルアップ事業一覧」"
    f"（港区ウェブサイト {SOURCE_URL}）を加工して作成"
)
ATTRIBUTION_EN = (
    "Source: Minato City, 新規事業及びレベルアップ事業一覧 (List of new and level-up "
    f"projects), Minato City website ({SOURCE_URL}); processed by this site."
)

FORMATS = ("csv", "cp932.csv", "xlsx", "json")
CP932 = "cp932"
CP932_CHARSET = "Windows-31J"  # the IANA name of cp932
XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


# The data dictionary: the open-data columns (budgets.columns), in the CSV's order.
DICTIONARY = columns.OPEN_DATA


def published_years() -> QuerySet[FiscalYear]:
    return FiscalYear.objects.published().order_by("year")


def projects_of(year: int | None) -> QuerySet[Project]:
    """Return the published projects of one year, or of every published year."""
    projects = Project.objects.published()
    return projects if year is None else projects.filter(fiscal_year__year=year)


def filename(year: int | None, fmt: str) -> str:
    """Return a file's name: minato-budget-2021.csv, minato-budget-all.cp932.csv …"""
    return f"minato-budget-{year or 'all'}.{fmt}"


def records(queryset: QuerySet[Project]) -> Iterator[dict[str, Any]]:
    """Yield each project as a dict of the dictionary's keys, raw values, None kept."""
    keys = [column.key for column in DICTIONARY]
    rows = year_by_year.values(queryset, *COLUMNS, *citations.VALUES)
    texts, width = citations.Texts(), len(keys)
    for row in rows:
        record = dict(zip(keys, row[:width], strict=True))
        record["citation"] = texts(row[width:])  # in place of the project's id
        yield record


# --- cp932 -----------------------------------------------------------------

# Where Windows (cp932) has its own code point for a character Unicode spells
# otherwise. Python's cp932 codec writes the last six so without a word (they read
# back as the full-width forms: every such character of the BMP is here), so they are
# replaced and listed on /data/ as such.
CP932_EQUIVALENTS = {
    "\u2014": "\u2015",  # — EM DASH -> ― HORIZONTAL BAR (cp932 0x815C)
    "\u00a2": "\uffe0",  # ¢ CENT SIGN -> ￠ (0x8191)
    "\u00a3": "\uffe1",  # £ POUND SIGN -> ￡ (0x8192)
    "\u00ac": "\uffe2",  # ¬ NOT SIGN -> ￢ (0x81CA)
    "\u2016": "\u2225",  # ‖ DOUBLE VERTICAL LINE -> ∥ (0x8161)
    "\u2212": "\uff0d",  # − MINUS SIGN -> － (0x817C)
    "\u301c": "\uff5e",  # 〜 WAVE DASH -> ～ FULLWIDTH TILDE (0x8160)
}


@dataclass(frozen=True)
class Replacement:
    """A character that the cp932 files write differently, and where it is."""

    year: int
    no: int
    column: str
    original: str
    replacement: str

    @property
    def codepoint(self) -> str:
        return f"U+{ord(self.original):04X}"

    @property
    def name(self) -> str:
        return unicodedata.name(self.original, "")


def _encodable(text: str) -> bool:
    """Whether cp932 writes ``text`` so that it reads back as the same text."""
    try:
        return text.encode(CP932).decode(CP932) == text
    except UnicodeEncodeError:
        return False


def cp932_replacement(char: str) -> str:
    """Return what the cp932 files write for one character cp932 cannot encode."""
    for candidate in (
        fix_lookalikes(char),
        CP932_EQUIVALENTS.get(char, ""),
        unicodedata.normalize("NFKC", char),
    ):
        if candidate and candidate != char and _encodable(candidate):
            return candidate
    return f"&#x{ord(char):X};"


def to_cp932_text(text: str) -> str:
    """Return text that cp932 encodes, each missing character replaced as documented."""
    if _encodable(text):
        return text
    return "".join(
        char if _encodable(char) else cp932_replacement(char) for char in text
    )


def cp932_replacements(queryset: QuerySet[Project]) -> list[Replacement]:
    """List every character of the projects that the cp932 files write differently."""
    text_columns = [column for column in DICTIONARY if column.type == "string"]
    found: set[Replacement] = set()
    for record in records(queryset):
        for column in text_columns:
            value = record[column.key]
            if not value or _encodable(value):
                continue
            for char in dict.fromkeys(value):
                if not _encodable(char):
                    found.add(
                        Replacement(
                            year=record["year"],
                            no=record["no"],
                            column=column.header,
                            original=char,
                            replacement=cp932_replacement(char),
                        )
                    )
    return sorted(found, key=lambda r: (r.year, r.no, r.column, r.original))


def cp932_chunks(queryset: QuerySet[Project]) -> Iterator[bytes]:
    """Yield the CSV in cp932, line by line: same header, rows and amounts as the
    UTF-8 CSV (without its BOM), each missing character replaced as documented."""
    writer = csv.writer(LineText())
    yield writer.writerow(CSV_HEADER).encode(CP932)
    for row in project_rows(queryset):
        yield writer.writerow(
            [
                # project_rows neutralised the stored text: replace within it, then
                # neutralise once (a replacement may begin with a formula character)
                neutralise(to_cp932_text(restore_neutralised(cell)))
                if isinstance(cell, str)
                else cell
                for cell in row
            ]
        ).encode(CP932)


# --- XLSX ------------------------------------------------------------------

_SAFE_TEXT = "s"  # openpyxl's data type of a plain string cell
_WIDTHS = dict(zip("ABCDEFGHI", (8, 8, 30, 6, 20, 20, 30, 12, 60), strict=True))


def _text_cell(sheet, value: str) -> WriteOnlyCell:
    """A text cell, never a formula, shown as written (=1+1 stays =1+1)."""
    cell = WriteOnlyCell(sheet, value=value)
    cell.data_type = _SAFE_TEXT
    if value.startswith(FORMULA_PREFIXES):
        cell.quotePrefix = True
    return cell


class _RowCells:
    """Turn each record into a sheet row, styled as the workbook shows it.

    Plain values where openpyxl keeps them as they are; a styled cell (written
    before the next row is made) for amounts and formula-like text.
    """

    def __init__(self, sheet) -> None:
        self.sheet = sheet
        self.keys = [column.key for column in DICTIONARY]
        self.amounts = {column.key for column in DICTIONARY if column.is_amount}

    def __call__(self, record: dict[str, Any]) -> list:
        return [self.cell(key, record[key]) for key in self.keys]

    def cell(self, key: str, value: Any) -> Any:
        if value is None:
            return None
        if key == "category":
            value = CATEGORY_WORDS[value]
        if isinstance(value, str):
            # a plain str is a text cell, unless openpyxl reads it as a formula
            if value.startswith(FORMULA_PREFIXES):
                return _text_cell(self.sheet, value)
            return value
        if key in self.amounts:
            cell = WriteOnlyCell(self.sheet, value=value)
            cell.number_format = "#,##0"
            return cell
        return value


def write_xlsx(queryset: QuerySet[Project], target: str | IO[bytes]) -> None:
    """Write the projects as an XLSX workbook, row by row (openpyxl's write-only
    mode): the table, then the dictionary."""
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("事業一覧")
    sheet.freeze_panes = "A2"
    for letter, width in _WIDTHS.items():
        sheet.column_dimensions[letter].width = width
    header = [_text_cell(sheet, text) for text in CSV_HEADER]
    for cell in header:
        cell.font = Font(bold=True)
    sheet.append(header)
    row_cells = _RowCells(sheet)
    for record in records(queryset):
        sheet.append(row_cells(record))
    _dictionary_sheet(workbook.create_sheet("項目の説明"))
    workbook.save(target)


def xlsx(queryset: QuerySet[Project]) -> bytes:
    """Return the projects as an XLSX workbook (``write_xlsx`` in memory)."""
    buffer = io.BytesIO()
    write_xlsx(queryset, buffer)
    return buffer.getvalue()


def _dictionary_sheet(sheet) -> None:
    for letter, width in zip("ABCD", (28, 60, 60, 10), strict=True):
        sheet.column_dimensions[letter].width = width
    for label, value in (
        ("表題", TITLE),
        ("出典の表示", ATTRIBUTION),
        ("ライセンス", f"{LICENCE_TITLE} {LICENCE_URL}"),
        ("", f"{GOVERNMENT_TERMS}に準拠した原データを加工したものです。"),
        ("単位", "金額は千円。空欄は該当なし（0 ではありません）。"),
    ):
        sheet.append([label, value])
    sheet.append([])
    sheet.append(["列", "意味", "Meaning", "単位 / Unit"])
    for column in DICTIONARY:
        sheet.append(
            [
                _text_cell(sheet, value)
                for value in (column.header, column.ja, column.en, column.unit_ja)
            ]
        )


# --- JSON ------------------------------------------------------------------


def json_head(years: Sequence[int]) -> dict:
    """Return the JSON document without its projects: the dictionary, licence and
    attribution around them."""
    return {
        "title": TITLE,
        "years": list(years),
        "unit": "千円 (1,000 JPY); null = not applicable",
        "license": {"name": LICENCE_NAME, "url": LICENCE_URL},
        "attribution": ATTRIBUTION,
        "fields": [
            {
                "key": column.key,
                "header": column.header,
                "type": column.type,
                "unit": column.unit_en,
                "description_ja": column.ja,
                "description_en": column.en,
            }
            for column in DICTIONARY
        ],
        "projects": [],
    }


_encode = json.JSONEncoder(ensure_ascii=False).encode
_EMPTY_TAIL = "[]\n}"


def json_chunks(queryset: QuerySet[Project], *, years: Sequence[int]) -> Iterator[str]:
    """Yield the JSON document project by project: the same text as
    ``json.dumps(document, ensure_ascii=False, indent=1)`` of the whole document,
    "projects" being its last key."""
    text = json.dumps(json_head(years), ensure_ascii=False, indent=1)
    head = text.removesuffix(_EMPTY_TAIL)
    separator = "[\n"
    for record in records(queryset):
        record["category_label"] = CATEGORY_WORDS[record["category"]]
        members = ",\n".join(
            f"   {_encode(key)}: {_encode(value)}" for key, value in record.items()
        )
        yield f"{head}{separator}  {{\n{members}\n  }}"
        head, separator = "", ",\n"
    yield head + _EMPTY_TAIL if head else "\n ]\n}"


# --- datapackage.json ------------------------------------------------------


def table_schema() -> dict:
    """Return the Frictionless Table Schema of the UTF-8 CSV."""
    fields = []
    for column in DICTIONARY:
        field: dict[str, Any] = {
            "name": column.header,
            "type": column.type,
            "title": column.key,
            "description": f"{column.ja} / {column.en}",
        }
        constraints: dict[str, Any] = {}
        if column.required:
            constraints["required"] = True
        if column.is_amount or column.type == "integer":
            constraints["minimum"] = 0
        if column.key == "category":
            constraints["enum"] = list(CATEGORY_WORDS.values())
        if constraints:
            field["constraints"] = constraints
        if column.is_amount:
            field["unit"] = "1000 JPY"
        fields.append(field)
    return {
        "fields": fields,
        "missingValues": [""],
        "primaryKey": ["年度", "No"],
    }


def _resource(year: int | None, title: str) -> dict:
    return {
        "name": f"minato-budget-{year or 'all'}",
        "title": title,
        "path": filename(year, "csv"),
        "profile": "tabular-data-resource",
        "format": "csv",
        "mediatype": "text/csv",
        "encoding": "utf-8",
        "schema": table_schema(),
    }


def fiscal_model(resource: str) -> dict:
    """Return the Fiscal Data Package model: the CSV's columns as measures and
    dimensions."""
    return {
        "measures": _fiscal_measures(resource),
        "dimensions": _fiscal_dimensions(resource),
    }


def _fiscal_measures(resource: str) -> dict:
    """Each amount column as a measure: thousands of yen, proposed or approved."""
    return {
        column.key: {
            "source": column.header,
            "resource": resource,
            "currency": "JPY",
            "factor": 1000,
            "direction": "expenditure",
            "phase": "proposed" if column.key.startswith("requested") else "approved",
            "title": column.en,
        }
        for column in DICTIONARY
        if column.is_amount
    }


def _fiscal_dimensions(resource: str) -> dict:
    """The year, the department and section, the theme and the project, each with
    the CSV columns it reads."""

    def attribute(header: str, **extra: str) -> dict:
        return {"source": header, "resource": resource, **extra}

    return {
        "fiscal-year": {
            "dimensionType": "datetime",
            "attributes": {"year": attribute("年度")},
            "primaryKey": "year",
        },
        "administrative-classification": {
            "dimensionType": "classification",
            "classificationType": "administrative",
            "attributes": {
                "department": attribute("部"),
                "section": attribute("課名", parent="department"),
            },
            "primaryKey": ["department", "section"],
        },
        "functional-classification": {
            "dimensionType": "classification",
            "classificationType": "functional",
            "attributes": {
                "year": attribute("年度"),
                "code": attribute("施策番号"),
                "title": attribute("施策名", labelfor="code"),
            },
            "primaryKey": ["year", "code"],
        },
        "project": {
            "dimensionType": "activity",
            "attributes": {
                "year": attribute("年度"),
                "id": attribute("No"),
                "title": attribute("事業名", labelfor="id"),
                "category": attribute("二次経費区分"),
                "description": attribute("事業内容"),
            },
            "primaryKey": ["year", "id"],
        },
    }


def datapackage_descriptor(
    years: Iterable[FiscalYear], *, homepage: str
) -> dict[str, Any]:
    """Return datapackage.json: the all-years CSV first, then one CSV per year."""
    years = list(years)
    all_years = _resource(None, f"{TITLE}（公開中の全年度）")
    descriptor: dict[str, Any] = {
        "profile": "tabular-data-package",
        "name": "minato-budget",
        "title": TITLE,
        "description": (
            f"{TITLE_EN}. Amounts in thousands of yen; an empty cell means not "
            "applicable. Fiscal Data Package model (measures and dimensions) in "
            "`model`."
        ),
        "homepage": homepage,
        "keywords": ["港区", "予算", "budget", "Minato", "Tokyo", "fiscal"],
        "countryCode": "JP",
        "granularity": "aggregated",
        "licenses": [
            {"name": LICENCE_NAME, "path": LICENCE_URL, "title": LICENCE_TITLE}
        ],
        "sources": [{"title": SOURCE_TITLE, "path": SOURCE_URL}],
        "resources": [all_years]
        + [_resource(fy.year, fy.display_title) for fy in years],
        "model": fiscal_model(all_years["name"]),
    }
    if years:
        descriptor["fiscalPeriod"] = {
            "start": f"{years[0].year}-04-01",
            "end": f"{years[-1].year + 1}-03-31",
        }
    return descriptor
