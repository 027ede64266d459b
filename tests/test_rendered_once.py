"""Constant tags rendered once (budgets.rendered_once): every page the same, byte for
byte, as with Django's own cached loader."""

import re
from pathlib import Path

import pytest
from django.conf import settings
from django.template import Context, Engine, NodeList
from django.template.defaulttags import URLNode
from django.template.loader_tags import BlockNode
from django.templatetags.i18n import TranslateNode
from django.test import override_settings
from django.urls import (
    NoReverseMatch,
    clear_url_caches,
    include,
    path,
    set_script_prefix,
)
from django.utils import translation
from django.utils.autoreload import file_changed

from budgets import caching
from budgets.models import Department, Project
from budgets.rendered_once import (
    KEPT_FROM_SETTINGS,
    FoundOnce,
    RenderedOnce,
    ReversedOnce,
    forget_translations,
    is_constant_translation,
)
from tests import urls_elsewhere

DJANGO_LOADER = [
    {
        **settings.TEMPLATES[0],
        "OPTIONS": {
            **settings.TEMPLATES[0]["OPTIONS"],
            "loaders": [
                (
                    "django.template.loaders.cached.Loader",
                    [
                        "django.template.loaders.filesystem.Loader",
                        "django.template.loaders.app_directories.Loader",
                    ],
                )
            ],
        },
    }
]


def test_the_site_uses_the_loader():
    (loader,) = Engine.get_default().template_loaders
    assert type(loader).__module__ == "budgets.rendered_once"


def _public_pages() -> list[str]:
    project = Project.objects.get(fiscal_year__year=2021, no=1)
    department = Department.objects.order_by("pk").first()
    return [
        "/",
        "/years/2021/",
        "/projects/",
        "/projects/?year=2021&category=levelup&sort=-budgeted",
        "/projects/?q=%E6%94%AF%E6%8F%B4&page=2",
        "/projects/?year=abc",  # the filter's error
        project.get_absolute_url(),
        f"/years/2021/themes/{project.theme.number}/",
        f"/departments/{department.pk}/",
        "/data/",
        "/api/docs/",
        "/projects/2021/9999/",  # 404
        "/no-such-page/",
    ]


def _admin_pages() -> list[str]:
    project = Project.objects.get(fiscal_year__year=2021, no=1)
    return [
        "/admin/",
        "/admin/budgets/project/",
        "/admin/budgets/project/?q=%E4%BA%8B%E6%A5%AD",
        f"/admin/budgets/project/{project.pk}/change/",
        f"/admin/budgets/project/{project.pk}/history/",
        "/admin/budgets/project/import/",
        "/admin/budgets/importevent/",
    ]


def test_every_page_in_either_language_is_what_django_s_loader_writes(
    client, admin_client, fy2021
):
    def pages() -> dict:
        found = {}
        for language in ("ja", "en", "ja"):  # the same compiled templates for all
            caching.reset()
            for reader, paths in (
                (client, _public_pages()),
                (admin_client, _admin_pages()),
            ):
                reader.cookies[settings.LANGUAGE_COOKIE_NAME] = language
                for page in paths:
                    found[language, page] = reader.get(page)
        return found

    ours = pages()
    with override_settings(TEMPLATES=DJANGO_LOADER):
        theirs = pages()

    assert [r.status_code for r in ours.values()].count(200) >= 30
    for key, response in ours.items():
        assert response.status_code == theirs[key].status_code, key
        assert _content(response) == _content(theirs[key]), key


def _content(response) -> bytes:
    """The page, its CSRF token (masked anew for each response) left out."""
    return CSRF_TOKEN.sub(b'value="-"', response.content)


CSRF_TOKEN = re.compile(rb'(?<=name="csrfmiddlewaretoken") value="[^"]*"')


I18N = {"i18n": "django.templatetags.i18n"}


def _kept(template, node_type) -> list[RenderedOnce]:
    """The tags of ``node_type`` that ``template`` renders once."""
    return [
        node
        for node in template.nodelist.get_nodes_by_type(RenderedOnce)
        if type(node.node) is node_type
    ]


def _only_node(source: str):
    (node,) = [
        node
        for node in Engine(libraries=I18N).from_string(source).nodelist
        if not node.token.contents.startswith("load")
    ]
    return node


@pytest.mark.parametrize(
    "tag",
    [
        '{% translate "年度" %}',
        "{% translate '年度' %}",
        '{% translate "No" context "project number" %}',
        '{% translate "年度" noop %}',
    ],
)
def test_a_literal_message_is_constant(tag):
    assert is_constant_translation(_only_node("{% load i18n %}" + tag))


