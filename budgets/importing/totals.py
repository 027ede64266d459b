"""A table's printed totals (合計, 計), checked against the sum of its rows.

A totals row is never a project. Each amount it prints must equal the sum of that
column over the project rows above it; a difference refuses the table with both
figures. When the table notes that its figures are rounded (端数処理, 四捨五入 …),
the difference may be the rounding: it is still refused unless the import is told to
accept it (``accept_rounded_totals``, the command's ``--accept-rounded-totals``, the
admin's confirm form's 「端数処理による合計の差を確かめました」),
when it becomes a warning the report shows.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from django.utils.translation import gettext as _

from budgets.amounts import AmountError, parse_amount
from budgets.importing.headers import COLUMN_LABELS
from budgets.importing.problems import Problems
from budgets.importing.rows import ProjectRow
from budgets.models import AMOUNT_FIELDS

TOTAL_WORDS = frozenset({"合計", "総計", "総合計", "計"})
ROUNDING_WORDS = ("端数", "四捨五入", "切り捨て", "切捨て", "切り上げ")
_SPACES = re.compile(r"\s+")


@dataclass
class TotalsRow:
    """A printed totals row: where it stands and its amount cells as text."""

    line: int
    amounts: dict[str, str]


def is_totals_row(texts: list[str]) -> bool:
    """Whether a row's first filled cell reads 合計 or 計 (spaces aside: 合　計)."""
    first = next((text for text in texts if text), "")
    return _SPACES.sub("", unicodedata.normalize("NFKC", first)) in TOTAL_WORDS


def totals_row(line: int, texts: list[str], mapping: dict[int, str]) -> TotalsRow:
    amounts = {
        key: texts[index]
        for index, key in mapping.items()
        if key in AMOUNT_FIELDS and index < len(texts)
    }
    return TotalsRow(line, amounts)


def is_rounding_note(text: str) -> bool:
    """Whether a note says the table's figures are rounded."""
    return any(word in text for word in ROUNDING_WORDS)


def check_totals(
    rows: list[ProjectRow],
    totals: list[TotalsRow],
    problems: Problems,
    warnings: Problems,
    *,
    rounded: bool,
    accept_rounded: bool,
) -> None:
    """Compare each totals row with the sum of the project rows above it."""
    sums = _sums_above(rows, [total.line for total in totals])
    for total in totals:
        for key, text in total.amounts.items():
            difference = _difference(key, text, sums[total.line], total.line, problems)
            if difference is None:
                continue
            printed, summed = difference
            if rounded and accept_rounded:
                warnings.add(_rounded_message(key, printed, summed), total.line)
            elif rounded:
                problems.add(
                    _rounded_message(key, printed, summed)
                    + _(
                        "丸めによる差であることを確かめたうえで、コマンド "
                        "import_budget_table に --accept-rounded-totals を付けて"
                        "取り込んでください（管理画面では、確認画面の「端数処理による"
                        "合計の差を確かめました」にチェックを入れて確定します）。"
                    ),
                    total.line,
                    COLUMN_LABELS[key],
                    text,
                )
            else:
                problems.add(
                    _message(key, printed, summed)
                    + _(
                        "事業の行か合計行の数字が違っています。元の表を確かめてください。"
                    ),
                    total.line,
                    COLUMN_LABELS[key],
                    text,
                )


def _sums_above(rows: list[ProjectRow], lines: list[int]) -> dict[int, dict]:
    """Each line's sums of every amount over the project rows above it, in one walk
    down the rows (a totals row may stand on every page)."""
    ordered = iter(sorted(rows, key=lambda row: row.line))
    running = dict.fromkeys(AMOUNT_FIELDS, 0)
    sums: dict[int, dict] = {}
    row = next(ordered, None)
    for line in sorted(lines):
        while row is not None and row.line < line:
            for key in AMOUNT_FIELDS:
                running[key] += getattr(row, key) or 0
            row = next(ordered, None)
        sums[line] = dict(running)
    return sums


def _difference(key, text, sums, line, problems) -> tuple[int, int] | None:
    """(printed, summed) if they differ; None if they agree or nothing is printed."""
    try:
        printed = parse_amount(text)
    except AmountError as error:
        problems.add(error.message, line, COLUMN_LABELS[key], text)
        return None
    if printed is None:
        return None  # 「-」 or blank: this column has no printed total
    summed = sums[key]
    return None if printed == summed else (printed, summed)


def _message(key: str, printed: int, summed: int) -> str:
    return _(
        "合計行の「%(column)s」は %(printed)s ですが、各事業を足すと %(summed)s "
        "です（差 %(difference)s）。"
    ) % {
        "column": COLUMN_LABELS[key],
        "printed": f"{printed:,}",
        "summed": f"{summed:,}",
        "difference": f"{printed - summed:+,}",
    }


def _rounded_message(key: str, printed: int, summed: int) -> str:
    return _message(key, printed, summed) + _(
        "表の注記によると金額は端数処理されています。"
    )
