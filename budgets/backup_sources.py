"""The source files a backup cites, copied beside it and stored back on restore.

``export_budget_table --backup --sources DIR`` copies each file the exported
projects cite (their import record's kept file) into DIR as ``<SHA-256>.<ext>``;
``import_budget_table backup.csv --sources DIR`` checks every file there against
its name (a file whose SHA-256 is not its name is refused, and nothing is imported)
and, once the backup is imported, keeps them in ``STORAGES["sources"]`` where the
restored import records point (budgets.source_files.stored_name).
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from pathlib import Path

from django.core.files.base import ContentFile
from django.db.models import QuerySet

from budgets import source_files
from budgets.models import ImportEvent, Project, source_storage

FILE_NAME = re.compile(r"([0-9a-f]{64})\.([a-z]+)")


class SourcesRefused(Exception):
    """The folder's files cannot be restored; ``problems`` says why, file by file."""

    def __init__(self, problems: list[str]):
        super().__init__("\n".join(problems))
        self.problems = problems


@dataclass(frozen=True)
class SourceFile:
    path: Path
    sha256: str
    kind: str


def cited_events(projects: QuerySet[Project]) -> QuerySet[ImportEvent]:
    """The import records with a kept file that the projects cite."""
    return (
        ImportEvent.objects.filter(cited_projects__in=projects)
        .exclude(source="")
        .distinct()
        .order_by("sha256")
    )


def copy_sources(projects: QuerySet[Project], directory: Path) -> tuple[int, list]:
    """Copy the files the projects cite into ``directory``; return how many were
    copied and the stored names missing from the storage (not copied)."""
    directory.mkdir(parents=True, exist_ok=True)
    storage = source_storage()
    copied, missing = 0, []
    for name in dict.fromkeys(e.source.name for e in cited_events(projects)):
        try:
            with storage.open(name, "rb") as kept:
                data = kept.read()
        except FileNotFoundError:
            missing.append(name)
            continue
        (directory / Path(name).name).write_bytes(data)
        copied += 1
    return copied, missing


def checked_sources(directory: Path) -> list[SourceFile]:
    """Every file of ``directory``, each checked against its name; SourcesRefused
    (listing every bad file) if any is not ``<its SHA-256>.<pdf|txt|csv|xlsx>``."""
    if not directory.is_dir():
        raise SourcesRefused([f"出典ファイルのフォルダがありません: {directory}"])
    found, problems = [], []
    for path in sorted(directory.iterdir()):
        match = FILE_NAME.fullmatch(path.name)
        kind = source_files.KINDS.get(match.group(2)) if match else None
        if not path.is_file() or kind is None:
            problems.append(
                f"{path.name}: 出典ファイルの名前は「SHA-256.拡張子」"
                "（pdf・txt・csv・xlsx）です。"
            )
            continue
        sha256 = hashlib.sha256(path.read_bytes()).hexdigest()
        if sha256 != match.group(1):
            problems.append(
                f"{path.name}: 中身の SHA-256（{sha256}）が名前と違います。"
                "別のファイルか、書き換えられています。"
            )
            continue
        found.append(SourceFile(path, sha256, kind))
    if problems:
        raise SourcesRefused(problems)
    return found


def store_sources(files: list[SourceFile]) -> int:
    """Keep the checked files in the sources storage; return how many were new."""
    storage = source_storage()
    stored = 0
    for file in files:
        name = source_files.stored_name(file.sha256, file.kind)
        if not storage.exists(name):
            storage.save(name, ContentFile(file.path.read_bytes()))
            stored += 1
    return stored
