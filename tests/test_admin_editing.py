"""A clerk corrects the records in the admin, through the forms the pages render.

Every submission here is built from the rendered page (django-webtest): a field the
page does not render cannot be sent, so one missing from the fieldsets fails here.
"""

import pytest
from django.contrib.admin.models import LogEntry
from django.contrib.auth.models import User

from budgets import caching
from budgets.importing import import_table
from budgets.models import (
    Department,
    DepartmentSuccession,
    FiscalYear,
    Project,
    ProjectLineage,
    ProjectLink,
    Section,
    SectionSuccession,
    Theme,
)
from tests.factories import make_staff

pytestmark = pytest.mark.django_db

STOPPED = "他の人が保存しています"


@pytest.fixture
def clerk(db) -> User:
    return make_staff("clerk", "財務担当")


@pytest.fixture
def colleague(db) -> User:
    return make_staff("colleague", "財務担当")


def change_form(app, obj, user):
    meta = obj._meta
    url = f"/admin/{meta.app_label}/{meta.model_name}/{obj.pk}/change/"
    return app.get(url, user=user).forms[f"{meta.model_name}_form"]


def saved(response) -> bool:
    return response.status_code == 302


# one field a clerk corrects on each kind of record, and the value they type
EDITS = [
    (lambda: FiscalYear.objects.get(year=2021), "title", "令和3年度当初予算（訂正）"),
    (lambda: Theme.objects.get(number=1), "name", "新型コロナウイルス感染症への対応"),
    (lambda: Department.objects.get(name="防災危機管理室"), "name", "防災危機管理部"),
    (lambda: Section.objects.get(name="防災課"), "name", "防災・危機管理課"),
    (lambda: Project.objects.get(name="融資事業"), "name", "中小企業融資事業"),
]
EDIT_IDS = ["fiscal-year", "theme", "department", "section", "project"]


@pytest.mark.parametrize(("get", "field", "value"), EDITS, ids=EDIT_IDS)
def test_a_clerk_corrects_any_record(django_app, clerk, fy2021, get, field, value):
    record = get()
    form = change_form(django_app, record, clerk)
    form[field] = value

    assert saved(form.submit("_save"))

    record.refresh_from_db()
    assert getattr(record, field) == value
    assert record.version == 2
    assert record.history.first().history_user == clerk


def test_a_clerk_corrects_a_project_description_and_amount(django_app, clerk, fy2021):
    project = Project.objects.get(name="融資事業")
    form = change_form(django_app, project, clerk)
    form["description"] = project.description.replace("融資", "中小企業向け融資", 1)
    form["budgeted"] = "3200000"

    assert saved(form.submit("_save"))

    project.refresh_from_db()
    assert project.budgeted == 3_200_000
    assert "中小企業向け融資" in project.description


def test_a_clerk_links_a_project_to_another_lineage(django_app, clerk, fy2021):
    project, other = Project.objects.order_by("no")[:2]
    form = change_form(django_app, project, clerk)
    form["lineage"] = str(other.lineage_id)

    assert saved(form.submit("_save"))

    project.refresh_from_db()
    assert project.lineage_id == other.lineage_id


def test_a_broken_rule_is_shown_beside_its_field_and_nothing_is_saved(
    django_app, clerk, fy2021
):
    project = Project.objects.get(no=1)
    form = change_form(django_app, project, clerk)
    form["requested_levelup"] = "9999999"

    response = form.submit("_save")

    assert response.status_code == 200
    row = response.html.select_one(".field-requested_levelup")
    assert "を超えています" in row.select_one(".errorlist").get_text()
    project.refresh_from_db()
    assert (project.requested_levelup, project.version) == (3_405_524, 1)


def test_an_amount_above_the_limit_is_refused_beside_its_field(
    django_app, clerk, fy2021
):
    project = Project.objects.get(no=1)
    form = change_form(django_app, project, clerk)
    form["requested"] = "1000000000001"

    response = form.submit("_save")

    row = response.html.select_one(".field-requested .errorlist").get_text()
    assert "1000000000000" in row.replace(",", "")
    project.refresh_from_db()
    assert project.requested == 3_826_938


