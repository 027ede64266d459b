"""The finance staff's admin: edit with validation, import a year's table, export."""

from __future__ import annotations

from operator import attrgetter

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.models import CHANGE, LogEntry
from django.db.models import Count
from django.urls import path, reverse
from django.utils.html import format_html
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from import_export.admin import ExportMixin
from import_export.forms import ExportForm

from budgets import admin_proposals, eras, source_files
from budgets.admin_citations import CitedProjectAdminMixin, SourcePublicAdminMixin
from budgets.admin_guard import (
    VersionGuardAdminMixin,
    VersionGuardForm,
    VersionGuardInlineMixin,
)
from budgets.admin_history import BudgetHistoryAdmin
from budgets.admin_import import (
    UploadConfirmForm,
    UploadImportForm,
    UploadImportMixin,
)
from budgets.admin_reorganisation import EarlierLinkInline, record_reorganisation
from budgets.amounts import format_thousands
from budgets.models import (
    AMOUNT_FIELDS,
    Department,
    FiscalYear,
    ImportEvent,
    Project,
    ProjectLineage,
    Section,
    Theme,
)
from budgets.resources import (
    BudgetTableFormat,
    ProjectCSVFormat,
    ProjectResource,
    ProjectXLSXFormat,
)

admin.site.site_header = _("港区 予算事業 管理")
admin.site.site_title = _("予算事業 管理")
admin.site.index_title = _("管理メニュー")


class ThemeInline(VersionGuardInlineMixin, admin.TabularInline):
    model = Theme
    extra = 0


@admin.register(FiscalYear)
class FiscalYearAdmin(VersionGuardAdminMixin, BudgetHistoryAdmin):
    list_display = ("year", "era_label", "title", "is_published", "project_count")
    list_filter = ("is_published",)
    search_fields = ("title",)
    inlines = [ThemeInline]
    actions = ["publish", "unpublish"]

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(project_count=Count("projects"))

    @admin.display(description=_("和暦"), ordering="year")
    def era_label(self, obj: FiscalYear) -> str:
        return obj.era_label

    @admin.display(description=_("事業数"), ordering="project_count")
    def project_count(self, obj: FiscalYear) -> int:
        return obj.project_count

    @admin.action(description=_("選んだ年度を公開する"), permissions=["change"])
    def publish(self, request, queryset):
        self._set_published(request, queryset, True)

    @admin.action(
        description=_("選んだ年度を非公開（下書き）にする"), permissions=["change"]
    )
    def unpublish(self, request, queryset):
        self._set_published(request, queryset, False)

    def _set_published(self, request, queryset, value: bool) -> None:
        changed = list(queryset.exclude(is_published=value).order_by("year"))
        for fiscal_year in changed:
            fiscal_year.is_published = value
            fiscal_year.save(update_fields=["is_published", "updated_at"])
            self.log_change(
                request,
                fiscal_year,
                gettext("公開しました") if value else gettext("非公開にしました"),
            )
        joiner = ", " if eras.reads_english() else "、"
        years = joiner.join(fiscal_year.label for fiscal_year in changed)
        if not changed:
            message = gettext("選んだ年度はすでにその状態です。何も変えていません。")
        elif value:
            message = gettext("%(years)s を公開しました。") % {"years": years}
        else:
            message = gettext("%(years)s を非公開（下書き）にしました。") % {
                "years": years
            }
        self.message_user(request, message)


@admin.register(Theme)
class ThemeAdmin(VersionGuardAdminMixin, BudgetHistoryAdmin):
    list_display = ("fiscal_year", "number", "name")
    list_filter = ("fiscal_year",)
    search_fields = ("name",)
    list_select_related = ("fiscal_year",)


class SectionInline(VersionGuardInlineMixin, admin.TabularInline):
    model = Section
    extra = 0


@admin.register(Department)
class DepartmentAdmin(VersionGuardAdminMixin, BudgetHistoryAdmin):
    list_display = ("name",)
    search_fields = ("name",)
    inlines = [SectionInline]
    actions = [record_reorganisation]


