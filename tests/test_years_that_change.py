"""Years that change: FY2021 (the seed) then a FY2022 in which 防災危機管理室 became
防災危機管理部, 図書文化財課 moved to another department, a project was renamed, one
split in two, two merged and one is truly new. The import proposes each change
rightly, never towards a later year; once accepted, the pages, the API and the open
data follow the projects through the change."""

import csv
import io

import pytest
from django.core.management import call_command
from django.db.models import F
from django_webtest import WebTestMixin  # noqa: F401  (the django_app fixture)

from budgets import caching
from budgets.importing import import_table
from budgets.importing.proposing import Decisions
from budgets.management.commands.import_budget_table import describe
from budgets.models import (
    Department,
    DepartmentSuccession,
    FiscalYear,
    ImportEvent,
    Project,
    ProjectLink,
    SectionSuccession,
)
from tests import years_that_change as change
from tests.tables import project_line, seed_cells, to_text
from tests.test_uploads import clerk, form_with, preview  # noqa: F401

pytestmark = pytest.mark.django_db


@pytest.fixture
def fy2022_table(seed_text) -> bytes:
    return change.fy2022_table(seed_text)


@pytest.fixture
def proposed(fy2021, fy2022_table):
    report = import_table(fy2022_table, filename="r04.txt", dry_run=True)
    assert report.ok, report.problems
    return report.plan


@pytest.fixture
def accepted(fy2021, fy2022_table):
    """FY2022 imported and published with every confident proposal accepted."""
    report = import_table(
        fy2022_table,
        filename="r04.txt",
        publish=True,
        decisions=Decisions(confident=True),
    )
    assert report.ok, report.problems
    return report


def proposals_by_name(plan) -> dict:
    return {p.row.name: p for year in plan.years for p in year.proposals}


def project(year: int, no: int) -> Project:
    return Project.objects.get(fiscal_year__year=year, no=no)


# --- what the import proposes -----------------------------------------------------


def test_a_renamed_department_is_proposed_with_its_sections(proposed):
    (renamed,) = [p for p in proposed.organisations if p.level == "department"]

    assert renamed.message == "防災危機管理室 → 防災危機管理部（名称変更）と思われます"
    assert renamed.kind == "renamed" and renamed.confident
    assert renamed.sections == [
        ("防災危機管理室", "危機管理・生活安全担当"),
        ("防災危機管理室", "防災課"),
    ]
    assert "課 2 / 2 が同じ名前" in renamed.evidence


def test_a_section_moved_to_another_department_is_proposed(proposed):
    (moved,) = [p for p in proposed.organisations if p.level == "section"]

    assert moved.predecessor == ("教育推進部", "図書文化財課")
    assert moved.successor == ("産業・地域振興支援部", "図書文化財課")
    assert moved.kind == "moved"


def test_the_renamed_departments_projects_are_proposed_with_their_evidence(proposed):
    proposals = proposals_by_name(proposed)

    for name, no in (("客引き防止プロジェクト", 7), ("避難所機能の強化", 18)):
        best = proposals[name].best
        assert (best.year, best.no) == (2021, no)
        assert best.score == 1.0
        assert best.evidence[0].endswith("・名称一致")
        assert best.evidence[0].startswith("前身の課（防災危機管理室")


def test_a_renamed_project_is_proposed_with_its_name_similarity(proposed):
    no, old, new = change.RENAMED_PROJECT
    proposal = proposals_by_name(proposed)[new]

    assert (proposal.best.no, proposal.best.name) == (no, old)
    assert proposal.kind == "continues" and proposal.confident
    assert proposal.best.evidence[0] == "同じ課・名称が類似 0.86"


def test_a_split_proposes_the_same_earlier_project_for_both_parts(proposed):
    _no, old, first, second = change.SPLIT
    proposals = proposals_by_name(proposed)

    for part in (first, second):
        assert proposals[part].best.name == old
        assert proposals[part].kind == "split_from"
        assert f"同じ課・名称を含む（{old}）" in proposals[part].best.evidence


