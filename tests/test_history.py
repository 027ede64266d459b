"""Who changed what: every change kept with who, when, old and new values."""

from pathlib import Path

import pytest
from django.contrib.admin.models import LogEntry
from django.core.management import call_command

from budgets.importing import import_table
from budgets.models import FiscalYear, ImportEvent, Project
from tests.conftest import SEED
from tests.tables import project_line, seed_cells, to_text

pytestmark = pytest.mark.django_db


def test_an_import_is_one_event_and_every_project_links_to_it(admin_user):
    report = import_table(SEED.read_bytes(), filename="r03.txt", user=admin_user)

    event = ImportEvent.objects.get()
    assert report.event == event
    assert (event.filename, event.sha256) == ("r03.txt", report.sha256)
    assert (event.created, event.updated, event.unchanged) == (32, 0, 0)
    assert event.user == admin_user and event.years == "2021"
    records = Project.history.filter(import_event=event)
    assert records.count() == 32
    assert {r.history_type for r in records} == {"+"}
    assert {r.history_user_id for r in records} == {admin_user.pk}
    assert FiscalYear.history.get().import_event == event


def test_each_imported_project_s_first_record_is_the_project_as_stored():
    import_table(SEED.read_bytes(), filename="r03.txt")

    fields = [
        f.attname for f in Project._meta.concrete_fields if f.name != "search_text"
    ]
    for project in Project.objects.all():
        record = project.history.get()
        assert {name: getattr(record, name) for name in fields} == {
            name: getattr(project, name) for name in fields
        }
        assert record.history_change_reason == "取り込み: r03.txt"


def test_a_changed_import_records_old_and_new_values(seed_text):
    import_table(seed_text.encode(), filename="first.txt")
    rows = seed_cells(seed_text)
    rows[project_line(rows, 1) - 1][8] = "3,000,000"

    import_table(to_text(rows), filename="second.txt")

    second = ImportEvent.objects.get(filename="second.txt")
    assert second.updated == 1 and second.unchanged == 31
    new, old = Project.objects.get(no=1).history.all()[:2]
    assert new.import_event == second
    delta = new.diff_against(old)
    assert [
        (c.field, c.old, c.new) for c in delta.changes if c.field == "budgeted"
    ] == [("budgeted", 3_191_866, 3_000_000)]
    assert Project.objects.get(no=1).version == 2


def test_a_dry_run_records_no_event(seed_bytes):
    import_table(seed_bytes, dry_run=True)
    assert not ImportEvent.objects.exists()


def test_an_admin_edit_is_kept_with_who_made_it(django_app, admin_user, fy2021):
    project = Project.objects.get(no=1)
    page = django_app.get(
        f"/admin/budgets/project/{project.pk}/change/", user=admin_user
    )
    form = page.forms["project_form"]
    form["budgeted"] = "3100000"

    assert form.submit("_save").status_code == 302

    latest = project.history.first()
    assert latest.history_user == admin_user
    assert latest.budgeted == 3_100_000
    assert latest.prev_record.budgeted == 3_191_866


def test_the_history_page_shows_amounts_with_thousands_separators(
    django_app, admin_user, fy2021
):
    project = Project.objects.get(no=1)
    form = django_app.get(
        f"/admin/budgets/project/{project.pk}/change/", user=admin_user
    ).forms["project_form"]
    form["budgeted"] = "3100000"
    assert form.submit("_save").status_code == 302

    history = django_app.get(
        f"/admin/budgets/project/{project.pk}/history/", user=admin_user
    )
    table = history.html.select_one("#change-history")
    newest = [
        cell.get_text(" ", strip=True) for cell in table.select("tbody tr")[0]("td")
    ]
    # 予算額, 要求額, the import record (none: an edit), ..., what changed
    assert newest[1:4] == ["3,100,000", "3,826,938", ""]
    assert " ".join(newest[-1].split()) == "予算額（千円）: 3,191,866 → 3,100,000"
    assert "None" not in table.get_text()


def test_the_history_page_reads_a_category_as_the_table_writes_it(
    django_app, admin_user, fy2021
):
    # helper-18: the history said "levelup → new"
    project = Project.objects.get(no=1)
    form = django_app.get(
        f"/admin/budgets/project/{project.pk}/change/", user=admin_user
    ).forms["project_form"]
    form["category"] = "new"
    form["requested_levelup"] = form["budgeted_levelup"] = ""
    assert form.submit("_save").status_code == 302

    history = django_app.get(
        f"/admin/budgets/project/{project.pk}/history/", user=admin_user
    )
    newest = history.html.select_one("#change-history tbody tr")("td")[-1]
    assert "二次経費区分: レベルアップ → 新規" in " ".join(newest.get_text().split())
    assert "levelup →" not in history.text and "→ new" not in history.text


