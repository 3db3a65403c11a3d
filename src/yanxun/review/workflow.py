"""The one state-transition function of each review workflow. Services call these and add
their side effects (quota checks, assignment, notifications) around them; nothing else writes
a `status` field of the review models.

Each transition is a conditional UPDATE on (pk, current status), so two people acting on the
same record at once cannot both move it; the loser gets a Chinese message to refresh. The
move is audited with the reason given."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.utils import timezone

from yanxun.core.audit import audit_record
from yanxun.review.enums import (
    CompetitionStatus as C,
)
from yanxun.review.enums import (
    EntryStatus as E,
)
from yanxun.review.enums import (
    NoticeStatus as N,
)
from yanxun.review.enums import (
    ObjectionStatus as O,
)
from yanxun.review.enums import (
    RoundStatus as R,
)
from yanxun.review.enums import (
    ScoreStatus as S,
)
from yanxun.review.models import Competition, Entry, Objection, PublicNotice, Round, Score

COMPETITION = {
    C.DRAFT: {C.OPEN, C.CANCELLED},
    C.OPEN: {C.REVIEWING, C.CANCELLED, C.DRAFT},
    C.REVIEWING: {C.NOTICE, C.CANCELLED},
    C.NOTICE: {C.PUBLISHED, C.REVIEWING},  # back to review when an objection is upheld
    C.PUBLISHED: set(),
    C.CANCELLED: set(),
}
ENTRY = {
    E.DRAFT: {E.SUBMITTED, E.WITHDRAWN},
    E.SUBMITTED: {E.RECOMMENDED, E.NOT_RECOMMENDED, E.RETURNED, E.WITHDRAWN},
    E.RETURNED: {E.SUBMITTED, E.WITHDRAWN},
    E.RECOMMENDED: {E.ACCEPTED, E.REJECTED, E.RETURNED, E.SUBMITTED},  # school may undo
    E.NOT_RECOMMENDED: {E.RECOMMENDED},
    E.ACCEPTED: {E.RECOMMENDED},  # staff undo a check before the rounds start
    E.REJECTED: {E.RECOMMENDED},
    E.WITHDRAWN: {E.DRAFT},
}
ROUND = {
    R.SETUP: {R.SCORING},
    R.SCORING: {R.CLOSED, R.SETUP},
    R.CLOSED: {R.SCORING, R.FINALISED},  # reopened to finish missing scores
    R.FINALISED: {R.CLOSED},
}
SCORE = {
    S.DRAFT: {S.SUBMITTED, S.ABSTAINED},
    S.SUBMITTED: {S.DRAFT},  # staff reopen, with a reason
    S.ABSTAINED: {S.DRAFT},
}
NOTICE = {
    N.OPEN: {N.CLOSED, N.WITHDRAWN},
    N.CLOSED: set(),
    N.WITHDRAWN: set(),
}
OBJECTION = {
    O.SUBMITTED: {O.UPHELD, O.DISMISSED},
    O.UPHELD: set(),
    O.DISMISSED: set(),
}

_TABLES: dict[type[models.Model], tuple[dict, type, str]] = {
    Competition: (COMPETITION, C, "评比活动"),
    Entry: (ENTRY, E, "作品"),
    Round: (ROUND, R, "轮次"),
    Score: (SCORE, S, "评分"),
    PublicNotice: (NOTICE, N, "公示"),
    Objection: (OBJECTION, O, "异议"),
}


def allowed(obj: models.Model) -> set:
    table, enum, _ = _TABLES[type(obj)]
    return table[enum(obj.status)]


def transition(obj: models.Model, to, *, actor, reason: str = "", fields: dict | None = None,
               action: str = "") -> models.Model:
    """Move `obj` (a Competition, Entry, Round, Score, PublicNotice or Objection) to status
    `to`, writing `fields` with it, in the caller's transaction (or a new one). Refuses a
    move the workflow does not allow, and a move that raced with another."""
    table, enum, noun = _TABLES[type(obj)]
    current, target = enum(obj.status), enum(to)
    if target not in table[current]:
        raise ValidationError(f"{noun}当前为「{current.label}」，不能改为「{target.label}」。")
    values = {"status": target, **(fields or {})}
    if any(f.name == "updated_at" for f in obj._meta.concrete_fields):
        values["updated_at"] = timezone.now()
    with transaction.atomic():
        moved = type(obj).objects.filter(pk=obj.pk, status=current).update(**values)
        if not moved:
            raise ValidationError(f"{noun}的状态刚被他人改变，请刷新后重试。")
        audit_record(actor=actor, action=action or f"review.{type(obj).__name__.lower()}.status",
                     obj=obj, before={"status": str(current)}, after={"status": str(target)},
                     reason=reason[:500])
    for name, value in values.items():
        setattr(obj, name, value)
    return obj
