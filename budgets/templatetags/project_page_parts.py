"""The template tags of a project page's parts written in Python
(budgets.project_page): its facts and its history table's rows."""

from __future__ import annotations

from django import template
from django.utils.safestring import SafeString

from budgets import project_page
from budgets.models import Project

register = template.Library()


@register.simple_tag
def project_facts(project: Project, list_url: str) -> SafeString:
    """Write the breadcrumb, the name, the facts and the amounts of the project."""
    return project_page.facts(project, list_url)


@register.simple_tag
def history_rows(years: list[project_page.Year], page_year: int) -> SafeString:
    """Write the history table's rows: one per year, the page's own unlinked."""
    return project_page.history_rows(years, page_year)
