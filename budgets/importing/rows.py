"""One function per kind of cell: a checked ProjectRow out of a row's cells."""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from typing import Any

from django.db.backends.base.operations import BaseDatabaseOperations
from django.utils.translation import gettext as _

from budgets import eras
from budgets.amounts import AmountError, parse_amount
from budgets.columns import BY_KEY, OPEN_DATA, TEXT
from budgets.importing.cells import as_text as _as_text
from budgets.importing.headers import COLUMN_LABELS, PUBLISHED_WORDS
from budgets.importing.headers import category as _category
from budgets.models import AMOUNT_FIELDS, amount_problems
from budgets.text import normalise_label

# The largest No and theme number their columns hold, on every database.
WHOLE_NUMBER_MAX = {
    key: BaseDatabaseOperations.integer_field_ranges[
        BY_KEY[key].model_field().get_internal_type()
    ][1]
    for key in ("no", "theme_number")
}
MAX_DIGITS = {key: len(str(maximum)) for key, maximum in WHOLE_NUMBER_MAX.items()}
# The longest text a text column holds (the description has no limit).
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


def parse_project_row(line, cells, default_year, problem):
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