@pytest.mark.parametrize(
    "tag",
    [
        "{% translate message %}",
        '{% translate "年度"|upper %}',
        '{% translate "年度" as label %}',  # sets a variable: must run each time
        '{% translate "No" context which %}',
        '{% translate "No" context "a"|upper %}',
    ],
)
def test_anything_else_is_left_to_django(tag):
    node = _only_node("{% load i18n %}" + tag)
    assert type(node) is TranslateNode
    assert not is_constant_translation(node)


def test_the_text_is_made_for_each_language_and_escaping():
    template = Engine.get_default().get_template("base.html")
    node = _kept(template, TranslateNode)[0]
    texts = {}
    for language in ("ja", "en", "ja"):
        for autoescape in (True, False):
            with translation.override(language):
                texts[language, autoescape] = node.render(
                    Context(autoescape=autoescape)
                )
    assert set(node.kept) == {("ja", True), ("ja", False), ("en", True), ("en", False)}
    assert texts["ja", True] == "港区 新規事業及びレベルアップ事業一覧"
    assert texts["en", True] != texts["ja", True]


def test_a_message_with_markup_is_written_as_django_writes_it():
    # a literal in a template is safe: Django does not escape it or its translation
    source = '{% load i18n %}<p>{% translate "a < b & c" %}</p>'
    engine = Engine(libraries=I18N)
    expected = engine.from_string(source).render(Context())
    ours = Engine(
        libraries=I18N,
        loaders=[
            (
                "budgets.rendered_once.Loader",
                [("django.template.loaders.locmem.Loader", {"page.html": source})],
            )
        ],
    ).get_template("page.html")
    assert _kept(ours, TranslateNode)
    for _ in range(2):
        assert ours.render(Context()) == expected == "<p>a < b & c</p>"


def test_a_changed_catalogue_drops_the_texts_kept_for_the_old_one():
    # the development server reloads a changed .mo without a restart
    (loader,) = Engine.get_default().template_loaders
    loader.get_template("base.html")
    file_changed.send(sender=None, file_path=Path("locale/en/LC_MESSAGES/views.py"))
    assert "base.html" in loader.get_template_cache
    results = file_changed.send(
        sender=None, file_path=Path("locale/en/LC_MESSAGES/django.mo")
    )
    assert loader.get_template_cache == {}
    assert (forget_translations, None) in results  # the server still decides


def _kept_tags(source: str) -> list[str]:
    """The tags of ``source`` that the site's loader renders once."""
    engine = Engine(
        libraries={**I18N, "static": "django.templatetags.static"},
        loaders=[
            (
                "budgets.rendered_once.Loader",
                [("django.template.loaders.locmem.Loader", {"page.html": source})],
            )
        ],
    )
    template = engine.get_template("page.html")
    return [
        node.token.contents
        for node in template.nodelist.get_nodes_by_type(RenderedOnce)
    ]


def test_a_url_or_static_file_of_a_literal_name_is_rendered_once():
    source = (
        "{% load static %}{% url 'budgets:home' %}"
        "{% url 'budgets:project_list' as list_url %}{{ list_url }}"
        "{% url 'budgets:theme' 2021 1 %}{% url 'budgets:language' code %}"
        "{% url view_name %}{% url 'budgets:home'|lower %}"
        "{% static 'budgets/site.css' %}{% static path %}"
    )
    assert _kept_tags(source) == [
        "url 'budgets:home'",
        "url 'budgets:project_list' as list_url",
        "static 'budgets/site.css'",
    ]


URLS_WITH_ARGUMENTS = (
    "{% url 'budgets:theme' year number %}|"
    "{% url 'budgets:theme' year=year number=number as theme_url %}{{ theme_url }}|"
    "{% url 'budgets:project' year no %}|{% url 'budgets:language' code %}|"
    "{% url 'budgets:theme' -1 number as missing %}[{{ missing }}]|"
    "{% url 'budgets:department' pk %}|{% url view_name year %}"
)


def _engine(loader: str) -> Engine:
    source = {"page.html": URLS_WITH_ARGUMENTS}
    locmem = ("django.template.loaders.locmem.Loader", source)
    return Engine(loaders=[(loader, [locmem])])


def test_a_url_with_numbers_is_made_from_its_pattern_as_django_makes_it():
    ours = _engine("budgets.rendered_once.Loader").get_template("page.html")
    django = _engine("django.template.loaders.cached.Loader").get_template("page.html")
    assert [
        node.token.contents.split()[1]
        for node in ours.nodelist
        if isinstance(node, ReversedOnce)
    ] == [
        "'budgets:theme'",
        "'budgets:theme'",
        "'budgets:project'",
        "'budgets:language'",
        "'budgets:theme'",
        "'budgets:department'",
    ]
    values = [
        {"year": 2021, "number": 3, "no": 12, "code": "en", "pk": 4},
        {"year": 1989, "number": 10, "no": 1, "code": "ja", "pk": "7"},
        {"year": 2021, "number": 3, "no": 12, "code": "<&>", "pk": 0},
    ]
    try:
        for prefix in ("/", "/min&ato/", "/"):
            set_script_prefix(prefix)
            for autoescape in (True, False):
                for given in values:
                    context = {**given, "view_name": "budgets:year"}
                    page = ours.render(Context(context, autoescape=autoescape))
                    expected = django.render(Context(context, autoescape=autoescape))
                    assert page == expected, (prefix, autoescape, given)
                    assert f"/projects/{given['year']}/{given['no']}/" in page
    finally:
        set_script_prefix("/")
    with pytest.raises(NoReverseMatch):
        ours.render(Context({"year": -1, "number": 1, "no": 1, "code": "", "pk": 1}))


