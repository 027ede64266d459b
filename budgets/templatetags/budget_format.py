"""How amounts, years and changes read on the public pages, in the reader's language."""

from __future__ import annotations

import html
from decimal import ROUND_HALF_UP, Decimal

from django import template
from django.utils.html import format_html
from django.utils.safestring import SafeString

from budgets import amounts, eras

register = template.Library()

# (size in yen, name), largest first: English readings of 千円 amounts.
_ENGLISH_UNITS = (
    (10**12, "trillion"),
    (10**9, "billion"),
    (10**6, "million"),
    (10**3, "thousand"),
)


def _number(value: object) -> int | None:
    """Return an amount, or None for a missing one (None, or "" from a template)."""
    return value if isinstance(value, int) and not isinstance(value, bool) else None


reads_english = eras.reads_english


def english_reading(amount: int) -> str:
    """Return the exact yen: 3826938 (千円) -> "¥3,826,938,000"."""
    return f"¥{amount * 1000:,}"


def english_approx(amount: int) -> str:
    """Return a rounded reading: 3826938 (千円) -> "about ¥3.8 billion"."""
    yen = amount * 1000
    if yen == 0:
        return "¥0"
    index = next(
        (i for i, (size, _) in enumerate(_ENGLISH_UNITS) if yen >= size),
        len(_ENGLISH_UNITS) - 1,
    )
    size, name = _ENGLISH_UNITS[index]
    value = Decimal(yen) / size
    step = Decimal("0.1") if value < 10 else Decimal("1")
    rounded = value.quantize(step, rounding=ROUND_HALF_UP)
    if rounded >= 1000 and index > 0:
        size, name = _ENGLISH_UNITS[index - 1]
        rounded = (Decimal(yen) / size).quantize(Decimal("0.1"), ROUND_HALF_UP)
    exact = rounded * size == yen
    return f"{'' if exact else 'about '}¥{rounded.normalize():,f} {name}"


@register.filter
def thousands(value: int | None) -> str:
    """3826938 -> "3,826,938"; None (not applicable) -> "-"."""
    return amounts.format_thousands(_number(value))


@register.filter
def reading(value: int | None) -> str:
    """3826938 (千円) -> "38億2,693万8千円" (English: "¥3,826,938,000")."""
    value = _number(value)
    if value is None:
        return ""
    return reading_in(value, english=reads_english())


def reading_in(value: int, *, english: bool) -> str:
    """``reading`` of an amount in English or not, for a table that asks the
    language once."""
    return english_reading(value) if english else amounts.reading(value)


@register.filter
def approx(value: int | None) -> str:
    """3826938 (千円) -> "約38億円" (English: "about ¥3.8 billion")."""
    value = _number(value)
    if value is None:
        return ""
    return approx_in(value, english=reads_english())


def approx_in(value: int, *, english: bool) -> str:
    """``approx`` of an amount in English or not, for a list that asks the language
    once."""
    return english_approx(value) if english else amounts.approx_reading(value)


@register.filter
def amount(value: int | None) -> SafeString:
    """Return the 千円 figure with its rounded yen reading under it."""
    return amount_in(value, english=reads_english())


def amount_in(value: int | None, *, english: bool) -> SafeString:
    """``amount`` in English or not: for a table that asks the language once (asking
    costs more than the cell; budgets.project_page writes forty a page)."""
    value = _number(value)
    if value is None:
        return format_html("{}", amounts.format_thousands(None))
    # an f-string, not format_html (which escapes every argument, the number too),
    # marked safe by SafeString itself, not mark_safe (which first looks for lazy
    # arguments): a project page shows forty of these (benchmarks/load_pages.py)
    return SafeString(
        f"{amounts.format_thousands(value)}"
        f'<span class="reading">{html.escape(approx_in(value, english=english))}</span>'
    )


@register.filter
def era(year: int) -> str:
    """2021 -> "令和3年度（2021年度）" (English: "FY2021 (Reiwa 3)")."""
    return era_in(year, english=reads_english())


def era_in(year: int, *, english: bool) -> str:
    """``era`` in English or not, for a table that asks the language once."""
    return eras.english_label(year) if english else eras.dual_label(year)


@register.filter
def era_short(year: int) -> str:
    """2021 -> "令和3年度" (English: "FY2021")."""
    return eras.reader_short_label(year)


@register.filter
def change(current: int | None, previous: int | None) -> str:
    """Return the change from previous to current: "+1,234 (+5.2%)"."""
    current, previous = _number(current), _number(previous)
    if current is None or previous is None:
        return "-"
    difference = current - previous
    sign = "+" if difference > 0 else ("−" if difference < 0 else "±")
    text = f"{sign}{abs(difference):,}"
    if previous:
        percent = Decimal(difference * 100) / previous
        percent = percent.quantize(Decimal("0.1"), ROUND_HALF_UP)
        text += f" ({sign}{abs(percent)}%)"
    return text


@register.filter
def percent(part: int | None, whole: int | None) -> str:
    """Return part as a share of whole: "68.4%"."""
    part, whole = _number(part), _number(whole)
    if not whole or part is None:
        return "-"
    share = (Decimal(part * 100) / whole).quantize(Decimal("0.1"), ROUND_HALF_UP)
    return f"{share}%"


@register.simple_tag(takes_context=True)
def sort_header(context: template.Context, field: str, label: str) -> SafeString:
    """Return a column header whose link sorts by field and keeps the other filters.

    A second click reverses the order; ``aria-sort`` tells which way it is sorted.
    """
    request = context["request"]
    current = request.GET.get("sort", "")
    query = request.GET.copy()
    query.pop("page", None)
    if current == field:
        state, query["sort"], arrow = "ascending", f"-{field}", "▲"
    elif current == f"-{field}":
        state, query["sort"], arrow = "descending", field, "▼"
    else:
        state, query["sort"], arrow = "", field, ""
    return format_html(
        '<th scope="col"{}><a href="?{}">{}</a>'
        '<span class="sort-arrow" aria-hidden="true">{}</span></th>',
        format_html(' aria-sort="{}"', state) if state else "",
        query.urlencode(),
        label,
        arrow,
    )
