"""URLs of numbered pages (a year, a project, a department) filled into a pattern that
Django reversed once.

A speed measure for pages the cache has not seen (``benchmarks/load_pages.py``;
benchmarks/LOAD.md, "Fifth pass"): ``reverse()`` matches the view's patterns anew at
every call (11-19 µs a URL in a one-off timing); a project page asks for five, a page
of the list of projects for a hundred. Here a view is reversed once with placeholder
numbers, for each URL resolver (a new one after ``clear_url_caches()``), language,
script prefix and application instance; each URL after that is the pattern with its
numbers filled in.

Only where that is what ``reverse()`` would give for every number: a view name with
one pattern (no other pattern of the same name that a number might pick), whose
arguments are all path()'s ``<int:…>`` with no defaults; and only for whole numbers
of zero or more.
Anything else (a string, a negative number, a ``re_path``, a view name used twice)
goes to ``reverse()`` itself. tests/test_reversed_once.py checks it.
"""

from __future__ import annotations

import weakref
from collections.abc import Callable, Sequence

from django.urls import (
    NoReverseMatch,
    URLResolver,
    get_resolver,
    get_script_prefix,
    get_urlconf,
    reverse,
)
from django.urls.converters import IntConverter
from django.utils.translation import get_language

# Placeholders of one length (none is part of another), and a probe of zeros that
# checks the pattern against reverse() once more.
_PLACEHOLDER = 9_182_736_450
# Patterns kept at most for each resolver (a script prefix comes from the server).
_KEPT_MAX = 1_000

UrlMaker = Callable[..., str]
Names = tuple[str, ...] | int  # keyword arguments' names, or how many positional

_kept: weakref.WeakKeyDictionary[URLResolver, dict] = weakref.WeakKeyDictionary()


def numbered_url(
    viewname: str,
    args: Sequence[object] = (),
    kwargs: dict[str, object] | None = None,
    current_app: str | None = None,
) -> str:
    """Return ``reverse(viewname, args=args, kwargs=kwargs, current_app=…)``."""
    kwargs = kwargs or {}
    if args and kwargs:  # reverse() refuses both; let it say so
        return reverse(viewname, args=args, kwargs=kwargs, current_app=current_app)
    names = tuple(kwargs) if kwargs else len(args)
    numbers = tuple(kwargs.values()) if kwargs else tuple(args)
    return url_maker(viewname, names, current_app)(*numbers)


def url_maker(viewname: str, names: Names, current_app: str | None = None) -> UrlMaker:
    """Return a function of the numbers (by position, in the order of ``names``, or
    of that many positional arguments) that gives the view's URL, as ``reverse()``
    would here and now: for a table that makes many URLs of one view."""
    resolver = get_resolver(get_urlconf())
    kept = _kept.setdefault(resolver, {})
    # what reverse() depends on besides the resolver: the language (translated
    # patterns, i18n_patterns), where the site is served from, the instance
    key = (viewname, names, current_app, get_language(), get_script_prefix())
    if key not in kept:
        if len(kept) >= _KEPT_MAX:
            kept.clear()
        kept[key] = _pattern(resolver, viewname, names, current_app)
    pattern = kept[key]

    def url(*numbers: object) -> str:
        if pattern is not None and all(_takes(number) for number in numbers):
            return pattern.format(*numbers)
        return _reverse(viewname, names, numbers, current_app)

    return url


def _takes(number: object) -> bool:
    return type(number) is int and number >= 0  # not a bool, a str or a float


def _reverse(
    viewname: str, names: Names, numbers: Sequence[object], current_app: str | None
) -> str:
    if isinstance(names, int):
        return reverse(viewname, args=numbers, current_app=current_app)
    kwargs = dict(zip(names, numbers, strict=True))
    return reverse(viewname, kwargs=kwargs, current_app=current_app)


def _pattern(
    resolver: URLResolver, viewname: str, names: Names, current_app: str | None
) -> str | None:
    """The view's URL as a ``str.format`` pattern of positional fields, or None
    where the placeholders cannot stand for every number."""
    if not _takes_any_number(resolver, viewname, names, current_app):
        return None
    count = names if isinstance(names, int) else len(names)
    placeholders = [str(_PLACEHOLDER + index) for index in range(count)]
    try:
        url = _reverse(viewname, names, [int(p) for p in placeholders], current_app)
        zeros = _reverse(viewname, names, [0] * count, current_app)
    except (NoReverseMatch, ValueError, TypeError):
        return None
    if any(url.count(placeholder) != 1 for placeholder in placeholders):
        return None
    pattern = url.replace("{", "{{").replace("}", "}}")
    for index, placeholder in enumerate(placeholders):
        pattern = pattern.replace(placeholder, f"{{{index}}}")
    return pattern if pattern.format(*[0] * count) == zeros else None


def _takes_any_number(
    resolver: URLResolver, viewname: str, names: Names, current_app: str | None
) -> bool:
    """Whether ``reverse()`` has one pattern for the view, whose arguments are
    these, each an ``<int:…>`` (any whole number of zero or more), no defaults."""
    *namespaces, view = viewname.split(":")
    current_path = current_app.split(":")[::-1] if current_app else None
    for namespace in namespaces:  # as reverse() walks them
        current = current_path.pop() if current_path else None
        instances = resolver.app_dict.get(namespace)
        if instances is not None:
            if current and current in instances:
                namespace = current
            elif namespace not in instances:
                namespace = instances[0]
        if namespace != current:
            current_path = None
        if namespace not in resolver.namespace_dict:
            return False
        # (a number in the namespace's own prefix is not among its views' params:
        # the names below then differ, or reverse() refuses the placeholders)
        _prefix, resolver = resolver.namespace_dict[namespace]
    possibilities = resolver.reverse_dict.getlist(view)
    if len(possibilities) != 1:
        return False
    ((forms, _regex, defaults, converters),) = possibilities
    if len(forms) != 1 or defaults:
        return False
    ((_form, params),) = forms
    wanted = len(params) if isinstance(names, int) else set(params)
    given = names if isinstance(names, int) else set(names)
    return wanted == given and all(
        type(converters.get(param)) is IntConverter for param in params
    )
