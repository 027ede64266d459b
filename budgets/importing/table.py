"""parse_table: rows of cells -> checked project rows, or every problem at once.

Going down the rows: skip empty ones; a header sets the columns (``layout.Headers``,
``headers``); a row of one cell may be a unit line, a title, a page number or a theme
(``layout``); any other row below a header is a project, its cells kept by column
key. Then the table's year is settled, each project row read cell by cell (``rows``)
and the rules across rows checked.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.utils.translation import gettext as _
from openpyxl.utils import get_column_letter

from budgets import eras
from budgets.importing import layout, totals
from budgets.importing.cells import cell_texts
from budgets.importing.headers import (
    COLUMN_LABELS,
    duplicate_columns,
    missing_columns,
)
from budgets.importing.problems import Problems
from budgets.importing.rows import BadCell, ProjectRow, check_length, parse_project_row
from budgets.importing.sources import Source, SourceRow
from budgets.models import FiscalYear

# The longest title a fiscal year holds (a text's title line, a backup's 表題).
TITLE_MAX = FiscalYear._meta.get_field("title").max_length


@dataclass
class ParsedTable:
    source: Source
    rows: list[ProjectRow] = field(default_factory=list)
    titles: dict[int, str] = field(default_factory=dict)  # year -> title as published
    published: dict[int, bool] = field(default_factory=dict)  # from a backup
    problems: Problems = field(default_factory=Problems)
    # what the clerk is shown but does not stop the import (accepted rounded totals)
    warnings: Problems = field(default_factory=Problems)


@dataclass
class _Walk:
    """What the walk down the rows has found so far."""

    plain: bool  # every cell is a str (text, CSV), not an XLSX value
    headers: layout.Headers = field(default_factory=layout.Headers)
    mapping: dict[int, str] | None = None  # column index -> key, from the header
    width: int = 0
    unmapped: list[int] = field(default_factory=list)  # nameless columns left of it
    # columns the header names but the table has not: refused once, at the header
    refused: set[int] = field(default_factory=set)
    theme: tuple[int, str] | None = None
    title_years: dict[int, tuple[int, str]] = field(default_factory=dict)
    project_cells: list[tuple[int, dict[str, Any]]] = field(default_factory=list)
    totals_rows: list[totals.TotalsRow] = field(default_factory=list)  # 合計 rows
    rounded: bool = False  # a note says the figures are rounded (端数処理)


def parse_table(
    source: Source, *, year: int | None = None, accept_rounded_totals: bool = False
) -> ParsedTable:
    """Check every row of the source; collect all problems rather than stop at one.

    ``accept_rounded_totals``: a totals row that differs from its rows in a table
    whose note says its figures are rounded is a warning, not a problem.
    """
    table = ParsedTable(
        source=source,
        problems=Problems(source.unit, source.locate),
        warnings=Problems(source.unit, source.locate),
    )
    walk = _Walk(plain=source.kind != "xlsx")
    for row in source.rows:
        _walk_row(walk, row, table.problems)
    if walk.mapping is None:
        table.problems.add(
            _(
                "見出し行が見つかりません。No・部・課名・事業名・二次経費区分・"
                "事業内容・要求額・予算額の列名がある行が必要です。"
            )
        )
        return table
    _read_projects(table, walk, year)
    _check_table(table)
    if not table.problems:  # with a row refused, its sum would mislead
        totals.check_totals(
            table.rows,
            walk.totals_rows,
            table.problems,
            table.warnings,
            rounded=walk.rounded,
            accept_rounded=accept_rounded_totals,
        )
    return table


def _walk_row(walk: _Walk, row: SourceRow, problems: Problems) -> None:
    texts = cell_texts(row.cells, walk.plain)
    filled = len(texts) - texts.count("")
    if not filled:
        return
    mapping = walk.headers.mapping(texts, row.cells)
    if mapping is not None:
        _start_columns(walk, mapping, texts, row.line, problems)
        return
    if walk.refused:  # refused once at the header: read each row as without them
        texts = ["" if i in walk.refused else t for i, t in enumerate(texts)]
        filled = len(texts) - texts.count("")
        if not filled:
            return
    if walk.mapping is not None and totals.is_totals_row(texts):
        walk.totals_rows.append(totals.totals_row(row.line, texts, walk.mapping))
        return
    if filled == 1:
        line = layout.single_cell_line(next(t for t in texts if t))
        if line is not None and (line.kind != layout.THEME or walk.mapping is not None):
            _note_line(walk, line, row.line, problems)
            return
        if walk.mapping is None:
            return  # free text above the header (notes, department banners)
    if walk.mapping is None:
        problems.add(
            _(
                "見出し行（No・部・課名・事業名・二次経費区分・事業内容・要求額・"
                "予算額…）より前に表の行があります。"
            ),
            row.line,
        )
        return
    cells = _project_cells(walk, row, texts, problems)
    if cells is not None:
        walk.project_cells.append((row.line, cells))


def _start_columns(
    walk: _Walk, mapping: dict[int, str], texts: list[str], line: int, problems
) -> None:
    """A header row: its columns hold from here on; name what it lacks or has extra."""
    refused = {i for i, t in enumerate(texts) if t and i not in mapping}
    for index in sorted(refused):
        problems.add(
            _(
                "この列（%(letter)s 列）は取り込めません。列を削除するか、"
                "名前を直してください。"
            )
            % {"letter": get_column_letter(index + 1)},
            line,
            texts[index],
        )
    for key in missing_columns(mapping):
        problems.add(_("見出し行にこの列がありません。"), line, COLUMN_LABELS[key])
    for key, indexes in duplicate_columns(mapping).items():
        problems.add(
            _(
                "この列が %(count)s つあります（%(columns)s 列）。どれを取り込むか"
                "決められません。1 つを残して削除するか、名前を直してください。"
            )
            % {
                "count": len(indexes),
                "columns": "・".join(get_column_letter(i + 1) for i in indexes),
            },
            line,
            COLUMN_LABELS[key],
        )
        for index in indexes[1:]:  # refused once: the rows read the first alone
            mapping = {i: k for i, k in mapping.items() if i != index}
            refused.add(index)
    walk.mapping = mapping
    walk.width = max(mapping) + 1
    walk.unmapped = [i for i in range(walk.width) if i not in mapping]
    walk.refused = refused


def _note_line(walk: _Walk, line: layout.Line, number: int, problems) -> None:
    """A unit line, title, page number or theme row: note what it says."""
    if line.kind == layout.UNIT and not line.in_thousands_of_yen:
        problems.add(
            _(
                "単位が千円ではありません。この表は千円単位で"
                "取り込みます。千円単位の表を用意してください。"
            ),
            number,
            value=line.text,
        )
    elif line.kind == layout.TITLE:
        if len(line.years) > 1:
            problems.add(_("表題に複数の年度があります。"), number, value=line.text)
        for found in line.years:
            if found not in walk.title_years:  # a title repeated on each page: once
                _check_title(line.text, number, problems)
            walk.title_years.setdefault(found, (number, line.text))
    elif line.kind == layout.THEME:
        walk.theme = line.theme
    elif line.kind == layout.NOTE:
        walk.rounded = walk.rounded or totals.is_rounding_note(line.text)


def _project_cells(
    walk: _Walk, row: SourceRow, texts: list[str], problems: Problems
) -> dict[str, Any] | None:
    """A project row's cells by column key; None if its shape is wrong."""
    if len(row.cells) < walk.width:
        problems.add(
            _(
                "列が足りません（%(found)s 列、%(needed)s 列必要）。"
                "行が途中で切れていないか確かめてください。"
            )
            % {"found": len(row.cells), "needed": walk.width},
            row.line,
        )
        return None
    extra = [i for i in walk.unmapped if texts[i]]
    extra += [i for i in range(walk.width, len(texts)) if texts[i]]
    if extra:
        problems.add(
            _(
                "見出しのない列（%(letter)s 列）に値があります。取り込まれずに"
                "失われるため拒否します。"
            )
            % {"letter": get_column_letter(extra[0] + 1)},
            row.line,
            value=texts[extra[0]],
        )
        return None
    # cleaned text, except the numbers an XLSX cell holds
    if walk.plain:
        cells = {key: texts[index] for index, key in walk.mapping.items()}
    else:
        cells = {
            key: row.cells[index]
            if isinstance(row.cells[index], int | float)
            else texts[index]
            for index, key in walk.mapping.items()
        }
    if "theme_number" not in cells:
        if walk.theme is None:
            problems.add(
                _("施策の柱の行（例: 「1 新型コロナ…」）より前に事業の行があります。"),
                row.line,
            )
            return None
        cells["theme_number"], cells["theme_name"] = walk.theme
    return cells


