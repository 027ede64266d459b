"""The admin's upload store: a file kept between the import's preview and its confirm.

Each upload is an ``Upload`` record (a random key, its user, the name it was uploaded
under, SHA-256, size, expiry) and a file in the private ``uploads`` storage
(``settings.STORAGES["uploads"]``, served by nothing) under a name the server chose.
A request names an upload only by its key, and a key finds an upload only for the
user who uploaded it: nothing a request sends ever becomes a path.

The file is written to the storage chunk by chunk and hashed on the way (one pass,
linear in size). Uploads are removed when confirmed, refused or expired;
``purge_expired`` also removes what a killed worker left (a file without a record,
Django's own spooled upload), and runs on every new upload and from
``manage.py purge_uploads``.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime, timedelta
from pathlib import Path

from django.conf import settings
from django.core.files.base import File
from django.core.files.storage import Storage, storages
from django.core.files.uploadedfile import UploadedFile
from django.utils import timezone

from budgets.models import Upload

CHUNK_BYTES = 1024 * 1024
KEY_BYTES = 32  # 43 characters of URL-safe base64
# Django names its spooled uploads tmpXXXXXXXX.upload.EXT (TemporaryUploadedFile).
DJANGO_SPOOL_PATTERN = "tmp*.upload*"


class UploadGone(Exception):
    """The upload's file is missing, or is no longer the file that was uploaded."""


def storage() -> Storage:
    return storages["uploads"]


def expiry() -> timedelta:
    return timedelta(seconds=settings.UPLOAD_EXPIRY_SECONDS)


class _HashedChunks(File):
    """The uploaded file as the storage reads it: each chunk hashed and counted."""

    def __init__(self, uploaded: UploadedFile):
        super().__init__(uploaded, name=uploaded.name)
        self.sha256 = hashlib.sha256()
        self.written = 0

    def chunks(self, chunk_size=None):
        for chunk in self.file.chunks(CHUNK_BYTES):
            self.sha256.update(chunk)
            self.written += len(chunk)
            yield chunk


def save(uploaded: UploadedFile, *, user) -> Upload:
    """Store an uploaded file for its user; return its record."""
    purge_expired()
    key = secrets.token_urlsafe(KEY_BYTES)
    content = _HashedChunks(uploaded)
    stored_name = storage().save(f"{key}.bin", content)
    try:
        return Upload.objects.create(
            key=key,
            user=user,
            original_name=(uploaded.name or "")[:255],
            stored_name=stored_name,
            sha256=content.sha256.hexdigest(),
            size=content.written,
            expires_at=timezone.now() + expiry(),
        )
    except BaseException:
        storage().delete(stored_name)
        raise


def find(key, user) -> Upload | None:
    """The user's unexpired upload with this key, or None (another user's key, a
    made-up one and an expired one alike)."""
    if not isinstance(key, str) or not key or len(key) > 64 or user.pk is None:
        return None
    return Upload.objects.filter(
        key=key, user_id=user.pk, expires_at__gt=timezone.now()
    ).first()


def read(upload: Upload) -> bytes:
    """The upload's bytes, checked against the size and SHA-256 it was stored with."""
    digest = hashlib.sha256()
    parts: list[bytes] = []
    try:
        with storage().open(upload.stored_name, "rb") as file:
            for chunk in file.chunks(CHUNK_BYTES):
                digest.update(chunk)
                parts.append(chunk)
    except FileNotFoundError as error:
        raise UploadGone(upload.stored_name) from error
    data = b"".join(parts)
    if len(data) != upload.size or digest.hexdigest() != upload.sha256:
        raise UploadGone(upload.stored_name)
    return data


def parse_name(upload: Upload) -> str:
    """Where the preview keeps its reading of the upload (budgets.upload_parses)."""
    return upload.stored_name.removesuffix(".bin") + ".parse.json"


def remove(upload: Upload) -> None:
    """Delete the upload's file, its kept parse and its record (any may be gone)."""
    storage().delete(upload.stored_name)
    storage().delete(parse_name(upload))
    Upload.objects.filter(pk=upload.pk).delete()


def consume(upload: Upload) -> None:
    """The upload was imported. Today its file goes; the PDF issue (13) keeps the
    source of a confirmed import here instead."""
    remove(upload)


def purge_expired(now: datetime | None = None) -> int:
    """Remove expired uploads and what killed workers left; return how many files."""
    now = now or timezone.now()
    removed = 0
    for upload in Upload.objects.filter(expires_at__lte=now):
        remove(upload)
        removed += 1
    return removed + _purge_orphans(now - expiry()) + _purge_spool(now - expiry())


def _purge_orphans(older_than: datetime) -> int:
    """Files of the store that no record names (the worker died before the record)."""
    store = storage()
    try:
        _folders, names = store.listdir("")
    except FileNotFoundError:  # nothing was ever stored
        return 0
    known = set(
        Upload.objects.filter(stored_name__in=names).values_list(
            "stored_name", flat=True
        )
    )
    removed = 0
    for name in names:
        if name not in known and store.get_modified_time(name) < older_than:
            store.delete(name)
            removed += 1
    return removed


def _purge_spool(older_than: datetime) -> int:
    """Django's spooled uploads (FILE_UPLOAD_TEMP_DIR) that outlived any request."""
    folder = settings.FILE_UPLOAD_TEMP_DIR
    if not folder or not Path(folder).is_dir():
        return 0
    removed = 0
    for path in Path(folder).glob(DJANGO_SPOOL_PATTERN):
        modified = datetime.fromtimestamp(path.stat().st_mtime, tz=older_than.tzinfo)
        if path.is_file() and modified < older_than:
            path.unlink(missing_ok=True)
            removed += 1
    return removed


def make_folders() -> None:
    """Create the folder Django spools uploads into (it does not create it itself)."""
    if settings.FILE_UPLOAD_TEMP_DIR:
        Path(settings.FILE_UPLOAD_TEMP_DIR).mkdir(
            mode=0o700, parents=True, exist_ok=True
        )
