"""Where each imported project's figures stand in the file the import read.

The write step stores it on the project (``Project.source_*``) for the new and the
changed projects only: an unchanged project keeps the citation of the import that
last set its figures. A PDF's row is cited by its page and its line on that page
(counted from the page's top, title included, as the import's problems are), a text
or CSV row by its line, an XLSX row by its sheet and row.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from budgets.importing.rows import ProjectRow
from budgets.importing.sources import Source
from budgets.models import ImportEvent

Citer = Callable[[ProjectRow], dict[str, Any]]


def citer(event: ImportEvent, source: Source | None) -> Citer:
    """A function giving a row's citation columns (attname -> value) in ``event``.

    Without the source (a plan written by hand) the rows cite the import only.
    """
    sheet = (source.sheet if source is not None else None) or ""

    def cite(row: ProjectRow) -> dict[str, Any]:
        page, line = source.locate(row.line) if source else (None, None)
        return {
            "source_event_id": event.pk,
            "source_page": page,
            "source_line": line,
            "source_sheet": sheet,
            "source_edited_at": None,
        }

    return cite
