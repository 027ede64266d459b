"""The admin's concurrent-edit guard: a save never overwrites a colleague's newer save.

Every record staff edit carries a version (``models.Versioned``). The change form
renders the version it showed as a hidden field; on save the row is locked and the
version compared. When someone saved in between, the save is stopped and the form
shown again, merged as three versions are: a field only the colleague changed now
holds the colleague's value (the clerk left it as it was, so saving again must not
put the old value back), a field only the clerk changed keeps what they typed, and
a field both changed keeps what the clerk typed with the colleague's value beside
it. The form then holds the newer version, so pressing 保存 again saves both
clerks' changes, and overwrites a colleague's value only where the clerk has seen
it and typed another.

Without the history record of the version the clerk opened, nothing tells which
fields the clerk left alone: each field whose value differs from the one saved keeps
what the clerk typed, with the saved value beside it.

A save that would change nothing (every field as stored, the inlines' rows too) is
not made: no new version, no history record, no log entry, no public correction;
the clerk is told so.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.admin.utils import flatten_fieldsets
from django.db import models, router, transaction
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from simple_history.models import to_historic

from budgets.text import normalise_line_breaks

SEEN_VERSION = "seen_version"

STALE_MESSAGE = _(
    "この記録は、あなたが開いた後に他の人が保存しています。上書きしないよう保存を"
    "止めました。あなたが変えた欄の入力はそのまま残してあります。他の人だけが"
    "変えた欄は、いま保存されている値に入れ替えました。両方が変えた欄には、いま"
    "保存されている値を横に示しています。確かめて、必要なら直してからもう一度"
    "保存してください。"
)
NOTHING_CHANGED_MESSAGE = _("変更された欄がないので、何も保存していません。")
# what a save sets itself, not the clerk: the version and the times it keeps, a
# project's search text (made from its other fields)
_KEPT_BY_SAVE = {"id", "version", "created_at", "updated_at", "search_text"}
# a form field's value when the form did not clean it (its input was refused)
_NOT_CLEANED = object()


class VersionGuardForm(forms.ModelForm):
    """A model form that refuses to save over a save made after it was opened."""

    seen_version = forms.IntegerField(
        label=_("開いたときの版"), widget=forms.HiddenInput, required=False
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            self.initial[SEEN_VERSION] = self._stored_version()

    def _stored_version(self) -> int | None:
        if to_historic(self.instance) is None:
            return self.instance.version
        # the history page restores an old record, with its old version: what the
        # clerk sees as current is the stored version
        return (
            self._meta.model._default_manager.filter(pk=self.instance.pk)
            .values_list("version", flat=True)
            .first()
        )

    def clean(self):
        cleaned = super().clean()
        if not self.instance.pk:
            return cleaned
        # the admin saves inside a transaction: lock the row until it commits
        current = (
            self._meta.model._default_manager.select_for_update()
            .filter(pk=self.instance.pk)
            .first()
        )
        if current is None:
            return cleaned
        seen = cleaned.get(SEEN_VERSION)
        if seen != current.version:
            self._show_newer_values(current, seen)
            self._hold_version(current.version)
            raise forms.ValidationError(STALE_MESSAGE, code="stale")
        self.instance.version = current.version  # save() makes it current + 1
        return cleaned

    def _show_newer_values(self, current: models.Model, seen: int | None) -> None:
        """Merge the colleague's save into the form (see the module's docstring)."""
        before = _record_at_version(current, seen)
        for name in self.fields:
            field = _model_field(current, name)
            if field is None:
                continue
            now = field.value_from_object(current)
            if before is None:
                if self._posted(name, now):
                    continue
            else:
                was = field.value_from_object(before)
                if was == now:  # the colleague left it alone
                    continue
                if self._posted(name, was) and self._take_saved_value(name, now):
                    self.add_error(
                        name,
                        gettext("他の人が保存した値に入れ替えました: %(value)s")
                        % {"value": _display(current, field)},
                    )
                    continue
            self.add_error(
                name,
                gettext("他の人が保存した値: %(value)s")
                % {"value": _display(current, field)},
            )

    def _posted(self, name: str, value: Any) -> bool:
        """Whether the form's cleaned value of ``name`` is ``value`` (a text's
        line breaks as stored: a browser posts a textarea's as CR LF)."""
        posted = self.cleaned_data.get(name, _NOT_CLEANED)
        if isinstance(posted, models.Model):
            posted = posted.pk
        if isinstance(posted, str) and isinstance(value, str):
            posted, value = normalise_line_breaks(posted), normalise_line_breaks(value)
        return posted == value or (posted in (None, "") and value in (None, ""))

    def _take_saved_value(self, name: str, value: Any) -> bool:
        """Put the saved ``value`` into the form's data, as its widget posts it;
        False for a widget posting more than one value (it keeps the clerk's)."""
        form_field = self.fields[name]
        if isinstance(form_field.widget, forms.MultiWidget):
            return False
        key = self.add_prefix(name)
        self.data = self.data.copy()
        prepared = form_field.prepare_value(value)
        if isinstance(form_field.widget, forms.CheckboxInput):
            if prepared:
                self.data[key] = "on"
            else:
                self.data.pop(key, None)
        else:
            self.data[key] = "" if prepared is None else str(prepared)
        return True

    def holds_what_is_stored(self) -> bool:
        """Whether saving would change nothing: every field of the record, as the
        form cleaned it (a description's line breaks as stored), holds what the row
        holds now; not only the form's fields, as a restore from the history also
        brings back what the form does not show (the citation: helper-15)."""
        stored = self._meta.model._default_manager.filter(pk=self.instance.pk).first()
        if stored is None:
            return False
        return all(
            field.value_from_object(self.instance) == field.value_from_object(stored)
            for field in stored._meta.concrete_fields
            if field.attname not in _KEPT_BY_SAVE
        )

    def _hold_version(self, version: int) -> None:
        """Let the form shown again carry the version now stored."""
        self.data = self.data.copy()
        self.data[self.add_prefix(SEEN_VERSION)] = str(version)


