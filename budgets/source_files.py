"""The files imports read: kept with their import record, downloaded by staff.

Every real import (command or admin, whatever it changed) keeps the bytes it read in
``settings.STORAGES["sources"]``, a private folder by default, under a name made of
their SHA-256, so the same file imported twice is stored once. Nothing serves that
folder: staff download a file through ``download``, which checks their permission
to view import records; anyone downloads a file that staff made public through
``public``, which checks that every import of it is public and its years published.

The storage is looked up at each use (``source_storage()``), not through the field's
own ``event.source.storage``, which Django fixes when the model is defined.
"""

from __future__ import annotations

from django.contrib.auth.decorators import permission_required
from django.core.files.base import ContentFile
from django.http import FileResponse, Http404, HttpRequest
from django.shortcuts import get_object_or_404

from budgets.models import FiscalYear, ImportEvent, source_storage

EXTENSIONS = {"pdf": "pdf", "text": "txt", "csv": "csv", "xlsx": "xlsx"}
KINDS = {extension: kind for kind, extension in EXTENSIONS.items()}
CONTENT_TYPES = {
    "pdf": "application/pdf",
    "txt": "text/plain; charset=utf-8",
    "csv": "text/csv",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


def kind_of(event: ImportEvent) -> str:
    """The kind of file the event read ("pdf", "text", "csv", "xlsx"), "" if none."""
    return kind_of_name(event.source.name) if event.source else ""


def kind_of_name(name: str) -> str:
    """The kind of a stored (or backed-up) file by its name's extension; "" if none."""
    return KINDS.get(name.rsplit(".", 1)[-1], "") if "." in name else ""


def stored_name(sha256: str, kind: str) -> str:
    return f"{sha256[:2]}/{sha256}.{EXTENSIONS.get(kind, 'bin')}"


def keep(event: ImportEvent, data: bytes, *, kind: str) -> None:
    """Keep the file an import read and record where on its import record."""
    storage = source_storage()
    name = stored_name(event.sha256, kind)
    if not storage.exists(name):
        name = storage.save(name, ContentFile(data))
    event.source.name = name
    event.source_public = kind == "pdf"  # a published PDF; a clerk's file is not
    event.save(update_fields=["source", "source_public"])


def forget_unrecorded(name: str) -> None:
    """Delete a kept file that no import record names (its import rolled back)."""
    if not ImportEvent.objects.filter(source=name).exists():
        source_storage().delete(name)


@permission_required("budgets.view_importevent", raise_exception=True)
def download(request: HttpRequest, pk: int) -> FileResponse:
    """The file import ``pk`` read, as an attachment under the name it had."""
    event = get_object_or_404(ImportEvent, pk=pk)
    if not event.source:
        raise Http404
    try:
        file = source_storage().open(event.source.name, "rb")
    except FileNotFoundError as error:
        raise Http404 from error
    extension = event.source.name.rsplit(".", 1)[-1]
    filename = event.filename or f"{event.sha256[:12]}.{extension}"
    return FileResponse(file, as_attachment=True, filename=filename)


def is_public_file(sha256: str) -> bool:
    """Whether the file is public: imported, every import of it public, and every
    year those imports read published (a staff's "not public" always wins)."""
    events = list(ImportEvent.objects.filter(sha256=sha256).exclude(source=""))
    if not events or not all(event.source_public for event in events):
        return False
    years = {int(y) for event in events for y in event.years.split(",") if y}
    published = FiscalYear.objects.filter(year__in=years, is_published=True)
    return bool(years) and published.count() == len(years)


def public(request: HttpRequest, sha256: str, extension: str) -> FileResponse:
    """A public source file, to anyone: a PDF shown inline (``#page=N`` works),
    other files as attachments. Anything else is 404, as if it did not exist."""
    if not is_public_file(sha256):
        raise Http404
    try:
        file = source_storage().open(stored_name(sha256, KINDS[extension]), "rb")
    except FileNotFoundError as error:
        raise Http404 from error
    return FileResponse(
        file,
        as_attachment=extension != "pdf",
        filename=f"{sha256[:12]}.{extension}",
        content_type=CONTENT_TYPES[extension],
    )
