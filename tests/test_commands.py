"""The yearly import and the export from the command line."""

import csv
import io

import pytest
from django.core.management import CommandError, call_command

from budgets.exporting import csv_chunks
from budgets.models import (
    Department,
    FiscalYear,
    Project,
    ProjectLineage,
    Section,
    Theme,
)
from tests.conftest import SEED

pytestmark = pytest.mark.django_db


def test_import_command_loads_the_seed_and_reports_counts(capsys):
    call_command("import_budget_table", str(SEED), "--publish")

    out = capsys.readouterr().out
    assert "Imported: 32 created, 0 updated, 0 unchanged, 0 deleted." in out
    assert FiscalYear.objects.get(year=2021).is_published
    assert Project.objects.count() == 32


def test_import_command_reimport_says_nothing_changed(capsys):
    call_command("import_budget_table", str(SEED))
    capsys.readouterr()
    call_command("import_budget_table", str(SEED))
    out = capsys.readouterr().out
    assert "unchanged 32" in out
    assert "Nothing changed." in out


def test_import_command_dry_run_writes_nothing(capsys):
    call_command("import_budget_table", str(SEED), "--dry-run")
    assert "Dry run: nothing was written." in capsys.readouterr().out
    assert not Project.objects.exists()


def test_import_command_refuses_a_bad_table_with_a_non_zero_exit(tmp_path, capsys):
    bad = tmp_path / "bad.txt"
    bad.write_text(SEED.read_text().replace("3,826,938", "3,826,93x"))

    with pytest.raises(CommandError, match="nothing was imported"):
        call_command("import_budget_table", str(bad))

    out = capsys.readouterr().out
    assert "9行目 「要求額」列" in out
    assert not Project.objects.exists()


def test_a_new_title_is_said_even_when_no_project_changes(tmp_path, capsys):
    call_command("import_budget_table", str(SEED), "--publish")
    retitled = tmp_path / "retitled.txt"
    old = "令和3年度当初予算 新規事業及びレベルアップ事業一覧"
    retitled.write_text(SEED.read_text().replace(old, "令和3年度 当初予算（訂正）"))
    capsys.readouterr()

    call_command("import_budget_table", str(retitled), "--dry-run")

    out = capsys.readouterr().out
    assert f"~ title: '{old}' -> '令和3年度 当初予算（訂正）'" in out
    assert FiscalYear.objects.get(year=2021).title == old  # a dry run


NO1_AS_NEW = (
    "レベルアップ\t新型コロナの影響を受けた中小企業支援策として、融資あっせん等の相談"
    "会場やコールセンターを設置します。\t3,826,938\t3,405,524\t3,191,866\t2,770,452",
    "新規\t新型コロナの影響を受けた中小企業支援策として、融資あっせん等の相談"
    "会場やコールセンターを設置します。\t3,826,938\t-\t3,191,866\t-",
)


def test_a_change_reads_as_the_table_writes_it_not_as_python_does(tmp_path, capsys):
    # helper-16: "'levelup' -> Project.Category.NEW"
    call_command("import_budget_table", str(SEED))
    corrected = tmp_path / "corrected.txt"
    text = SEED.read_text()
    assert NO1_AS_NEW[0] in text
    corrected.write_text(text.replace(*NO1_AS_NEW))
    capsys.readouterr()

    call_command("import_budget_table", str(corrected), "--dry-run")

    out = capsys.readouterr().out
    assert "二次経費区分: レベルアップ -> 新規" in out
    assert "要求額のうちレベルアップ（千円）: 3,405,524 -> -" in out


def test_the_command_says_when_a_tables_rows_were_renumbered(tmp_path, capsys):
    from tests.test_uploads import with_a_row_inserted_at

    call_command("import_budget_table", str(SEED))
    inserted = tmp_path / "inserted.txt"
    inserted.write_text(with_a_row_inserted_at(SEED.read_text(), 5))
    capsys.readouterr()

    call_command("import_budget_table", str(inserted), "--dry-run")

    out = capsys.readouterr().out
    assert "! 27 rows are named as other Nos already stored" in out
    assert "      No 6 各地区町会等活動支援 (stored as No 5)\n" in out


def test_import_command_year_conflict(capsys):
    with pytest.raises(CommandError):
        call_command("import_budget_table", str(SEED), "--year", "2022")
    assert "一致しません" in capsys.readouterr().out


@pytest.mark.parametrize("year", ["3", "0", "-2021", "40000"])
def test_a_year_no_table_can_have_is_refused_keeping_nothing(year, tmp_path, capsys):
    untitled = tmp_path / "untitled.txt"
    untitled.write_text(SEED.read_text().replace("令和3年度", ""))

    with pytest.raises(CommandError, match="nothing was imported"):
        call_command("import_budget_table", str(untitled), "--year", year)

    out = capsys.readouterr().out
    assert f"年度 {year} は扱えません" in out and "例: 2021" in out
    assert not FiscalYear.objects.exists()
    kept = tmp_path / "sources"  # where the tests keep imports' files (conftest)
    assert not kept.exists() or not any(kept.rglob("*"))


def test_export_command_writes_what_the_public_csv_serves(tmp_path, client):
    call_command("import_budget_table", str(SEED), "--publish")
    target = tmp_path / "fy2021.csv"

    call_command("export_budget_table", "--year", "2021", "-o", str(target))

    served = b"".join(client.get("/projects.csv", {"year": "2021"}).streaming_content)
    assert target.read_bytes() == served
    assert served.startswith("\ufeff年度,施策番号".encode())


def test_export_command_refuses_an_unpublished_year_unless_asked(tmp_path):
    call_command("import_budget_table", str(SEED))
    with pytest.raises(CommandError):
        call_command("export_budget_table", "--year", "2021", "-o", str(tmp_path / "x"))
    call_command(
        "export_budget_table",
        "--year",
        "2021",
        "--include-drafts",
        "-o",
        str(tmp_path / "x"),
    )
    assert (tmp_path / "x").read_text(encoding="utf-8-sig").count("\n") == 33


def test_export_then_import_into_an_empty_database_gives_the_same_bytes(tmp_path):
    call_command("import_budget_table", str(SEED), "--publish")
    first = tmp_path / "first.csv"
    call_command("export_budget_table", "-o", str(first))

    Project.objects.all().delete()
    for model in (Theme, FiscalYear, Section, Department, ProjectLineage):
        model.objects.all().delete()
    call_command("import_budget_table", str(first), "--publish")
    second = tmp_path / "second.csv"
    call_command("export_budget_table", "-o", str(second))

    # the same bytes but the 出典 column (the last): the figures now come from the CSV
    assert without_citations(second) == without_citations(first)
    assert cited(first) == {
        "令和3年度当初予算 新規事業及びレベルアップ事業一覧（テキスト）"
    }
    assert cited(second) == {"令和3年度当初予算（CSV）"}  # a CSV has no title
    assert "".join(csv_chunks(Project.objects.all())).encode() == second.read_bytes()


def _rows(path) -> list[list[str]]:
    return list(csv.reader(io.StringIO(path.read_text(encoding="utf-8-sig"))))


def without_citations(path) -> list[list[str]]:
    header, *rows = _rows(path)
    assert header[-1] == "出典"
    return [row[:-1] for row in (header, *rows)]


def cited(path) -> set[str]:
    return {row[-1] for row in _rows(path)[1:]}
