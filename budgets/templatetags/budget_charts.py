"""Template tags that draw the pages' charts (budgets.charts) from their table rows."""

from __future__ import annotations

from collections.abc import Iterable
from operator import attrgetter
from typing import Any

from django import template
from django.utils.safestring import SafeString
from django.utils.translation import gettext

from budgets import charts
from budgets.models import Project
from budgets.templatetags.budget_format import approx, percent

register = template.Library()


def _get(item: Any, path: str) -> Any:
    """Read "a.b" from a dict row or a model instance, as a template would.

    A dict row's key or an instance's attributes are read directly (a template
    variable, parsed anew for every cell, cost more than the whole chart around it).
    """
    if isinstance(item, dict):
        if path in item:
            return item[path]
    else:
        try:
            value = attrgetter(path)(item)
        except AttributeError:
            value = None
        if value is not None and not callable(value):
            return value
    return template.Variable(path).resolve(item)


def _label(item: Any, paths: str) -> str:
    return " ".join(str(_get(item, path)) for path in paths.split(","))


def _summary(bars: list[charts.Bar]) -> str:
    if not bars:
        return gettext("データはありません。")
    largest = max(bars, key=lambda bar: bar.value)
    return gettext(
        "%(count)s 項目。最も大きいのは「%(label)s」（%(text)s）。"
        "同じ数値を下の表に示します。"
    ) % {"count": len(bars), "label": largest.label, "text": largest.text}


@register.simple_tag
def bar_chart(
    rows: Iterable[Any], labels: str, value: str, chart_id: str, title: str
) -> SafeString:
    """Draw one bar per row: labels are the row's fields (comma-separated)."""
    bars = [
        charts.Bar(
            label=_label(row, labels),
            value=_get(row, value) or 0,
            text=approx(_get(row, value) or 0),
        )
        for row in rows
    ]
    return charts.bar_chart(
        bars, chart_id=chart_id, title=title, description=_summary(bars)
    )


@register.simple_tag
def history_chart(
    rows: Iterable[Any], year: str, chart_id: str, title: str
) -> SafeString:
    """Draw requested against budgeted for each year of rows."""
    pairs = [
        charts.Pair(
            label=str(_get(row, year)),
            requested=_get(row, "requested") or 0,
            budgeted=_get(row, "budgeted") or 0,
        )
        for row in rows
    ]
    description = gettext(
        "%(count)s 年度分の要求額と予算額。同じ数値を下の表に示します。"
    ) % {"count": len(pairs)}
    return charts.pair_chart(
        pairs,
        chart_id=chart_id,
        title=title,
        description=description,
        requested_label=gettext("要求額"),
        budgeted_label=gettext("予算額"),
        amount_text=approx,
    )


@register.simple_tag
def category_share_chart(rows: Iterable[dict], chart_id: str, title: str) -> SafeString:
    """Draw the budget's split between new and level-up projects."""
    rows = list(rows)
    total = sum(row["budgeted"] or 0 for row in rows)
    bars = []
    for row in rows:
        budgeted = row["budgeted"] or 0
        bars.append(
            charts.Bar(
                label=str(Project.Category(row["category"]).label),
                value=budgeted,
                text=gettext("%(share)s（%(amount)s）")
                % {"share": percent(budgeted, total), "amount": approx(budgeted)},
            )
        )
    return charts.share_bar(
        bars, chart_id=chart_id, title=title, description=_summary(bars)
    )