def _model_field(instance: models.Model, name: str) -> models.Field | None:
    try:
        field = instance._meta.get_field(name)
    except Exception:
        return None
    return field if field.concrete and not field.many_to_many else None


def _record_at_version(current: models.Model, version: int | None):
    """The history record of ``current`` as it was at ``version``, if kept."""
    history = getattr(type(current), "history", None)
    if history is None or version is None:
        return None
    return history.filter(id=current.pk, version=version).order_by("-pk").first()


def _display(instance: models.Model, field: models.Field) -> str:
    if field.is_relation:
        value = getattr(instance, field.name)
    elif field.choices:
        value = getattr(instance, f"get_{field.name}_display")()
    else:
        value = field.value_from_object(instance)
    if value in (None, ""):
        return gettext("（空欄）")
    return f"{value:,}" if isinstance(value, int) else str(value)


def with_seen_version(fieldsets: list) -> list:
    """The fieldsets with the hidden version field in the first: the admin renders
    only the fields its fieldsets name, so a version left out is never posted and
    every save looks like one made over a colleague's."""
    if SEEN_VERSION in flatten_fieldsets(fieldsets):
        return fieldsets
    (name, options), *rest = fieldsets
    first = (name, {**options, "fields": (*options["fields"], SEEN_VERSION)})
    return [first, *rest]


class VersionGuardInlineMixin:
    """An inline whose rows are guarded like the page they are on."""

    form = VersionGuardForm

    def get_fieldsets(self, request, obj=None):
        return with_seen_version(super().get_fieldsets(request, obj))


class VersionGuardAdminMixin:
    """A model admin whose change form and history restore are guarded."""

    form = VersionGuardForm

    def get_fieldsets(self, request, obj=None):
        return with_seen_version(super().get_fieldsets(request, obj))

    def save_model(self, request, obj, form, change):
        # A save that changes nothing writes nothing: no new version, no history
        # record, no public correction (helper-14: each one was all three).
        if change and form.holds_what_is_stored():
            request.budgets_saved_nothing = True
            return
        super().save_model(request, obj, form, change)

    def save_formset(self, request, form, formset, change):
        if formset.has_changed():  # a row of an inline changed: that is a change
            request.budgets_saved_nothing = False
        super().save_formset(request, form, formset, change)

    def log_change(self, request, obj, message):
        if getattr(request, "budgets_saved_nothing", False):
            return None  # nothing changed: nothing for the admin's recent actions
        return super().log_change(request, obj, message)

    def message_user(self, request, message, level=messages.INFO, *args, **kwargs):
        if level == messages.SUCCESS and getattr(
            request, "budgets_saved_nothing", False
        ):
            message, level = NOTHING_CHANGED_MESSAGE, messages.INFO
        super().message_user(request, message, level, *args, **kwargs)

    def history_form_view(self, request, object_id, version_id, extra_context=None):
        # Restoring a version is a save like the change view's, in one transaction,
        # so the form's version check can lock the row until the save commits
        # (PostgreSQL refuses a row lock outside a transaction).
        with transaction.atomic(using=router.db_for_write(self.model)):
            return super().history_form_view(
                request, object_id, version_id, extra_context
            )
