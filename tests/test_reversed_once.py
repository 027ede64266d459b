"""URLs of numbered pages filled into a pattern reversed once (budgets.reversed_once):
always the URL Django's reverse() gives, for any value."""

import pytest
from django.test import override_settings
from django.urls import (
    NoReverseMatch,
    clear_script_prefix,
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
# marked ``urls(__name__)``): digits with bounds, strings, braces, two numbers.
urlpatterns = [
    path("years/<int:year>/", _view, name="year"),
    path("pairs/<int:a>/to/<int:b>/", _view, name="pair"),
    re_path(r"^four/(?P<year>\d{4})/$", _view, name="four_digits"),
    re_path(r"^positive/(?P<n>[1-9][0-9]*)/$", _view, name="positive"),
    re_path(r"^short/(?P<n>[0-9]{1,10})/$", _view, name="short"),
    re_path(r"^digits/(?P<n>[0-9]+)/$", _view, name="digits"),
    path("codes/<str:code>/", _view, name="code"),
    path("braces{x}/<int:n>/{}/", _view, name="braces"),
    path("nested/", include(([path("<int:pk>/", _view, name="one")], "inner"))),
]
VIEWS = {
    "year": ("year",),
    "pair": ("a", "b"),
    "four_digits": ("year",),
    "positive": ("n",),
    "short": ("n",),
    "digits": ("n",),
    "code": ("code",),
    "braces": ("n",),
    "inner:one": ("pk",),
}
VALUES = (0, 1, 7, 2021, 9_999_999_999, 12_345_678_901, 10**30, -1, True, "12", 2.0)


def _outcome(make):
    """What making a URL gives: the URL, or the error's type."""
    try:
        return make()
    except (NoReverseMatch, ValueError, TypeError) as error:
        return type(error)


def _both(viewname, numbers, *, by_name):
    names = VIEWS[viewname]
    kwargs = dict(zip(names, numbers, strict=True)) if by_name else None
    args = () if by_name else numbers
    ours = _outcome(lambda: numbered_url(viewname, args=args, kwargs=kwargs))
    django = _outcome(lambda: reverse(viewname, args=args, kwargs=kwargs))
    return ours, django


@pytest.fixture(autouse=True)
def _fresh_patterns():
    patterns = reversed_once._pattern  # a test may record its calls
    patterns.cache_clear()
    yield
    patterns.cache_clear()
    clear_script_prefix()


@pytest.mark.urls(__name__)
@pytest.mark.parametrize("viewname", VIEWS)
@pytest.mark.parametrize("by_name", [True, False], ids=["kwargs", "args"])
def test_every_value_makes_the_url_reverse_makes(viewname, by_name):
    for prefix in ("/", "/minato/budget/", "/"):
        set_script_prefix(prefix)
        for value in VALUES:
            numbers = (value,) * len(VIEWS[viewname])
            ours, django = _both(viewname, numbers, by_name=by_name)
            assert ours == django, (prefix, value)


@pytest.mark.urls(__name__)
def test_only_patterns_that_take_every_number_are_kept():
    kept = {
        viewname
        for viewname, names in VIEWS.items()
        if reversed_once._pattern(viewname, names, None, "ja", "/", __name__)
    }
    # \d{4} misses the placeholders, [1-9]… misses 0, {1,10} misses the longest
    # probe; a str converter takes the placeholders and the probes, as any str
    assert kept == {"year", "pair", "digits", "code", "braces", "inner:one"}


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
    for viewname in ("year", "four_digits", "positive", "short", "code"):
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
def test_a_pattern_is_kept_for_each_language_prefix_and_instance(monkeypatch):
    asked = []
    made = reversed_once._pattern

    def recording(viewname, names, current_app, *where):
        asked.append((current_app, *where))
        return made(viewname, names, current_app, *where)

    monkeypatch.setattr(reversed_once, "_pattern", recording)
    with translation.override("en"):
        assert numbered_url("year", kwargs={"year": 1}) == "/years/1/"
    set_script_prefix("/minato/")
    assert numbered_url("inner:one", [2], current_app="inner") == "/minato/nested/2/"
    assert asked == [(None, "en", "/", __name__), ("inner", "ja", "/minato/", __name__)]
