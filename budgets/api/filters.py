"""The API's filters: the public list's ProjectFilter, refusing what the page lets go.

The parameter names and meanings are the list page's (``year``, ``theme``,
``department``, ``section``, ``category``, ``q``, ``budgeted_min``, ``budgeted_max``,
``sort``), the amount bounds a whole number of 千円 from 0 to the largest amount the
database holds in both.
"""

from __future__ import annotations

import django_filters
from django.utils.translation import gettext_lazy as _

from budgets.filters import ProjectFilter
from budgets.models import Department, FiscalYear, Section, Theme


class RefuseEmptyValues:
    """The schema types every parameter as one value (a number, an id, a choice, a
    word): the API refuses a parameter given twice, and an empty value where text is
    not expected, with a 400 and a reason, instead of quietly picking one or ignoring
    it as the list page's form does. The keyword ``q`` may be empty (it is text)."""

    def is_valid(self) -> bool:
        valid = super().is_valid()
        for name, declared in self.filters.items():
            values = self.data.getlist(name) if name in self.data else []
            if len(values) > 1:
                self.form.add_error(name, _("一つだけ指定してください。"))
                valid = False
            elif values == [""] and not isinstance(declared, django_filters.CharFilter):
                self.form.add_error(
                    name,
                    _("空の値は使えません。値を入れるか、パラメータを外してください。"),
                )
                valid = False
        return valid


class APIProjectFilter(RefuseEmptyValues, ProjectFilter):
    pass


def year_filter(path: str) -> django_filters.ModelChoiceFilter:
    """``year``: keep what belongs to one published fiscal year."""
    return django_filters.ModelChoiceFilter(
        label=_("年度"),
        field_name=path,
        to_field_name="year",
        queryset=FiscalYear.objects.published(),
        distinct=True,
    )


class ThemeFilter(RefuseEmptyValues, django_filters.FilterSet):
    year = year_filter("fiscal_year")

    class Meta:
        model = Theme
        fields: list[str] = []


class DepartmentFilter(RefuseEmptyValues, django_filters.FilterSet):
    year = year_filter("sections__projects__fiscal_year")

    class Meta:
        model = Department
        fields: list[str] = []


class SectionFilter(RefuseEmptyValues, django_filters.FilterSet):
    year = year_filter("projects__fiscal_year")
    department = django_filters.ModelChoiceFilter(
        # a department only a draft year has answers as an unknown one: 400
        label=_("部"),
        queryset=Department.objects.with_published_projects(),
    )

    class Meta:
        model = Section
        fields: list[str] = []
