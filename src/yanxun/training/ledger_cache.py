"""Every teacher's ledger summary, cached until what it is computed from changes (ADR 0011).

`all_ledgers` recomputes the ledgers of a whole district from the records (~2 s at 10,000
teachers). The compliance dashboard asks for the same frame again and again, so it is kept in
Django's cache (Redis with several workers, the file cache in the embedded default) under a
key that names the data it was computed from:

- the **ledger version**: the token of the `ledgers` data version channel (core/versions.py),
  replaced by a database trigger in the same transaction as every insert, update or delete of
  the tables the ledgers read (MODELS) — whoever writes them and however;
- the cycle, the day (the pace of a cycle moves with the calendar), the teachers' scope (the
  SQL of the scoped queryset) and a digest of the ledger code (a new release never reads
  frames computed by the old one).

A frame is stored only if the version is still the same after computing it.
"""

from __future__ import annotations

import hashlib
from datetime import date
from pathlib import Path

import polars as pl
from django.db.models import QuerySet
from django.utils import timezone

from yanxun.core import versions
from yanxun.org.models import Teacher
from yanxun.training import ledger
from yanxun.training.ledger import Cycle, Rules, all_ledgers, load_rules
from yanxun.training.models import TrainingPolicy

CHANNEL = "ledgers"
# The models whose rows the ledgers are computed from (ledger.all_ledgers, ledger.load_rules);
# registered as the `ledgers` channel by TrainingConfig.ready.
MODELS = ("training.HourRecord", "training.HourClaim", "training.Category", "training.ClaimRule",
          "training.LedgerRequirement", "training.LedgerRequirement.categories",
          "training.TrainingPolicy", "org.Teacher", "org.School")
CODE = hashlib.sha1(Path(ledger.__file__).read_bytes() + Path(__file__).read_bytes()
                    ).hexdigest()[:12]


# --- the cached frame --------------------------------------------------------------------------


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

    return versions.cached(CHANNEL, "yanxun.training.ledgers",
                           (CODE, cycle.start, cycle.years, today.isoformat(), scope),
                           compute)
