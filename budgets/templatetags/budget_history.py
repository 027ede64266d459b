"""The template tag of a project page's history table (budgets.project_page)."""

from __future__ import annotations

from django import template
from django.utils.safestring import SafeString

from budgets import project_page

register = template.Library()


@register.simple_tag
def history_rows(years: list[project_page.Year], page_year: int) -> SafeString:
    """Write the history table's rows: one per year, the page's own unlinked."""
    return project_page.history_rows(years, page_year)