def test_a_merge_proposes_both_earlier_projects(proposed):
    first, second, name = change.MERGED
    proposal = proposals_by_name(proposed)[name]

    assert proposal.kind == "merged_from"
    assert {c.no for c in proposal.proposed} == {first, second}


def test_last_years_projects_nothing_continues_are_listed(fy2021, seed_text):
    # helper-13: a project the new table lost was listed nowhere
    rows = seed_cells(seed_text.replace("令和3年度", "令和4年度"))
    del rows[project_line(rows, 17) - 1]  # 医療安全支援センターの設置

    report = import_table(to_text(rows), dry_run=True)

    [year] = report.plan.years
    assert [(v["no"], v["name"]) for v in year.ended] == [
        (17, "医療安全支援センターの設置")
    ]
    said = "\n".join(describe(report))
    assert "令和3年度 No 17 医療安全支援センターの設置: continued by no project" in said


def test_the_preview_lists_last_years_projects_nothing_continues(
    django_app,
    clerk,  # noqa: F811
    fy2021,
    seed_text,
):
    rows = seed_cells(seed_text.replace("令和3年度", "令和4年度"))
    del rows[project_line(rows, 17) - 1]

    page = preview(django_app, clerk, to_text(rows), "r04.txt")

    heading = page.html.select_one(".import-ended").get_text()
    assert heading == (
        "令和3年度（2021年度）の事業で、この表のどの事業にもつながらないもの 1 件"
    )
    assert "No 17 医療安全支援センターの設置（みなと保健所）" in page.text


def test_a_project_a_proposal_may_continue_is_not_listed_as_ended(proposed):
    # a renamed or moved project is the clerk's to link, in the proposals
    [year] = proposed.years
    candidates = {c.no for proposal in year.proposals for c in proposal.candidates}
    assert candidates and not candidates & {v["no"] for v in year.ended}


def test_a_truly_new_project_is_not_matched(proposed):
    assert change.NEW_PROJECT not in proposals_by_name(proposed)
    new_rows = [row.name for row in proposed.years[0].new]
    assert change.NEW_PROJECT in new_rows


def test_proposals_never_link_towards_a_later_year(fy2022_table, seed_bytes):
    import_table(fy2022_table, filename="r04.txt", publish=True)
    report = import_table(seed_bytes, filename="r03.txt", dry_run=True)

    (year,) = report.plan.years
    assert year.year == 2021
    assert year.proposals == [] and year.links == []
    assert report.plan.organisations == []


def test_a_plain_import_proposes_but_links_nothing_it_was_not_told_to(
    fy2021, fy2022_table
):
    report = import_table(fy2022_table, filename="r04.txt")

    assert report.ok and report.written
    assert not DepartmentSuccession.objects.exists()
    assert project(2022, 7).lineage_id != project(2021, 7).lineage_id
    assert ImportEvent.objects.first().accepted_proposals == []


def test_a_choice_the_import_did_not_propose_refuses_the_import(fy2021, fy2022_table):
    later_year_project = project(2021, 10).pk + 1000
    report = import_table(
        fy2022_table, decisions=Decisions(links={"2022-7": [later_year_project]})
    )

    assert not report.ok and not report.written
    assert "提案にない事業" in str(report.problems[0])
    assert not Project.objects.filter(fiscal_year__year=2022).exists()


# --- accepted: the record, the pages, the API, the open data ----------------------


def test_accepted_proposals_are_recorded_as_successions_links_and_on_the_import(
    accepted,
):
    succession = DepartmentSuccession.objects.get()
    assert (succession.predecessor.name, succession.successor.name) == (
        "防災危機管理室",
        "防災危機管理部",
    )
    assert (succession.kind, succession.from_year) == ("renamed", 2022)
    assert SectionSuccession.objects.count() == 3  # two with the department, one moved
    kinds = dict(
        ProjectLink.objects.filter(later__fiscal_year__year=2022)
        .exclude(kind="continues")
        .values_list("later__name", "kind")
    )
    assert (
        kinds["融資事業（運転資金）"] == kinds["融資事業（設備資金）"] == "split_from"
    )
    assert kinds[change.MERGED[2]] == "merged_from"
    record = accepted.event.accepted_proposals
    assert "防災危機管理室 → 防災危機管理部（名称変更）と思われます" in record
    assert any(line.startswith("No 7 客引き防止プロジェクト ←") for line in record)
    assert project(2022, 7).history.first().import_event == accepted.event