@admin.register(Section)
class SectionAdmin(VersionGuardAdminMixin, BudgetHistoryAdmin):
    list_display = ("name", "department")
    list_filter = ("department",)
    search_fields = ("name", "department__name")
    list_select_related = ("department",)


class LineageProjectInline(admin.TabularInline):
    model = Project
    fields = ("fiscal_year", "no", "name", "requested", "budgeted")
    readonly_fields = fields
    extra = 0
    can_delete = False
    show_change_link = True

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(ProjectLineage)
class ProjectLineageAdmin(admin.ModelAdmin):
    list_display = ("__str__", "created_at")
    inlines = [LineageProjectInline]


class BudgetImportForm(UploadImportForm):
    publish = forms.BooleanField(
        label=_("取り込んだ年度を公開する"),
        required=False,
        help_text=_("新しい年度は、チェックしなければ下書き（非公開）で作られます。"),
    )
    prune = forms.BooleanField(
        label=_("ファイルにない事業を削除する"),
        required=False,
        help_text=_(
            "チェックしなければ、ファイルにない既存の事業は一覧に示すだけで残します。"
        ),
    )


class BudgetConfirmImportForm(UploadConfirmForm):
    publish = forms.BooleanField(required=False, widget=forms.HiddenInput)
    prune = forms.BooleanField(required=False, widget=forms.HiddenInput)


class ProjectAdminForm(VersionGuardForm):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # every year has its own themes, numbered from 1: say whose each one is
        theme = self.fields.get("theme")  # none for a reader: shown, not offered
        if theme is None:
            return
        theme.queryset = theme.queryset.select_related("fiscal_year").order_by(
            "-fiscal_year__year", "number"
        )
        theme.label_from_instance = attrgetter("label_with_year")

    class Meta:
        model = Project
        fields = [
            "fiscal_year",
            "theme",
            "no",
            "section",
            "name",
            "category",
            "description",
            "requested",
            "requested_levelup",
            "budgeted",
            "budgeted_levelup",
            "lineage",
        ]


def amount_column(field: str):
    """A change-list column of an amount with its commas (3,255,703), sortable."""

    @admin.display(
        description=Project._meta.get_field(field).verbose_name, ordering=field
    )
    def column(project: Project) -> str:
        return format_thousands(getattr(project, field))

    column.__name__ = field  # its column's CSS class, as the field's was
    return column


@admin.register(ImportEvent)
class ImportEventAdmin(SourcePublicAdminMixin, admin.ModelAdmin):
    list_display = (
        "created_at",
        "filename",
        "years",
        "user",
        "via",
        "created",
        "updated",
        "unchanged",
        "deleted",
    )
    list_filter = ("via",)
    readonly_fields = [
        field.name for field in ImportEvent._meta.fields if field.name != "source"
    ] + ["source_file", "touched_projects"]

    def get_urls(self):
        download = self.admin_site.admin_view(source_files.download)
        return [
            path("<int:pk>/source/", download, name="budgets_importevent_source"),
            *super().get_urls(),
        ]

    @admin.display(description=_("読んだファイル"))
    def source_file(self, obj: ImportEvent) -> str:
        """A link to the file through the view that checks permission, never the
        storage's own URL."""
        if not obj.source:
            return "-"
        url = reverse("admin:budgets_importevent_source", args=[obj.pk])
        return format_html('<a href="{}">{}</a>', url, _("ダウンロード"))

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.display(description=_("この取り込みで変わった事業"))
    def touched_projects(self, obj: ImportEvent) -> str:
        records = Project.history.filter(import_event=obj).order_by("no")
        return (
            ", ".join(
                f"No {record.no} {record.name} ({record.get_history_type_display()})"
                for record in records[:500]
            )
            or "-"
        )


