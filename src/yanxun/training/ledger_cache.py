"""Every teacher's ledger summary, cached until what it is computed from changes (ADR 0011).

`all_ledgers` recomputes the ledgers of a whole district from the records (~2 s at 10,000
teachers). The compliance dashboard asks for the same frame again and again, so it is kept in
Django's cache (Redis with several workers, the file cache in the embedded default) under a
key that names the data it was computed from:

- the **ledger version**: `LedgerVersion.token`, replaced by a database trigger in the same
  transaction as every insert, update or delete of the tables the ledgers read (TABLES) —
  whoever writes them and however: services, imports, bulk inserts, `QuerySet.update`, raw
  SQL, cascades. A reader sees the new token exactly when it sees the new rows. The token is
  random, not a counter, so a rolled-back transaction or a database restored from a backup can
  never meet an entry computed from other data under the same key;
- the cycle, the day (the pace of a cycle moves with the calendar), the teachers' scope (the
  SQL of the scoped queryset) and a digest of the ledger code (a new release never reads
  frames computed by the old one).

A frame is stored only if the version is still the same after computing it: a write committed
meanwhile may or may not be in the frame, so it is not kept under either version.

Triggers, not calls in each service, because a write that forgets the call would leave the
dashboard wrong without anyone noticing. They are (re)installed after every `migrate`
(`install_triggers`, a post_migrate handler): SQLite drops a table's triggers when a migration
rebuilds the table. PostgreSQL: one statement-level trigger per table; SQLite: row-level (the
only kind it has).
"""

from __future__ import annotations

import contextlib
import hashlib
import logging
import secrets
from collections.abc import Callable, Iterator
from datetime import date
from pathlib import Path

import polars as pl
from django.apps import apps
from django.core.cache import cache
from django.db import connection, connections, transaction
from django.db.models import QuerySet
from django.utils import timezone

from yanxun.org.models import Teacher
from yanxun.training import ledger
from yanxun.training.ledger import Cycle, Rules, all_ledgers, load_rules
from yanxun.training.models import TrainingPolicy

logger = logging.getLogger(__name__)

VERSION_TABLE = "training_ledgerversion"
BULK_ID = 2  # present only inside bulk_writes' transaction
# The models whose rows the ledgers are computed from (ledger.all_ledgers, ledger.load_rules).
MODELS = ("training.HourRecord", "training.HourClaim", "training.Category", "training.ClaimRule",
          "training.LedgerRequirement", "training.TrainingPolicy", "org.Teacher", "org.School")
TIMEOUT = 24 * 3600
CODE = hashlib.sha1(Path(ledger.__file__).read_bytes() + Path(__file__).read_bytes()
                    ).hexdigest()[:12]


def tables() -> list[str]:
    out = []
    for label in MODELS:
        model = apps.get_model(label)
        out.append(model._meta.db_table)
        out += [f.remote_field.through._meta.db_table for f in model._meta.local_many_to_many
                if label == "training.LedgerRequirement"]
    return out


# --- the version -------------------------------------------------------------------------------


def ledger_version() -> str | None:
    """The current token; None if the row is missing (then nothing is cached)."""
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT token FROM {VERSION_TABLE} WHERE id = 1")
        row = cursor.fetchone()
    return row[0] if row else None


PG_FUNCTION = f"""
CREATE OR REPLACE FUNCTION training_ledger_version_bump() RETURNS trigger AS $$
BEGIN
    INSERT INTO {VERSION_TABLE} (id, token)
    VALUES (1, md5(random()::text || clock_timestamp()::text))
    ON CONFLICT (id) DO UPDATE SET token = EXCLUDED.token;
    RETURN NULL;
END $$ LANGUAGE plpgsql"""


def _trigger_sql(vendor: str, table: str) -> list[str]:
    if vendor == "postgresql":
        return [f"DROP TRIGGER IF EXISTS training_ledger_version ON {table}",
                f"CREATE TRIGGER training_ledger_version AFTER INSERT OR UPDATE OR DELETE "
                f"OR TRUNCATE ON {table} FOR EACH STATEMENT "
                f"EXECUTE FUNCTION training_ledger_version_bump()"]
    # SQLite: row-level, so a bulk writer can skip the per-row write (bulk_writes).
    # An UPSERT, not INSERT OR REPLACE — the conflict clause of the statement that
    # fires a trigger overrides the trigger's own (an outer INSERT OR IGNORE, as bulk_create
    # with ignore_conflicts writes, would keep the old token); an UPSERT is not overridden.
    # Dropped and created again, so that a changed body is installed by the next migrate.
    return [sql for op in ("INSERT", "UPDATE", "DELETE") for sql in (
            f"DROP TRIGGER IF EXISTS training_ledger_version_{table}_{op.lower()}",
            f"CREATE TRIGGER training_ledger_version_{table}_{op.lower()} AFTER {op} ON {table} "
            f"WHEN NOT EXISTS (SELECT 1 FROM {VERSION_TABLE} WHERE id = {BULK_ID}) "
            f"BEGIN INSERT INTO {VERSION_TABLE} (id, token) VALUES (1, lower(hex(randomblob(16))))"
            f" ON CONFLICT (id) DO UPDATE SET token = excluded.token; END")]


