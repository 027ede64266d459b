"""URLs of numbered pages (a year, a project, a department) filled into a pattern that
Django reversed once.

A speed measure for pages the cache has not seen (``benchmarks/load_pages.py``;
benchmarks/LOAD.md, "Fifth pass"): ``reverse()`` matches the view's patterns anew at
every call (11-19 µs a URL in a one-off timing); a project page asks for five, a list
of fifty projects for a hundred. Here a view is reversed once for each URL conf,
script prefix, language and application instance with placeholder numbers, and
checked with two more sets of numbers; each URL after that is the pattern with its
numbers filled in.

Only whole numbers of zero or more take that way, and only for a view whose pattern
gave every probe what the pattern gives (path()'s ``<int:…>``, or a regular
expression of digits). Anything else (a string, a negative number, a view whose
pattern does not take every number) goes to ``reverse()`` itself: a URL made here is
always the one ``reverse()`` gives. tests/test_reversed_once.py checks it.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Hashable, Sequence

from django.conf import settings
from django.core.signals import setting_changed
from django.dispatch import receiver
from django.urls import NoReverseMatch, get_script_prefix, get_urlconf, reverse
from django.utils.translation import get_language

# Placeholders of one length (none is part of another), and two probes: zeros and
# numbers longer than any id, so that a pattern of digits with a bound (``\d{4}``,
# ``[1-9]\d*``) is seen not to take every number.
_PLACEHOLDER = 9_182_736_450
_PROBES = (0, 10**30 + 7)

UrlMaker = Callable[..., str]
# what reverse() may raise for a value (the URL is then left to it, to raise again)
_REFUSED = (NoReverseMatch, ValueError, TypeError)


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


def url_maker(
    viewname: str, names: tuple[str, ...] | int, current_app: str | None = None
) -> UrlMaker:
    """Return a function of the numbers (by position, in the order of ``names``, or
    of that many positional arguments) that gives the view's URL, as ``reverse()``
    would here and now: for a table that makes many URLs of one view."""
    pattern = _pattern(
        viewname,
        names,
        current_app,
        # what reverse() depends on besides the view: the language (translated
        # patterns), where the site is served from, the URL conf (a request's, else
        # the setting: a test may set it without a signal)
        get_language(),
        get_script_prefix(),
        get_urlconf() or settings.ROOT_URLCONF,
    )

    def url(*numbers: object) -> str:
        if pattern is not None and all(_takes(number) for number in numbers):
            return pattern.format(*numbers)
        return _reverse(viewname, names, numbers, current_app)

    return url


def _takes(number: object) -> bool:
    return type(number) is int and number >= 0  # not a bool, a str or a float


def _reverse(
    viewname: str,
    names: tuple[str, ...] | int,
    numbers: Sequence[object],
    current_app: str | None,
) -> str:
    if isinstance(names, int):
        return reverse(viewname, args=numbers, current_app=current_app)
    kwargs = dict(zip(names, numbers, strict=True))
    return reverse(viewname, kwargs=kwargs, current_app=current_app)


@functools.cache
def _pattern(
    viewname: str,
    names: tuple[str, ...] | int,
    current_app: str | None,
    *where: Hashable,
) -> str | None:
    """The view's URL as a ``str.format`` pattern of positional fields, or None
    where the placeholders cannot stand for every number."""
    count = names if isinstance(names, int) else len(names)
    placeholders = [str(_PLACEHOLDER + index) for index in range(count)]
    try:
        url = _reverse(viewname, names, [int(p) for p in placeholders], current_app)
    except _REFUSED:
        return None
    if any(url.count(placeholder) != 1 for placeholder in placeholders):
        return None
    pattern = url.replace("{", "{{").replace("}", "}}")
    for index, placeholder in enumerate(placeholders):
        pattern = pattern.replace(placeholder, f"{{{index}}}")
    for probe in _PROBES:
        numbers = [probe + index for index in range(count)]
        try:
            if _reverse(viewname, names, numbers, current_app) != pattern.format(
                *numbers
            ):
                return None
        except _REFUSED:
            return None
    return pattern


@receiver(setting_changed, dispatch_uid="reversed_once_setting_changed")
def forget_patterns(sender, setting: str, **kwargs) -> None:
    """A test that changes the URL conf or where the site is served from (the
    patterns are keyed by both, but a URL conf may be the same module changed)."""
    if setting in {"ROOT_URLCONF", "FORCE_SCRIPT_NAME"}:
        _pattern.cache_clear()
