"""URLs of numbered pages filled into a pattern reversed once (budgets.reversed_once):
always the URL Django's reverse() gives, for any value."""

import sys

import pytest
from django.conf.urls.i18n import i18n_patterns
from django.test import override_settings
from django.urls import (
    NoReverseMatch,
    clear_script_prefix,
    clear_url_caches,
    get_resolver,
    include,
    path,
    re_path,
    reverse,
    set_script_prefix,
)
from django.utils import translation
from hypothesis import given
from hypothesis import strategies as st

from budgets import reversed_once
from budgets.models import Department, FiscalYear, Project
from budgets.reversed_once import numbered_url, url_maker


def _view(request, **kwargs):  # pragma: no cover - only reversed, never served
    raise AssertionError


# Patterns of every kind this module must tell apart (the URL conf of the tests
# marked ``urls(__name__)``): digits with bounds, strings, braces, two numbers, a
# name given twice (reverse() tries both), a namespace whose prefix takes a number.
urlpatterns = [
    path("years/<int:year>/", _view, name="year"),
    path("twice/<int:year>/", _view, name="twice"),
    path("this-year/", _view, {"year": 2024}, name="twice"),
    re_path(r"^y/(?P<year>\d{4})/$", _view, name="twice"),
    re_path(r"^long/(?P<n>[0-9]{1,40})/$", _view, name="long"),
    path("only-five/<int:n>/", _view, {"n": 5}, name="with_default"),
    path("<int:year>/inside/", include(([path("<int:no>/", _view, name="in")], "of"))),
    path("pairs/<int:a>/to/<int:b>/", _view, name="pair"),
    re_path(r"^four/(?P<year>\d{4})/$", _view, name="four_digits"),
    re_path(r"^positive/(?P<n>[1-9][0-9]*)/$", _view, name="positive"),
    re_path(r"^short/(?P<n>[0-9]{1,10})/$", _view, name="short"),
    re_path(r"^digits/(?P<n>[0-9]+)/$", _view, name="digits"),
    path("codes/<str:code>/", _view, name="code"),
    path("braces{x}/<int:n>/{}/", _view, name="braces"),
    path("nested/", include(([path("<int:pk>/", _view, name="one")], "inner"))),
    # one application, two instances (reverse() picks by the current one)
    path("multi/", include(([path("<int:pk>/", _view, name="one")], "multi"))),
    path(
        "other/",
        include(([path("<int:pk>/", _view, name="one")], "multi"), namespace="other"),
    ),
    # a language's own prefix
    *i18n_patterns(path("local/<int:n>/", _view, name="local")),
]
VIEWS = {
    "year": ("year",),
    "twice": ("year",),
    "long": ("n",),
    "with_default": ("n",),
    "of:in": ("year", "no"),
    "pair": ("a", "b"),
    "four_digits": ("year",),
    "positive": ("n",),
    "short": ("n",),
    "digits": ("n",),
    "code": ("code",),
    "braces": ("n",),
    "inner:one": ("pk",),
    "multi:one": ("pk",),
    "local": ("n",),
}
VALUES = (
    *(0, 1, 7, 2021, 2024, 9_999_999_999, 12_345_678_901, 10**30, 10**39, 10**40),
    *(-1, True, "12", 2.0),
)


def _outcome(make):
    """What making a URL gives: the URL, or the error's type."""
    try:
        return make()
    except (NoReverseMatch, ValueError, TypeError) as error:
        return type(error)


def _both(viewname, numbers, *, by_name, current_app=None):
    names = VIEWS[viewname]
    kwargs = dict(zip(names, numbers, strict=True)) if by_name else None
    args = () if by_name else numbers
    ours = _outcome(lambda: numbered_url(viewname, args, kwargs, current_app))
    django = _outcome(lambda: reverse(viewname, None, args, kwargs, current_app))
    return ours, django


@pytest.fixture(autouse=True)
def _fresh_patterns():
    reversed_once._kept.clear()
    yield
    reversed_once._kept.clear()
    clear_script_prefix()


@pytest.mark.urls(__name__)
@pytest.mark.parametrize("viewname", VIEWS)
@pytest.mark.parametrize("by_name", [True, False], ids=["kwargs", "args"])
def test_every_value_makes_the_url_reverse_makes(viewname, by_name):
    for language, prefix, current_app in (
        ("ja", "/", None),
        ("en", "/", None),
        ("ja", "/minato/budget/", None),
        ("ja", "/", "other"),
        ("ja", "/", None),
    ):
        set_script_prefix(prefix)
        with translation.override(language):
            for value in VALUES:
                numbers = (value,) * len(VIEWS[viewname])
                ours, django = _both(
                    viewname, numbers, by_name=by_name, current_app=current_app
                )
                assert ours == django, (language, prefix, current_app, value)


