"""Imports and their history: the record of each import, the history fields every
record carries, and the files the admin keeps between preview and confirm."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy
from simple_history.models import HistoricalRecords


def source_storage():
    """Where imports keep the files they read (settings.STORAGES["sources"])."""
    from django.core.files.storage import storages

    return storages["sources"]


class ImportEvent(models.Model):
    """One import of a year's table: which file, who, when, what it did."""

    class Via(models.TextChoices):
        ADMIN = "admin", _("管理画面")
        COMMAND = "command", _("コマンド")

    filename = models.CharField(_("ファイル名"), max_length=255, blank=True)
    sha256 = models.CharField(_("SHA-256"), max_length=64)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="budget_imports",
        verbose_name=_("実行者"),
    )
    via = models.CharField(
        _("経路"), max_length=10, choices=Via.choices, default=Via.COMMAND
    )
    # a backup holds every year: more than any fixed length would
    years = models.TextField(_("年度"), blank=True)
    created = models.PositiveIntegerField(_("新規"), default=0)
    updated = models.PositiveIntegerField(_("変更"), default=0)
    unchanged = models.PositiveIntegerField(_("変更なし"), default=0)
    deleted = models.PositiveIntegerField(_("削除"), default=0)
    accepted_proposals = models.JSONField(
        _("受け入れた提案"),
        default=list,
        blank=True,
        help_text=_("取り込みが提案し、確定時に受け入れた組織改正と事業のつながり。"),
    )
    created_at = models.DateTimeField(_("実行日時"), auto_now_add=True)
    source = models.FileField(
        _("読んだファイル"),
        storage=source_storage,
        max_length=200,
        blank=True,
        editable=False,
        help_text=_("取り込みが読んだファイルそのもの（SHA-256 で名付けて保管）"),
    )
    source_public = models.BooleanField(
        _("読んだファイルを公開する"),
        default=False,
        help_text=_(
            "公開すると、公開中の年度の事業のページが出典としてこのファイルに"
            "リンクします。公表された PDF は公開、職員の CSV・XLSX（非表示の"
            "シートやメモを含むことがあります）は非公開で始まります。"
        ),
    )

    class Meta:
        verbose_name = _("取り込み記録")
        verbose_name_plural = pgettext_lazy("plural", "取り込み記録")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        name = self.filename or self.sha256[:12]
        if self.created_at is None:  # not saved yet
            return name
        made = timezone.localtime(self.created_at)  # as the admin shows its times
        return f"{name} ({made:%Y-%m-%d %H:%M})"


class ImportedHistory(models.Model):
    """Fields every history record carries: the import that made it, if any."""

    import_event = models.ForeignKey(
        ImportEvent,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("取り込み記録"),
    )

    class Meta:
        abstract = True


# The history is read by its project's id and by its import (``ImportedHistory``),
# never by these copied keys: an index of each only slowed every import's writes.
UNINDEXED_IN_HISTORY = ["fiscal_year", "theme", "section", "lineage", "source_event"]


def history_records() -> HistoricalRecords:
    return HistoricalRecords(
        bases=[ImportedHistory],
        excluded_fields=["search_text"],
        no_db_index=UNINDEXED_IN_HISTORY,
    )


class Upload(models.Model):
    """A file uploaded to the admin's import, kept between the preview and the confirm.

    The file lives in the private ``uploads`` storage under ``stored_name``, a name the
    server chose; a request names an upload only by its random key, and only its own
    user finds it (``budgets.uploads``). Removed when confirmed, refused or expired.
    """

    key = models.CharField(_("キー"), max_length=64, unique=True, editable=False)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="budget_uploads",
        verbose_name=_("アップロードした人"),
    )
    original_name = models.CharField(_("元のファイル名"), max_length=255)
    stored_name = models.CharField(_("保存先の名前"), max_length=255, editable=False)
    sha256 = models.CharField(_("SHA-256"), max_length=64)
    size = models.PositiveBigIntegerField(_("大きさ（バイト）"))
    created_at = models.DateTimeField(_("アップロード日時"), auto_now_add=True)
    expires_at = models.DateTimeField(_("期限"), db_index=True)

    class Meta:
        verbose_name = _("取り込み待ちのファイル")
        verbose_name_plural = pgettext_lazy("plural", "取り込み待ちのファイル")

    def __str__(self) -> str:
        return f"{self.original_name} ({self.created_at:%Y-%m-%d %H:%M})"
