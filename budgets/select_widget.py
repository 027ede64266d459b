"""The list's filter menus: Django's ``Select``, its markup written in Python.

A speed measure for the list of projects when the cache has not seen the page
(``benchmarks/load_pages.py --miss-cpu 6 --list-pages``; benchmarks/LOAD.md, "Fifth
pass"). Django renders each ``<option>`` through two included templates
(``select_option.html`` and ``attrs.html``), about 30 µs an option; the filter form
offers every year, theme, department and section, some 550 options on the benchmark's
twenty years, which made most of a list page's CPU.

Here the same markup as Django's ``select.html``, ``select_option.html`` and
``attrs.html`` is written from the same context (``get_context``, so the options and
their attributes are Django's own), each value shown as a template shows it
(``render_value_in_context``: localised, escaped unless safe).
tests/test_select_widget.py compares it with Django's ``Select`` byte for byte.

A menu whose choices carry a ``memo`` (``budgets.menus_once``: the years, themes,
departments and sections, kept for each data version and language) has its options
written once (``_Options``); a page then only marks the one selected.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from django import forms
from django.template import Context
from django.template.base import render_value_in_context
from django.utils.safestring import SafeString, mark_safe


class Select(forms.Select):
    """``django.forms.Select``, written without its templates."""

    def render(self, name, value, attrs=None, renderer=None) -> SafeString:
        shown = _Shown()
        memo = getattr(self.choices, "memo", None)  # budgets.menus_once's kept menus
        if memo is None or self.allow_multiple_selected:
            widget = self.get_context(name, value, attrs)["widget"]
            options = _options(widget["optgroups"], shown)
        else:  # the context without its options (ChoiceWidget adds only those)
            widget = forms.Widget.get_context(self, name, value, attrs)["widget"]
            options = _Options.of(self, memo, shown).selecting(widget["value"])
        head = f'<select name="{shown(widget["name"])}"{_attrs(widget, shown)}>'
        # the renderer strips the template's last line break
        return mark_safe(f"{head}{options}\n</select>")


def _options(optgroups: list, shown: _Shown) -> str:
    """``select.html``'s options: each group's and option's markup."""
    return "".join(part for part, _option in _option_parts(optgroups, shown))


def _option_parts(optgroups: list, shown: _Shown) -> Iterator[tuple[str, dict | None]]:
    """The options' markup in pieces, each with its option or None: an option's
    first piece ends where its attributes go (after its ``value``)."""
    for group_name, group_choices, _index in optgroups:
        if group_name:
            yield f'\n  <optgroup label="{shown(group_name)}">', None
        for option in group_choices:
            yield f'\n  <option value="{shown(_formatted(option["value"]))}"', option
            # select_option.html ends with a line break
            yield f"{_attrs(option, shown)}>{shown(option['label'])}</option>\n", None
        if group_name:
            yield "\n  </optgroup>", None


@dataclass(frozen=True)
class _Options:
    """A kept menu's options with none selected, written once for its choices, and
    where each value's `` selected`` goes: after the ``value`` of the first option
    of that value (Django's ``optgroups`` selects only the first of one choice).

    The second speed measure of the list's menus (benchmarks/LOAD.md, "Seventh
    pass"): writing their hundreds of options cost a fifth of the CPU of a list
    page the cache has not seen.
    """

    markup: str
    places: dict[str, int]

    @classmethod
    def of(cls, widget: forms.Select, memo: dict, shown: _Shown) -> _Options:
        options = memo.get(cls)
        if options is None:
            options = memo[cls] = cls.written(widget, shown)
        return options

    @classmethod
    def written(cls, widget: forms.Select, shown: _Shown) -> _Options:
        parts: list[str] = []
        places: dict[str, int] = {}
        length = 0
        # nothing selected; an option's markup needs no name
        for part, option in _option_parts(widget.optgroups("", []), shown):
            parts.append(part)
            length += len(part)
            if option is not None:  # what optgroups compares with the values
                places.setdefault(str(option["value"]), length)
        return cls("".join(parts), places)

    def selecting(self, values: list[str]) -> str:
        """The markup with the first option whose value is in ``values`` selected."""
        found = [self.places[value] for value in values if value in self.places]
        if not found:
            return self.markup
        at = min(found)
        return f"{self.markup[:at]} selected{self.markup[at:]}"


class _Shown:
    """``{{ value }}`` in a widget's template: the renderer's context (autoescape on,
    the project's localisation and time zone)."""

    def __init__(self) -> None:
        self.context = Context(autoescape=True)

    def __call__(self, value: object) -> str:
        return render_value_in_context(value, self.context)


def _formatted(value: object) -> str:
    """``value|stringformat:'s'``: the value's text (the filter's ``"%s" %`` gives
    ``str()``'s own object, so safe text stays safe)."""
    try:
        return str(value)
    except (ValueError, TypeError):  # as the filter: a broken __str__ shows nothing
        return ""


def _attrs(widget: dict, shown: _Shown) -> str:
    """``attrs.html``: each attribute but a False one, a True one without a value."""
    return "".join(
        f" {shown(name)}"
        if value is True
        else f' {shown(name)}="{shown(_formatted(value))}"'
        for name, value in widget["attrs"].items()
        if value is not False
    )
