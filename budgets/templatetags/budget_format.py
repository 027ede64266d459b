from django import template

from budgets import amounts, eras

register = template.Library()


@register.filter
def thousands(value: int | None) -> str:
    """3826938 -> "3,826,938"; None (not applicable) -> "-"."""
    return amounts.format_thousands(value)


@register.filter
def reading(value: int | None) -> str:
    """3826938 (千円) -> "38億2,693万8千円"."""
    return "" if value is None else amounts.reading(value)


@register.filter
def approx(value: int | None) -> str:
    """3826938 (千円) -> "約38億円"."""
    return "" if value is None else amounts.approx_reading(value)


@register.filter
def era(year: int) -> str:
    return eras.dual_label(year)
