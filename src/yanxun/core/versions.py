"""Data versions: one token per named set of tables, replaced by database triggers in the same
transaction as every write of those tables (ADR 0011, ADR 0012).

A *channel* names the tables some derived data is computed from: `ledgers` (hour records,
claims, rules, teachers, schools — the compliance dashboard's frames) and `org` (every table
of the org app — the teacher and school lists). Whatever is computed from a channel's tables
can be kept under the channel's current token: the token changes exactly when one of those
tables is written — by a service, an import, a bulk insert, `QuerySet.update`, raw SQL or a
cascade — and a reader sees the new token exactly when it sees the new rows. The token is
random, not a counter, so a rolled-back transaction or a restored backup never meets an entry
computed from other data under the same key.

Triggers, not calls in each service, because a write that forgets the call would leave a page
wrong without anyone noticing. They are (re)installed after every `migrate` (a post_migrate
handler): SQLite drops a table's triggers when a migration rebuilds the table. PostgreSQL: one
statement-level trigger per table, naming its channels; SQLite: one row-level trigger per table
and operation (the only kind it has), writing every channel of the table.

Apps declare their channels in `AppConfig.ready` (`register`). Two caches read them:
`cached` (Django's cache — shared by every worker; for large, slow results such as ledger
frames) and `LocalCache` (this process's memory — for small results asked for on every page,
such as a list page's rows, where reading Redis or a file would cost what it saves).
"""

from __future__ import annotations

import contextlib
import hashlib
import logging
import secrets
from collections.abc import Callable, Hashable, Iterator
from typing import Any

from django.apps import apps
from django.core.cache import cache
from django.db import connection, connections, transaction

from yanxun.core.cache import LRU

logger = logging.getLogger(__name__)

TABLE = "core_dataversion"
BULK = "~bulk"  # present only inside bulk_writes' transaction (SQLite)
TRIGGER = "core_data_version"
PG_FUNCTION_NAME = "core_data_version_bump"
TIMEOUT = 24 * 3600
CHANNELS: dict[str, tuple[str, ...]] = {}


def register(name: str, models: tuple[str, ...]) -> None:
    """Declare a channel: `models` are model labels ("org.Teacher"), a model's many-to-many
    field ("training.LedgerRequirement.categories": its table) or a whole app ("org.*": every
    table of its models, many-to-many tables included)."""
    if not name.isidentifier() or len(name) > 40:
        raise ValueError(f"bad data version channel name: {name!r}")
    CHANNELS[name] = tuple(models)


def tables(name: str) -> list[str]:
    """The database tables of a channel, in a stable order."""
    out: list[str] = []
    for label in CHANNELS[name]:
        app_label, model_name, *field = label.split(".")
        if model_name == "*":
            for model in apps.get_app_config(app_label).get_models():
                out.append(model._meta.db_table)
                out += [f.remote_field.through._meta.db_table
                        for f in model._meta.local_many_to_many]
            continue
        model = apps.get_model(app_label, model_name)
        if field:
            out.append(model._meta.get_field(field[0]).remote_field.through._meta.db_table)
        else:
            out.append(model._meta.db_table)
    return list(dict.fromkeys(out))


def table_channels() -> dict[str, list[str]]:
    """Each table with the channels it belongs to."""
    out: dict[str, list[str]] = {}
    for name in sorted(CHANNELS):
        for table in tables(name):
            out.setdefault(table, []).append(name)
    return out


# --- reading ---------------------------------------------------------------------------------


def version(name: str) -> str | None:
    """The channel's current token; None if its row is missing (then nothing is cached)."""
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT token FROM {TABLE} WHERE name = %s", [name])
        row = cursor.fetchone()
    return row[0] if row else None


# --- the triggers ----------------------------------------------------------------------------