def test_a_kept_url_follows_where_the_site_is_served_from():
    template = Engine.get_default().get_template("base.html")
    assert _kept(template, URLNode)
    pages = {}
    try:
        for prefix in ("/", "/minato/", "/"):
            set_script_prefix(prefix)
            pages[prefix] = template.render(Context())
    finally:
        set_script_prefix("/")
    assert 'href="/minato/projects/"' in pages["/minato/"]
    assert 'href="/projects/"' in pages["/"]
    assert "/minato/" not in pages["/"]


def test_a_kept_url_sets_its_variable_at_every_render():
    template = Engine.get_default().get_template("budgets/project_detail.html")
    (list_url,) = [node for node in _kept(template, URLNode) if node.variable]
    for _ in range(2):
        context = Context()
        assert list_url.render(context) == ""
        assert context["list_url"] == "/projects/"


def test_a_kept_static_file_follows_a_changed_setting():
    with override_settings(STATIC_URL="/assets/"):
        page = Engine.get_default().get_template("base.html").render(Context())
        assert 'href="/assets/budgets/site.css"' in page
    page = Engine.get_default().get_template("base.html").render(Context())
    assert f'href="{settings.STATIC_URL}budgets/site.css"' in page


def test_a_compiled_template_finds_its_blocks_once():
    template = Engine.get_default().get_template("base.html")
    assert type(template.nodelist) is FoundOnce
    blocks = template.nodelist.get_nodes_by_type(BlockNode)
    assert template.nodelist.get_nodes_by_type(BlockNode) is blocks
    assert blocks == NodeList.get_nodes_by_type(template.nodelist, BlockNode)
    assert {block.name for block in blocks} == {"title", "head", "content"}


def test_a_kept_url_follows_a_url_conf_set_without_a_signal(monkeypatch):
    # pytest-django's @pytest.mark.urls sets ROOT_URLCONF so: no setting_changed
    source = {"page.html": "{% url 'budgets:home' %}"}
    locmem = ("django.template.loaders.locmem.Loader", source)
    engine = Engine(loaders=[("budgets.rendered_once.Loader", [locmem])])
    page = engine.get_template("page.html")
    assert _kept_tags(source["page.html"]) == ["url 'budgets:home'"]
    assert page.render(Context()) == "/"
    monkeypatch.setattr(settings, "ROOT_URLCONF", "tests.urls_elsewhere")
    clear_url_caches()
    try:
        assert page.render(Context()) == "/elsewhere/"
    finally:
        monkeypatch.undo()
        clear_url_caches()
    assert page.render(Context()) == "/"


@pytest.mark.urls("tests.urls_elsewhere")
def test_a_kept_url_follows_a_url_conf_changed_in_place(monkeypatch):
    # a URL conf's patterns changed and Django's caches cleared: a new resolver
    source = {"page.html": "{% url 'budgets:home' %}"}
    locmem = ("django.template.loaders.locmem.Loader", source)
    page = Engine(loaders=[("budgets.rendered_once.Loader", [locmem])]).get_template(
        "page.html"
    )
    assert page.render(Context()) == "/elsewhere/"
    moved = [path("moved/", include(([urls_elsewhere.home], "budgets")))]
    monkeypatch.setattr(urls_elsewhere, "urlpatterns", moved)
    clear_url_caches()
    assert page.render(Context()) == "/moved/"
    monkeypatch.undo()
    clear_url_caches()


@pytest.mark.parametrize("setting", sorted(KEPT_FROM_SETTINGS))
def test_a_changed_setting_the_texts_are_made_from_drops_them(setting):
    (loader,) = Engine.get_default().template_loaders
    loader.get_template("base.html")
    with override_settings(**{setting: getattr(settings, setting)}):
        assert loader.get_template_cache == {}


@pytest.mark.parametrize("setting", ["DEBUG", "INSTALLED_APPS"])
def test_django_makes_its_engines_anew_for_the_others(setting):
    engine = Engine.get_default()
    with override_settings(**{setting: getattr(settings, setting)}):
        assert Engine.get_default() is not engine
