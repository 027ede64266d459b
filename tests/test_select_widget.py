"""The list's filter menus written in Python (budgets.select_widget): byte for byte
what Django's own Select writes, on the list page and for any choices."""

import pytest
from django import forms
from django.conf import settings
from django.utils import translation
from django.utils.choices import BaseChoiceIterator
from django.utils.safestring import mark_safe
from hypothesis import given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from budgets import caching
from budgets.filters import ProjectFilter
from budgets.models import Department, Section, Theme
from budgets.select_widget import Select

LIST_PAGES = (
    "/projects/",
    "/projects/?year=2021&category=levelup&sort=-budgeted",
    "/projects/?theme={theme}&department={department}&section={section}",
    "/projects/?year=1900&section=abc&sort=nonsense",  # the form's errors
    "/projects/?q=%E6%94%AF%E6%8F%B4&budgeted_min=10&budgeted_max=x",
)


def _pages(client) -> dict:
    values = {
        "theme": Theme.objects.first().pk,
        "department": Department.objects.first().pk,
        "section": Section.objects.first().pk,
    }
    caching.reset()
    found = {}
    # the kept menus' options used again, in each language in turn; every page a
    # miss (a URL of its own in each pass)
    for index, language in enumerate(("ja", "en", "ja")):
        client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
        for page in LIST_PAGES:
            path = page.format(**values) + ("&" if "?" in page else "?") + f"n={index}"
            found[language, path] = client.get(path).content
    return found


def test_the_list_s_menus_are_what_django_s_select_writes(client, fy2021, monkeypatch):
    assert all(
        isinstance(ProjectFilter.base_filters[name].field.widget, Select)
        for name in ("year", "theme", "department", "section", "category", "sort")
    )
    ours = _pages(client)
    monkeypatch.setattr(Select, "render", forms.Select.render)
    django_s = _pages(client)
    assert sum(page.count(b"<option") for page in ours.values()) > 500
    for key, page in ours.items():
        assert page == django_s[key], key


TEXT = st.text(alphabet=st.sampled_from("aあ<>&\"' {}%\n0"), max_size=6)
SAFE_TEXT = TEXT.map(mark_safe)
VALUES = st.one_of(
    TEXT,
    SAFE_TEXT,
    st.integers(-5, 5),
    st.none(),
    st.booleans(),
    st.tuples(st.integers(0, 3)),
)
LABELS = st.one_of(TEXT, SAFE_TEXT, st.integers(-2000, 2000), st.floats(0, 9))
ATTRS = st.dictionaries(
    st.sampled_from(["class", "id", "disabled", "data-x", "aria-describedby"]),
    st.one_of(TEXT, SAFE_TEXT, st.booleans(), st.none(), st.integers(0, 3)),
    max_size=3,
)


# a menu's choices: options, and groups of options
CHOICES = st.lists(
    st.one_of(
        st.tuples(VALUES, LABELS),
        st.tuples(TEXT, st.lists(st.tuples(VALUES, LABELS), max_size=3)),
    ),
    max_size=6,
)


@hypothesis_settings(max_examples=300, deadline=None)
@given(
    choices=CHOICES,
    value=st.one_of(VALUES, st.lists(VALUES, max_size=2)),
    attrs=ATTRS,
    extra=ATTRS,
    name=TEXT,
    language=st.sampled_from(["ja", "en"]),
)
def test_any_menu_is_what_django_s_select_writes(
    choices, value, attrs, extra, name, language
):
    with translation.override(language):
        ours = Select(attrs=attrs, choices=choices).render(name, value, extra)
        django_s = forms.Select(attrs=attrs, choices=choices).render(name, value, extra)
    assert ours == django_s
    assert type(ours) is type(django_s)


@pytest.mark.parametrize("language", ["ja", "en"])
def test_a_number_label_is_localised_as_a_template_localises_it(language, settings):
    settings.USE_THOUSAND_SEPARATOR = True
    choices = [(1, 1234567), (2, 2.5)]
    with translation.override(language):
        ours = Select(choices=choices).render("n", 1)
        django_s = forms.Select(choices=choices).render("n", 1)
    assert ours == django_s
    assert "1,234,567" in ours


def test_a_value_marked_safe_is_written_as_django_writes_it():
    choices = [(mark_safe("<a&"), "x"), (("t", 1), "tuple")]
    attrs = {"data-x": mark_safe("<b>"), "title": "<c>", "required": True}
    ours = Select(choices=choices, attrs=attrs).render("n", None)
    assert ours == forms.Select(choices=choices, attrs=attrs).render("n", None)
    assert 'value="<a&"' in ours
    assert 'data-x="<b>"' in ours


class KeptChoices(BaseChoiceIterator):
    """Choices that carry a memo, as budgets.menus_once's kept menus do (an
    iterator of choices, as theirs, which a widget takes as it is)."""

    def __init__(self, choices) -> None:
        self.choices = choices
        self.memo: dict = {}

    def __iter__(self):
        yield from self.choices


@hypothesis_settings(max_examples=300, deadline=None)
@given(
    choices=CHOICES,
    values=st.lists(st.one_of(VALUES, st.lists(VALUES, max_size=3)), max_size=4),
    attrs=ATTRS,
    name=TEXT,
    language=st.sampled_from(["ja", "en"]),
)
def test_a_kept_menu_marks_its_selected_option_as_django_s_select_does(
    choices, values, attrs, name, language
):
    """One memo for the choices, pages one after another with any value selected
    (none, one, several, one not offered, one offered twice)."""
    kept = KeptChoices(choices)
    with translation.override(language):
        for value in [None, *values]:
            ours = Select(choices=kept).render(name, value, attrs)
            django_s = forms.Select(choices=choices).render(name, value, attrs)
            assert ours == django_s
            assert type(ours) is type(django_s)
    if choices:
        assert kept.memo  # the options were kept


def test_a_kept_menu_s_options_are_written_once(monkeypatch):
    kept = KeptChoices([("", "すべて"), (1, "総務部"), (2, "企画経営部"), (2, "重複")])
    Select(choices=kept).render("department", None)
    monkeypatch.setattr(Select, "optgroups", None)  # would fail if asked again
    page = Select(choices=kept).render("department", "2")
    assert page.count(" selected") == 1
    assert '<option value="2" selected>企画経営部</option>' in page


def test_of_several_values_the_first_option_offered_is_selected():
    choices = [("b", "B"), ("a", "A"), ("c", "C")]
    for value in (["a", "b"], ["c", "a"], ["x", "c"]):
        ours = Select(choices=KeptChoices(choices)).render("n", value)
        assert ours == forms.Select(choices=choices).render("n", value)
        assert ours.count(" selected") == 1


def test_the_list_s_kept_menus_keep_their_options(client, fy2021):
    caching.reset()
    client.get("/projects/")
    filters = ProjectFilter(queryset=None)
    for name in ("year", "theme", "department", "section"):
        assert filters.form.fields[name].widget.choices.memo, name
