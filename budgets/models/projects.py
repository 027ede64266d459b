"""Projects: one row of a year's table each, the rules of their amounts and their
search text, and the queries the pages ask of them."""

from __future__ import annotations

from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import Count, F, Q, Sum
from django.db.models.functions import Length
from django.db.models.lookups import LessThanOrEqual
from django.utils.encoding import force_str
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from budgets import eras
from budgets.amounts import AMOUNT_MAX
from budgets.models.base import (
    AMOUNT_FIELDS,
    AMOUNT_VALIDATORS,
    DESCRIPTION_MAX,
    Versioned,
)
from budgets.models.imports import ImportEvent, history_records
from budgets.models.lineages import ProjectLineage
from budgets.models.organisation import Department, Section
from budgets.models.search import project_search_text, search_words
from budgets.models.years import FiscalYear, Theme
from budgets.reversed_once import numbered_url
from budgets.text import (
    normalise_line_breaks,
    validate_multiline_text,
    validate_one_line_text,
)

NO_TAKEN = _("この年度にはその No の事業がすでにあります。")


def _move_to(errors: dict[str, list], field: str, message: str) -> None:
    """Move the whole-record errors saying ``message`` to ``field``."""
    records = errors.get(NON_FIELD_ERRORS, [])
    moved = [error for error in records if message in error.messages]
    if moved:
        errors[NON_FIELD_ERRORS] = [e for e in records if e not in moved]
        if not errors[NON_FIELD_ERRORS]:
            del errors[NON_FIELD_ERRORS]
        errors.setdefault(field, []).extend(moved)


def amount_problems(
    *,
    category: str,
    requested: int | None,
    requested_levelup: int | None,
    budgeted: int | None,
    budgeted_levelup: int | None,
) -> list[tuple[str, str]]:
    """Return (field, message) for each way the amounts break the table's rules.

    The admin form (through ``Project.clean``) and the importer both ask this, so a
    clerk reads the same sentence wherever the mistake was made.
    """
    problems: list[tuple[str, str]] = []
    for whole, whole_value, part, part_value in (
        ("requested", requested, "requested_levelup", requested_levelup),
        ("budgeted", budgeted, "budgeted_levelup", budgeted_levelup),
    ):
        message = _levelup_problem(
            category=category,
            whole=whole,
            whole_value=whole_value,
            part=part,
            part_value=part_value,
        )
        if message is not None:
            problems.append((part, message))
    return problems


def _levelup_problem(
    *,
    category: str,
    whole: str,
    whole_value: int | None,
    part: str,
    part_value: int | None,
) -> str | None:
    """Return the message for an amount and its level-up part, or None if they fit."""
    if category == Project.Category.NEW:
        if part_value is None:
            return None  # the common cases first: an import asks for every row
    elif category == Project.Category.LEVELUP and part_value is not None:
        if whole_value is None or part_value <= whole_value:
            return None
    part_label = Project._meta.get_field(part).verbose_name
    if category == Project.Category.NEW and part_value is not None:
        message = _(
            "新規事業にはレベルアップ分はありません。"
            "「%(field)s」を空欄（-）にしてください。"
        ) % {"field": part_label}
    elif category == Project.Category.LEVELUP and part_value is None:
        message = _(
            "レベルアップ事業では「%(field)s」が必要です"
            "（レベルアップ分がなければ 0）。"
        ) % {"field": part_label}
    elif (
        part_value is not None and whole_value is not None and part_value > whole_value
    ):
        message = _levelup_exceeds(
            whole=whole, whole_value=whole_value, part=part, part_value=part_value
        )
    else:
        return None
    return str(message)


def _levelup_exceeds(
    *, whole: str, whole_value: int, part: str, part_value: int
) -> str:
    """Return the message for a level-up part larger than its amount."""
    return _(
        "「%(part)s」（%(part_value)s 千円）が"
        "「%(whole)s」（%(whole_value)s 千円）を超えています。"
    ) % {
        "part": Project._meta.get_field(part).verbose_name,
        "part_value": f"{part_value:,}",
        "whole": Project._meta.get_field(whole).verbose_name,
        "whole_value": f"{whole_value:,}",
    }


