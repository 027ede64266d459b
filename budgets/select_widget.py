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
"""

from __future__ import annotations

from django import forms
from django.template import Context
from django.template.base import render_value_in_context
from django.utils.safestring import SafeString, mark_safe


class Select(forms.Select):
    """``django.forms.Select``, written without its templates."""

    def render(self, name, value, attrs=None, renderer=None) -> SafeString:
        widget = self.get_context(name, value, attrs)["widget"]
        shown = _Shown()
        parts = [f'<select name="{shown(widget["name"])}"{_attrs(widget, shown)}>']
        for group_name, group_choices, _index in widget["optgroups"]:
            if group_name:
                parts.append(f'\n  <optgroup label="{shown(group_name)}">')
            for option in group_choices:
                parts.append(  # select_option.html ends with a line break
                    f'\n  <option value="{shown(_formatted(option["value"]))}"'
                    f"{_attrs(option, shown)}>{shown(option['label'])}</option>\n"
                )
            if group_name:
                parts.append("\n  </optgroup>")
        parts.append("\n</select>")  # the renderer strips the last line break
        return mark_safe("".join(parts))


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