@pytest.mark.parametrize(("get", "field", "value"), EDITS, ids=EDIT_IDS)
def test_the_second_of_two_clerks_is_stopped_and_keeps_what_they_typed(
    django_app, clerk, colleague, fy2021, get, field, value
):
    record = get()
    mine = change_form(django_app, record, clerk)
    theirs = change_form(django_app, record, colleague)
    theirs[field] = value
    assert saved(theirs.submit("_save"))

    mine[field] = f"{value}（私の入力）"
    response = mine.submit("_save")

    assert response.status_code == 200
    assert STOPPED in response.text
    record.refresh_from_db()
    assert getattr(record, field) == value  # the colleague's save is kept
    again = response.forms[f"{record._meta.model_name}_form"]
    assert again[field].value == f"{value}（私の入力）"  # nothing typed is lost
    beside = response.html.select_one(f".field-{field} .errorlist").get_text()
    assert f"他の人が保存した値: {value}" in beside


def opened_before_a_colleague_saved(app, project, clerk, colleague):
    """The clerk's change form, opened before the colleague saved 3,000,000 千円 as
    the project's budget."""
    mine = change_form(app, project, clerk)
    theirs = change_form(app, project, colleague)
    theirs["budgeted"] = "3000000"
    theirs.submit("_save")
    return mine


def test_a_field_only_the_colleague_changed_now_holds_their_value(
    django_app, clerk, colleague, fy2021
):
    project = Project.objects.get(no=1)
    mine = opened_before_a_colleague_saved(django_app, project, clerk, colleague)

    mine["description"] = "私の説明"
    response = mine.submit("_save")

    assert STOPPED in response.text
    again = response.forms["project_form"]
    assert again["budgeted"].value == "3000000"  # not this clerk's stale 3191866
    assert again["description"].value == "私の説明"
    assert (
        "他の人が保存した値に入れ替えました: 3,000,000"
        in response.html.select_one(".field-budgeted .errorlist").get_text()
    )
    assert response.html.select_one(".field-description .errorlist") is None


def test_saving_again_keeps_both_clerks_changes(django_app, clerk, colleague, fy2021):
    project = Project.objects.get(no=1)
    mine = opened_before_a_colleague_saved(django_app, project, clerk, colleague)
    mine["description"] = "私の説明"
    stopped = mine.submit("_save")

    assert saved(stopped.forms["project_form"].submit("_save"))

    project.refresh_from_db()
    assert (project.description, project.budgeted, project.version) == (
        "私の説明",
        3_000_000,  # the colleague's figure is not put back to what it was
        3,
    )


def test_an_untouched_description_of_several_lines_takes_the_colleague_s(
    django_app, clerk, colleague, fy2021
):
    project = Project.objects.get(no=1)
    project.description = "一行目\n二行目"
    project.save()  # with its history record, as an edit makes it
    mine = change_form(django_app, project, clerk)
    # a browser posts a textarea's line breaks as CR LF
    mine["description"] = mine["description"].value.replace("\n", "\r\n")
    theirs = change_form(django_app, project, colleague)
    theirs["description"] = "同僚の説明\n二行目"
    assert saved(theirs.submit("_save"))

    mine["budgeted"] = "3100000"
    stopped = mine.submit("_save")
    again = stopped.forms["project_form"]

    assert again["description"].value.replace("\r\n", "\n") == "同僚の説明\n二行目"
    assert saved(again.submit("_save"))
    project.refresh_from_db()
    assert (project.description, project.budgeted) == ("同僚の説明\n二行目", 3_100_000)


def test_a_field_both_changed_is_overwritten_only_on_purpose(
    django_app, clerk, colleague, fy2021
):
    project = Project.objects.get(no=1)
    mine = opened_before_a_colleague_saved(django_app, project, clerk, colleague)
    mine["budgeted"] = "3100000"
    stopped = mine.submit("_save")

    again = stopped.forms["project_form"]
    assert again["budgeted"].value == "3100000"  # what this clerk typed
    beside = stopped.html.select_one(".field-budgeted .errorlist").get_text()
    assert "他の人が保存した値: 3,000,000" in beside
    assert saved(again.submit("_save"))  # having seen both, they keep theirs

    project.refresh_from_db()
    assert (project.budgeted, project.version) == (3_100_000, 3)


