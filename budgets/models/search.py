"""The text a project's keyword search looks in, and the words it looks for."""

from __future__ import annotations

import functools

from budgets.text import search_key


def project_search_text(
    *, name: str, description: str, section: str, department: str
) -> str:
    """Return the normalised text that keyword search looks in.

    The search key of each of the four without its spaces, the four joined by
    spaces: a word is found whatever spaces a text puts inside it (the city's PDF
    writes 「CO ₂」, its subscript apart, for CO2), and never across two of the four
    (no search word holds a space). Built part by part (the same text: no
    normalisation reaches across a space), so that the few section and department
    names an import repeats on every row are normalised once.
    """
    keys = (
        _key_without_spaces(name),
        _key_without_spaces(description),
        _name_key(section),
    )
    return " ".join(key for key in (*keys, _name_key(department)) if key)


def rebuild_search_texts(project_model, batch: int = 1000) -> None:
    """Write every project's search text again, ``batch`` at a time: for a migration
    that changes what the search key is (``project_model`` is the migration's)."""
    projects = project_model.objects.select_related("section__department")
    changed = []
    for project in projects.order_by("pk").iterator(chunk_size=batch):
        project.search_text = project_search_text(
            name=project.name,
            description=project.description,
            section=project.section.name,
            department=project.section.department.name,
        )
        changed.append(project)
        if len(changed) == batch:
            project_model.objects.bulk_update(changed, ["search_text"])
            changed = []
    project_model.objects.bulk_update(changed, ["search_text"])


def _key_without_spaces(text: str) -> str:
    return search_key(text).replace(" ", "")


# Quotes around a search word (after search_key: full-width ones are ASCII then).
_QUOTES = "\"'`「」『』“”‘’"


def search_words(words: str) -> list[str]:
    """The words a search looks for: keyed as the search text is, each without the
    quotes it was pasted in (none of 「」 alone)."""
    stripped = (word.strip(_QUOTES) for word in search_key(words).split())
    return [word for word in stripped if word]


# An import repeats a few section and department names on every row: each is
# normalised once (benchmarks/import_phases.py, "write: search keys").
@functools.lru_cache(maxsize=4096)
def _name_key(name: str) -> str:
    return _key_without_spaces(name)
