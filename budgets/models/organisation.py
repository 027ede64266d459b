"""Departments and sections, and their reorganisations from year to year (組織改正)."""

from __future__ import annotations

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from budgets import eras
from budgets.models.base import FIRST_YEAR, LAST_YEAR, Versioned
from budgets.models.imports import history_records
from budgets.reversed_once import numbered_url
from budgets.text import validate_one_line_text


def _first_no(**match: models.Expression) -> models.Subquery:
    """The first No of the projects ``match`` finds in the latest published year:
    where that table lists them (None if it does not). The year is one scalar
    subquery, and each lookup walks its (year, No) index. Over the 100,000 projects
    of benchmarks/load_pages.py in PostgreSQL, once a data version (menus_once):
    0.02 s for the 40 departments, 0.30 s for the 300 sections (0.02 and 0.14 s by
    name); a subquery over every year took 2.8 and 6.9 s."""
    from budgets.models.projects import Project  # refers to this module
    from budgets.models.years import FiscalYear

    latest = FiscalYear.objects.published().order_by("-year").values("pk")[:1]
    return models.Subquery(
        Project.objects.filter(fiscal_year=models.Subquery(latest), **match)
        .order_by("no")
        .values("no")[:1]
    )


class DepartmentQuerySet(models.QuerySet):
    def in_table_order(self) -> DepartmentQuerySet:
        """As the latest published table lists them, by their first project's No
        (the city's order, where names sort by code point: みなと保健所 before
        企画経営部); those it does not list after, by name."""
        first = _first_no(section__department=models.OuterRef("pk"))
        return self.annotate(table_no=first).order_by(
            F("table_no").asc(nulls_last=True), "name", "pk"
        )

    def with_published_projects(self) -> DepartmentQuerySet:
        """Keep departments with a project in a published year (a draft year's new
        department stays unseen)."""
        from budgets.models.projects import Project  # refers to this module

        return self.filter(
            models.Exists(
                Project.objects.published().filter(
                    section__department=models.OuterRef("pk")
                )
            )
        )


class Department(Versioned):
    """A department (部); lives across years."""

    name = models.CharField(
        _("部"),
        max_length=200,
        unique=True,
        validators=[validate_one_line_text],
        help_text=_(
            "名前を変えると、過去のすべての年度でもこの名前で表示されます。誤字の訂正"
            "はここで直してください。組織改正で名前が変わったときは、部の一覧の操作"
            "「組織改正を記録する」で後継の部を作ってください（過去の年度は元の名前の"
            "まま残ります）。"
        ),
    )

    objects = DepartmentQuerySet.as_manager()
    history = history_records()

    class Meta:
        verbose_name = _("部")
        verbose_name_plural = pgettext_lazy("plural", "部")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return numbered_url("budgets:department", kwargs={"pk": self.pk})

    def save(self, *args, **kwargs) -> None:
        from budgets.models.projects import Project  # refers to this module

        super().save(*args, **kwargs)
        Project.objects.filter(section__department=self).refresh_search_text()


class SectionQuerySet(models.QuerySet):
    def in_table_order(self) -> SectionQuerySet:
        """Under their departments in the order of ``DepartmentQuerySet
        .in_table_order``, each as the latest published table lists it."""
        return self.annotate(
            department_table_no=_first_no(
                section__department=models.OuterRef("department")
            ),
            table_no=_first_no(section=models.OuterRef("pk")),
        ).order_by(
            F("department_table_no").asc(nulls_last=True),
            "department__name",
            F("table_no").asc(nulls_last=True),
            "name",
            "pk",
        )

    def with_published_projects(self) -> SectionQuerySet:
        """Keep sections with a project in a published year (a draft year's new
        section stays unseen)."""
        from budgets.models.projects import Project  # refers to this module

        return self.filter(
            models.Exists(
                Project.objects.published().filter(section=models.OuterRef("pk"))
            )
        )