def test_a_theme_edited_on_its_year_page_is_guarded_too(
    django_app, clerk, colleague, fy2021
):
    theme = Theme.objects.get(number=1)
    mine = change_form(django_app, fy2021, clerk)
    theirs = change_form(django_app, theme, colleague)
    theirs["name"] = "同僚の施策名"
    theirs.submit("_save")

    mine["themes-0-name"] = "私の施策名"
    response = mine.submit("_save")

    assert response.status_code == 200 and STOPPED in response.text
    theme.refresh_from_db()
    assert theme.name == "同僚の施策名"


def history_restore_form(app, project, user, record):
    history = app.get(f"/admin/budgets/project/{project.pk}/history/", user=user)
    href = f"/admin/budgets/project/{project.pk}/history/{record.history_id}/"
    assert history.html.select_one(f'a[href="{href}"]') is not None
    return history.click(href=href).forms["historicalproject_form"]


@pytest.mark.django_db(
    transaction=True, serialized_rollback=True
)  # no test transaction
def test_the_clerk_restores_the_version_before(django_app, clerk, fy2021):
    project = Project.objects.get(no=1)
    original = project.history.get()
    form = change_form(django_app, project, clerk)
    form["budgeted"] = "3000000"
    form.submit("_save")

    restore = history_restore_form(django_app, project, clerk, original)
    assert saved(restore.submit())

    project.refresh_from_db()
    assert (project.budgeted, project.version) == (3_191_866, 3)  # never backwards


@pytest.mark.django_db(
    transaction=True, serialized_rollback=True
)  # no test transaction
def test_restoring_the_version_shown_now_writes_nothing(django_app, clerk, fy2021):
    # helper-13: it said 「変更しました」 and wrote a version with no differences
    project = Project.objects.get(no=1)
    current = project.history.get()
    restore = history_restore_form(django_app, project, clerk, current)

    response = restore.submit()

    assert saved(response)
    assert "何も保存していません" in response.follow().text
    project.refresh_from_db()
    assert project.version == 1 and project.history.count() == 1


@pytest.mark.django_db(
    transaction=True, serialized_rollback=True
)  # no test transaction
def test_restoring_the_imports_version_brings_back_its_citation(
    django_app, clerk, fy2021
):
    # helper-15: after an edit and its undoing, restoring the import's version
    # was taken for no change, and the page kept 「管理画面で修正」
    project = Project.objects.get(no=1)
    imported = project.history.get()
    for value in (project.budgeted + 1, project.budgeted):
        form = change_form(django_app, project, clerk)
        form["budgeted"] = str(value)
        assert saved(form.submit("_save"))
    project.refresh_from_db()
    assert project.source_event_id is None and project.source_edited_at is not None

    assert saved(history_restore_form(django_app, project, clerk, imported).submit())

    project.refresh_from_db()
    assert project.source_event_id == imported.source_event_id
    assert project.source_edited_at is None and project.version == 4


@pytest.mark.django_db(
    transaction=True, serialized_rollback=True
)  # no test transaction
def test_restoring_over_a_colleagues_newer_save_is_stopped(
    django_app, clerk, colleague, fy2021
):
    project = Project.objects.get(no=1)
    original = project.history.get()
    restore = history_restore_form(django_app, project, clerk, original)
    theirs = change_form(django_app, project, colleague)
    theirs["budgeted"] = "3000000"
    theirs.submit("_save")

    response = restore.submit()

    assert response.status_code == 200 and STOPPED in response.text
    project.refresh_from_db()
    assert project.budgeted == 3_000_000


def test_a_forged_version_field_does_not_skip_the_guard(
    django_app, clerk, colleague, fy2021
):
    project = Project.objects.get(no=1)
    mine = opened_before_a_colleague_saved(django_app, project, clerk, colleague)

    mine["seen_version"].force_value("99")  # tampered on purpose
    mine["budgeted"] = "1"
    response = mine.submit("_save")

    assert STOPPED in response.text
    project.refresh_from_db()
    assert project.budgeted == 3_000_000


def test_the_lineage_page_saves_without_changing_its_projects(
    django_app, clerk, fy2021
):
    lineage = ProjectLineage.objects.filter(projects__no=1).get()
    form = change_form(django_app, lineage, clerk)

    assert saved(form.submit("_save"))
    assert lineage.projects.get().no == 1


