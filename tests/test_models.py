"""The rules of the table hold in the database and in the forms clerks use."""

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction
from django.db.models import Model
from django.utils import translation

from budgets.models import FiscalYear, Project
from tests.factories import make_fiscal_year, make_project, make_theme

pytestmark = pytest.mark.django_db


def test_a_year_is_shown_with_its_era():
    assert str(make_fiscal_year(year=2021)) == "令和3年度（2021年度）"
    assert make_fiscal_year(year=2019).era_label == "令和元年度"
    assert make_fiscal_year(year=2018).era_label == "平成30年度"


@pytest.mark.parametrize(
    "changes",
    [
        {"requested": -1},
        {"budgeted": -5},
        {"category": "levelup", "requested_levelup": 10, "budgeted_levelup": None},
        {"category": "new", "requested_levelup": 0},
        {"category": "levelup", "requested_levelup": 30000, "budgeted_levelup": 0},
        {"category": "levelup", "requested_levelup": 0, "budgeted_levelup": 30000},
        {"category": "temporary"},
        {"requested": 10**12 + 1},  # above 1,000兆円: a budget line's limit
        {"budgeted": 10**12 + 1},
    ],
)
def test_the_database_refuses_amounts_that_break_the_rules(changes):
    project = make_project(requested=27638, budgeted=27638)
    with pytest.raises(IntegrityError), transaction.atomic():
        Project.objects.filter(pk=project.pk).update(**changes)


def test_the_database_allows_zero_as_a_real_amount():
    project = make_project(
        category=Project.Category.LEVELUP,
        requested=100,
        requested_levelup=0,
        budgeted=0,
        budgeted_levelup=0,
    )
    project.refresh_from_db()
    assert (project.budgeted, project.budgeted_levelup) == (0, 0)


def test_no_is_unique_within_a_year_only():
    first = make_project(no=1)
    make_project(no=1, fiscal_year=make_fiscal_year(year=2022))
    with pytest.raises(IntegrityError), transaction.atomic():
        make_project(no=1, fiscal_year=first.fiscal_year, theme=first.theme)


def test_clean_explains_a_level_up_part_larger_than_its_whole():
    project = make_project(
        category=Project.Category.LEVELUP, requested_levelup=10, budgeted_levelup=10
    )
    project.requested_levelup = 30000

    with pytest.raises(ValidationError) as error:
        project.full_clean()

    messages = error.value.message_dict
    assert list(messages) == ["requested_levelup"]
    assert "30,000 千円" in messages["requested_levelup"][0]
    assert "27,638 千円" in messages["requested_levelup"][0]


def test_clean_asks_for_the_level_up_part_of_a_level_up_project():
    project = make_project()
    project.category = Project.Category.LEVELUP

    with pytest.raises(ValidationError) as error:
        project.full_clean()

    assert set(error.value.message_dict) == {"requested_levelup", "budgeted_levelup"}


def test_clean_refuses_a_theme_of_another_year():
    project = make_project()
    project.theme = make_theme(fiscal_year=make_fiscal_year(year=2022))

    with pytest.raises(ValidationError) as error:
        project.full_clean()

    assert list(error.value.message_dict) == ["theme"]


def test_search_ignores_width_case_and_kana(fy2021):
    assert list(Project.objects.search("ＧＩＧＡ").values_list("no", flat=True)) == [26]
    assert list(Project.objects.search("giga").values_list("no", flat=True)) == [26]
    assert 3 in Project.objects.search("ﾜｰﾙﾄﾞ").values_list("no", flat=True)
    assert Project.objects.search("みなと たばこ").get().no == 21
    # department and section names are searched too
    assert Project.objects.search("観光政策担当").count() == 2


def test_a_wave_dash_typed_on_a_mac_finds_windows_full_width_tilde_and_back(fy2021):
    # helper-17: スマホ教室〜シニア found nothing written スマホ教室～シニア
    Project.objects.filter(no=3).update(name="スマホ教室～シニア向け")
    Project.objects.filter(no=4).update(name="入門編〜上級編")
    for project in Project.objects.filter(no__in=[3, 4]):
        project.save()  # the search text follows the name

    assert Project.objects.search("スマホ教室〜シニア").get().no == 3
    assert Project.objects.search("入門編～上級").get().no == 4


def test_the_migration_writes_every_search_text_again(fy2021):
    from budgets.models.search import rebuild_search_texts

    Project.objects.filter(no=3).update(name="入門編〜上級編", search_text="stale")

    rebuild_search_texts(Project)

    assert Project.objects.search("入門編～上級").get().no == 3
    assert not Project.objects.filter(search_text="stale").exists()


def test_renaming_a_section_keeps_search_in_step(fy2021):
    project = Project.objects.get(no=2)
    section = project.section
    section.name = "シティプロモーション担当"
    section.save()
    assert Project.objects.search("シティプロモーション担当").count() == 2


def test_totals_add_up_the_seed(fy2021):
    totals = FiscalYear.objects.get(year=2021).projects.totals()
    assert totals["count"] == 32
    assert totals["new_count"] == 10
    assert totals["levelup_count"] == 22
    assert totals["budgeted"] == 13_573_990


def test_an_import_record_names_its_time_as_the_admin_shows_times():
    from datetime import UTC, datetime

    from budgets.models import ImportEvent

    event = ImportEvent.objects.create(filename="r04.txt", sha256="0" * 64)
    ImportEvent.objects.filter(pk=event.pk).update(
        created_at=datetime(2026, 12, 1, 17, 3, tzinfo=UTC)
    )
    event.refresh_from_db()
    assert str(event) == "r04.txt (2026-12-02 02:03)"  # TIME_ZONE Asia/Tokyo
    assert str(ImportEvent(filename="r05.txt")) == "r05.txt"  # not saved: no time


@pytest.mark.parametrize("language", ["ja", "en"])
@pytest.mark.parametrize(
    "category", ["new", "levelup", "other", "", None, b"new", ["new"], 5]
)
def test_a_category_reads_as_django_s_own_display_reads_it(language, category):
    project = Project(category=category)
    field = Project._meta.get_field("category")
    with translation.override(language):
        django_s = Model._get_FIELD_display(project, field)
        assert project.get_category_display() == django_s
        assert type(project.get_category_display()) is type(django_s)
    with translation.override("en"):
        if category == "levelup":
            assert project.get_category_display() == "Level-up"


def single_column_indexes(model) -> set[str]:
    """The columns of ``model``'s table that have an index of their own."""
    with connection.cursor() as cursor:
        found = connection.introspection.get_constraints(cursor, model._meta.db_table)
    return {
        columns[0]
        for info in found.values()
        if info["index"] and len(columns := info["columns"]) == 1
    }


def test_every_import_writes_only_the_indexes_that_reads_use():
    # a year's projects are found by the unique (fiscal_year, no): no second index
    project = single_column_indexes(Project)
    assert "fiscal_year_id" not in project
    assert {"section_id", "theme_id", "lineage_id", "category"} <= project
    with connection.cursor() as cursor:
        constraints = connection.introspection.get_constraints(
            cursor, Project._meta.db_table
        )
    assert constraints["project_no_unique_per_year"]["columns"] == [
        "fiscal_year_id",
        "no",
    ]
    # the history is read by its project and by its import, never by its copies
    # of the project's keys
    history = single_column_indexes(Project.history.model)
    assert {"id", "import_event_id"} <= history
    assert not history & {
        "fiscal_year_id",
        "theme_id",
        "section_id",
        "lineage_id",
        "source_event_id",
    }