def _read_projects(table: ParsedTable, walk: _Walk, year: int | None) -> None:
    """Settle the table's year, then read every project row cell by cell."""
    problems = table.problems
    default_year, year_known = _resolve_year(walk.title_years, year, problems)
    if (
        year_known
        and default_year is None
        and any("year" not in cells for _line, cells in walk.project_cells)
    ):
        problems.add(
            _(
                "年度がわかりません。表題（例: 令和3年度当初予算）を残すか、"
                "年度の列を加えてください（コマンドでは --year 2021 のように"
                "指定することもできます）。"
            )
        )
        year_known = False
    for line, cells in walk.project_cells:
        if not year_known and "year" not in cells:
            continue
        parsed = parse_project_row(line, cells, default_year, problems)
        if parsed is not None:
            table.rows.append(parsed)
    if not walk.project_cells and not problems:
        problems.add(_("事業の行が一つもありません。"))
    for found, (_line, title) in walk.title_years.items():
        table.titles[found] = title


def _resolve_year(title_years, year, problems) -> tuple[int | None, bool]:
    """Return the table's year (None if it has none) and whether it is settled."""
    if len(title_years) > 1:
        found = sorted(title_years)
        problems.add(
            _("表題の年度が一つに決まりません: %(years)s")
            % {"years": "、".join(eras.dual_label(y) for y in found)},
            title_years[found[-1]][0],
        )
        return None, False
    title_year = next(iter(title_years), None)
    if year is not None and title_year is not None and year != title_year:
        line, title = title_years[title_year]
        problems.add(
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


def _check_table(table: ParsedTable) -> None:
    """Rules across rows: one title and published flag per year, No unique in a
    year, one name for each theme."""
    _check_year_values(table)
    first_line: dict[tuple[int, int], int] = {}
    theme_names: dict[tuple[int, int], tuple[str, int]] = {}
    for row in table.rows:
        key = (row.year, row.no)
        if key in first_line:
            table.problems.add(
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
            table.problems.add(
                _("施策番号 %(number)s の施策名が %(line)s 行目と違います。")
                % {"number": row.theme_number, "line": line},
                row.line,
                "施策名",
                row.theme_name,
            )


def _check_year_values(table: ParsedTable) -> None:
    """A backup's title and published flag: one of each per year."""
    for row in table.rows:
        for key, found, target in (
            ("title", row.title, table.titles),
            ("published", row.published, table.published),
        ):
            if found is None:
                continue
            if key == "title" and row.year not in target:  # once per year
                _check_title(found, row.line, table.problems)
            if target.setdefault(row.year, found) != found:
                table.problems.add(
                    _("同じ年度の「%(column)s」が行によって違います。")
                    % {"column": COLUMN_LABELS[key]},
                    row.line,
                    COLUMN_LABELS[key],
                    str(found),
                )


def _check_title(title: str, line: int, problems: Problems) -> None:
    """Refuse a title longer than a fiscal year's title holds."""
    try:
        check_length(title, TITLE_MAX)
    except BadCell as error:
        problems.add(error.message, line, COLUMN_LABELS["title"], error.value)
