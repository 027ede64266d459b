"""Fiscal years and their policy themes (施策の柱)."""

from __future__ import annotations

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Count, Q, Sum
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from budgets import eras, reorganisation
from budgets.models.base import (
    AMOUNT_FIELDS,
    FIRST_YEAR,
    LAST_YEAR,
    Versioned,
)
from budgets.models.imports import history_records
from budgets.reversed_once import numbered_url
from budgets.text import validate_one_line_text


class FiscalYearQuerySet(models.QuerySet):
    def published(self) -> FiscalYearQuerySet:
        return self.filter(is_published=True)

    def with_totals(self) -> FiscalYearQuerySet:
        """Add each year's project totals, which ``FiscalYear.totals()`` reads: one
        query for any number of years."""
        from budgets.models.projects import Project  # refers to this module

        return self.annotate(
            totals_count=Count("projects"),
            totals_new_count=Count(
                "projects", filter=Q(projects__category=Project.Category.NEW)
            ),
            **{
                f"totals_{name}": Sum(f"projects__{name}", default=0)
                for name in AMOUNT_FIELDS
            },
        )


class FiscalYear(Versioned):
    """One fiscal year's table (年度 runs 1 April to 31 March)."""

    year = models.PositiveSmallIntegerField(
        _("年度（西暦）"),
        unique=True,
        validators=[MinValueValidator(FIRST_YEAR), MaxValueValidator(LAST_YEAR)],
        help_text=_("年度が始まる西暦年。令和3年度なら 2021。"),
    )
    title = models.CharField(
        _("表題"),
        max_length=200,
        blank=True,
        validators=[validate_one_line_text],
        help_text=_("公表された表の表題。例: 令和3年度当初予算"),
    )
    is_published = models.BooleanField(
        _("公開中"),
        default=False,
        help_text=_("公開中の年度だけが一般向けページに表示されます。"),
    )
    published_at = models.DateTimeField(
        _("公開日時"),
        null=True,
        blank=True,
        editable=False,
        help_text=_(
            "公開した日時。非公開にすると空になり、次に公開した日時が入ります。"
        ),
    )
    created_at = models.DateTimeField(_("作成日時"), auto_now_add=True)
    updated_at = models.DateTimeField(_("更新日時"), auto_now=True)

    objects = FiscalYearQuerySet.as_manager()
    history = history_records()

    class Meta:
        verbose_name = _("年度")
        verbose_name_plural = pgettext_lazy("plural", "年度")
        ordering = ["-year"]
        permissions = [("import", _("年度の表を取り込める"))]
        constraints = [
            models.CheckConstraint(
                condition=Q(year__gte=FIRST_YEAR) & Q(year__lte=LAST_YEAR),
                name="fiscal_year_year_in_range",
                # a literal, not formatted here: it must stay lazy to be translated
                violation_error_message=_(
                    "年度は 1926 年から 2200 年の間で入力してください。"
                ),
            ),
        ]

    def __str__(self) -> str:
        return self.label

    def save(self, *args, **kwargs) -> None:
        # when the year went public, kept through later edits of the year (the feed
        # announces it then, and counts what changed after it as corrections)
        published_at = (
            (self.published_at or timezone.now()) if self.is_published else None
        )
        if published_at != self.published_at:
            self.published_at = published_at
            update_fields = kwargs.get("update_fields")
            if update_fields is not None:
                kwargs["update_fields"] = {*update_fields, "published_at"}
        super().save(*args, **kwargs)

    @property
    def label(self) -> str:
        """Return the era label with the Western year in the reader's language:
        令和3年度（2021年度）, or FY2021 (Reiwa 3) for an English reader."""
        return eras.reader_label(self.year)

    @property
    def era_label(self) -> str:
        return eras.era_label(self.year)

    @property
    def display_title(self) -> str:
        return self.title or f"{self.era_label}当初予算"

    def get_absolute_url(self) -> str:
        return numbered_url("budgets:year", kwargs={"year": self.year})

    def totals(self) -> dict[str, int]:
        """The year's project count and four sums: from ``with_totals()`` when the
        year came with them, else with a query of its own."""
        if not hasattr(self, "totals_count"):
            return self.projects.totals()
        totals = {
            "count": self.totals_count,
            "new_count": self.totals_new_count,
            **{name: getattr(self, f"totals_{name}") for name in AMOUNT_FIELDS},
        }
        totals["levelup_count"] = totals["count"] - totals["new_count"]
        return totals

    def overview(self, previous: FiscalYear | None) -> dict:
        """The year's totals overall, by category, theme and department, each
        department beside its totals of ``previous`` (the year before) if given."""
        from budgets.models.organisation import (  # which refers to this module
            DepartmentSuccession,
            SectionSuccession,
        )

        projects = self.projects.all()
        by_department = projects.totals_by_department()
        previous_totals = None
        ended_departments: list[dict] = []
        if previous is not None:
            previous_projects = previous.projects.all()
            previous_totals = previous_projects.totals()
            successions = DepartmentSuccession.objects.between(previous.year, self.year)
            ended_departments = reorganisation.compare(
                by_department, previous_projects.totals_by_department(), successions
            )
            reorganisation.note_moved_sections(
                by_department,
                SectionSuccession.objects.moved_between(previous.year, self.year),
                successions,
            )
        return {
            "totals": projects.totals(),
            "by_category": list(projects.totals_by("category")),
            "by_theme": projects.totals_by("theme__number", "theme__id", "theme__name"),
            "by_department": by_department,
            "previous_year": previous,
            "previous_totals": previous_totals,
            "ended_departments": ended_departments,
        }


class ThemeQuerySet(models.QuerySet):
    def published(self) -> ThemeQuerySet:
        """Themes of published years, each with its year."""
        return self.filter(fiscal_year__is_published=True).select_related("fiscal_year")


class Theme(Versioned):
    """A numbered policy theme (施策の柱) of one fiscal year."""

    fiscal_year = models.ForeignKey(
        FiscalYear,
        on_delete=models.CASCADE,
        related_name="themes",
        verbose_name=_("年度"),
    )
    number = models.PositiveSmallIntegerField(
        _("施策番号"), validators=[MinValueValidator(1)]
    )
    name = models.CharField(
        _("施策名"), max_length=300, validators=[validate_one_line_text]
    )

    objects = ThemeQuerySet.as_manager()
    history = history_records()

    class Meta:
        verbose_name = _("施策の柱")
        verbose_name_plural = pgettext_lazy("plural", "施策の柱")
        ordering = ["-fiscal_year__year", "number"]
        constraints = [
            models.UniqueConstraint(
                fields=["fiscal_year", "number"],
                name="theme_number_unique_per_year",
                violation_error_message=_("この年度にはその施策番号がすでにあります。"),
            ),
            models.CheckConstraint(
                condition=Q(number__gte=1),
                name="theme_number_positive",
                violation_error_message=_("施策番号は 1 以上です。"),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.number} {self.name}"

    @property
    def label_with_year(self) -> str:
        """The theme among every year's (each numbers its own from 1), in the
        reader's language: 令和3年度 1 新型コロナ…, FY2021 1 新型コロナ…"""
        return f"{eras.reader_short_label(self.fiscal_year.year)} {self}"