def test_the_history_page_shows_a_line_break_added_to_a_description(
    django_app, admin_user, fy2021
):
    # helper-13: a change that only added a line break looked like none
    project = Project.objects.get(no=1)
    form = django_app.get(
        f"/admin/budgets/project/{project.pk}/change/", user=admin_user
    ).forms["project_form"]
    form["description"] = project.description.replace("、", "、\r\n", 1)
    assert form.submit("_save").status_code == 302

    history = django_app.get(
        f"/admin/budgets/project/{project.pk}/history/", user=admin_user
    )
    newest = history.html.select_one("#change-history tbody tr")("td")[-1]
    assert "、<br/>" in str(newest)  # the new text, its line break shown


def test_the_history_page_names_a_command_import_as_who_changed_it(
    django_app, admin_user, fy2021
):
    # the seed went in by the command: no user, but not nobody
    project = Project.objects.get(no=1)
    history = django_app.get(
        f"/admin/budgets/project/{project.pk}/history/", user=admin_user
    )
    header = [
        th.get_text(strip=True) for th in history.html.select("#change-history th")
    ]
    record = history.html.select_one("#change-history tbody tr")("td")
    changed_by = record[header.index("変更した人")].get_text(strip=True)
    assert changed_by == "取り込み（コマンド）"


def test_the_history_page_reads_every_import_in_one_query(
    django_app, admin_user, fy2021, django_assert_max_num_queries
):
    project = Project.objects.get(no=1)
    record = project.history.first()
    for _ in range(5):  # five more records of the command's import
        record.pk = record.history_id = None
        record.save()
    url = f"/admin/budgets/project/{project.pk}/history/"
    django_app.get(url, user=admin_user)  # the session and the admin's first queries
    with django_assert_max_num_queries(12) as queries:
        page = django_app.get(url, user=admin_user)
    assert page.text.count("取り込み（コマンド）") == 6
    assert sum("budgets_importevent" in q["sql"] for q in queries.captured_queries) == 1


def test_the_history_page_reads_a_flag_in_words(django_app, admin_user, fy2021):
    form = django_app.get(
        f"/admin/budgets/fiscalyear/{fy2021.pk}/change/", user=admin_user
    ).forms["fiscalyear_form"]
    form["is_published"] = False
    assert form.submit("_save").status_code == 302

    history = django_app.get(
        f"/admin/budgets/fiscalyear/{fy2021.pk}/history/", user=admin_user
    )
    changes = history.html.select_one("#change-history tbody tr")("td")[-1]
    assert (
        " ".join(changes.get_text(" ", strip=True).split()) == "公開中: はい → いいえ"
    )


def test_the_history_list_template_is_simple_history_s_but_for_its_values():
    # templates/admin/budgets/object_history_list.html is a copy: an upgrade of
    # simple-history that changes its own must be looked at again
    import simple_history
    from django.conf import settings

    upstream = (
        Path(simple_history.__file__).parent
        / "templates/simple_history/object_history_list.html"
    ).read_text()
    ours = (
        settings.BASE_DIR / "templates/admin/budgets/object_history_list.html"
    ).read_text()
    for theirs, mine in [
        ("{% load getattribute from getattributes %}", "{% load budget_admin %}"),
        ("{{ record|getattribute:column }}", "{{ record|history_cell:column }}"),
        (
            "{{ record.history_change_reason }}",
            '{{ record.history_change_reason|default_if_none:"" }}',
        ),
        (
            '          {% else %}\n            {% trans "None" %}',
            "          {% elif record.import_event_id %}\n"
            "            {% blocktranslate with via=record.import_event.get_via_display"
            " %}取り込み（{{ via }}）{% endblocktranslate %}\n"
            '          {% else %}\n            {% trans "None" %}',
        ),
    ]:
        assert upstream.count(theirs) == 1
        upstream = upstream.replace(theirs, mine)
    assert ours.split("\n", 1)[1] == upstream  # after our first line, a comment


def test_history_pages_open_in_the_admin(admin_client, fy2021):
    project = Project.objects.get(no=1)
    assert (
        admin_client.get(f"/admin/budgets/project/{project.pk}/history/").status_code
        == 200
    )
    event = ImportEvent.objects.get()
    page = admin_client.get(f"/admin/budgets/importevent/{event.pk}/change/")
    assert page.status_code == 200
    assert "融資事業" in page.content.decode()


def test_publishing_and_unpublishing_are_recorded(admin_client, fy2021):
    url = "/admin/budgets/fiscalyear/"
    admin_client.post(url, {"action": "unpublish", "_selected_action": [fy2021.pk]})
    admin_client.post(url, {"action": "publish", "_selected_action": [fy2021.pk]})

    states = [r.is_published for r in FiscalYear.history.order_by("history_id")]
    assert states == [True, False, True]
    messages = list(
        LogEntry.objects.order_by("id").values_list("change_message", flat=True)
    )
    assert messages == ["非公開にしました", "公開しました"]


def test_the_command_import_is_recorded_without_a_user():
    call_command("import_budget_table", str(SEED))
    event = ImportEvent.objects.get()
    assert event.user is None and event.via == "command"