# A keyword search: at most this many words and characters (budgets.filters).
SEARCH_WORDS_MAX = 20
SEARCH_TEXT_MAX = 200


class ProjectQuerySet(models.QuerySet):
    def published(self) -> ProjectQuerySet:
        return self.filter(fiscal_year__is_published=True)

    def with_related(self) -> ProjectQuerySet:
        return self.select_related("fiscal_year", "theme", "section__department")

    def search(self, words: str) -> ProjectQuerySet:
        """Keep projects whose name, description, department or section holds
        every word, ignoring width, case and hiragana/katakana, and the quotes a
        word is pasted in ("ロボット", 「ロボット」: what they hold)."""
        qs = self
        for word in search_words(words):
            qs = qs.filter(search_text__contains=word)
        return qs

    def totals(self) -> dict[str, int]:
        sums = self.aggregate(
            count=Count("id"),
            new_count=Count("id", filter=Q(category=Project.Category.NEW)),
            **{name: Sum(name) for name in AMOUNT_FIELDS},
        )
        totals = {key: value or 0 for key, value in sums.items()}
        totals["levelup_count"] = totals["count"] - totals["new_count"]
        return totals

    def totals_by(self, *fields: str) -> models.QuerySet:
        return (
            self.order_by()
            .values(*fields)
            .annotate(count=Count("id"), **{name: Sum(name) for name in AMOUNT_FIELDS})
            .order_by(*fields)
        )

    def totals_by_department(self) -> list[dict]:
        """Totals per department, the largest budget first (then by name)."""
        return sorted(
            self.totals_by("section__department__id", "section__department__name"),
            key=lambda row: (-(row["budgeted"] or 0), row["section__department__name"]),
        )

    def of_lineage(self, project: Project) -> ProjectQuerySet:
        """The projects of ``project``'s lineage (it has one) and of the lineages
        linked to it (a merge's other predecessors, a split's other part), oldest
        first, each with its department: one query."""
        from budgets.models.links import ProjectLink  # refers to this module

        linked = ProjectLink.objects.lineages_linked_to(project.lineage_id)
        return (
            self.filter(lineage__in=linked)
            .select_related("fiscal_year", "section__department")
            .order_by("fiscal_year__year", "no")
        )

    def refresh_search_text(self) -> None:
        """Recompute the search text (after a department or section is renamed)."""
        for project in self.with_related():
            # update(), not save(): no new version or history record for a derived field
            Project.objects.filter(pk=project.pk).update(
                search_text=project.build_search_text()
            )


