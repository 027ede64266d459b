"""The template loader: Django's cached loader, with what is the same at every render
of a compiled template worked out once.

A speed measure for pages the cache has not seen (``benchmarks/load_pages.py``,
"any project page (random)"; benchmarks/LOAD.md, issue 11.5). Some tags write the same
text at every render, given the language, the escaping and where the site is served
from; Django works them out again each time (the times are one-off timings of a tag
alone; ``load_pages.py --miss-instructions`` measures what this loader saves a page):

- ``{% translate "…" %}`` of a literal message (about 8 µs a render: a lazy
  translation, the active catalogue, escaping; a project page has 36);
- ``{% url "name" %}`` of a literal view name with no arguments, written or kept with
  ``as`` (20–40 µs: ``reverse()``; base.html has four, a project page five);
- ``{% static "…" %}`` of a literal path (17–33 µs: the storage's manifest).

A ``{% url "name" … %}`` of a literal view name with arguments that are whole numbers
(a year, a No, an id) changes with them, but the pattern they fill does not: its URL
is made by ``budgets.reversed_once`` (``ReversedOnce``).

Here each such tag is rendered by Django's own node the first time for each key (what
its text depends on) and its text, and the variable it sets, kept. And
``{% extends %}`` looks for the parent's ``{% block %}`` tags through the parent's whole
tree at every render (15 µs for base.html): a compiled template's node list keeps
what it found (``FoundOnce``). The templates stay as they are written; any other tag
is left alone. tests/test_rendered_once.py checks the pages byte for byte against
Django's own loader.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable
from pathlib import Path

from django.core.signals import setting_changed
from django.dispatch import receiver
from django.template import Context, Node, NodeList
from django.template.autoreload import reset_loaders
from django.template.base import FilterExpression, Variable
from django.template.defaulttags import IfNode, URLNode
from django.template.loaders import cached
from django.templatetags.i18n import TranslateNode
from django.templatetags.static import StaticNode
from django.urls import NoReverseMatch, get_resolver, get_script_prefix, get_urlconf
from django.utils.autoreload import file_changed
from django.utils.html import conditional_escape
from django.utils.translation import get_language

from budgets.reversed_once import numbered_url

Key = Callable[[Context], Hashable]


class Loader(cached.Loader):
    """``django.template.loaders.cached.Loader`` whose templates, once compiled,
    keep what their constant tags write (``RenderedOnce``) and where their blocks
    are (``FoundOnce``)."""

    def get_template(self, template_name, skip=None):
        compiled = self.cache_key(template_name, skip) in self.get_template_cache
        template = super().get_template(template_name, skip)
        if not compiled:
            remember_constant_tags(template.nodelist)
            template.nodelist = FoundOnce(template.nodelist)
        return template


class RenderedOnce(Node):
    """A constant tag: its text, and the variable it sets (``as``), for each key."""

    child_nodelists = ()

    def __init__(self, node: Node, key: Key, variable: str | None = None):
        self.node, self.key, self.variable = node, key, variable
        self.token, self.origin = node.token, node.origin
        self.kept: dict[Hashable, tuple[str, object]] = {}

    def render(self, context):
        key = self.key(context)
        kept = self.kept.get(key)
        if kept is None:
            text = self.node.render(context)
            value = context[self.variable] if self.variable else None
            kept = self.kept[key] = (text, value)
        text, value = kept
        if self.variable:
            context[self.variable] = value
        return text


class ReversedOnce(Node):
    """A ``{% url "name" … %}`` of a literal view name with arguments, made as
    Django's ``URLNode`` makes it, but by ``budgets.reversed_once.numbered_url``
    (a pattern reversed once, where every argument is a whole number)."""

    child_nodelists = ()

    def __init__(self, node: URLNode):
        self.node, self.token, self.origin = node, node.token, node.origin
        self.view_name = node.view_name.resolve(Context())

    def render(self, context):
        node = self.node
        args = [arg.resolve(context) for arg in node.args]
        kwargs = {name: value.resolve(context) for name, value in node.kwargs.items()}
        url = ""
        try:
            url = numbered_url(self.view_name, args, kwargs, _current_app(context))
        except NoReverseMatch:
            if node.asvar is None:
                raise
        if node.asvar:
            context[node.asvar] = url
            return ""
        return conditional_escape(url) if context.autoescape else url


class FoundOnce(NodeList):
    """A compiled template's node list that finds the nodes of a type once
    (``{% extends %}`` asks its parent for its blocks at every render)."""

    def __init__(self, nodelist: NodeList):
        super().__init__(nodelist)
        self.contains_nontext = nodelist.contains_nontext
        self.found: dict[type, list[Node]] = {}

    def get_nodes_by_type(self, nodetype):
        if nodetype not in self.found:
            self.found[nodetype] = super().get_nodes_by_type(nodetype)
        return self.found[nodetype]


def _by_language(context: Context) -> Hashable:
    return get_language(), context.autoescape


def _by_url_conf(context: Context) -> Hashable:
    # what reverse() depends on: the URL conf, where the site is served from, the
    # language (translated patterns), the application instance (Django's URLNode)
    return (
        get_language(),
        get_script_prefix(),
        # the resolver of a request's URL conf, else of the setting (a test may set
        # it without a signal); a new one after clear_url_caches()
        get_resolver(get_urlconf()),
        _current_app(context),
        context.autoescape,
    )


def _by_prefix(context: Context) -> Hashable:
    # a relative STATIC_URL is served under the script prefix
    return get_script_prefix(), context.autoescape


def _current_app(context: Context) -> str | None:
    """The application instance Django's ``URLNode`` reverses in."""
    try:
        return context.request.current_app
    except AttributeError:
        try:
            return context.request.resolver_match.namespace
        except AttributeError:
            return None


