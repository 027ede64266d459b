"""How the admin's own templates show a record's values."""

from django import template

from budgets.admin_history import shown

register = template.Library()


@register.filter
def history_cell(record, column: str):
    """A column of ``history_list_display`` for one history record."""
    return shown(column, getattr(record, column, None))
