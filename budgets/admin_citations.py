"""The admin and citations: an edit of a project's figures is cited as an edit, the
project's form shows its citation, and staff decide which import files are public."""

from __future__ import annotations

from django.contrib import admin
from django.utils import formats, timezone
from django.utils.html import format_html
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from budgets import caching, citations
from budgets.models import Project

# What an import sets: a change to any of them is no longer the import's figure.
CITED_FIELDS = frozenset(
    (
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
    )
)


def mark_edited(project: Project) -> None:
    """Cite the project as edited in the admin now; the history record this save
    writes says who, and the record before it keeps the import it replaced."""
    project.source_event = None
    project.source_page = project.source_line = None
    project.source_sheet = ""
    project.source_edited_at = timezone.now()


class CitedProjectAdminMixin:
    """For ProjectAdmin: an edit of what an import sets is cited as the admin's."""

    def save_model(self, request, obj, form, change):
        if change and CITED_FIELDS.intersection(form.changed_data):
            mark_edited(obj)
        super().save_model(request, obj, form, change)

    @admin.display(description=gettext_lazy("出典"))
    def citation(self, obj: Project) -> str:
        if obj.pk is None:
            return "-"
        if obj.source_edited_at is not None:
            record = obj.history.filter(import_event__isnull=True).first()
            who = getattr(record, "history_user", None) if record else None
            return _("管理画面で修正: %(who)s、%(when)s") % {
                "who": who or "-",
                "when": formats.date_format(
                    timezone.localtime(obj.source_edited_at), "DATETIME_FORMAT"
                ),
            }
        citation = citations.of(obj, staff=True)
        if citation is None:
            return "-"
        if citation.line is not None and citation.page is not None:
            text = _("%(citation)s %(line)s 行目") % {
                "citation": citation.text,
                "line": citation.line,
            }
        else:
            text = citation.text
        return format_html("{}（{}）", text, obj.source_event)


class SourcePublicAdminMixin:
    """For ImportEventAdmin: only 「読んだファイルを公開する」 can be changed."""

    def get_readonly_fields(self, request, obj=None):
        return [
            name
            for name in super().get_readonly_fields(request, obj)
            if name != "source_public"
        ]

    def has_change_permission(self, request, obj=None):
        user = request.user  # finance staff (who import) decide what they publish
        return user.has_perm("budgets.import") or user.has_perm(
            "budgets.change_importevent"
        )

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        caching.data_changed()  # the project pages' links to the file change
