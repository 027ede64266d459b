"""The template tags of a list's rows, the table's and the cards
(budgets.project_rows)."""

from __future__ import annotations

from django import template
from django.utils.safestring import SafeString

from budgets import project_rows

register = template.Library()


@register.simple_tag
def project_table_rows(projects, levelup: bool = False) -> SafeString:
    """Write the table's rows, one a project; ``levelup``: with the level-up parts."""
    return project_rows.table_rows(projects, levelup=levelup)


@register.simple_tag
def project_cards(projects) -> SafeString:
    """Write the cards, one a project."""
    return project_rows.cards(projects)