class Project(Versioned):
    """One row of a year's table: a new or level-up project."""

    class Category(models.TextChoices):
        NEW = "new", _("新規")
        LEVELUP = "levelup", _("レベルアップ")

    fiscal_year = models.ForeignKey(
        FiscalYear,
        on_delete=models.PROTECT,
        related_name="projects",
        verbose_name=_("年度"),
        # the unique index (fiscal_year, no) of project_no_unique_per_year finds a
        # year's projects; a second index of the year alone only slowed every write
        db_index=False,
    )
    theme = models.ForeignKey(
        Theme,
        on_delete=models.PROTECT,
        related_name="projects",
        verbose_name=_("施策の柱"),
    )
    # with a context: Django's own Japanese catalogue reads a bare "No" as いいえ
    no = models.PositiveIntegerField(
        pgettext_lazy("project number", "No"), validators=[MinValueValidator(1)]
    )
    section = models.ForeignKey(
        Section,
        on_delete=models.PROTECT,
        related_name="projects",
        verbose_name=_("課"),
    )
    name = models.CharField(
        _("事業名"), max_length=300, validators=[validate_one_line_text]
    )
    category = models.CharField(
        _("二次経費区分"), max_length=20, choices=Category.choices
    )
    description = models.TextField(
        _("事業内容"),
        blank=True,
        max_length=DESCRIPTION_MAX,
        validators=[validate_multiline_text],
        help_text=_("タブと改行は使えます。"),
    )
    requested = models.BigIntegerField(
        _("要求額（千円）"), validators=AMOUNT_VALIDATORS
    )
    requested_levelup = models.BigIntegerField(
        _("要求額のうちレベルアップ（千円）"),
        null=True,
        blank=True,
        validators=AMOUNT_VALIDATORS,
        help_text=_("新規事業では空欄（表の「-」）。0 は 0 千円の意味です。"),
    )
    budgeted = models.BigIntegerField(_("予算額（千円）"), validators=AMOUNT_VALIDATORS)
    budgeted_levelup = models.BigIntegerField(
        _("予算額のうちレベルアップ（千円）"),
        null=True,
        blank=True,
        validators=AMOUNT_VALIDATORS,
        help_text=_("新規事業では空欄（表の「-」）。0 は 0 千円の意味です。"),
    )
    lineage = models.ForeignKey(
        ProjectLineage,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="projects",
        verbose_name=_("事業の系譜"),
        help_text=_("他の年度の同じ事業と結ぶ系譜。取り込み時に自動で結ばれます。"),
    )
    # Where the figures came from (budgets.citations): the import that last set them
    # and the place in its file, or, after an edit in the admin, when (the edit's
    # history record says who; the record before it keeps the import it replaced).
    source_event = models.ForeignKey(
        ImportEvent,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        editable=False,
        related_name="cited_projects",
        verbose_name=_("出典の取り込み"),
    )
    source_page = models.PositiveIntegerField(
        _("出典のページ"), null=True, blank=True, editable=False
    )
    source_line = models.PositiveIntegerField(
        _("出典の行"),
        null=True,
        blank=True,
        editable=False,
        help_text=_("PDF ではページの上から数えた行、XLSX ではシートの行。"),
    )
    source_sheet = models.CharField(
        _("出典のシート"), max_length=255, blank=True, editable=False
    )
    source_edited_at = models.DateTimeField(
        _("管理画面で修正した日時"), null=True, blank=True, editable=False
    )
    search_text = models.TextField(_("検索用テキスト"), blank=True, editable=False)
    created_at = models.DateTimeField(_("作成日時"), auto_now_add=True)
    updated_at = models.DateTimeField(_("更新日時"), auto_now=True)

    objects = ProjectQuerySet.as_manager()
    history = history_records()

    class Meta:
        verbose_name = _("事業")
        verbose_name_plural = pgettext_lazy("plural", "事業")
        ordering = ["-fiscal_year__year", "no"]
        constraints = [
            models.UniqueConstraint(
                fields=["fiscal_year", "no"],
                name="project_no_unique_per_year",
                violation_error_message=NO_TAKEN,
            ),
            models.CheckConstraint(
                condition=Q(category__in=["new", "levelup"]),
                name="project_category_known",
                violation_error_message=_(
                    "二次経費区分は「新規」か「レベルアップ」です。"
                ),
            ),
            models.CheckConstraint(
                condition=Q(requested__gte=0) & Q(budgeted__gte=0),
                name="project_amounts_not_negative",
                violation_error_message=_("金額は負にできません。"),
            ),
            models.CheckConstraint(
                condition=LessThanOrEqual(Length("description"), DESCRIPTION_MAX),
                name="project_description_within_limit",
                violation_error_message=_("事業内容は 10,000 文字以内です。"),
            ),
            models.CheckConstraint(
                # the level-up parts are at most their whole (the next two rules)
                condition=Q(requested__lte=AMOUNT_MAX) & Q(budgeted__lte=AMOUNT_MAX),
                name="project_amounts_within_limit",
                violation_error_message=_(
                    "一つの金額の上限は 1,000,000,000,000 千円（1,000兆円）です。"
                ),
            ),
            models.CheckConstraint(
                condition=(
                    Q(requested_levelup__isnull=True)
                    | (
                        Q(requested_levelup__gte=0)
                        & Q(requested_levelup__lte=F("requested"))
                    )
                ),
                name="project_requested_levelup_within_requested",
                violation_error_message=_(
                    "要求額のうちレベルアップは 0 以上、要求額以下です。"
                ),
            ),
            models.CheckConstraint(
                condition=(
                    Q(budgeted_levelup__isnull=True)
                    | (
                        Q(budgeted_levelup__gte=0)
                        & Q(budgeted_levelup__lte=F("budgeted"))
                    )
                ),
                name="project_budgeted_levelup_within_budgeted",
                violation_error_message=_(
                    "予算額のうちレベルアップは 0 以上、予算額以下です。"
                ),
            ),
            models.CheckConstraint(
                condition=(
                    Q(
                        category="new",
                        requested_levelup__isnull=True,
                        budgeted_levelup__isnull=True,
                    )
                    | Q(
                        category="levelup",
                        requested_levelup__isnull=False,
                        budgeted_levelup__isnull=False,
                    )
                ),
                name="project_levelup_parts_match_category",
                violation_error_message=_(
                    "新規事業にはレベルアップ分がなく（空欄）、"
                    "レベルアップ事業には両方のレベルアップ分が必要です。"
                ),
            ),
            models.CheckConstraint(
                condition=Q(source_event__isnull=False)
                | Q(source_page=None, source_line=None, source_sheet=""),
                name="project_source_place_needs_event",
                violation_error_message=_("出典の場所には出典の取り込みが必要です。"),
            ),
            models.CheckConstraint(
                condition=Q(source_event__isnull=True)
                | Q(source_edited_at__isnull=True),
                name="project_source_imported_or_edited",
                violation_error_message=_(
                    "出典は取り込みか管理画面での修正のどちらか一方です。"
                ),
            ),
        ]
        indexes = [
            models.Index(fields=["category"], name="project_category_idx"),
        ]

    def __str__(self) -> str:
        return f"{eras.era_label(self.fiscal_year.year)} No.{self.no} {self.name}"

    def get_category_display(self) -> str:
        """Django's ``get_category_display``, without making a dict of the choices
        at every call (9 µs against 3: a list page asks a hundred times)."""
        try:
            return str(self.Category(self.category).label)
        except (ValueError, TypeError):  # as Django's: a value not among the choices
            return force_str(self.category, strings_only=True)

    @classmethod
    def value_label(cls, field_name: str, value):
        """A value of one of the fields as a clerk reads it: a choice by its label
        (レベルアップ, not levelup); any other value as it is."""
        if field_name == "category" and value in cls.Category.values:
            return cls.Category(value).label
        return value

    def get_absolute_url(self) -> str:
        return numbered_url(
            "budgets:project", kwargs={"year": self.fiscal_year.year, "no": self.no}
        )

    @property
    def department(self) -> Department:
        return self.section.department

    @property
    def is_new(self) -> bool:
        return self.category == self.Category.NEW

    def build_search_text(self) -> str:
        return project_search_text(
            name=self.name,
            description=self.description,
            section=self.section.name,
            department=self.section.department.name,
        )

    def validate_constraints(self, exclude=None) -> None:
        """Django's, with a No the year has already told beside the No (Django
        puts a rule of two fields above the whole form)."""
        try:
            super().validate_constraints(exclude)
        except ValidationError as error:
            errors = error.update_error_dict({})
            if exclude is None or "no" not in exclude:
                _move_to(errors, "no", str(NO_TAKEN))
            raise ValidationError(errors) from error

    def clean(self) -> None:
        self.description = normalise_line_breaks(self.description)
        errors: dict[str, list] = {}

        def add(field: str, message) -> None:
            errors.setdefault(field, []).append(message)

        if (
            self.theme_id
            and self.fiscal_year_id
            and self.theme.fiscal_year_id != self.fiscal_year_id
        ):
            add("theme", _("施策の柱は、この事業と同じ年度のものを選んでください。"))
        for field, message in amount_problems(
            category=self.category,
            **{name: getattr(self, name) for name in AMOUNT_FIELDS},
        ):
            add(field, message)
        if errors:
            raise ValidationError(errors)

    def save(self, *args, **kwargs) -> None:
        update_fields = kwargs.get("update_fields")
        if update_fields is None or "search_text" not in update_fields:
            self.search_text = self.build_search_text()
            if update_fields is not None:
                kwargs["update_fields"] = {*update_fields, "search_text"}
        if update_fields is None and self.lineage_id is None:
            self.lineage = ProjectLineage.objects.create()
        super().save(*args, **kwargs)
