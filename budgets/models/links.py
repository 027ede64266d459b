"""Links between yearly projects: one continues, splits from or merges into an
earlier year's (継続・分割・統合)."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from budgets import eras
from budgets.models.base import (
    Versioned,
)
from budgets.models.imports import history_records
from budgets.models.lineages import ProjectLineage
from budgets.models.projects import Project


class ProjectLinkQuerySet(models.QuerySet):
    def lineages_linked_to(self, lineage_id: int) -> models.QuerySet:
        """The ids of ``lineage_id`` and of the lineages linked to it, as one
        subquery (a UNION) that the database answers from the indexes. An OR of
        ``IN`` subqueries instead makes PostgreSQL read every project
        (benchmarks/load_pages.py, "any project page").
        """
        links = self.order_by()
        later = links.filter(earlier__lineage=lineage_id).values("later__lineage")
        earlier = links.filter(later__lineage=lineage_id).values("earlier__lineage")
        itself = ProjectLineage.objects.order_by().filter(pk=lineage_id).values("pk")
        return itself.union(later, earlier)


class ProjectLink(Versioned):
    """A yearly project row that continues an earlier year's (継続・分割・統合).

    The links are the record; a project's lineage is derived from them
    (``budgets.lineages``): one earlier project may continue into two (split), two
    into one (merge). Always from an earlier fiscal year to a later one.
    """

    class Kind(models.TextChoices):
        CONTINUES = "continues", _("継続")
        SPLIT_FROM = "split_from", _("分割")
        MERGED_FROM = "merged_from", _("統合")

    earlier = models.ForeignKey(
        Project,
        on_delete=models.CASCADE,
        related_name="later_links",
        verbose_name=_("前の年度の事業"),
    )
    later = models.ForeignKey(
        Project,
        on_delete=models.CASCADE,
        related_name="earlier_links",
        verbose_name=_("後の年度の事業"),
    )
    kind = models.CharField(
        _("種類"), max_length=12, choices=Kind.choices, default=Kind.CONTINUES
    )
    note = models.TextField(_("備考"), blank=True)
    created_at = models.DateTimeField(_("作成日時"), auto_now_add=True)

    objects = ProjectLinkQuerySet.as_manager()
    history = history_records()

    class Meta:
        verbose_name = _("事業のつながり")
        verbose_name_plural = pgettext_lazy("plural", "事業のつながり")
        ordering = ["later", "earlier"]
        constraints = [
            models.CheckConstraint(
                condition=~Q(earlier=F("later")),
                name="project_link_not_itself",
                violation_error_message=_("事業は自分自身とはつなげません。"),
            ),
            models.UniqueConstraint(
                fields=["earlier", "later"],
                name="project_link_unique_pair",
                violation_error_message=_("この二つの事業はすでにつながっています。"),
            ),
            models.CheckConstraint(
                condition=Q(kind__in=["continues", "split_from", "merged_from"]),
                name="project_link_kind_known",
                violation_error_message=_("種類は継続・分割・統合のどれかです。"),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.earlier} → {self.later}（{self.get_kind_display()}）"

    def clean(self) -> None:
        if not (self.earlier_id and self.later_id):
            return
        earlier_year = self.earlier.fiscal_year.year
        if earlier_year >= self.later.fiscal_year.year:
            raise ValidationError(
                {
                    "earlier": _(
                        "前の年度の事業は、後の年度の事業より前の年度から選んで"
                        "ください（%(year)s は同じか後の年度です）。"
                    )
                    % {"year": eras.era_label(earlier_year)}
                }
            )

    def save(self, *args, **kwargs) -> None:
        from budgets import lineages  # the derivation reads the links just saved

        super().save(*args, **kwargs)
        lineages.rederive([self.later_id])

    def delete(self, *args, **kwargs):
        from budgets import lineages

        later_id = self.later_id
        result = super().delete(*args, **kwargs)
        lineages.rederive([later_id])
        return result