def test_the_project_page_follows_the_lineage_across_renames(client, accepted):
    page = client.get("/projects/2022/2/").content.decode()
    assert "/projects/2021/2/" in page and "旧名: シティプロモーション推進事業" in page

    page = client.get("/projects/2022/7/").content.decode()
    assert "/projects/2021/7/" in page and "旧部: 防災危機管理室" in page


def test_a_merged_and_a_split_project_show_both_sides(client, accepted):
    first, second, _name = change.MERGED
    merged = client.get(f"/projects/2022/{first}/").content.decode()
    assert f"/projects/2021/{first}/" in merged
    assert f"/projects/2021/{second}/" in merged

    split = client.get("/projects/2021/1/").content.decode()
    assert "/projects/2022/1/" in split and "/projects/2022/33/" in split
    assert "新名: 融資事業（設備資金）" in split


def test_the_department_page_shows_its_predecessor_and_successor(client, accepted):
    new = DepartmentSuccession.objects.get()
    page = client.get(new.successor.get_absolute_url()).content.decode()
    assert "前身:" in page and new.predecessor.get_absolute_url() in page

    page = client.get(new.predecessor.get_absolute_url()).content.decode()
    assert "後継:" in page and new.successor.get_absolute_url() in page


def test_a_draft_years_reorganisation_is_not_on_the_public_pages(client, accepted):
    # helper-13: a draft FY2022's rename showed on FY2021's department pages, its
    # successor a link to a page that answers 404
    FiscalYear.objects.filter(year=2022).update(is_published=False)
    caching.bump_data_version()  # as the admin's unpublishing does on commit
    old = DepartmentSuccession.objects.get().predecessor
    moved_from = (
        SectionSuccession.objects.exclude(predecessor__department=old)
        .get()
        .predecessor.department
    )

    for department in (old, moved_from):
        page = client.get(department.get_absolute_url()).content.decode()
        assert "後継:" not in page and "組織改正" not in page, department.name

    FiscalYear.objects.filter(year=2022).update(is_published=True)
    caching.bump_data_version()
    page = client.get(old.get_absolute_url()).content.decode()
    assert "後継:" in page


def test_the_year_overview_compares_a_renamed_department_with_its_predecessor(
    client, accepted
):
    rows = {
        row["section__department__name"]: row
        for row in client.get("/years/2022/").context["by_department"]
    }

    renamed = rows["防災危機管理部"]
    assert renamed["previous"]["budgeted"] == 342_189 + 99_489
    assert renamed["predecessors"] == ["防災危機管理室（改称）"]


def test_the_english_overview_writes_a_predecessor_in_english_brackets(
    client, accepted
):
    # helper-13: 「防災危機管理室（Renamed）」
    client.cookies["django_language"] = "en"
    page = client.get("/years/2022/").content.decode()

    assert "防災危機管理室 (Renamed)" in page and "（Renamed）" not in page


def test_a_split_departments_predecessor_is_counted_once(client, fy2021, seed_text):
    rows = change.fy2022_rows(seed_text)
    for cells in rows:  # 環境リサイクル支援部 splits: 環境課 goes to a new 環境部
        if len(cells) == 10 and cells[1:3] == ["環境リサイクル支援部", "環境課"]:
            cells[1] = "環境部"
        elif len(cells) == 10 and cells[1] == "環境リサイクル支援部":
            cells[1] = "資源循環部"
    from tests.tables import to_text

    report = import_table(
        to_text(rows), publish=True, decisions=Decisions(confident=True)
    )
    assert report.ok, report.problems
    split = {
        p.successor[0]: p for p in report.plan.successions if p.level == "department"
    }
    assert split["環境部"].kind == split["資源循環部"].kind == "split"

    by_department = client.get("/years/2022/").context["by_department"]
    shown = [row for row in by_department if row["shared"]]
    assert {row["section__department__name"] for row in shown} == {
        "環境部",
        "資源循環部",
    }
    previous = [row["previous"]["budgeted"] for row in shown if row["previous"]]
    earlier = fy2021.projects.filter(section__department__name="環境リサイクル支援部")
    assert previous == [earlier.totals()["budgeted"]]  # once, not twice


