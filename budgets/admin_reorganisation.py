"""The admin of years that change: successions of departments and sections, links
between yearly projects, and 「組織改正を記録する」, which makes a successor
department instead of renaming the old one in every past year."""

from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from budgets.admin_guard import VersionGuardAdminMixin, VersionGuardInlineMixin
from budgets.admin_history import BudgetHistoryAdmin
from budgets.models import (
    FIRST_YEAR,
    LAST_YEAR,
    Department,
    DepartmentSuccession,
    ProjectLink,
    Section,
    SectionSuccession,
    Succession,
)

SUCCESSION_FIELDS = ("predecessor", "successor", "kind", "from_year", "note")


class SuccessionAdmin(VersionGuardAdminMixin, BudgetHistoryAdmin):
    list_display = ("predecessor", "successor", "kind", "from_year")
    list_filter = ("kind", "from_year")
    fields = SUCCESSION_FIELDS
    autocomplete_fields = ("predecessor", "successor")


@admin.register(DepartmentSuccession)
class DepartmentSuccessionAdmin(SuccessionAdmin):
    search_fields = ("predecessor__name", "successor__name")
    list_select_related = ("predecessor", "successor")


@admin.register(SectionSuccession)
class SectionSuccessionAdmin(SuccessionAdmin):
    search_fields = ("predecessor__name", "successor__name")
    list_select_related = ("predecessor__department", "successor__department")


@admin.register(ProjectLink)
class ProjectLinkAdmin(VersionGuardAdminMixin, BudgetHistoryAdmin):
    list_display = ("later", "earlier", "kind")
    list_filter = ("kind",)
    fields = ("earlier", "later", "kind", "note")
    raw_id_fields = ("earlier", "later")
    search_fields = ("earlier__name", "later__name")
    list_select_related = ("earlier__fiscal_year", "later__fiscal_year")


class EarlierLinkInline(VersionGuardInlineMixin, admin.TabularInline):
    """On a project's page: the earlier projects it continues."""

    model = ProjectLink
    fk_name = "later"
    fields = ("earlier", "kind", "note")
    raw_id_fields = ("earlier",)
    extra = 1  # one empty row: a link can be added without JavaScript
    verbose_name = _("前の年度の事業とのつながり")
    verbose_name_plural = _("前の年度の事業とのつながり")


class ReorganisationForm(forms.Form):
    """A reorganisation of one department: its successor from a fiscal year on."""

    name = forms.CharField(label=_("後継の部の名前"), max_length=200)
    kind = forms.ChoiceField(label=_("種類"), choices=Succession.Kind.choices)
    from_year = forms.IntegerField(
        label=_("適用年度（西暦）"),
        min_value=FIRST_YEAR,
        max_value=LAST_YEAR,
        help_text=_("組織改正の日を含む年度。2022年4月1日からなら 2022。"),
    )
    sections = forms.BooleanField(
        label=_("課も後継の部に移す"),
        required=False,
        initial=True,
        help_text=_(
            "同じ名前の課を後継の部に作り、課の組織改正（移管）として記録します。"
            "過去の年度の事業は元の部と課のまま残ります。"
        ),
    )
    note = forms.CharField(label=_("備考"), required=False, widget=forms.Textarea)

    def clean_name(self):
        name = self.cleaned_data["name"]
        if Department.objects.filter(name=name).exists():
            raise ValidationError(
                _(
                    "「%(name)s」という部はすでにあります。その部を後継にするときは"
                    "「部の組織改正」から記録してください。"
                ),
                params={"name": name},
            )
        return name


@admin.action(description=_("組織改正を記録する"), permissions=["add"])
def record_reorganisation(modeladmin, request, queryset):
    """Make a successor of the chosen department from a year on; move nothing."""
    if queryset.count() != 1:
        modeladmin.message_user(
            request,
            gettext("組織改正を記録するには、部を一つだけ選んでください。"),
            messages.WARNING,
        )
        return None
    department = queryset.get()
    form = ReorganisationForm(request.POST if "apply" in request.POST else None)
    if form.is_valid():
        successor = _reorganise(department, **form.cleaned_data)
        modeladmin.log_addition(request, successor, gettext("組織改正で作成"))
        modeladmin.message_user(
            request,
            gettext("「%(old)s」の後継として「%(new)s」を作りました。")
            % {"old": department.name, "new": successor.name},
        )
        return HttpResponseRedirect(
            reverse("admin:budgets_department_change", args=[successor.pk])
        )
    context = {
        **modeladmin.admin_site.each_context(request),
        "title": gettext("組織改正を記録する"),
        "department": department,
        "form": form,
        "opts": modeladmin.model._meta,
        "action_checkbox_name": admin.helpers.ACTION_CHECKBOX_NAME,
    }
    return TemplateResponse(
        request, "admin/budgets/department/record_reorganisation.html", context
    )


@transaction.atomic
def _reorganise(
    department: Department,
    *,
    name: str,
    kind: str,
    from_year: int,
    sections: bool,
    note: str,
) -> Department:
    successor = Department.objects.create(name=name)
    DepartmentSuccession.objects.create(
        predecessor=department,
        successor=successor,
        kind=kind,
        from_year=from_year,
        note=note,
    )
    if sections:
        for section in department.sections.all():
            SectionSuccession.objects.create(
                predecessor=section,
                successor=Section.objects.create(
                    department=successor, name=section.name
                ),
                kind=Succession.Kind.MOVED,
                from_year=from_year,
                note=note,
            )
    return successor