@contextlib.contextmanager
def bulk_writes() -> Iterator[None]:
    """One transaction writing many rows (the demo, a benchmark): the version changes once,
    at the end, instead of at every row — on SQLite a trigger's write costs each row a
    statement journal, ~1 ms inside a savepoint of a large transaction. A second row of the
    version table (id 2), seen only by this uncommitted transaction, tells the SQLite triggers
    to skip. PostgreSQL's triggers are per statement: there it is a plain transaction. Nested:
    the outermost one decides."""
    with transaction.atomic():
        if connection.vendor != "sqlite":
            yield
            return
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT 1 FROM {VERSION_TABLE} WHERE id = {BULK_ID}")
            outermost = cursor.fetchone() is None
            if outermost:
                cursor.execute(f"INSERT INTO {VERSION_TABLE} (id, token) VALUES ({BULK_ID}, '')")
        yield
        if outermost:
            with connection.cursor() as cursor:
                cursor.execute(f"DELETE FROM {VERSION_TABLE} WHERE id = {BULK_ID}")
                cursor.execute(f"INSERT INTO {VERSION_TABLE} (id, token) VALUES (1, %s) "
                               "ON CONFLICT (id) DO UPDATE SET token = excluded.token",
                               [secrets.token_hex(16)])


def install_triggers(using: str = "default", **kwargs) -> None:
    """Create the version row if missing and (re)create the triggers (idempotent; run after
    every migrate by a post_migrate handler)."""
    target = connections[using]
    if target.vendor not in ("postgresql", "sqlite"):
        return
    existing = set(target.introspection.table_names())
    if VERSION_TABLE not in existing:
        return
    with target.cursor() as cursor:
        if target.vendor == "postgresql":
            cursor.execute(PG_FUNCTION)
        cursor.execute(f"SELECT 1 FROM {VERSION_TABLE} WHERE id = 1")
        if cursor.fetchone() is None:
            cursor.execute(f"INSERT INTO {VERSION_TABLE} (id, token) VALUES (1, %s)",
                           [secrets.token_hex(16)])
        for table in tables():
            if table in existing:
                for sql in _trigger_sql(target.vendor, table):
                    cursor.execute(sql)


def installed_triggers() -> set[str]:
    """The tables that have the version trigger (for the tests and `check`)."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SELECT event_object_table FROM information_schema.triggers "
                           "WHERE trigger_name = 'training_ledger_version'")
        else:
            cursor.execute("SELECT tbl_name FROM sqlite_master WHERE type = 'trigger' "
                           "AND name LIKE 'training_ledger_version_%'")
        return {row[0] for row in cursor.fetchall()}


# --- the cached frame --------------------------------------------------------------------------


def cache_key(version: str, parts: tuple) -> str:
    return "yanxun.training.ledgers:" + hashlib.sha1(
        repr((CODE, version, *parts)).encode()).hexdigest()


def cached(parts: tuple, compute: Callable[[], object]) -> object:
    """`compute()`, or its result kept under the current version and `parts`. Everything
    `compute` reads must be read inside it (after the version), never passed in."""
    version = ledger_version()
    if version is None:
        return compute()
    key = cache_key(version, parts)
    try:
        value = cache.get(key)
    except Exception:  # an entry another Polars version wrote, a cache server away …
        logger.warning("ledger cache unreadable", exc_info=True)
        value = None
    if value is not None:
        return value
    value = compute()
    if ledger_version() == version:
        try:
            cache.set(key, value, TIMEOUT)
        except Exception:
            logger.warning("ledger cache not written", exc_info=True)
    return value


def ledgers(teachers: QuerySet[Teacher] | None, cycle: Cycle, *, policy: TrainingPolicy,
            today: date | None = None) -> tuple[pl.DataFrame, Rules]:
    """`all_ledgers(teachers, cycle, …)` and the rules it counted by, cached (see the module
    docstring). The policy and rules are read afresh inside, after the version."""
    today = today or timezone.localdate()
    scope = "all" if teachers is None else str(teachers.order_by("pk").query)

    def compute() -> tuple[pl.DataFrame, Rules]:
        fresh = TrainingPolicy.objects.get(pk=policy.pk)
        rules = load_rules(fresh)
        return all_ledgers(teachers, cycle, policy=fresh, rules=rules, today=today), rules

    return cached((cycle.start, cycle.years, today.isoformat(), scope), compute)
