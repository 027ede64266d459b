"""The list's menus of published records (years, themes, departments, sections), read
once for each version of the public data and language.

A speed measure for the list of projects when the cache has not seen the page
(``benchmarks/load_pages.py --miss-cpu 6 --list-pages``; benchmarks/LOAD.md, "Fifth
pass"): every such page read its four menus anew, some 550 records made into model
instances, and the sections' query (which sections have a project in a published
year) took PostgreSQL 10.7 ms over the benchmark's 100,000 projects. A menu changes
only with the public data, whose version (``budgets.caching.data_version``) keys every
cached page too: here each menu's choices are kept with the version they were read
at, and read again when it moves.

Only for a filter whose queryset is fixed (not a function of the request), each kept
under its FilterSet and field. tests/test_menus_once.py checks that a changed record
shows in the menu as soon as the version moves.

Kept choices carry a ``memo``: a dict where a widget may keep what it makes of them
(``budgets.select_widget`` keeps its options' markup), dropped with them.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import django_filters
from django.utils.translation import get_language
from django_filters.fields import ModelChoiceField, ModelChoiceIterator

from budgets import caching


@dataclass
class _Kept:
    """A menu's choices as read at a data version, and what widgets made of them."""

    version: int
    choices: list
    memo: dict = field(default_factory=dict)


# (FilterSet, field, language) -> the choices kept
_kept: dict[tuple, _Kept] = {}


class KeptChoiceIterator(ModelChoiceIterator):
    """The field's choices, read once for each data version and language."""

    def __iter__(self):
        kept = self._kept()
        if kept is None:  # a field made outside a FilterSet
            yield from super().__iter__()
            return
        yield from kept.choices

    @property
    def memo(self) -> dict | None:
        """Where a widget keeps what it makes of these choices while they stay the
        same (None for choices that are not kept)."""
        kept = self._kept()
        return None if kept is None else kept.memo

    def _kept(self) -> _Kept | None:
        kept_as = getattr(self.field, "kept_as", None)
        if kept_as is None:
            return None
        key, version = (*kept_as, get_language()), caching.data_version()
        kept = _kept.get(key)
        if kept is None or kept.version != version:
            kept = _kept[key] = _Kept(version, list(super().__iter__()))
        return kept

    def __len__(self) -> int:
        return sum(1 for _choice in self)


class KeptChoiceField(ModelChoiceField):
    """django-filter's ``ModelChoiceField`` whose choices are kept."""

    iterator = KeptChoiceIterator


class KeptChoiceFilter(django_filters.ModelChoiceFilter):
    """django-filter's ``ModelChoiceFilter`` of published records, its menu kept."""

    field_class = KeptChoiceField

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        if callable(self.queryset):
            raise TypeError("A kept menu needs a fixed queryset, not a function.")

    @property
    def field(self):
        field = super().field
        parent = getattr(self, "parent", None)
        if parent is not None:
            field.kept_as = (type(parent), self.field_name)
        return field


def forget() -> None:
    """Drop every kept menu (the tests' fresh start)."""
    _kept.clear()
