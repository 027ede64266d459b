"""The budget records: fiscal years, their themes, departments and sections, projects.

Amounts are integers in thousands of yen (千円). "Not applicable" ("-" in the published
table) is NULL, never 0: 0 is a real amount (No 23 of FY2021 was requested, not funded).
"""

from __future__ import annotations

import functools
import uuid

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Count, F, Q, Sum
from django.db.models.functions import Length
from django.db.models.lookups import LessThanOrEqual
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy
from simple_history.models import HistoricalRecords

from budgets import eras, reorganisation
from budgets.amounts import AMOUNT_MAX
from budgets.text import (
    normalise_line_breaks,
    search_key,
    validate_multiline_text,
    validate_one_line_text,
)

# The years a fiscal year may be: those 和暦 labels cover (one home: budgets/eras.py).
FIRST_YEAR, LAST_YEAR = eras.MIN_YEAR, eras.MAX_YEAR

AMOUNT_FIELDS = ("requested", "requested_levelup", "budgeted", "budgeted_levelup")
AMOUNT_VALIDATORS = [MinValueValidator(0), MaxValueValidator(AMOUNT_MAX)]
# The longest description (the seed's longest is 150 characters): a 10 MB one was
# accepted and then served a 10 MB page.
DESCRIPTION_MAX = 10_000


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


class Versioned(models.Model):
    """A record staff edit: its version goes up on every save, so that a form opened
    before someone else's save can tell (``budgets.admin_guard``)."""

    version = models.PositiveIntegerField(
        _("版"),
        default=1,
        editable=False,
        help_text=_("保存のたびに増えます。同時編集で上書きしないために使います。"),
    )

    class Meta:
        abstract = True

    def save(self, *args, **kwargs) -> None:
        if not self._state.adding:
            self.version += 1
            update_fields = kwargs.get("update_fields")
            if update_fields is not None:
                kwargs["update_fields"] = {*update_fields, "version"}
        super().save(*args, **kwargs)


def history_records() -> HistoricalRecords:
    return HistoricalRecords(bases=[ImportedHistory], excluded_fields=["search_text"])


class FiscalYearQuerySet(models.QuerySet):
    def published(self) -> FiscalYearQuerySet:
        return self.filter(is_published=True)

    def with_totals(self) -> FiscalYearQuerySet:
        """Add each year's project totals, which ``FiscalYear.totals()`` reads: one
        query for any number of years."""
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

    @property
    def label(self) -> str:
        """Return the era label with the Western year: 令和3年度（2021年度）."""
        return eras.dual_label(self.year)

    @property
    def era_label(self) -> str:
        return eras.era_label(self.year)

    @property
    def display_title(self) -> str:
        return self.title or f"{self.era_label}当初予算"

    def get_absolute_url(self) -> str:
        return reverse("budgets:year", kwargs={"year": self.year})

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
        projects = self.projects.all()
        by_department = projects.totals_by_department()
        previous_totals = None
        if previous is not None:
            previous_projects = previous.projects.all()
            previous_totals = previous_projects.totals()
            reorganisation.compare(
                by_department,
                previous_projects.totals_by("section__department__id"),
                DepartmentSuccession.objects.between(previous.year, self.year),
            )
        return {
            "totals": projects.totals(),
            "by_category": list(projects.totals_by("category")),
            "by_theme": projects.totals_by("theme__number", "theme__id", "theme__name"),
            "by_department": by_department,
            "previous_year": previous,
            "previous_totals": previous_totals,
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


class DepartmentQuerySet(models.QuerySet):
    def with_published_projects(self) -> DepartmentQuerySet:
        """Keep departments with a project in a published year (a draft year's new
        department stays unseen)."""
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
        return reverse("budgets:department", kwargs={"pk": self.pk})

    def save(self, *args, **kwargs) -> None:
        super().save(*args, **kwargs)
        Project.objects.filter(section__department=self).refresh_search_text()


class SectionQuerySet(models.QuerySet):
    def with_published_projects(self) -> SectionQuerySet:
        """Keep sections with a project in a published year (a draft year's new
        section stays unseen)."""
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
        super().save(*args, **kwargs)
        Project.objects.filter(section=self).refresh_search_text()


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


def project_search_text(
    *, name: str, description: str, section: str, department: str
) -> str:
    """Return the normalised text that keyword search looks in.

    The search key of the four joined by spaces, built part by part (the same text:
    no normalisation reaches across a space), so that the few section and
    department names an import repeats on every row are normalised once.
    """
    keys = (search_key(name), search_key(description), _name_key(section))
    return " ".join(key for key in (*keys, _name_key(department)) if key)


# An import repeats a few section and department names on every row: each is
# normalised once (benchmarks/import_phases.py, "write: search keys").
@functools.lru_cache(maxsize=4096)
def _name_key(name: str) -> str:
    return search_key(name)


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
        every word, ignoring width, case and hiragana/katakana."""
        qs = self
        for word in search_key(words).split():
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
                violation_error_message=_(
                    "この年度にはその No の事業がすでにあります。"
                ),
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

    def get_absolute_url(self) -> str:
        return reverse(
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


class DataVersion(models.Model):
    """The version of the public data, one row every process reads.

    Every cached public page and every ETag is built from it (``budgets.caching``); a
    change to the data raises it once its transaction commits.
    """

    version = models.BigIntegerField(
        _("データの版"),
        help_text=_("最後に公開データが変わった時刻（ナノ秒）。"),
    )

    class Meta:
        verbose_name = _("公開データの版")
        verbose_name_plural = pgettext_lazy("plural", "公開データの版")
        constraints = [
            models.CheckConstraint(
                condition=Q(id=1),
                name="data_version_single_row",
                violation_error_message=_("公開データの版は 1 行だけです。"),
            ),
        ]

    def __str__(self) -> str:
        return str(self.version)


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


class DepartmentSuccessionQuerySet(models.QuerySet):
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


class SectionSuccessionQuerySet(models.QuerySet):
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
