"""The JSON: the projects with the API's field names, streamed."""

from __future__ import annotations

import json
from collections.abc import Iterator, Sequence

from django.db.models import QuerySet

from budgets.exporting import (
    CATEGORY_WORDS,
)
from budgets.models import Project
from budgets.opendata.core import (
    ATTRIBUTION,
    DICTIONARY,
    LICENCE_NAME,
    LICENCE_URL,
    TITLE,
    records,
)

# --- JSON ------------------------------------------------------------------


def json_head(years: Sequence[int]) -> dict:
    """Return the JSON document without its projects: the dictionary, licence and
    attribution around them."""
    return {
        "title": TITLE,
        "years": list(years),
        "unit": "千円 (1,000 JPY); null = not applicable",
        "license": {"name": LICENCE_NAME, "url": LICENCE_URL},
        "attribution": ATTRIBUTION,
        "fields": [
            {
                "key": column.key,
                "header": column.header,
                "type": column.type,
                "unit": column.unit_en,
                "description_ja": column.ja,
                "description_en": column.en,
            }
            for column in DICTIONARY
        ],
        "projects": [],
    }


_encode = json.JSONEncoder(ensure_ascii=False).encode
_EMPTY_TAIL = "[]\n}"


def json_chunks(queryset: QuerySet[Project], *, years: Sequence[int]) -> Iterator[str]:
    """Yield the JSON document project by project: the same text as
    ``json.dumps(document, ensure_ascii=False, indent=1)`` of the whole document,
    "projects" being its last key."""
    text = json.dumps(json_head(years), ensure_ascii=False, indent=1)
    head = text.removesuffix(_EMPTY_TAIL)
    separator = "[\n"
    for record in records(queryset):
        record["category_label"] = CATEGORY_WORDS[record["category"]]
        members = ",\n".join(
            f"   {_encode(key)}: {_encode(value)}" for key, value in record.items()
        )
        yield f"{head}{separator}  {{\n{members}\n  }}"
        head, separator = "", ",\n"
    yield head + _EMPTY_TAIL if head else "\n ]\n}"
