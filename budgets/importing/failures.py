"""What a clerk is told when the database refuses an import, or when something
fails after the import committed.

Only two kinds of database error mean that another import ran at the same time: the
lock could not be had (SQLite's "database is locked" after the busy timeout,
PostgreSQL's lock timeout, deadlock or serialisation failure), or a unique
constraint of a row this import creates was violated by a row that another import
committed meanwhile. Any other database error (a value too long, a missing column, a
disk full) is a fault: it is logged with its traceback, and the clerk is told so,
not sent to retry.
"""

from __future__ import annotations

import logging
import sqlite3

from django.db import DatabaseError, IntegrityError, OperationalError
from django.utils.translation import gettext as _

from budgets.importing.problems import Problem
from budgets.models import (
    Department,
    FiscalYear,
    ImportEvent,
    Project,
    ProjectLineage,
    Section,
    Theme,
)

logger = logging.getLogger(__name__)

# SQLite: the write lock was not had within the busy timeout, or is held by another
# connection of a shared cache (the test database in memory).
_SQLITE_LOCKED = {sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED}
_SQLITE_UNIQUE = {"SQLITE_CONSTRAINT_UNIQUE", "SQLITE_CONSTRAINT_PRIMARYKEY"}
# PostgreSQL: lock_not_available, deadlock_detected, serialization_failure
_POSTGRES_LOCKED = {"55P03", "40P01", "40001"}
_POSTGRES_UNIQUE = "23505"
# The tables whose rows an import creates.
_CREATED_TABLES = {
    model._meta.db_table
    for model in (
        FiscalYear,
        Theme,
        Department,
        Section,
        Project,
        ProjectLineage,
        ImportEvent,
    )
}


def database_problem(error: DatabaseError) -> Problem:
    """The problem to show for a database error that stopped an import."""
    if is_concurrent(error):
        return Problem(
            _(
                "データベースが取り込みを受け付けませんでした（同じ年度の取り込みが"
                "同時に行われた可能性があります）。何も書き込んでいません。"
                "もう一度お試しください: %(error)s"
            )
            % {"error": error}
        )
    logger.error("The database refused an import", exc_info=error)
    return Problem(
        _(
            "保存中にデータベースのエラーが起きました。何も保存していません。"
            "管理者に連絡してください（エラーの詳細はサーバーのログにあります）。"
        )
    )


def is_concurrent(error: DatabaseError) -> bool:
    """Whether the error means another import held the lock or created the rows."""
    cause = error.__cause__
    if isinstance(error, OperationalError):
        return (  # SQLite: the primary code of an extended one (locked: shared cache)
            getattr(cause, "sqlite_errorcode", 0) & 0xFF in _SQLITE_LOCKED
            or getattr(cause, "sqlstate", None) in _POSTGRES_LOCKED
        )
    if isinstance(error, IntegrityError):
        return _violated_table(cause) in _CREATED_TABLES
    return False


def _violated_table(cause) -> str | None:
    """The table of a violated unique constraint; None for any other violation."""
    if getattr(cause, "sqlstate", None) == _POSTGRES_UNIQUE:
        return cause.diag.table_name
    if getattr(cause, "sqlite_errorname", None) in _SQLITE_UNIQUE:
        # "UNIQUE constraint failed: budgets_project.fiscal_year_id, budgets_project.no"
        return str(cause).rpartition(": ")[2].partition(".")[0]
    return None


def after_commit_problem(error: Exception) -> Problem:
    """The warning for a failure after the import committed: it stays saved."""
    logger.error("An import committed, then what follows it failed", exc_info=error)
    return Problem(
        _(
            "取り込みは保存しました。ただし、その後の処理（公開ページとオープンデータの"
            "更新）でエラーが起きました。管理者に連絡してください（エラーの詳細は"
            "サーバーのログにあります）。"
        )
    )