def rendered_once(node: Node) -> RenderedOnce | ReversedOnce | None:
    """A ``RenderedOnce`` in place of a constant tag, a ``ReversedOnce`` in place of
    a URL of a literal view name with arguments, else None."""
    if is_constant_translation(node):
        return RenderedOnce(node, _by_language)
    if type(node) is URLNode and _is_literal(node.view_name):
        if node.args or node.kwargs:
            return ReversedOnce(node)
        return RenderedOnce(node, _by_url_conf, node.asvar)
    if type(node) is StaticNode and _is_literal(node.path):
        return RenderedOnce(node, _by_prefix, node.varname)
    return None


def remember_constant_tags(nodelist: NodeList) -> None:
    """Put a ``RenderedOnce`` in place of each constant tag, at every depth of
    ``nodelist`` (blocks, ifs, loops and the like)."""
    for index, node in enumerate(nodelist):
        if (once := rendered_once(node)) is not None:
            nodelist[index] = once
        else:
            for inner in _nodelists(node):
                remember_constant_tags(inner)


def is_constant_translation(node: Node) -> bool:
    """A ``{% translate %}`` of a literal message, with no filter, no ``as`` and
    no context but a literal one: the same text for every render in a language."""
    if type(node) is not TranslateNode or node.asvar:
        return False
    message_context = node.message_context
    return _is_literal(node.filter_expression) and (
        message_context is None or _is_literal(message_context)
    )


def _is_literal(expression: FilterExpression) -> bool:
    # a quoted string compiles to a Variable without lookups, or to the string
    var = expression.var
    literal = isinstance(var, str) or (
        isinstance(var, Variable) and var.lookups is None
    )
    return literal and not expression.filters


def _nodelists(node: Node) -> list[NodeList]:
    if isinstance(node, IfNode):  # its ``nodelist`` is a new list each time
        return [nodelist for _condition, nodelist in node.conditions_nodelists]
    return [
        nodelist
        for name in node.child_nodelists
        if isinstance(nodelist := getattr(node, name, None), NodeList)
    ]


@receiver(file_changed, dispatch_uid="rendered_once_catalogue_changed")
def forget_translations(sender, file_path: Path, **kwargs) -> None:
    """The development server reloads a changed catalogue (.mo) without a restart:
    the texts kept for the old one go with the compiled templates. Returns None, so
    that the server still decides whether to restart."""
    if Path(file_path).suffix == ".mo":
        reset_loaders()


# Settings the kept texts were made with (a test may change them). Not DEBUG (the
# manifest storage gives unhashed names in debug) nor INSTALLED_APPS: for those
# Django makes its template engines anew itself (django.test.signals).
KEPT_FROM_SETTINGS = {
    "ROOT_URLCONF",
    "FORCE_SCRIPT_NAME",
    "STATIC_URL",
    "STORAGES",
    "STATIC_ROOT",
    "LOCALE_PATHS",
    "LANGUAGES",
    "LANGUAGE_CODE",
    "USE_I18N",
}


@receiver(setting_changed, dispatch_uid="rendered_once_setting_changed")
def forget_kept_texts(sender, setting: str, **kwargs) -> None:
    """A changed setting that the kept texts are made from drops them, with the
    compiled templates."""
    if setting in KEPT_FROM_SETTINGS:
        reset_loaders()