@pytest.mark.parametrize(
    ("field", "typed", "words"),
    [
        ("description", "警報\x07音", "制御文字 U+0007"),
        ("description", "段\u2028落", "制御文字 U+2028"),
        ("name", "融資\t事業", "改行やタブは使えません"),
        ("name", "\u200b融資事業", "見えない文字"),
        ("name", "融資\u202e業事", "制御文字 U+202E"),  # a page would show it reversed
        ("name", "融資\x00事業", "NUL 文字（\\0）は使えません"),  # not "enter some"
    ],
)
def test_text_the_exports_could_not_give_back_is_refused_beside_its_field(
    django_app, clerk, fy2021, field, typed, words
):
    project = Project.objects.get(no=1)
    form = change_form(django_app, project, clerk)
    form[field] = typed

    response = form.submit("_save")

    assert words in response.html.select_one(f".field-{field} .errorlist").get_text()
    project.refresh_from_db()
    assert project.version == 1


def test_a_description_typed_over_several_lines_is_kept_with_its_tabs(
    django_app, clerk, fy2021
):
    project = Project.objects.get(no=1)
    form = change_form(django_app, project, clerk)
    form["description"] = (
        "一行目\r\n\t字下げした二行目"  # as a browser sends a textarea
    )

    assert saved(form.submit("_save"))

    project.refresh_from_db()
    assert project.description == "一行目\n\t字下げした二行目"


def test_each_theme_on_offer_says_its_year(django_app, clerk, fy2021, seed_text):
    assert import_table(seed_text.replace("令和3年度", "令和4年度").encode()).ok
    project = Project.objects.get(fiscal_year__year=2022, no=1)

    options = change_form(django_app, project, clerk)["theme"].options

    texts = [text for _, _, text in options if text != "---------"]
    assert texts[0].startswith("令和4年度 1 ")  # the latest year first
    assert any(text.startswith("令和3年度 1 ") for text in texts)
    assert len(set(texts)) == len(texts) == Theme.objects.count()
    assert [selected for value, selected, _ in options if selected] == [True]


def run_year_action(app, user, year: FiscalYear, action: str):
    page = app.get("/admin/budgets/fiscalyear/", user=user)
    form = page.forms["changelist-form"]
    form["action"] = action
    for checkbox in form.fields["_selected_action"]:
        if checkbox._value == str(year.pk):  # the rendered checkbox of that year
            checkbox.checked = True
    return form.submit("index").follow()


def test_publishing_says_which_year_and_again_that_nothing_changed(
    django_app, clerk, fy2021
):
    FiscalYear.objects.filter(pk=fy2021.pk).update(is_published=False)

    first = run_year_action(django_app, clerk, fy2021, "publish")
    again = run_year_action(django_app, clerk, fy2021, "publish")

    assert "令和3年度（2021年度） を公開しました。" in first.text
    assert "すでにその状態です。何も変えていません。" in again.text
    assert FiscalYear.objects.get(pk=fy2021.pk).is_published


def test_a_no_the_year_has_already_is_told_beside_the_no(django_app, clerk, fy2021):
    project = Project.objects.get(no=2)
    form = change_form(django_app, project, clerk)
    form["no"] = "1"

    response = form.submit("_save")

    beside = response.html.select_one(".field-no .errorlist").get_text()
    assert "この年度にはその No の事業がすでにあります。" in beside
    assert response.html.select_one(".errornote + .errorlist.nonfield") is None
    project.refresh_from_db()
    assert (project.no, project.version) == (2, 1)


def test_a_project_continuing_one_of_last_year_saves_with_its_links(
    django_app, clerk, fy2021, seed_text
):
    # the next year's table links each project to last year's (helper-14: every
    # such project was stopped as if a colleague had saved, its link rows'
    # versions not rendered)
    next_year = seed_text.replace("令和3年度", "令和4年度")
    assert import_table(next_year.encode(), publish=True).ok
    project = Project.objects.get(fiscal_year__year=2022, no=2)
    link = project.earlier_links.get()
    form = change_form(django_app, project, clerk)
    form["budgeted"] = "50600"
    form["earlier_links-0-note"] = "令和3年度から継続"

    assert saved(form.submit("_save"))

    project.refresh_from_db()
    link.refresh_from_db()
    assert (project.budgeted, project.version) == (50_600, 2)
    assert (link.note, link.version) == ("令和3年度から継続", 2)


