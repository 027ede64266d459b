"""The public list's filters: plain GET parameters; a copied URL reproduces a view."""

from __future__ import annotations

import django_filters
from django import forms
from django.db.models import F
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from budgets import year_by_year
from budgets.amounts import AMOUNT_MAX
from budgets.menus_once import KeptChoiceField, KeptChoiceFilter
from budgets.models import (
    SEARCH_TEXT_MAX,
    SEARCH_WORDS_MAX,
    Department,
    FiscalYear,
    Project,
    Section,
    Theme,
    search_words,
)
from budgets.select_widget import Select
from budgets.text import search_key


class ThemeChoiceField(KeptChoiceField):
    def label_from_instance(self, obj: Theme) -> str:
        return obj.label_with_year


class ThemeFilter(KeptChoiceFilter):
    field_class = ThemeChoiceField


class KeywordField(forms.CharField):
    """Keywords, at most ``SEARCH_WORDS_MAX`` of them: each word is one more LIKE, and
    a search of a thousand words made SQLite's expression tree too deep (a 500)."""

    def validate(self, value) -> None:
        super().validate(value)
        count = len(search_key(value).split())
        if count > SEARCH_WORDS_MAX:
            raise forms.ValidationError(
                _("キーワードは %(max)s 語までです（%(count)s 語あります）。"),
                code="too_many_words",
                params={"max": SEARCH_WORDS_MAX, "count": count},
            )


class KeywordFilter(django_filters.CharFilter):
    field_class = KeywordField


class IntegerFilter(django_filters.NumberFilter):
    field_class = forms.IntegerField


class ProjectFilter(django_filters.FilterSet):
    q = KeywordFilter(
        label=_("キーワード"),
        max_length=SEARCH_TEXT_MAX,
        method="filter_keyword",
        help_text=_("事業名・事業内容・部・課名から探します。"),
    )
    year = KeptChoiceFilter(
        label=_("年度"),
        field_name="fiscal_year",
        to_field_name="year",
        queryset=FiscalYear.objects.published(),
        empty_label=_("すべての年度"),
        widget=Select,
    )
    theme = ThemeFilter(
        label=_("施策の柱"),
        queryset=Theme.objects.published(),
        empty_label=_("すべての施策"),
        widget=Select,
    )
    department = KeptChoiceFilter(
        label=_("部"),
        field_name="section__department",
        # a draft year's new department or section stays unseen
        queryset=Department.objects.with_published_projects().in_table_order(),
        empty_label=_("すべての部"),
        widget=Select,
    )
    section = KeptChoiceFilter(
        label=_("課名"),
        queryset=Section.objects.with_published_projects()
        .in_table_order()
        .select_related("department"),
        empty_label=_("すべての課"),
        widget=Select,
    )
    category = django_filters.ChoiceFilter(
        label=_("二次経費区分"),
        choices=Project.Category.choices,
        empty_label=_("すべての区分"),
        widget=Select,
    )
    # a whole number of 千円 within what a budget line may hold, as the API asks
    budgeted_min = IntegerFilter(
        label=_("予算額（千円）の下限"),
        field_name="budgeted",
        lookup_expr="gte",
        min_value=0,
        max_value=AMOUNT_MAX,
    )
    budgeted_max = IntegerFilter(
        label=_("予算額（千円）の上限"),
        field_name="budgeted",
        lookup_expr="lte",
        min_value=0,
        max_value=AMOUNT_MAX,
    )
    sort = django_filters.OrderingFilter(
        label=_("並べ替え"),
        widget=Select,
        fields=(
            ("fiscal_year__year", "year"),
            ("no", "no"),
            ("name", "name"),
            ("requested", "requested"),
            ("requested_levelup", "requested_levelup"),
            ("budgeted", "budgeted"),
            ("budgeted_levelup", "budgeted_levelup"),
        ),
        field_labels={
            "fiscal_year__year": _("年度"),
            "no": pgettext_lazy("project number", "No"),
            "name": _("事業名"),
            "requested": _("要求額"),
            "requested_levelup": _("要求額のうちレベルアップ"),
            "budgeted": _("予算額"),
            "budgeted_levelup": _("予算額のうちレベルアップ"),
            # django-filter would build these once, in the language of start-up
            "-year": _("年度（降順）"),
            "-no": _("No（降順）"),
            "-name": _("事業名（降順）"),
            "-requested": _("要求額（降順）"),
            "-requested_levelup": _("要求額のうちレベルアップ（降順）"),
            "-budgeted": _("予算額（降順）"),
            "-budgeted_levelup": _("予算額のうちレベルアップ（降順）"),
        },
    )

    class Meta:
        model = Project
        fields: list[str] = []

    def keeps_part_of_a_year(self) -> bool:
        """Whether a valid filter keeps only part of the projects of the years it
        names: a keyword with a word in it, a theme, a department, a category, a
        bound (the year and the order keep a whole year)."""
        if not self.is_bound:
            return False
        cleaned = self.form.cleaned_data
        return bool(search_words(cleaned.get("q") or "")) or any(
            value not in (None, "", [])
            for name, value in cleaned.items()
            if name not in ("year", "sort", "q")
        )

    def sorted_apart_from_years(self) -> bool:
        """Whether the list is sorted otherwise than by year over every year, which
        a download gives a year at a time (``budgets.year_by_year``)."""
        if not self.is_bound or not self.is_valid():
            return False
        if self.form.cleaned_data.get("year"):
            return False
        return year_by_year.regroups(self.qs.query.order_by)

    def filter_keyword(self, queryset, name, value):
        return queryset.search(value)

    @property
    def qs(self):
        queryset = super().qs
        if not queryset.query.order_by:
            queryset = queryset.order_by("-fiscal_year__year", "no")
        else:
            # "-" (not applicable) after every amount, either way and on every
            # database (SQLite puts NULL first going up, PostgreSQL last), then a
            # stable order for equal amounts, so pages never repeat a row
            ordering = [_nulls_last(term) for term in queryset.query.order_by]
            queryset = queryset.order_by(*ordering, "fiscal_year", "no")
        return queryset


def _nulls_last(term):
    """An ordering term of the list, with a column that may be NULL sorted so."""
    name = term.lstrip("-") if isinstance(term, str) else None
    if name is None or "__" in name or not Project._meta.get_field(name).null:
        return term
    column = F(name)
    return (
        column.desc(nulls_last=True) if term[0] == "-" else column.asc(nulls_last=True)
    )
