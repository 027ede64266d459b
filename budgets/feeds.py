"""The Atom feed of newly published years and of corrections to published projects.

There is no correction log, so the feed derives its entries from the timestamps the
records already have:

- a **published year**: each published FiscalYear, dated by its ``published_at``
  (set when it goes public, kept through later edits of the year, renewed when it
  is published again after being withdrawn); its totals are today's, corrections
  being entries of their own;
- a **correction**: a project of a published year whose ``updated_at`` is later than
  both its own creation (by more than a save takes) and its year's
  ``published_at``, i.e. a project changed after its year was published. Each
  change of the same project is its own entry (the id carries the time). Changes
  made while the year was a draft are not corrections, and a save that changed
  nothing is none either (the admin does not save it). Limit: a deleted project
  leaves no entry.

A correction names what differs from what was published (one query of the history
for every entry): the project's newest history record against its last record from
before its year's ``published_at`` (or, for a project added later, its first). An
amount, a name or a category is given as published and as now, the other fields by
name alone. Against the record before the newest instead, two saves in a row showed
only the second's change, a change undone read as a correction, and a lineage
derived again after a save (``lineages``) hid the save's change (helper-19).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.contrib.syndication.views import Feed
from django.db.models import F, QuerySet
from django.http import HttpRequest
from django.urls import reverse_lazy
from django.utils.feedgenerator import Atom1Feed
from django.utils.html import escape
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext

from budgets import amounts
from budgets.models import AMOUNT_FIELDS, FiscalYear, Project

ENTRIES = 50
# save() stamps created_at and updated_at one after the other: not a correction.
SAVE_TIME = timedelta(seconds=1)
# What a correction names, in the project page's order; these with their values.
CORRECTED_FIELDS = (
    "name",
    "section",
    "theme",
    "category",
    "description",
    *AMOUNT_FIELDS,
)
VALUES_SHOWN = {"name", "category", *AMOUNT_FIELDS}


@dataclass(frozen=True)
class Entry:
    title: str
    description: str
    link: str
    updated: datetime
    guid: str
    is_correction: bool


def corrected_projects() -> QuerySet[Project]:
    """Return the published projects changed after their year was published."""
    return (
        Project.objects.published()
        .filter(updated_at__gt=F("created_at") + SAVE_TIME)
        .filter(updated_at__gt=F("fiscal_year__published_at"))
        .with_related()
    )


def feed_entries(
    absolute: Callable[[str], str], *, limit: int = ENTRIES
) -> list[Entry]:
    """Return the newest entries first: published years and corrections."""
    entries = [
        _published(fy, absolute) for fy in FiscalYear.objects.published().with_totals()
    ]
    corrected = list(corrected_projects().order_by("-updated_at")[:limit])
    changed = changes_since_publication(corrected)
    entries += [
        _correction(project, changed.get(project.pk, []), absolute)
        for project in corrected
    ]
    entries.sort(key=lambda entry: entry.updated, reverse=True)
    return entries[:limit]


def _published(fiscal_year: FiscalYear, absolute) -> Entry:
    totals = fiscal_year.totals()
    link = fiscal_year.get_absolute_url()
    return Entry(
        title=_("%(year)sの表を公開しました") % {"year": fiscal_year.label},
        description=_(
            "%(title)s：事業 %(count)s 件、要求額 %(requested)s 千円、"
            "予算額 %(budgeted)s 千円"
            "（いまの値。公開後の訂正はそれぞれお知らせします）。"
        )
        % {
            "title": fiscal_year.display_title,
            "count": totals["count"],
            "requested": amounts.format_thousands(totals["requested"]),
            "budgeted": amounts.format_thousands(totals["budgeted"]),
        },
        link=link,
        updated=fiscal_year.published_at,
        guid=absolute(link) + "#published",
        is_correction=False,
    )


def changes_since_publication(projects: Iterable[Project]) -> dict[int, list[str]]:
    """What differs in each project from what its year published, as a reader
    reads it: 「予算額（千円） 3,191,866 → 3,200,000」, 「事業内容」."""
    published = {project.pk: project.fiscal_year.published_at for project in projects}
    records = defaultdict(list)  # a project's id: its records, the newest first
    history = Project.history.filter(id__in=published)
    for record in history.order_by("id", "-history_date", "-history_id"):
        records[record.id].append(record)
    return {
        pk: _changed(found[0], _as_published(found, published[pk]))
        for pk, found in records.items()
    }


def _as_published(records: list, published_at: datetime):
    """The last record from before the year was published; for a project added
    after, its first."""
    return next((r for r in records if r.history_date <= published_at), records[-1])


def _changed(latest, previous) -> list[str]:
    delta = latest.diff_against(previous, included_fields=CORRECTED_FIELDS)
    changes = {change.field: change for change in delta.changes}
    return [
        _change_text(field, changes[field].old, changes[field].new)
        for field in CORRECTED_FIELDS
        if field in changes
    ]


def _change_text(field: str, old, new) -> str:
    label = str(Project._meta.get_field(field).verbose_name)
    if field not in VALUES_SHOWN:
        return label
    if field in AMOUNT_FIELDS:
        old, new = amounts.format_thousands(old), amounts.format_thousands(new)
    else:
        old, new = Project.value_label(field, old), Project.value_label(field, new)
    return f"{label} {old} → {new}"


def _correction(project: Project, changed: list[str], absolute) -> Entry:
    link = project.get_absolute_url()
    current = _("現在の値：要求額 %(requested)s 千円、予算額 %(budgeted)s 千円。") % {
        "requested": amounts.format_thousands(project.requested),
        "budgeted": amounts.format_thousands(project.budgeted),
    }
    if changed:
        separator = pgettext("between the changes of a correction", "、")
        said = _("公開時から訂正しました：%(changes)s。") % {
            "changes": separator.join(changed)
        }
    else:
        said = _("公開後に更新されました。いまの内容は公開時と同じです。")
    return Entry(
        title=_("訂正：%(project)s") % {"project": project},
        description=said + current,
        link=link,
        updated=project.updated_at,
        guid=absolute(link) + "#updated-" + project.updated_at.isoformat(),
        is_correction=True,
    )


class UpdatesFeed(Feed):
    feed_type = Atom1Feed
    title = gettext_lazy("港区 新規事業及びレベルアップ事業一覧：公開と訂正")
    subtitle = gettext_lazy("新しく公開した年度と、公開後に訂正した事業のお知らせ")
    link = reverse_lazy("opendata:data")

    def get_object(self, request: HttpRequest, *args, **kwargs) -> HttpRequest:
        return request

    def items(self, request: HttpRequest) -> list[Entry]:
        return feed_entries(request.build_absolute_uri)

    def item_title(self, item: Entry) -> str:
        return item.title

    def item_description(self, item: Entry) -> str:
        # Atom's summary is HTML (type="html"): a name's "<" and "&" are text
        return escape(item.description)

    def item_link(self, item: Entry) -> str:
        return item.link

    def item_guid(self, item: Entry) -> str:
        return item.guid

    def item_guid_is_permalink(self, item: Entry) -> bool:
        return False

    def item_pubdate(self, item: Entry) -> datetime:
        return item.updated

    def item_updateddate(self, item: Entry) -> datetime:
        return item.updated

    def item_categories(self, item: Entry) -> list[str]:
        return [_("訂正") if item.is_correction else _("公開")]
