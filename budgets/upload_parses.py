"""The preview's reading of an upload, kept for the confirm step: read once.

Reading a 50-page PDF costs 10–20 s; the preview reads it, and the confirm would
read it again. The preview keeps what it read (the ``Source``: rows of cells, their
pages, the reader's warnings) as JSON next to the upload in the private upload
store, under a name made from the upload's record (``uploads.parse_name``), with the
upload's SHA-256 in it. The confirm step uses it only if that SHA-256 is the
upload's: the kept parse is the server's own file, named by the server, never
anything a request sent, and JSON, so even a file changed behind the server's back
is data, not code. A source whose cells are not plain JSON values (an XLSX date)
is not kept: the confirm reads the file again.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from typing import Any

from django.core.files.base import ContentFile

from budgets import uploads
from budgets.importing.problems import Problem
from budgets.importing.sources import Source, SourceRow
from budgets.models import Upload

FORMAT = 3  # 3: with the fingerprint of the plan the preview showed
_PLAIN = (str, int, float, bool, type(None))


@dataclass
class KeptParse:
    source: Source | None  # None: not kept, read the file again
    rounded_totals: bool  # the preview warned of totals off by rounding
    plan: str  # the fingerprint of the plan the preview showed


def snapshot(source: Source) -> dict[str, Any] | None:
    """The source as JSON-ready values (taken before the import clears its rows);
    None if a cell is no plain value."""
    rows = [[row.line, row.page, row.cells] for row in source.rows]
    if not all(isinstance(cell, _PLAIN) for _l, _p, cells in rows for cell in cells):
        return None
    return {
        "kind": source.kind,
        "encoding": source.encoding,
        "sheet": source.sheet,
        "rows": rows,
        "warnings": [asdict(warning) for warning in source.warnings],
        "pages": [[line, *place] for line, place in source.pages.items()],
    }


def keep(
    upload: Upload, source: dict | None, *, rounded_totals: bool, plan: str
) -> None:
    """Store the preview's reading of ``upload`` beside it."""
    data = {
        "format": FORMAT,
        "sha256": upload.sha256,
        "rounded_totals": rounded_totals,
        "plan": plan,
        "source": source,
    }
    name = uploads.parse_name(upload)
    store = uploads.storage()
    store.delete(name)
    store.save(name, ContentFile(json.dumps(data, ensure_ascii=False).encode()))


def load(upload: Upload) -> KeptParse | None:
    """The kept reading of ``upload``, or None when there is none for its SHA-256."""
    try:
        with uploads.storage().open(uploads.parse_name(upload), "rb") as file:
            data = json.loads(file.read())
    except (FileNotFoundError, ValueError):
        return None
    if data.get("format") != FORMAT or data.get("sha256") != upload.sha256:
        return None
    kept = data["source"]
    return KeptParse(
        _source(kept) if kept else None,
        bool(data["rounded_totals"]),
        str(data["plan"]),
    )


def _source(kept: dict[str, Any]) -> Source:
    return Source(
        kept["kind"],
        kept["encoding"],
        [SourceRow(line, cells, page=page) for line, page, cells in kept["rows"]],
        warnings=[Problem(**warning) for warning in kept["warnings"]],
        pages={line: (page, on_page) for line, page, on_page in kept["pages"]},
        sheet=kept["sheet"],
    )