@admin.register(Project)
class ProjectAdmin(
    # the guard first: a save that changes nothing is not cited as an edit
    VersionGuardAdminMixin,
    CitedProjectAdminMixin,
    UploadImportMixin,
    ExportMixin,
    BudgetHistoryAdmin,
):
    form = ProjectAdminForm
    resource_classes = [ProjectResource]
    import_form_class = BudgetImportForm
    confirm_form_class = BudgetConfirmImportForm
    import_template_name = "admin/budgets/project/import.html"
    formats = [BudgetTableFormat]
    export_formats = [ProjectCSVFormat, ProjectXLSXFormat]
    export_form_class = ExportForm  # the open-data columns are a fixed contract
    import_error_display = ("message",)

    list_display = (
        "fiscal_year",
        "no",
        "name",
        "section",
        "category",
        *(amount_column(field) for field in AMOUNT_FIELDS),
    )
    list_display_links = ("no", "name")
    list_filter = ("fiscal_year", "category", "theme", "section__department")
    search_fields = (
        "name",
        "description",
        "section__name",
        "section__department__name",
    )
    list_select_related = ("fiscal_year", "section__department")
    autocomplete_fields = ("section",)
    raw_id_fields = ("lineage",)
    readonly_fields = ("citation", "created_at", "updated_at", "version")
    history_list_display = ("budgeted", "requested", "import_event")
    inlines = [EarlierLinkInline]
    fieldsets = (
        (
            None,
            {"fields": ("fiscal_year", "theme", "no", "section", "name", "category")},
        ),
        (_("事業内容"), {"fields": ("description",)}),
        (
            _("金額（千円）"),
            {
                "fields": (
                    ("requested", "requested_levelup"),
                    ("budgeted", "budgeted_levelup"),
                ),
                "description": _(
                    "金額は千円単位の整数です。新規事業のレベルアップ分は空欄にします"
                    "（0 は 0 千円の意味になります）。"
                ),
            },
        ),
        (_("年度をまたぐ系譜"), {"fields": ("lineage",)}),
        (_("記録"), {"fields": ("citation", "version", "created_at", "updated_at")}),
    )

    def get_import_formats(self):
        return self.formats

    def get_export_formats(self):
        return self.export_formats

    def has_import_permission(self, request):
        return request.user.has_perm("budgets.import")

    def get_import_data_kwargs(self, **kwargs):
        form = kwargs.get("form")
        kwargs = super().get_import_data_kwargs(**kwargs)
        if form is not None and form.is_valid():
            kwargs["publish"] = form.cleaned_data.get("publish", False)
            kwargs["prune"] = form.cleaned_data.get("prune", False)
            kwargs["decisions"] = admin_proposals.decisions(form.cleaned_data)
        return kwargs

    def create_confirm_form(self, request, import_form=None):
        form = super().create_confirm_form(request, import_form)
        result = getattr(import_form, "import_result", None)
        admin_proposals.add_fields(form, getattr(result, "budget_report", None))
        return form

    def get_confirm_form_initial(self, request, import_form):
        initial = super().get_confirm_form_initial(request, import_form)
        if import_form is not None:
            initial["publish"] = import_form.cleaned_data.get("publish", False)
            initial["prune"] = import_form.cleaned_data.get("prune", False)
        return initial

    def generate_log_entries(self, result, request):
        """Record the import as one admin history entry on each year it touched."""
        report = result.budget_report
        if not report.written:
            return
        counts = report.counts()
        message = gettext(
            "「%(file)s」（SHA-256 %(sha)s）を取り込みました: 新規 %(new)s、"
            "変更 %(changed)s、変更なし %(unchanged)s、削除 %(pruned)s"
        ) % {
            "file": report.filename,
            "sha": report.sha256[:16],
            "new": counts["new"],
            "changed": counts["changed"],
            "unchanged": counts["unchanged"],
            "pruned": report.pruned,
        }
        for fiscal_year in FiscalYear.objects.filter(
            year__in=[plan.year for plan in report.plan.years]
        ):
            LogEntry.objects.log_actions(
                request.user.pk,
                [fiscal_year],
                CHANGE,
                change_message=message,
                single_object=True,
            )

    def add_success_message(self, result, request):
        report = result.budget_report
        counts = report.counts()
        if not report.written:
            messages.info(request, gettext("変更はありませんでした。"))
            return
        messages.success(
            request,
            gettext(
                "取り込みました: 新規 %(new)s 件、変更 %(changed)s 件、"
                "変更なし %(unchanged)s 件、削除 %(pruned)s 件。"
            )
            % {**counts, "pruned": report.pruned},
        )
