"""What an import would change, read from the database and written nowhere."""

import pytest

from budgets.importing import parse_table, plan_import, read_source
from budgets.models import FiscalYear, Project

pytestmark = pytest.mark.django_db


def plan_of(text: str, **kwargs):
    table = parse_table(read_source(text.encode()))
    assert not table.problems, table.problems
    return plan_import(table, **kwargs)


def test_an_unchanged_table_plans_no_change(fy2021, seed_text):
    plan = plan_of(seed_text)

    assert not plan.has_changes
    assert (plan.count("new"), plan.count("unchanged")) == (0, 32)


def test_a_changed_amount_is_planned_field_by_field_and_nothing_is_written(
    fy2021, seed_text
):
    before = Project.objects.get(no=1).budgeted

    plan = plan_of(seed_text.replace("3,191,866", "3,000,000"))

    [change] = plan.years[0].changed
    assert [(c.field, c.old, c.new) for c in change.changes] == [
        ("budgeted", 3191866, 3000000)
    ]
    assert Project.objects.get(no=1).budgeted == before == 3191866  # read only


def test_a_new_year_links_projects_of_the_same_name_to_the_year_before(
    fy2021, seed_text
):
    next_year = seed_text.replace("令和3年度", "令和4年度")

    plan = plan_of(next_year)

    year = plan.years[0]
    assert (year.year, year.fiscal_year, year.previous_year) == (2022, None, 2021)
    assert len(year.new) == len(year.links) == 32
    assert {link.earlier_year for link in year.links} == {2021}
    assert year.previous_totals == FiscalYear.objects.get(year=2021).totals()
