"""Lineages: the same project over the years, under the public id the open data
and the API publish (系譜ID)."""

from __future__ import annotations

import uuid

from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


def new_public_id() -> str:
    """A lineage's public id: a random UUID, as text (the open data's 系譜ID)."""
    return str(uuid.uuid4())


class ProjectLineage(models.Model):
    """The same project over the years (継続事業): its yearly rows share a lineage.

    ``public_id`` is what the API and the open data publish: made with the lineage,
    carried by the backup, never changed (a relink moves projects, not the id).
    """

    public_id = models.CharField(
        _("系譜ID"),
        max_length=36,
        default=new_public_id,
        unique=True,
        editable=False,
        help_text=_("公開データと API で使う系譜の番号。一度公開したら変わりません。"),
    )
    created_at = models.DateTimeField(_("作成日時"), auto_now_add=True)

    class Meta:
        verbose_name = _("事業の系譜")
        verbose_name_plural = pgettext_lazy("plural", "事業の系譜")
        ordering = ["-id"]

    def __str__(self) -> str:
        latest = self.projects.order_by("-fiscal_year__year").first()
        return f"#{self.pk} {latest.name}" if latest else f"#{self.pk}"