# Every row is locked first, always in the same order: a transaction writing a table of one
# channel and later a table of another, beside one doing the reverse, would otherwise hold one
# row each and wait for the other's (a deadlock). Writers of versioned tables queue instead —
# staff actions seconds apart; SQLite's single write lock serialises them anyway.
PG_FUNCTION = f"""
CREATE OR REPLACE FUNCTION {PG_FUNCTION_NAME}() RETURNS trigger AS $$
DECLARE
    i integer;
BEGIN
    PERFORM 1 FROM {TABLE} ORDER BY name FOR UPDATE;
    FOR i IN 0 .. TG_NARGS - 1 LOOP
        INSERT INTO {TABLE} (name, token)
        VALUES (TG_ARGV[i], md5(random()::text || clock_timestamp()::text))
        ON CONFLICT (name) DO UPDATE SET token = EXCLUDED.token;
    END LOOP;
    RETURN NULL;
END $$ LANGUAGE plpgsql"""


def _new_token_sql(vendor: str) -> str:
    return ("md5(random()::text || clock_timestamp()::text)" if vendor == "postgresql"
            else "lower(hex(randomblob(16)))")


def _trigger_sql(vendor: str, table: str, names: list[str]) -> list[str]:
    if vendor == "postgresql":
        arguments = ", ".join(f"'{name}'" for name in names)
        return [f"DROP TRIGGER IF EXISTS {TRIGGER} ON {table}",
                f"CREATE TRIGGER {TRIGGER} AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE "
                f"ON {table} FOR EACH STATEMENT EXECUTE FUNCTION {PG_FUNCTION_NAME}({arguments})"]
    # SQLite: row-level, so a bulk writer can skip the per-row write (bulk_writes).
    # An UPSERT, not INSERT OR REPLACE — the conflict clause of the statement that fires a
    # trigger overrides the trigger's own (an outer INSERT OR IGNORE, as bulk_create with
    # ignore_conflicts writes, would keep the old token); an UPSERT is not overridden.
    # Dropped and created again, so that a changed body is installed by the next migrate.
    body = " ".join(
        f"INSERT INTO {TABLE} (name, token) VALUES ('{name}', {_new_token_sql(vendor)}) "
        f"ON CONFLICT (name) DO UPDATE SET token = excluded.token;" for name in names)
    return [sql for op in ("INSERT", "UPDATE", "DELETE") for sql in (
            f"DROP TRIGGER IF EXISTS {TRIGGER}_{table}_{op.lower()}",
            f"CREATE TRIGGER {TRIGGER}_{table}_{op.lower()} AFTER {op} ON {table} "
            f"WHEN NOT EXISTS (SELECT 1 FROM {TABLE} WHERE name = '{BULK}') "
            f"BEGIN {body} END")]


def _drop_sql(vendor: str, table: str) -> list[str]:
    if vendor == "postgresql":
        return [f"DROP TRIGGER IF EXISTS {TRIGGER} ON {table}"]
    return [f"DROP TRIGGER IF EXISTS {TRIGGER}_{table}_{op}"
            for op in ("insert", "update", "delete")]


def install_triggers(using: str = "default", **kwargs) -> None:
    """Create each channel's row if missing and (re)create the triggers; remove those of
    tables no channel names any more (idempotent; run after every migrate)."""
    target = connections[using]
    if target.vendor not in ("postgresql", "sqlite"):
        return
    existing = set(target.introspection.table_names())
    if TABLE not in existing:
        return
    wanted = {table: names for table, names in table_channels().items() if table in existing}
    with target.cursor() as cursor:
        if target.vendor == "postgresql":
            cursor.execute(PG_FUNCTION)
        for name in CHANNELS:
            cursor.execute(f"INSERT INTO {TABLE} (name, token) VALUES (%s, %s) "
                           "ON CONFLICT (name) DO NOTHING", [name, secrets.token_hex(16)])
        for table in _installed(cursor, target.vendor) - set(wanted):
            for sql in _drop_sql(target.vendor, table):
                cursor.execute(sql)
        for table, names in wanted.items():
            for sql in _trigger_sql(target.vendor, table, names):
                cursor.execute(sql)


