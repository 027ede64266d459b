"""What goes around the ORM for speed, each measure beside the figure that keeps it.

The yearly import writes up to 100,000 projects; benchmarks/import_speed.py measures
it against a plain ``executemany`` (the floor) and benchmarks/import_phases.py splits
the time by phase (``--with-gc`` shows the collector's share). What they justify:

* ``insert_rows``: one plain ``executemany`` per batch instead of ``bulk_create``,
  which spends most of its time preparing each field of each object;
* ``copy_into_history``: the history records copied inside the database from the
  rows just written (one ``INSERT … SELECT`` per batch);
* ``update_rows``: a changed table's new values written through a temporary table
  and one ``UPDATE … FROM`` per batch instead of ``bulk_update``, whose CASE/WHEN per
  field and row took a 20,000-row re-import to 80 s (benchmarks/reimport_speed.py);
* ``new_lineages``: all of a year's new lineages in one statement;
* ``cyclic_gc_paused``: Python's cyclic garbage collector paused during an import.

Columns come from the models' own metadata, so the SQL follows the schema; a column
the fast path has no value for stops it with an error rather than a wrong row.
"""

from __future__ import annotations

import contextlib
import gc
import json
import operator
from collections.abc import Iterable, Iterator
from typing import Any

from django.db import connection

from budgets.models import ProjectLineage

BATCH_SIZE = 2000


def new_lineages(now, public_ids: list[str]) -> list[int]:
    """Create a lineage for each of ``public_ids`` in one statement; return their
    ids.

    They are all new and alike, so which id goes to which project does not matter.
    """
    if not public_ids:
        return []
    count = len(public_ids)
    field = ProjectLineage._meta.get_field
    table = connection.ops.quote_name(ProjectLineage._meta.db_table)
    columns = ", ".join(
        connection.ops.quote_name(field(name).column)
        for name in ("created_at", "public_id")
    )
    created_at = connection.ops.adapt_datetimefield_value(now)
    if connection.vendor == "postgresql":
        sql = (
            f"INSERT INTO {table} ({columns}) "
            "SELECT %s, unnest(%s::varchar[]) RETURNING id"
        )
        params = [created_at, public_ids]
    else:  # SQLite 3.35+: the ids as a JSON array, and RETURNING
        sql = (
            f"INSERT INTO {table} ({columns}) "
            "SELECT %s, value FROM json_each(%s) RETURNING id"
        )
        params = [created_at, json.dumps(public_ids)]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        ids = [row[0] for row in cursor.fetchall()]
    if len(ids) != count:  # pragma: no cover - a database that ignores RETURNING
        raise RuntimeError(f"made {len(ids)} lineages, needed {count}")
    return ids


def batches(items: Iterable, size: int) -> Iterator[list]:
    batch = []
    for item in items:
        batch.append(item)
        if len(batch) == size:
            yield batch
            batch = []
    if batch:
        yield batch


def insert_rows(model, rows: list[dict[str, Any]]) -> None:
    """INSERT the rows (attname -> database-ready value) in one executemany."""
    fields = [
        field
        for field in model._meta.concrete_fields
        if not (field.primary_key and field.attname not in rows[0])
    ]
    missing = [field.attname for field in fields if field.attname not in rows[0]]
    if missing:  # a schema change the fast path does not know yet
        raise ValueError(f"{model.__name__}: no value for {missing}")
    quote = connection.ops.quote_name
    sql = "INSERT INTO {} ({}) VALUES ({})".format(
        quote(model._meta.db_table),
        ", ".join(quote(field.column) for field in fields),
        ", ".join(["%s"] * len(fields)),
    )
    values = operator.itemgetter(*[field.attname for field in fields])
    with connection.cursor() as cursor:
        cursor.executemany(sql, list(map(values, rows)))


def update_rows(
    model, rows: list[dict[str, Any]], *, increment: tuple[str, ...] = ()
) -> None:
    """UPDATE the stored rows named by each row's ``id`` to the row's other values.

    ``rows`` map attnames to database-ready values, all with the same keys; each
    field in ``increment`` goes up by one instead. The values go into a temporary
    table of the model's own column types (one ``executemany``), then one
    ``UPDATE … FROM`` sets them all (SQLite 3.33+, PostgreSQL); the table is
    dropped after. Call it inside a transaction: a failure rolls the table back too.
    """
    quote = connection.ops.quote_name
    table = quote(model._meta.db_table)
    temporary = quote(f"{model._meta.db_table}_import_update")
    fields = [model._meta.get_field(attname) for attname in rows[0]]
    names = [quote(field.column) for field in fields]
    key = quote(model._meta.pk.column)
    assignments = [f"{name} = new.{name}" for name in names if name != key]
    assignments += [
        f"{quote(column)} = {table}.{quote(column)} + 1"
        for column in (model._meta.get_field(name).column for name in increment)
    ]
    values = operator.itemgetter(*[field.attname for field in fields])
    with connection.cursor() as cursor:
        cursor.execute(
            f"CREATE TEMPORARY TABLE {temporary} AS "
            f"SELECT {', '.join(names)} FROM {table} WHERE 1 = 0"
        )
        cursor.executemany(
            f"INSERT INTO {temporary} ({', '.join(names)}) "
            f"VALUES ({', '.join(['%s'] * len(names))})",
            list(map(values, rows)),
        )
        cursor.execute(
            f"UPDATE {table} SET {', '.join(assignments)} FROM {temporary} AS new "
            f"WHERE {table}.{key} = new.{key}"
        )
        updated = cursor.rowcount
        cursor.execute(f"DROP TABLE {temporary}")
    if updated != len(rows):  # pragma: no cover - a row deleted under us
        raise RuntimeError(f"updated {updated} rows of {len(rows)}")


def copy_into_history(
    model, extra: dict[str, Any], fiscal_year_id: int, numbers: list[int]
) -> None:
    """Write a history record for each of the year's projects numbered ``numbers``.

    One INSERT … SELECT: every column the history shares with the model comes from
    the stored row; the history's own columns (``extra``) are the same for all.
    """
    history_model = model.history.model
    source = {field.attname: field.column for field in model._meta.concrete_fields}
    quote = connection.ops.quote_name
    columns, selected, params = [], [], []
    for column in history_model._meta.concrete_fields:
        if column.primary_key:
            continue
        columns.append(quote(column.column))
        if column.attname in extra:
            selected.append("%s")
            params.append(extra[column.attname])
        elif column.attname in source:
            selected.append(quote(source[column.attname]))
        else:  # a schema change the fast path does not know yet
            raise ValueError(f"{history_model.__name__}: no value for {column.attname}")
    sql = "INSERT INTO {} ({}) SELECT {} FROM {} WHERE {} = %s AND {} IN ({})".format(
        quote(history_model._meta.db_table),
        ", ".join(columns),
        ", ".join(selected),
        quote(model._meta.db_table),
        quote(model._meta.get_field("fiscal_year").column),
        quote(model._meta.get_field("no").column),
        ", ".join(["%s"] * len(numbers)),
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [*params, fiscal_year_id, *numbers])
        if cursor.rowcount != len(numbers):  # pragma: no cover - a lost row
            raise RuntimeError(f"{cursor.rowcount} history records for {len(numbers)}")


@contextlib.contextmanager
def cyclic_gc_paused() -> Iterator[None]:
    """Pause Python's cyclic garbage collector while a table is imported.

    An import builds some ten objects per row and next to no reference cycles:
    with the collector running, a 100,000-row import spent about a second in 1,201
    collections that freed 635 objects in all (benchmarks/import_phases.py). Memory
    is still freed as usual by reference counting; the collector runs again after.
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()
