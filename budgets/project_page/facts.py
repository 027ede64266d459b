"""The page's facts about its project, written in Python (see the package's
docstring): the breadcrumb, the name, the list of facts and the amounts table."""

from __future__ import annotations

import html

from django.template.defaultfilters import linebreaksbr
from django.utils.safestring import SafeString
from django.utils.translation import gettext, pgettext

from budgets import amounts
from budgets.models import AMOUNT_FIELDS, Project
from budgets.reversed_once import numbered_url
from budgets.templatetags.budget_format import (
    approx_in,
    era_in,
    reading_in,
    reads_english,
)

# The template's markup, line for line; {labels} are literal translations (written
# unescaped, as {% translate %} wrote them), everything else escaped as {{ }} did.
_FACTS = """<nav aria-label="{breadcrumb_label}" class="breadcrumb"><ol>
  <li><a href="{year_url}">{era}</a></li>
  <li lang="ja"><a href="{theme_url}">{theme_number} {theme_name}</a></li>
  <li lang="ja" aria-current="page">No.{no} {name}</li>
</ol></nav>
<h1 lang="ja">{name}</h1>
<dl class="project">
  <dt>{year_label}</dt><dd><a href="{year_url}">{era}</a></dd>
  <dt>{no_label}</dt><dd>{no}</dd>
  <dt>{theme_label}</dt><dd lang="ja"><a href="{theme_url}">{theme_number} {theme_name}</a></dd>
  <dt>{department_label}</dt><dd lang="ja"><a href="{department_url}">{department}</a></dd>
  <dt>{section_label}</dt><dd lang="ja"><a href="{list_url}?section={section_id}">{section}</a></dd>
  <dt>{category_label}</dt><dd>{category}</dd>
  <dt>{description_label}</dt><dd lang="ja">{description}</dd>
</dl>
<div class="table-wrap" role="region" aria-labelledby="amounts-caption" tabindex="0">
<table class="amounts stackable">
  <caption id="amounts-caption">{amounts_label}</caption>
  <thead><tr><th scope="col">{item_label}</th><th scope="col">{thousand_yen_label}</th><th scope="col">{approx_label}</th><th scope="col">{reading_label}</th></tr></thead>
  <tbody>
{amount_rows}  </tbody>
</table>
</div>"""  # noqa: E501

_AMOUNT_ROW = (
    '    <tr><th scope="row">{label}</th>'
    '<td class="num" data-label="{thousand_yen_label}">{thousands}</td>'
    '<td data-label="{approx_label}">{approx}</td>'
    '<td data-label="{reading_label}">{reading}</td></tr>\n'
)


def facts(project: Project, list_url: str) -> SafeString:
    """What the page says of its project, as the template's markup wrote it: the
    project read with its year, theme, section and department (``project()``)."""
    english = reads_english()
    section, theme, year = project.section, project.theme, project.fiscal_year.year
    labels = _labels()
    return SafeString(
        _FACTS.format(
            **labels,
            year_url=html.escape(project.fiscal_year.get_absolute_url()),
            era=html.escape(era_in(year, english=english)),
            theme_url=html.escape(numbered_url("budgets:theme", (year, theme.number))),
            # numbers are localised, which without thousand separators
            # (USE_THOUSAND_SEPARATOR is off) is their digits
            theme_number=str(theme.number),
            theme_name=html.escape(theme.name),
            no=str(project.no),
            name=html.escape(project.name),
            department_url=html.escape(section.department.get_absolute_url()),
            department=html.escape(section.department.name),
            list_url=html.escape(list_url),
            section_id=str(project.section_id),
            section=html.escape(section.name),
            category=html.escape(project.get_category_display()),
            description=linebreaksbr(project.description, autoescape=True),
            amount_rows="".join(
                _amount_row(label, getattr(project, field), english, labels)
                for field, label in zip(AMOUNT_FIELDS, _amount_labels(), strict=True)
            ),
        )
    )


def _amount_row(
    label: str, value: int | None, english: bool, labels: dict[str, str]
) -> str:
    if value is None:  # the filters' "-" and nothing
        return _AMOUNT_ROW.format(
            **labels, label=label, thousands="-", approx="", reading=""
        )
    return _AMOUNT_ROW.format(
        **labels,
        label=label,
        thousands=html.escape(amounts.format_thousands(value)),
        approx=html.escape(approx_in(value, english=english)),
        reading=html.escape(reading_in(value, english=english)),
    )


def _labels() -> dict[str, str]:
    return {
        "breadcrumb_label": gettext("パンくずリスト"),
        "year_label": gettext("年度"),
        "no_label": pgettext("project number", "No"),
        "theme_label": gettext("施策の柱"),
        "department_label": gettext("部"),
        "section_label": gettext("課名"),
        "category_label": gettext("二次経費区分"),
        "description_label": gettext("事業内容"),
        "amounts_label": gettext("金額"),
        "item_label": gettext("項目"),
        "thousand_yen_label": gettext("千円"),
        "approx_label": gettext("およそ"),
        "reading_label": gettext("円での読み方"),
    }


def _amount_labels() -> tuple[str, ...]:
    """The amounts table's row headings, in AMOUNT_FIELDS' order."""
    return (
        gettext("要求額"),
        gettext("要求額のうちレベルアップ"),
        gettext("予算額"),
        gettext("予算額のうちレベルアップ"),
    )
