"""Reading one row by a unique key on the hottest paths, without the ORM's query building.

Every request of a logged-in user reads their session and their user row. Through the ORM
(`Model.objects.get(...)`) building the query costs ~0.45 ms each time, more than the query
itself; this module builds the statement once per model and field and then only executes it,
converting values with the same converters the ORM's compiler applies (SQLite's text
timestamps, booleans …), so the instance is the one `.get()` would have returned.
"""

from __future__ import annotations

from functools import cache
from typing import Any, TypeVar

from django.db import connections, models

M = TypeVar("M", bound=models.Model)


@cache
def _plan(model: type[models.Model], key: str, extra: str, alias: str):
    connection = connections[alias]
    fields = list(model._meta.concrete_fields)
    quote = connection.ops.quote_name
    table = quote(model._meta.db_table)
    sql = (f"SELECT {', '.join(quote(f.column) for f in fields)} FROM {table} "
           f"WHERE {quote(model._meta.get_field(key).column)} = %s{extra}")
    converters = []
    for index, field in enumerate(fields):
        col = field.get_col(model._meta.db_table)
        found = connection.ops.get_db_converters(col) + col.get_db_converters(connection)
        if found:
            converters.append((index, col, found))
    return sql, [f.attname for f in fields], converters


def get_row(model: type[M], key: str, value: Any, *, extra: str = "", params: tuple = (),
            using: str = "default") -> M | None:
    """The instance of `model` whose `key` field equals `value` (a unique field), or None.
    `extra` is a further condition on the table's columns, e.g. " AND expire_date > %s",
    with its `params` (already adapted for the database)."""
    sql, names, converters = _plan(model, key, extra, using)
    connection = connections[using]
    with connection.cursor() as cursor:
        cursor.execute(sql, [value, *params])
        row = cursor.fetchone()
    if row is None:
        return None
    if converters:
        row = list(row)
        for index, col, found in converters:
            for converter in found:
                row[index] = converter(row[index], col, connection)
    return model.from_db(using, names, row)
