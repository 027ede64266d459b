"""What the clerk is told when the database refuses an import, or when something
fails after it committed (budgets/importing/failures.py)."""

import csv
import io
import logging
import sqlite3

import pytest
from django.db import OperationalError, connection

from budgets import caching
from budgets.importing import failures, import_table, service
from budgets.models import Department, FiscalYear, ImportEvent, Project

pytestmark = pytest.mark.django_db

BACKUP_HEADER = (
    "年度,施策番号,施策名,No,部,課名,事業名,二次経費区分,事業内容,要求額(千円),"
    "要求額うちレベルアップ(千円),予算額(千円),予算額うちレベルアップ(千円),"
    "表題,公開"
).split(",")


def backup(years, title=lambda year: f"{year}年度当初予算") -> bytes:
    """A backup of one project in each of ``years``."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(BACKUP_HEADER)
    for year in years:
        project = [1, "総務部", "総務課", "事業", "新規", "説明", 100, "-", 100, "-"]
        writer.writerow([year, 1, "施策", *project, title(year), 1])
    return out.getvalue().encode()


def assert_nothing_written() -> None:
    assert not FiscalYear.objects.exists()
    assert not Project.objects.exists()
    assert not ImportEvent.objects.exists()


# --- limits checked before writing -------------------------------------------------


def test_a_title_line_longer_than_a_year_holds_is_refused_by_line(seed_text):
    lines = seed_text.splitlines()
    title = next(i for i, line in enumerate(lines) if line.startswith("令和3年度"))
    lines[title] += "あ" * 200
    report = import_table("\n".join(lines).encode(), filename="long.txt")
    assert not report.ok
    (problem,) = report.problems
    assert (problem.line, problem.column) == (title + 1, "表題")
    assert "200 文字以内" in problem.message
    assert_nothing_written()


def test_a_backup_title_longer_than_a_year_holds_is_refused_by_row():
    report = import_table(backup([2021], title=lambda year: "令和3年度" + "あ" * 200))
    (problem,) = report.problems
    assert (problem.line, problem.column) == (2, "表題")
    assert_nothing_written()


def test_a_backup_of_more_years_than_a_short_column_holds_imports():
    years = range(2021, 2071)  # "2021,2022,…": 249 characters
    report = import_table(backup(years))
    assert report.ok, report.problems[:3]
    assert report.event.years == ",".join(str(year) for year in years)
    assert FiscalYear.objects.count() == 50


# --- database errors: concurrent or not --------------------------------------------


def test_a_row_another_import_created_meanwhile_is_called_concurrent(
    seed_bytes, monkeypatch
):
    plan_import = service.plan_import

    def and_another_import_commits(table, **kwargs):
        plan = plan_import(table, **kwargs)
        Department.objects.create(name=sorted(plan.new_departments)[0])
        return plan

    monkeypatch.setattr(service, "plan_import", and_another_import_commits)
    report = import_table(seed_bytes, filename="r03.txt")
    assert "同時に行われた" in report.problems[0].message
    assert not Department.objects.exists()
    assert_nothing_written()


def test_any_other_database_error_is_logged_and_not_called_concurrent(
    seed_bytes, monkeypatch, caplog
):
    def broken_write(plan, **kwargs):
        with connection.cursor() as cursor:  # a real error of the database
            cursor.execute("SELECT no_such_column FROM budgets_project")

    monkeypatch.setattr(service, "apply_plan", broken_write)
    with caplog.at_level(logging.ERROR, logger="budgets"):
        report = import_table(seed_bytes, filename="r03.txt")
    (problem,) = report.problems
    assert "同時" not in problem.message
    assert "何も保存していません。管理者に連絡してください" in problem.message
    (record,) = [r for r in caplog.records if r.name == failures.logger.name]
    assert "no_such_column" in str(record.exc_info[1])
    assert_nothing_written()


def sqlite_busy(tmp_path) -> sqlite3.OperationalError:
    """The error SQLite gives a writer that waited its busy timeout out."""
    path = tmp_path / "busy.sqlite3"
    holder = sqlite3.connect(path, isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")
    waiter = sqlite3.connect(path, timeout=0, isolation_level=None)
    try:
        waiter.execute("BEGIN IMMEDIATE")
    except sqlite3.OperationalError as error:
        return error
    finally:
        holder.close()
        waiter.close()
    raise AssertionError("the second writer got the lock")


def test_sqlite_database_is_locked_is_called_concurrent(tmp_path):
    busy = sqlite_busy(tmp_path)
    try:
        raise OperationalError(*busy.args) from busy
    except OperationalError as error:
        assert failures.is_concurrent(error)
    try:  # the same class, another cause
        raise OperationalError("no such column: x") from sqlite3.OperationalError()
    except OperationalError as error:
        assert not failures.is_concurrent(error)


# --- after the commit --------------------------------------------------------------


def data_version_update_fails(*args, **kwargs):
    raise OperationalError("database is locked")


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_an_import_whose_after_commit_step_fails_is_reported_saved(
    seed_bytes, monkeypatch, caplog
):
    monkeypatch.setattr(caching, "bump_data_version", data_version_update_fails)
    with caplog.at_level(logging.ERROR, logger="budgets"):
        report = import_table(seed_bytes, filename="r03.txt")
    assert report.ok and report.written
    assert report.event is not None
    assert Project.objects.count() == 32
    (warning,) = report.after_commit_problems
    assert "取り込みは保存しました" in warning.message
    assert any(r.exc_info and r.name == failures.logger.name for r in caplog.records)