def test_the_api_history_and_the_open_data_carry_the_lineage_id(client, accepted):
    lineage = str(project(2021, 7).lineage.public_id)
    assert project(2022, 7).lineage.public_id == project(2021, 7).lineage.public_id

    history = client.get("/api/projects/2022/7/history/").json()
    assert [item["year"] for item in history] == [2021, 2022]
    assert {item["lineage"] for item in history} == {lineage}

    text = b"".join(client.get("/projects.csv").streaming_content).decode("utf-8-sig")
    rows = list(csv.DictReader(io.StringIO(text)))
    ids = {(row["年度"], row["No"]): row["系譜ID"] for row in rows}
    assert ids[("2021", "7")] == ids[("2022", "7")] == lineage
    assert ids[("2022", "34")] not in {ids[(y, n)] for y, n in ids if y == "2021"}


# --- the command ------------------------------------------------------------------


def test_the_command_lists_proposals_on_a_dry_run_and_accepts_them_on_request(
    fy2021, fy2022_table, tmp_path, capsys
):
    path = tmp_path / "r04.txt"
    path.write_bytes(fy2022_table)

    call_command("import_budget_table", str(path), "--dry-run")
    listed = capsys.readouterr().out
    assert "? 防災危機管理室 → 防災危機管理部（名称変更）と思われます [0.83]" in listed
    assert "? No 2 シティプロモーション支援事業: 継続" in listed
    assert "同じ課・名称が類似 0.86" in listed
    assert "accepted" not in listed

    call_command("import_budget_table", str(path), "--link-suggestions")
    done = capsys.readouterr().out
    assert "名称変更）と思われます [0.83] -> accepted" in done
    assert (
        "シティプロモーション推進事業（産業・地域振興支援部 観光政策担当） -> accepted"
        in done
    )
    assert DepartmentSuccession.objects.count() == 1
    assert project(2022, 2).lineage_id == project(2021, 2).lineage_id


# --- the admin's preview ----------------------------------------------------------


def test_staff_accept_reject_and_pick_in_the_preview(
    django_app,
    clerk,  # noqa: F811
    fy2021,
    fy2022_table,
):
    page = preview(django_app, clerk, fy2022_table, name="r04.txt")
    assert "防災危機管理室 → 防災危機管理部（名称変更）と思われます" in page.text
    assert "同じ課・名称が類似 0.86" in page.text
    form = form_with(page, "upload")
    renamed, moved = form.fields["organisations"]
    assert renamed.checked and moved.checked  # what the import would accept itself
    moved.checked = False  # reject the section move
    form["link_2022-2"] = ""  # reject the renamed project
    _first, second, _name = change.MERGED
    form["link_2022-23"] = str(project(2021, second).pk)  # only one of the merge

    form.submit("confirm", user=clerk).follow(user=clerk)

    assert DepartmentSuccession.objects.count() == 1
    assert SectionSuccession.objects.count() == 2  # the rename's, not the move
    assert project(2022, 2).lineage_id != project(2021, 2).lineage_id
    merged_into = project(2022, 23)
    assert merged_into.lineage_id == project(2021, second).lineage_id
    assert ProjectLink.objects.get(later=merged_into).kind == "continues"
    assert project(2022, 7).lineage_id == project(2021, 7).lineage_id
    record = ImportEvent.objects.first().accepted_proposals
    assert not any("図書文化財課" in line and "→" in line for line in record[:2])


# --- the backup -------------------------------------------------------------------


