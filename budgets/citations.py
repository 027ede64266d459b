"""A project's citation: where its figures came from, as a reader is shown it.

The import's write step stores the place (``Project.source_*``, see
budgets.importing.citing); this module says it: 「令和3年度当初予算 新規事業及び
レベルアップ事業一覧（PDF）2 ページ」, linked to the file when the file is public
(``ImportEvent.source_public``) and its year published, with ``#page=2`` for a PDF.
A file that is not public (a clerk's CSV or XLSX may hold hidden sheets or notes) is
cited by its name only: no place in it, no link. A figure edited in the admin is
cited as such with the day; who edited it is in the history, for staff.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.urls import reverse
from django.utils import formats, timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from budgets import source_files
from budgets.models import ImportEvent, Project


@dataclass(frozen=True)
class Citation:
    text: str  # 令和3年度当初予算 新規事業及びレベルアップ事業一覧（PDF）2 ページ
    url: str | None = None  # the file, when it is public
    kind: str = ""  # "pdf", "text", "csv", "xlsx"; "admin" for an edit
    page: int | None = None
    line: int | None = None
    sheet: str = ""


def is_public(event: ImportEvent) -> bool:
    """Whether anyone may download the event's file (the year is checked apart)."""
    return bool(event.source_public and event.source)


def of(
    project: Project, *, staff: bool = False, linked: bool = True
) -> Citation | None:
    """The project's citation for the public (or, ``staff``, with every place);
    without its ``url`` unless ``linked``.

    None for a project neither imported since citations exist nor edited since.
    """
    if project.source_edited_at is not None:
        day = formats.date_format(timezone.localtime(project.source_edited_at))
        return Citation(_("管理画面で修正（%(day)s）") % {"day": day}, kind="admin")
    event = project.source_event
    if event is None:
        return None
    kind = source_files.kind_of(event)
    name = _("%(title)s（%(kind)s）") % {
        "title": project.fiscal_year.title,
        "kind": KIND_LABELS.get(kind, kind),
    }
    public = is_public(event) and project.fiscal_year.is_published
    if not (public or staff):
        return Citation(name, kind=kind)
    place = _place(kind, project)
    return Citation(
        _("%(source)s%(place)s") % {"source": name, "place": place} if place else name,
        url=_url(event, kind, project) if public and linked else None,
        kind=kind,
        page=project.source_page,
        line=project.source_line,
        sheet=project.source_sheet,
    )


KIND_LABELS = {
    "pdf": "PDF",
    "text": gettext_lazy("テキスト"),
    "csv": "CSV",
    "xlsx": "XLSX",
}


def _place(kind: str, project: Project) -> str:
    if project.source_page is not None:
        return _("%(page)s ページ") % {"page": project.source_page}
    if project.source_line is None:
        return ""
    if project.source_sheet:
        return _("シート「%(sheet)s」%(row)s 行目") % {
            "sheet": project.source_sheet,
            "row": project.source_line,
        }
    return _("%(line)s 行目") % {"line": project.source_line}


def _url(event: ImportEvent, kind: str, project: Project) -> str:
    url = reverse(
        "budgets:source_file",
        kwargs={"sha256": event.sha256, "extension": source_files.EXTENSIONS[kind]},
    )
    if kind == "pdf" and project.source_page is not None:
        url += f"#page={project.source_page}"
    return url


# What ``Texts`` reads of each project, after the row's own values (values_list).
VALUES = (
    "source_event_id",
    "source_page",
    "source_line",
    "source_sheet",
    "source_edited_at",
    "fiscal_year__title",
    "fiscal_year__is_published",
)


@dataclass(frozen=True)
class _Year:
    title: str
    is_published: bool


@dataclass(frozen=True)
class _Cited:
    """What ``of`` reads of a project, from a row of ``VALUES``."""

    source_event: ImportEvent | None
    source_page: int | None
    source_line: int | None
    source_sheet: str
    source_edited_at: object
    fiscal_year: _Year


class Texts:
    """The text the public sees for a project's citation, from its ``VALUES``, in
    Japanese as the open-data files are ("" for none): the open data's 出典 column.

    Row by row, so a download of any size streams; each cited import is read once.
    """

    def __init__(self) -> None:
        self.events: dict[int, ImportEvent | None] = {}
        self.made: dict[tuple, str] = {}

    def __call__(self, values) -> str:
        event_id, page, line, sheet, edited_at, title, published = values
        if event_id is not None and event_id not in self.events:
            self.events[event_id] = ImportEvent.objects.filter(pk=event_id).first()
        event = self.events.get(event_id) if event_id is not None else None
        key = self._key(event, values)
        text = self.made.get(key)
        if text is None:
            if len(self.made) > self.KEPT:
                self.made.clear()
            cited = _Cited(event, page, line, sheet, edited_at, _Year(title, published))
            with translation.override("ja"):
                citation = of(cited, linked=False)  # type: ignore[arg-type]
            text = self.made[key] = citation.text if citation else ""
        return text

    KEPT = 10_000  # texts made, kept for the rows that cite alike

    def _key(self, event: ImportEvent | None, values) -> tuple:
        """What the text depends on: rows of one PDF page share it, and every row of
        a file not public (its name only)."""
        event_id, page, line, sheet, edited_at, title, published = values
        if event is None or not (published and is_public(event)):
            return (event_id, edited_at, title, published)
        return (event_id, page, line if page is None else None, sheet, title)