@pytest.fixture
def a_record_of_every_kind(fy2021, seed_text):
    """Two years linked project by project, a department renamed and its section
    moved: every page of the admin has a record, with rows in each inline."""
    next_year = seed_text.replace("令和3年度", "令和4年度").replace(
        "防災危機管理室", "防災危機管理部"
    )
    assert import_table(next_year.encode(), publish=True).ok
    old, new = Department.objects.filter(name__startswith="防災危機管理").order_by("pk")
    DepartmentSuccession.objects.create(
        predecessor=old, successor=new, kind="renamed", from_year=2022
    )
    section = Section.objects.get(name="防災課", department=old)
    SectionSuccession.objects.create(
        predecessor=section,
        successor=Section.objects.get(name="防災課", department=new),
        kind="moved",
        from_year=2022,
    )


EVERY_KIND = [
    FiscalYear,
    Theme,
    Department,
    Section,
    Project,
    ProjectLink,
    ProjectLineage,
    DepartmentSuccession,
    SectionSuccession,
]


@pytest.mark.parametrize("model", EVERY_KIND, ids=lambda m: m._meta.model_name)
def test_every_change_page_saves_as_rendered_when_nothing_was_changed(
    django_app, clerk, a_record_of_every_kind, model
):
    # a field the page leaves out (a row's version in an inline) stops every save
    record = model.objects.order_by("-pk").first()
    form = change_form(django_app, record, clerk)

    assert saved(form.submit("_save")), model.__name__


@pytest.mark.django_db(
    transaction=True, serialized_rollback=True
)  # no test transaction: the data version is raised as a commit raises it
def test_a_save_that_changes_nothing_writes_nothing(django_app, clerk, fy2021):
    # helper-14: it made a new version, a history record and a public correction
    project = Project.objects.get(no=1)
    Project.objects.filter(pk=project.pk).update(description="一行目\n\t二行目")
    records, logged = project.history.count(), LogEntry.objects.count()
    data = caching.read_data_version()
    form = change_form(django_app, project, clerk)
    assert form["description"].value.replace("\r\n", "\n") == "一行目\n\t二行目"
    form["description"] = "一行目\r\n\t二行目"  # as a browser posts a textarea

    response = form.submit("_save")

    assert saved(response)
    said = response.follow().html.select_one(".messagelist").get_text()
    assert "何も保存していません" in said
    project.refresh_from_db()
    assert project.version == 1 and project.history.count() == records
    assert caching.read_data_version() == data  # read from the database
    assert project.source_event_id is not None  # still cited as the import's
    assert LogEntry.objects.count() == logged  # and no "changed" in recent actions


@pytest.mark.django_db(
    transaction=True, serialized_rollback=True
)  # no test transaction
def test_a_real_change_raises_the_data_version_and_is_cited_as_an_edit(
    django_app, clerk, fy2021
):
    # the counterpart of the test above, so that its checks can fail
    project = Project.objects.get(no=1)
    data = caching.read_data_version()
    form = change_form(django_app, project, clerk)
    form["budgeted"] = str(project.budgeted + 1)

    assert saved(form.submit("_save"))

    project.refresh_from_db()
    assert project.version == 2 and caching.read_data_version() > data
    assert project.source_event_id is None and project.source_edited_at is not None


def test_a_changed_link_row_alone_is_saved_and_said(
    django_app, clerk, fy2021, seed_text
):
    next_year = seed_text.replace("令和3年度", "令和4年度")
    assert import_table(next_year.encode(), publish=True).ok
    project = Project.objects.get(fiscal_year__year=2022, no=2)
    form = change_form(django_app, project, clerk)
    form["earlier_links-0-note"] = "令和3年度から継続"

    response = form.submit("_save")

    assert saved(response)
    assert (
        "変更しました" in response.follow().html.select_one(".messagelist").get_text()
    )
    project.refresh_from_db()
    assert project.version == 1  # the project itself is as it was
    assert project.earlier_links.get().note == "令和3年度から継続"