def _installed(cursor, vendor: str) -> set[str]:
    if vendor == "postgresql":
        cursor.execute("SELECT event_object_table FROM information_schema.triggers "
                       "WHERE trigger_name = %s", [TRIGGER])
    else:
        cursor.execute("SELECT tbl_name FROM sqlite_master WHERE type = 'trigger' "
                       "AND name LIKE %s", [f"{TRIGGER}_%"])
    return {row[0] for row in cursor.fetchall()}


def installed_triggers() -> set[str]:
    """The tables that have the version trigger."""
    with connection.cursor() as cursor:
        return _installed(cursor, connection.vendor)


@contextlib.contextmanager
def bulk_writes() -> Iterator[None]:
    """One transaction writing many rows (the demo, a benchmark): every channel's token
    changes once, at the end, instead of at every row — on SQLite a trigger's write costs each
    row a statement journal, ~1 ms inside a savepoint of a large transaction. A row named
    BULK, seen only by this uncommitted transaction, tells the SQLite triggers to skip.
    PostgreSQL's triggers are per statement: there it is a plain transaction. Nested: the
    outermost one decides."""
    with transaction.atomic():
        if connection.vendor != "sqlite":
            yield
            return
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT 1 FROM {TABLE} WHERE name = %s", [BULK])
            outermost = cursor.fetchone() is None
            if outermost:
                cursor.execute(f"INSERT INTO {TABLE} (name, token) VALUES (%s, '')", [BULK])
        yield
        if outermost:
            with connection.cursor() as cursor:
                cursor.execute(f"DELETE FROM {TABLE} WHERE name = %s", [BULK])
                for name in CHANNELS:
                    cursor.execute(f"INSERT INTO {TABLE} (name, token) VALUES (%s, %s) "
                                   "ON CONFLICT (name) DO UPDATE SET token = excluded.token",
                                   [name, secrets.token_hex(16)])


# --- caches keyed by a version ---------------------------------------------------------------


def cache_key(prefix: str, version: str, parts: tuple) -> str:
    return f"{prefix}:" + hashlib.sha1(repr((version, *parts)).encode()).hexdigest()


def _versioned(channel: str, lookup: Callable[[str], Any], store: Callable[[str, Any], None],
               compute: Callable[[], Any]) -> Any:
    """`lookup(version)`, else `compute()` — stored with `store(version, value)` only if the
    channel's version is still the same afterwards: a write committed meanwhile may or may
    not be in the value, so it is kept under neither version. Everything `compute` reads must
    be read inside it (after the version), never passed in. None from lookup is a miss."""
    current = version(channel)
    if current is None:
        return compute()
    value = lookup(current)
    if value is not None:
        return value
    value = compute()
    if version(channel) == current:
        store(current, value)
    return value


def cached(channel: str, prefix: str, parts: tuple, compute: Callable[[], Any]) -> Any:
    """`compute()`, or its result kept in Django's cache (shared by the workers) under the
    channel's current version and `parts`."""

    def lookup(current: str) -> Any:
        try:
            return cache.get(cache_key(prefix, current, parts))
        except Exception:  # an entry another library version wrote, a cache server away …
            logger.warning("versioned cache unreadable", exc_info=True)
            return None

    def store(current: str, value: Any) -> None:
        try:
            cache.set(cache_key(prefix, current, parts), value, TIMEOUT)
        except Exception:
            logger.warning("versioned cache not written", exc_info=True)

    return _versioned(channel, lookup, store, compute)


class LocalCache:
    """Results kept in this process's memory under a channel's version: for small values
    every page asks for. Thread-safe; the least recently used go first when it is full. A
    changed version makes the old entries unreachable; they age out."""

    def __init__(self, channel: str, *, size: int) -> None:
        self.channel = channel
        self._items = LRU(size)
        self.hits = self.misses = 0

    def get(self, key: Hashable, compute: Callable[[], Any]) -> Any:
        def lookup(current: str) -> Any:
            value = self._items.get((current, key))
            if value is None:
                self.misses += 1
            else:
                self.hits += 1
            return value

        return _versioned(self.channel, lookup,
                          lambda current, value: self._items.put((current, key), value), compute)

    def clear(self) -> None:
        self._items.clear()
