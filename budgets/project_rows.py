"""The rows of a list of projects, written in Python: the table's and the cards.

A speed measure for pages of a list the cache has not seen (the list, a theme's and
a department's projects): ``benchmarks/load_pages.py --miss-cpu 3 --list-pages``;
benchmarks/LOAD.md, "Sixth pass". A page of 50 projects wrote them twice, as the
table's rows and as the cards narrow screens show, through some 40 template
variables and filters a project (each a lookup that first tries ``project[name]``,
each filter asking the reader's language).

Written here as ``project_page.history_rows`` writes the history's rows: the same
filters (``era``, ``amount``, ``approx``, ``thousands``), the reader's language and
the labels' translations asked once a list, every text escaped as the template's
``{{ }}`` escaped it and each literal translation written as ``{% translate %}``
wrote it (unescaped). tests/test_project_rows.py keeps the template loops they
replaced and compares both, byte for byte.
"""

from __future__ import annotations

import html
from collections.abc import Iterable

from django.utils.safestring import SafeString
from django.utils.translation import gettext, pgettext

from budgets import amounts
from budgets.models import AMOUNT_FIELDS, Project
from budgets.templatetags.budget_format import (
    amount_in,
    approx_in,
    era_in,
    reads_english,
)

_TABLE_ROW = (
    "\n    <tr>\n"
    "      <td>{era}</td>\n"
    '      <td class="num">{no}</td>\n'
    '      <th scope="row" lang="ja"><a href="{url}">{name}</a></th>\n'
    '      <td lang="ja">{department}<br>{section}</td>\n'
    "      <td>{category}</td>\n"
    "{amounts}"
    "    </tr>\n  "
)
_AMOUNT_CELL = '      <td class="num">{}</td>\n'


def table_rows(projects: Iterable[Project], *, levelup: bool) -> SafeString:
    """The table's rows: the requested and budgeted amounts, and with ``levelup``
    the level-up part of each (the list's table) between them."""
    english = reads_english()
    fields = AMOUNT_FIELDS if levelup else ("requested", "budgeted")
    return SafeString(
        "".join(
            _TABLE_ROW.format(
                **_common(project, english),
                amounts="".join(
                    _AMOUNT_CELL.format(amount_in(getattr(project, f), english=english))
                    for f in fields
                ),
            )
            for project in projects
        )
    )


_CARD = (
    '\n  <li class="project-card">\n'
    '    <h3 lang="ja"><a href="{url}">{name}</a></h3>\n'
    "    <dl>\n"
    "      <div><dt>{year_label}</dt><dd>{era} "
    '<span class="project-no">{no_label} {no}</span></dd></div>\n'
    '      <div><dt>{department_label}</dt><dd lang="ja">{department} {section}'
    "</dd></div>\n"
    "      <div><dt>{category_label}</dt><dd>{category}</dd></div>\n"
    '      <div class="budget"><dt>{budgeted_label}</dt><dd>{budgeted}</dd></div>\n'
    "    </dl>\n"
    '    <details class="more-amounts">\n'
    "      <summary>{more_label}</summary>\n"
    "      <dl>\n"
    "        <div><dt>{requested_label}</dt><dd>{requested}</dd></div>\n"
    "        <div><dt>{requested_levelup_label}</dt>"
    "<dd>{requested_levelup}</dd></div>\n"
    "        <div><dt>{budgeted_levelup_label}</dt>"
    "<dd>{budgeted_levelup}</dd></div>\n"
    "      </dl>\n"
    "    </details>\n"
    "  </li>\n"
)


def cards(projects: Iterable[Project]) -> SafeString:
    """The cards: a project's name, year, department, category and budget, its
    other amounts under a disclosure."""
    english = reads_english()
    labels = _card_labels()
    thousand_yen = labels["thousand_yen"]

    def budget(value: int | None) -> str:
        if value is None:
            return "-"
        return (
            f"<strong>{approx(value)}</strong> "
            f'<span class="thousands">{_thousands(value)} {thousand_yen}</span>'
        )

    def other(value: int | None) -> str:
        if value is None:
            return "-"
        return (
            f"{_thousands(value)} {thousand_yen} "
            f'<span class="reading">{approx(value)}</span>'
        )

    def approx(value: int) -> str:
        return html.escape(approx_in(value, english=english))

    return SafeString(
        "".join(
            _CARD.format(
                **_common(project, english),
                **labels,
                budgeted=budget(project.budgeted),
                requested=other(project.requested),
                requested_levelup=other(project.requested_levelup),
                budgeted_levelup=other(project.budgeted_levelup),
            )
            for project in projects
        )
    )


def _common(project: Project, english: bool) -> dict[str, str]:
    """What the table's row and the card both show, escaped."""
    section = project.section
    return {
        "era": html.escape(era_in(project.fiscal_year.year, english=english)),
        # {{ project.no }}: a number is localised, which without thousand
        # separators (USE_THOUSAND_SEPARATOR is off) is its digits
        "no": str(project.no),
        "url": html.escape(project.get_absolute_url()),
        "name": html.escape(project.name),
        "department": html.escape(section.department.name),
        "section": html.escape(section.name),
        "category": html.escape(project.get_category_display()),
    }


def _card_labels() -> dict[str, str]:
    """The cards' words in the reader's language, once a list."""
    return {
        "year_label": gettext("年度"),
        "no_label": pgettext("project number", "No"),
        "department_label": gettext("部・課"),
        "category_label": gettext("二次経費区分"),
        "budgeted_label": gettext("予算額"),
        "more_label": gettext("要求額とレベルアップ分"),
        "requested_label": gettext("要求額"),
        "requested_levelup_label": gettext("要求額のうちレベルアップ"),
        "budgeted_levelup_label": gettext("予算額のうちレベルアップ"),
        "thousand_yen": gettext("千円"),
    }


def _thousands(value: int) -> str:
    # escaped as the template escaped {{ value|thousands }}: digits and commas
    return html.escape(amounts.format_thousands(value))
