"""The history table's rows, written in Python (see the package's docstring)."""

from __future__ import annotations

import html

from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext, gettext_noop

from budgets.project_page.years import Year
from budgets.templatetags.budget_format import amount_in, change, era_in, reads_english


def history_rows(years: list[Year], page_year: int) -> SafeString:
    """The history table's rows, as the template's loop over ``years`` wrote them.

    Written here as the admin writes its change list's cells (``items_for_result``),
    with the same filters as the loop (``era``, ``amount``, ``change``) and the
    reader's language asked once, not three times a row.
    """
    english = reads_english()
    labels = {  # as {% translate %} wrote them: unescaped
        "requested_label": gettext("要求額"),
        "budgeted_label": gettext("予算額"),
        "change_label": gettext("予算額の前年度からの増減"),
    }
    return mark_safe("".join(_row(row, page_year, english, labels) for row in years))


# (a year before the page's, after it, the same year): the word before another name
_NAME_WORDS = (gettext_noop("旧名:"), gettext_noop("新名:"), gettext_noop("事業名:"))
_DEPARTMENT_WORDS = (gettext_noop("旧部:"), gettext_noop("新部:"), gettext_noop("部:"))

# each cell with its column's heading, which a narrow screen shows beside it
_ROW = (
    '\n    <tr><th scope="row">{year}{notes}</th>\n'
    '      <td class="num" data-label="{requested_label}">{requested}</td>\n'
    '      <td class="num" data-label="{budgeted_label}">{budgeted}</td>\n'
    '      <td class="num" data-label="{change_label}">{change}</td></tr>\n  '
)


def _row(row: Year, page_year: int, english: bool, labels: dict[str, str]) -> str:
    # escaped as the template escaped them (none of these texts is marked safe)
    label = html.escape(era_in(row.year, english=english))
    if row.is_current:
        year = f'<span aria-current="page">{label}</span>'
    else:
        year = f'<a href="{html.escape(row.url)}">{label}</a>'
    notes = ""
    if row.other_name:
        notes += _note(row.other_name, _NAME_WORDS, row.year, page_year)
    if row.other_department:
        notes += _note(row.other_department, _DEPARTMENT_WORDS, row.year, page_year)
    return _ROW.format(
        **labels,
        year=year,
        notes=notes,
        requested=amount_in(row.requested, english=english),
        budgeted=amount_in(row.budgeted, english=english),
        change=html.escape(change(row.budgeted, row.previous_budgeted)),
    )


def _note(text: str, words: tuple[str, str, str], year: int, page_year: int) -> str:
    before, after, same = words
    word = before if year < page_year else after if year > page_year else same
    return (
        '<br><span class="reading" lang="ja">'
        # the word as the template's {% translate %} of a literal wrote it: unescaped
        f"{gettext(word)} {html.escape(text)}</span>"
    )