@pytest.mark.urls(__name__)
def test_only_patterns_that_take_every_number_are_kept():
    resolver = get_resolver()
    kept = {
        viewname
        for viewname, names in VIEWS.items()
        if reversed_once._pattern(resolver, viewname, names, None)
    }
    # <int:…> only, one pattern of the name, no number in a namespace's prefix: not
    # a regular expression (bounds reverse() checks), a str, nor a name given twice
    assert kept == {"year", "pair", "braces", "inner:one", "multi:one", "local"}


@pytest.mark.urls(__name__)
def test_the_pattern_is_used_once_made(monkeypatch):
    url = url_maker("pair", ("a", "b"))
    assert url(3, 4) == "/pairs/3/to/4/"

    def refuse(*args, **kwargs):
        raise AssertionError("reverse() called again")

    monkeypatch.setattr(reversed_once, "reverse", refuse)
    assert url(5, 6) == "/pairs/5/to/6/"
    assert numbered_url("pair", kwargs={"a": 7, "b": 8}) == "/pairs/7/to/8/"
    with pytest.raises(AssertionError, match="called again"):
        url(-1, 6)  # not a number the pattern takes: reverse() decides


@pytest.mark.urls(__name__)
@given(
    year=st.integers(min_value=0, max_value=10**40),
    other=st.one_of(st.integers(), st.text(max_size=5), st.booleans()),
)
def test_any_number_or_other_value_makes_what_reverse_makes(year, other):
    for viewname in ("year", "twice", "long", "with_default", "positive", "code"):
        for value in (year, other):
            ours, django = _both(viewname, (value,), by_name=True)
            assert ours == django, (viewname, value)


def test_the_site_s_numbered_pages_and_a_url_conf_without_them(fy2021):
    year = FiscalYear.objects.order_by("year").first()
    project = Project.objects.select_related("fiscal_year").first()
    department = Department.objects.first()
    expected = {
        year.get_absolute_url(): reverse("budgets:year", args=[year.year]),
        project.get_absolute_url(): reverse(
            "budgets:project", args=[project.fiscal_year.year, project.no]
        ),
        department.get_absolute_url(): reverse(
            "budgets:department", args=[department.pk]
        ),
    }
    assert list(expected) == list(expected.values())
    assert year.get_absolute_url() == f"/years/{year.year}/"
    with override_settings(ROOT_URLCONF=__name__):  # no budgets namespace here
        with pytest.raises(NoReverseMatch):
            year.get_absolute_url()
    assert year.get_absolute_url() == f"/years/{year.year}/"


@pytest.mark.urls(__name__)
def test_a_pattern_is_kept_for_each_language_prefix_and_instance():
    with translation.override("en"):
        assert numbered_url("year", kwargs={"year": 1}) == "/years/1/"
    set_script_prefix("/minato/")
    assert numbered_url("inner:one", [2], current_app="inner") == "/minato/nested/2/"
    assert list(reversed_once._kept[get_resolver()]) == [
        ("year", ("year",), None, "en", "/"),
        ("inner:one", 1, "inner", translation.get_language(), "/minato/"),
    ]


def _changed_urlpatterns():
    # reverse() tries the last pattern of a name first
    return [*urlpatterns, re_path(r"^y/(?P<year>\d{4})/$", _view, name="year")]


@pytest.mark.urls(__name__)
def test_a_url_conf_changed_in_place_is_followed_once_its_caches_are_cleared(
    monkeypatch,
):
    assert numbered_url("year", kwargs={"year": 2024}) == "/years/2024/"
    monkeypatch.setattr(sys.modules[__name__], "urlpatterns", _changed_urlpatterns())
    clear_url_caches()  # Django's resolver is made anew, and its patterns with it
    assert reverse("year", kwargs={"year": 2024}) == "/y/2024/"
    assert numbered_url("year", kwargs={"year": 2024}) == "/y/2024/"
    monkeypatch.undo()
    clear_url_caches()


def test_the_kept_patterns_are_bounded(monkeypatch):
    monkeypatch.setattr(reversed_once, "_KEPT_MAX", 3)
    for prefix in ("/a/", "/b/", "/c/", "/d/", "/e/"):
        set_script_prefix(prefix)
        assert numbered_url("budgets:year", [2021]) == f"{prefix}years/2021/"
        assert len(reversed_once._kept[get_resolver()]) <= 3
