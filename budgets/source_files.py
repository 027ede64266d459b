"""The files imports read: kept with their import record, downloaded by staff.

Every real import (command or admin, whatever it changed) keeps the bytes it read in
``settings.STORAGES["sources"]``, a private folder by default, under a name made of
their SHA-256, so the same file imported twice is stored once. Nothing serves that
folder: staff download a file through ``download``, which checks their permission
to view import records.

The storage is looked up at each use (``source_storage()``), not through the field's
own ``event.source.storage``, which Django fixes when the model is defined.
"""

from __future__ import annotations

from django.contrib.auth.decorators import permission_required
from django.core.files.base import ContentFile
from django.http import FileResponse, Http404, HttpRequest
from django.shortcuts import get_object_or_404

from budgets.models import ImportEvent, source_storage

EXTENSIONS = {"pdf": "pdf", "text": "txt", "csv": "csv", "xlsx": "xlsx"}


def stored_name(sha256: str, kind: str) -> str:
    return f"{sha256[:2]}/{sha256}.{EXTENSIONS.get(kind, 'bin')}"


def keep(event: ImportEvent, data: bytes, *, kind: str) -> None:
    """Keep the file an import read and record where on its import record."""
    storage = source_storage()
    name = stored_name(event.sha256, kind)
    if not storage.exists(name):
        name = storage.save(name, ContentFile(data))
    event.source.name = name
    event.save(update_fields=["source"])


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