def test_a_backup_carries_the_successions_and_links_byte_for_byte(
    client, seed_bytes, fy2022_table, tmp_path
):
    from tests.test_backup import empty_the_database, public_site

    empty_the_database()  # identifiers from 1, as in the database restored into
    import_table(seed_bytes, filename="r03.txt", publish=True)
    import_table(fy2022_table, publish=True, decisions=Decisions(confident=True))
    before = public_site(client)
    backup = tmp_path / "backup.csv"
    call_command("export_budget_table", "--backup", "-o", str(backup))
    recorded = {
        "departments": list(
            DepartmentSuccession.objects.values_list(
                "predecessor__name", "successor__name", "kind", "from_year"
            )
        ),
        "sections": sorted(
            SectionSuccession.objects.values_list(
                "predecessor__name", "successor__department__name", "kind"
            )
        ),
        "links": sorted(
            ProjectLink.objects.values_list(
                "earlier__fiscal_year__year", "earlier__no", "later__no", "kind"
            )
        ),
        "lineages": sorted(
            Project.objects.values_list("fiscal_year__year", "no", "lineage__public_id")
        ),
    }

    empty_the_database()
    call_command("import_budget_table", str(backup))

    assert public_site(client) == before
    again = tmp_path / "again.csv"
    call_command("export_budget_table", "--backup", "-o", str(again))
    assert again.read_bytes() == backup.read_bytes()
    assert (
        list(
            DepartmentSuccession.objects.values_list(
                "predecessor__name", "successor__name", "kind", "from_year"
            )
        )
        == recorded["departments"]
    )
    assert (
        sorted(
            SectionSuccession.objects.values_list(
                "predecessor__name", "successor__department__name", "kind"
            )
        )
        == recorded["sections"]
    )
    assert (
        sorted(
            ProjectLink.objects.values_list(
                "earlier__fiscal_year__year", "earlier__no", "later__no", "kind"
            )
        )
        == recorded["links"]
    )
    assert (
        sorted(
            Project.objects.values_list("fiscal_year__year", "no", "lineage__public_id")
        )
        == recorded["lineages"]
    )


# --- the admin: recording a reorganisation, correcting a link ---------------------


def test_a_clerk_records_a_reorganisation_and_the_past_keeps_its_name(
    django_app,
    clerk,  # noqa: F811
    fy2021,
):
    old = Department.objects.get(name="防災危機管理室")
    page = django_app.get("/admin/budgets/department/", user=clerk)
    form = page.forms["changelist-form"]
    form["action"] = "record_reorganisation"
    form.get(
        "_selected_action",
        index=list(
            Department.objects.order_by("name").values_list("pk", flat=True)
        ).index(old.pk),
    ).checked = True
    page = form.submit(user=clerk)
    form = page.forms["reorganisation_form"]
    form["name"] = "防災危機管理部"
    form["kind"] = "renamed"
    form["from_year"] = "2022"

    form.submit("apply", user=clerk).follow(user=clerk)

    new = Department.objects.get(name="防災危機管理部")
    succession = DepartmentSuccession.objects.get()
    assert (succession.predecessor, succession.successor) == (old, new)
    assert succession.history.first().history_user == clerk
    assert sorted(new.sections.values_list("name", flat=True)) == [
        "危機管理・生活安全担当",
        "防災課",
    ]
    assert SectionSuccession.objects.count() == 2
    assert project(2021, 7).section.department == old  # the past keeps its name
    report = import_table(change.fy2022_table(fy2021_seed()), dry_run=True)
    proposal = proposals_by_name(report.plan)["客引き防止プロジェクト"]
    assert proposal.best.evidence[0].startswith("前身の課（防災危機管理室")


def fy2021_seed() -> str:
    from tests.conftest import SEED

    return SEED.read_text(encoding="utf-8")


