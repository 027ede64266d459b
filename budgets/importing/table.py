"""parse_table: rows of cells -> checked project rows, or every problem at once."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from typing import Any

from django.utils.translation import gettext as _

from budgets import eras
from budgets.importing.cells import cell_texts as _cell_texts
from budgets.importing.headers import COLUMN_LABELS, REQUIRED_COLUMNS
from budgets.importing.headers import header_mapping as _header_mapping
from budgets.importing.layout import PAGE_NUMBER, THEME_ROW
from budgets.importing.layout import SPACES as _SPACES
from budgets.importing.layout import is_unit_row as _is_unit_row
from budgets.importing.problems import Problem
from budgets.importing.rows import ProjectRow
from budgets.importing.rows import parse_project_row as _parse_project_row
from budgets.importing.sources import Source
from budgets.text import clean_cell


@dataclass
class ParsedTable:
    source: Source
    rows: list[ProjectRow] = field(default_factory=list)
    titles: dict[int, str] = field(default_factory=dict)  # year -> title as published
    published: dict[int, bool] = field(default_factory=dict)  # from a backup
    problems: list[Problem] = field(default_factory=list)


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