class Section(Versioned):
    """A section (課, or 担当 office) within a department; lives across years."""

    department = models.ForeignKey(
        Department,
        on_delete=models.PROTECT,
        related_name="sections",
        verbose_name=_("部"),
    )
    name = models.CharField(
        _("課名"), max_length=200, validators=[validate_one_line_text]
    )

    objects = SectionQuerySet.as_manager()
    history = history_records()

    class Meta:
        verbose_name = _("課")
        verbose_name_plural = pgettext_lazy("plural", "課")
        ordering = ["department__name", "name"]
        constraints = [
            models.UniqueConstraint(
                fields=["department", "name"],
                name="section_name_unique_per_department",
                violation_error_message=_("この部にはその課名がすでにあります。"),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.department.name} {self.name}"

    def save(self, *args, **kwargs) -> None:
        from budgets.models.projects import Project  # refers to this module

        super().save(*args, **kwargs)
        Project.objects.filter(section=self).refresh_search_text()


# --- Years that change: reorganisations and links between yearly projects ---------


class Succession(Versioned):
    """An organisation that succeeds an earlier one from a fiscal year on (組織改正).

    Concrete for departments and for sections (``predecessor``/``successor``); the
    old one keeps its name on the years before, the new one carries the years after.
    """

    class Kind(models.TextChoices):
        RENAMED = "renamed", _("改称")
        MERGED = "merged", _("統合")
        SPLIT = "split", _("分割")
        MOVED = "moved", _("移管")

    kind = models.CharField(_("種類"), max_length=10, choices=Kind.choices)
    from_year = models.PositiveSmallIntegerField(
        _("適用年度（西暦）"),
        validators=[MinValueValidator(FIRST_YEAR), MaxValueValidator(LAST_YEAR)],
        help_text=_("後継の組織になった年度。令和4年度からなら 2022。"),
    )
    note = models.TextField(_("備考"), blank=True)
    created_at = models.DateTimeField(_("作成日時"), auto_now_add=True)

    class Meta:
        abstract = True
        ordering = ["from_year", "id"]

    def __str__(self) -> str:
        return (
            f"{self.predecessor} → {self.successor}"
            f"（{self.get_kind_display()}、{eras.era_label(self.from_year)}から）"
        )

    @classmethod
    def succession_constraints(cls, prefix: str) -> list:
        return [
            models.CheckConstraint(
                condition=~Q(predecessor=F("successor")),
                name=f"{prefix}_not_itself",
                violation_error_message=_("組織は自分自身の後継にはなれません。"),
            ),
            models.UniqueConstraint(
                fields=["predecessor", "successor", "from_year"],
                name=f"{prefix}_unique_per_pair_and_year",
                violation_error_message=_(
                    "この前身と後継の組み合わせは、その年度にすでに記録されています。"
                ),
            ),
            models.CheckConstraint(
                condition=Q(kind__in=[kind.value for kind in cls.Kind]),
                name=f"{prefix}_kind_known",
                violation_error_message=_("種類は改称・統合・分割・移管のどれかです。"),
            ),
            models.CheckConstraint(
                condition=Q(from_year__gte=FIRST_YEAR) & Q(from_year__lte=LAST_YEAR),
                name=f"{prefix}_year_in_range",
                violation_error_message=_(
                    "年度は 1926 年から 2200 年の間で入力してください。"
                ),
            ),
        ]


class SuccessionQuerySet(models.QuerySet):
    def public(self) -> SuccessionQuerySet:
        """Those a published year has seen: none from after the latest published
        year (a draft year's reorganisation is not public yet; helper-13)."""
        from budgets.models.years import FiscalYear  # which refers to this module

        latest = FiscalYear.objects.published().order_by("-year").values("year")[:1]
        return self.filter(from_year__lte=models.Subquery(latest))


class DepartmentSuccessionQuerySet(SuccessionQuerySet):
    def between(self, earlier_year: int, year: int) -> list[tuple[int, int, str, str]]:
        """(predecessor id, successor id, predecessor name, kind label) of the
        successions from a year after ``earlier_year`` up to ``year``."""
        return [
            (pred, succ, name, str(Succession.Kind(kind).label))
            for pred, succ, name, kind in self.filter(
                from_year__gt=earlier_year, from_year__lte=year
            ).values_list("predecessor", "successor", "predecessor__name", "kind")
        ]

    def of_department(self, department: Department) -> DepartmentSuccessionQuerySet:
        """Where ``department`` is the predecessor or the successor."""
        return self.filter(
            Q(predecessor=department) | Q(successor=department)
        ).select_related("predecessor", "successor")


class SectionSuccessionQuerySet(SuccessionQuerySet):
    def moved_between(self, earlier_year: int, year: int) -> list[tuple]:
        """(section name, from department id and name, to department id and name)
        of each section moved to another department from a year after
        ``earlier_year`` up to ``year``: a department's change from the year before
        includes them."""
        return list(
            self.filter(from_year__gt=earlier_year, from_year__lte=year)
            .exclude(predecessor__department=F("successor__department"))
            .order_by("successor__name")
            .values_list(
                "successor__name",
                "predecessor__department",
                "predecessor__department__name",
                "successor__department",
                "successor__department__name",
            )
        )

    def of_sections_of(self, department: Department) -> SectionSuccessionQuerySet:
        """Where a section of ``department`` is the predecessor or the successor."""
        return self.filter(
            Q(predecessor__department=department) | Q(successor__department=department)
        ).select_related("predecessor__department", "successor__department")


class DepartmentSuccession(Succession):
    predecessor = models.ForeignKey(
        Department,
        on_delete=models.PROTECT,
        related_name="successions",
        verbose_name=_("前身の部"),
    )
    successor = models.ForeignKey(
        Department,
        on_delete=models.PROTECT,
        related_name="predecessions",
        verbose_name=_("後継の部"),
    )

    objects = DepartmentSuccessionQuerySet.as_manager()
    history = history_records()

    class Meta(Succession.Meta):
        verbose_name = _("部の組織改正")
        verbose_name_plural = pgettext_lazy("plural", "部の組織改正")
        constraints = Succession.succession_constraints("department_succession")


class SectionSuccession(Succession):
    predecessor = models.ForeignKey(
        Section,
        on_delete=models.PROTECT,
        related_name="successions",
        verbose_name=_("前身の課"),
    )
    successor = models.ForeignKey(
        Section,
        on_delete=models.PROTECT,
        related_name="predecessions",
        verbose_name=_("後継の課"),
    )

    objects = SectionSuccessionQuerySet.as_manager()
    history = history_records()

    class Meta(Succession.Meta):
        verbose_name = _("課の組織改正")
        verbose_name_plural = pgettext_lazy("plural", "課の組織改正")
        constraints = Succession.succession_constraints("section_succession")