def test_a_clerk_corrects_a_link_and_the_lineage_follows(
    django_app,
    clerk,  # noqa: F811
    fy2021,
    fy2022_table,
):
    import_table(fy2022_table, publish=True)  # nothing proposed was accepted
    renamed, earlier = project(2022, 2), project(2021, 2)
    assert renamed.lineage_id != earlier.lineage_id
    page = django_app.get(f"/admin/budgets/project/{renamed.pk}/change/", user=clerk)
    form = page.forms["project_form"]
    form["earlier_links-0-earlier"] = str(earlier.pk)
    form["earlier_links-0-kind"] = "continues"

    form.submit("_save", user=clerk)

    renamed.refresh_from_db()
    assert renamed.lineage_id == earlier.lineage_id
    link = ProjectLink.objects.get(later=renamed)
    assert link.history.first().history_user == clerk
    assert renamed.history.first().lineage_id == earlier.lineage_id

    link.delete()  # and undone: the project leaves the earlier lineage
    renamed.refresh_from_db()
    assert renamed.lineage_id != earlier.lineage_id


def test_a_department_with_no_project_this_year_is_named_with_last_years_budget(
    client, fy2021, seed_text
):
    # helper-13: みなと保健所 vanished; the earlier column did not add up to the
    # earlier year's total
    rows = seed_cells(seed_text.replace("令和3年度", "令和4年度"))
    del rows[project_line(rows, 17) - 1]  # みなと保健所's one project
    assert import_table(to_text(rows), publish=True).ok

    response = client.get("/years/2022/")

    [ended] = response.context["ended_departments"]
    assert ended["section__department__name"] == "みなと保健所"
    by_department = response.context["by_department"]
    earlier = sum(row["previous"]["budgeted"] for row in by_department)
    assert (
        earlier + ended["budgeted"] == response.context["previous_totals"]["budgeted"]
    )
    said = response.content.decode()
    assert "この年度に事業のない部" in said and "みなと保健所（4,472）" in said


def test_the_overview_says_which_section_moved_in_or_out(client, accepted):
    # helper-13: a department that gained a section showed +227.5 % with no word
    renamed = DepartmentSuccession.objects.get()  # its sections went with it
    moved = (
        SectionSuccession.objects.exclude(
            predecessor__department=F("successor__department")
        )
        .exclude(predecessor__department=renamed.predecessor)
        .get()
    )
    section = moved.successor.name
    to, source = moved.successor.department.name, moved.predecessor.department.name
    rows = {
        row["section__department__name"]: row
        for row in client.get("/years/2022/").context["by_department"]
    }

    assert rows[to]["moved_in"] == [(section, source)]
    assert rows[source]["moved_out"] == [(section, to)]
    page = client.get("/years/2022/").content.decode()
    assert f"移管で加わった課: {section}（{source}から）" in page
    assert rows[renamed.successor.name]["moved_in"] == []  # compared whole


def test_the_english_overview_names_an_ended_department_in_english_brackets(
    client, fy2021, seed_text
):
    rows = seed_cells(seed_text.replace("令和3年度", "令和4年度"))
    del rows[project_line(rows, 17) - 1]
    assert import_table(to_text(rows), publish=True).ok
    client.cookies["django_language"] = "en"

    page = client.get("/years/2022/").content.decode()

    assert "みなと保健所 (4,472)" in page and "みなと保健所（" not in page


def test_last_years_table_under_a_new_title_is_said_to_repeat_it(
    django_app,
    clerk,  # noqa: F811
    fy2021,
    seed_text,
):
    # helper-13: FY2022's rows titled 令和5年度 went in as a new year, unremarked
    repeated = seed_text.replace("令和3年度", "令和4年度").encode()

    page = preview(django_app, clerk, repeated, "r04.txt")

    said = page.html.select_one(".import-repeats").get_text()
    assert "令和3年度（2021年度）の事業と No・事業名・金額がすべて同じです" in said
    report = import_table(repeated, dry_run=True)
    assert "every project is 令和3年度's" in "\n".join(describe(report))


def test_a_next_year_with_one_amount_changed_is_not_said_to_repeat(fy2021, seed_text):
    changed = seed_text.replace("令和3年度", "令和4年度").replace(
        "3,191,866", "3,191,867", 1
    )

    report = import_table(changed.encode(), dry_run=True)

    assert report.ok and not report.plan.years[0].repeats_previous
