"""The template loader: Django's cached loader, each constant ``{% translate %}``
translated once per language instead of at every render.

A speed measure for pages the cache has not seen (``benchmarks/load_pages.py``,
"any project page (random)"; benchmarks/LOAD.md, issue 11.5). A project page has 36
``{% translate "…" %}`` tags; each render of one makes a lazy translation, asks the
active language and its catalogue, and escapes the result, about 8 µs a tag. For a
literal message with no variable, filter or ``as`` (``{% translate "年度" %}``,
``{% translate "No" context "project number" %}``), the text depends only on the
language and on whether the context escapes: here the tag is rendered once for each
of those pairs, by Django's own ``TranslateNode``, and its text kept. The templates
stay as they are written; any other tag is left alone.
tests/test_translated_once.py checks the pages byte for byte against Django's loader.
"""

from __future__ import annotations

from pathlib import Path

from django.dispatch import receiver
from django.template import Node, NodeList
from django.template.autoreload import reset_loaders
from django.template.base import Variable
from django.template.defaulttags import IfNode
from django.template.loaders import cached
from django.templatetags.i18n import TranslateNode
from django.utils.autoreload import file_changed
from django.utils.translation import get_language


class Loader(cached.Loader):
    """``django.template.loaders.cached.Loader`` whose templates, once compiled,
    have their constant ``{% translate %}`` tags remembered (``TranslatedOnce``)."""

    def get_template(self, template_name, skip=None):
        compiled = self.cache_key(template_name, skip) in self.get_template_cache
        template = super().get_template(template_name, skip)
        if not compiled:
            remember_constant_translations(template.nodelist)
        return template


class TranslatedOnce(Node):
    """A constant ``{% translate %}``: its text for each language, made once."""

    child_nodelists = ()

    def __init__(self, node: TranslateNode):
        self.node = node
        self.token, self.origin = node.token, node.origin
        self.texts: dict[tuple[str | None, bool], str] = {}

    def render(self, context):
        key = (get_language(), context.autoescape)
        text = self.texts.get(key)
        if text is None:
            text = self.texts[key] = self.node.render(context)
        return text


def remember_constant_translations(nodelist: NodeList) -> None:
    """Put a ``TranslatedOnce`` in place of each constant translate tag, at every
    depth of ``nodelist`` (blocks, ifs, loops and the like)."""
    for index, node in enumerate(nodelist):
        if is_constant_translation(node):
            nodelist[index] = TranslatedOnce(node)
        else:
            for inner in _nodelists(node):
                remember_constant_translations(inner)


def is_constant_translation(node: Node) -> bool:
    """A ``{% translate %}`` of a literal message, with no filter, no ``as`` and
    no context but a literal one: the same text for every render in a language."""
    if type(node) is not TranslateNode or node.asvar:
        return False
    message = node.filter_expression
    if message.filters or not _is_literal(message.var):
        return False
    context = node.message_context
    return context is None or (not context.filters and _is_literal(context.var))


def _is_literal(var) -> bool:
    # a quoted string compiles to a Variable without lookups, or to the string
    return isinstance(var, str) or (isinstance(var, Variable) and var.lookups is None)


def _nodelists(node: Node) -> list[NodeList]:
    if isinstance(node, IfNode):  # its ``nodelist`` is a new list each time
        return [nodelist for _condition, nodelist in node.conditions_nodelists]
    return [
        nodelist
        for name in node.child_nodelists
        if isinstance(nodelist := getattr(node, name, None), NodeList)
    ]


@receiver(file_changed, dispatch_uid="translated_once_catalogue_changed")
def forget_translations(sender, file_path: Path, **kwargs) -> None:
    """The development server reloads a changed catalogue (.mo) without a restart:
    the texts kept for the old one go with the compiled templates. Returns None, so
    that the server still decides whether to restart."""
    if Path(file_path).suffix == ".mo":
        reset_loaders()
