"""How the admin's own templates show a record's values."""

from django import template

from budgets.admin_history import shown

register = template.Library()


@register.filter
def history_cell(record, column: str):
    """A column of ``history_list_display`` for one history record."""
    return shown(column, getattr(record, column, None))


@register.filter
def shown_as(value, field: str):
    """``value`` of the field ``field`` as the admin shows it (``shown``)."""
    return shown(field, value)
