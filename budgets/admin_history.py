"""The admin's history pages: each record's values as a clerk reads them.

simple-history shows a value as Python writes it: 3191866, None, True. Here an amount
has its thousands separators and "-" where it does not apply, as on the public pages,
a flag reads はい or いいえ, a category 新規 or レベルアップ, and a missing reference or
reason (an edit made in the admin has no import record) is an empty cell. Both the
columns of ``history_list_display`` and the 変更内容 (what changed, old → new) go
through ``shown``.
"""

from __future__ import annotations

from typing import Any

from django.template.defaultfilters import linebreaksbr
from django.utils.translation import gettext
from simple_history.admin import SimpleHistoryAdmin
from simple_history.models import DeletedObject
from simple_history.template_utils import HistoricalRecordContextHelper

from budgets.amounts import format_thousands
from budgets.models import AMOUNT_FIELDS, Project


def shown(field_name: str, value: Any) -> Any:
    """A record's value of ``field_name`` as the admin shows it in a history or an
    import's preview: an amount with its commas, a text's line breaks kept (a
    change that only adds one looked like no change at all: helper-13)."""
    if field_name in AMOUNT_FIELDS:
        return format_thousands(value)
    if isinstance(value, str) and "\n" in value:
        return linebreaksbr(value, autoescape=True)
    value = Project.value_label(field_name, value)  # a category: 新規, not new
    if isinstance(value, bool):
        return gettext("Yes") if value else gettext("No")  # Django's: はい, いいえ
    if value is None or (isinstance(value, DeletedObject) and value.pk is None):
        return ""  # simple-history's stand-in for a reference that was empty
    return value


class ReadableValues(HistoricalRecordContextHelper):
    """The 変更内容 column: old and new values through ``shown``."""

    def prepare_delta_change_value(self, change, value):
        return shown(change.field, super().prepare_delta_change_value(change, value))


class BudgetHistoryAdmin(SimpleHistoryAdmin):
    """SimpleHistoryAdmin whose history page shows values through ``shown``."""

    object_history_list_template = "admin/budgets/object_history_list.html"

    def get_historical_record_context_helper(self, request, historical_record):
        return ReadableValues(self.model, historical_record)

    def get_history_queryset(self, request, history_manager, pk_name, object_id):
        """The records with their import (every history record has the field:
        ``models.history_records``), which every row shows: one query."""
        queryset = super().get_history_queryset(
            request, history_manager, pk_name, object_id
        )
        return queryset.select_related("import_event")
