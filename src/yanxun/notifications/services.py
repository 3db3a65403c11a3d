"""Writes of 站内消息: send, mark read, purge.

`notify` (one message to several users) and `send` (a batch of different messages) insert in
one statement and are meant to be called inside the transaction of the event they report: the
message is written with the event and rolls back with it. Messages whose (recipient,
dedupe_key) is already stored are skipped by the database (INSERT … ON CONFLICT DO NOTHING on
PostgreSQL, INSERT OR IGNORE on SQLite), which also settles two workers reporting the same
event at once.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from yanxun.notifications.models import Notification

ALL = "all"  # mark_read(user, ALL): every message of the user
TITLE_MAX, BODY_MAX, URL_MAX, KEY_MAX = 200, 500, 300, 200
BATCH = 1000


@dataclass(frozen=True)
class Message:
    recipient_id: int
    kind: str
    title: str
    body: str = ""
    url: str = ""
    dedupe_key: str = ""


def _clip(text: str, limit: int) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[:limit - 1] + "…"


def check_url(url: str) -> str:
    """A message links only to a path inside Yanxun ("/training/mine/"), never elsewhere."""
    if url and (not url.startswith("/") or url.startswith("//") or "\\" in url
                or len(url) > URL_MAX or any(ch.isspace() for ch in url)):
        raise ValueError(f"notification url must be a path inside Yanxun: {url!r}")
    return url


def _row(message: Message, now: datetime) -> Notification:
    if not message.kind or len(message.kind) > 50:
        raise ValueError(f"notification kind must be 1-50 characters: {message.kind!r}")
    if len(message.dedupe_key) > KEY_MAX:
        raise ValueError("notification dedupe_key is longer than 200 characters")
    return Notification(recipient_id=message.recipient_id, kind=message.kind,
                        title=_clip(message.title, TITLE_MAX),
                        body=_clip(message.body, BODY_MAX), url=check_url(message.url),
                        dedupe_key=message.dedupe_key, created_at=now)


def send(messages: Iterable[Message], *, now: datetime | None = None) -> None:
    """Store the messages (duplicates of a stored (recipient, dedupe_key) are skipped)."""
    now = now or timezone.now()
    rows = [_row(m, now) for m in messages]
    if rows:
        with transaction.atomic():
            Notification.objects.bulk_create(rows, batch_size=BATCH, ignore_conflicts=True)


def notify(recipients: Iterable, *, kind: str, title: str, body: str = "", url: str = "",
           dedupe_key: str = "", now: datetime | None = None) -> None:
    """The same message to each recipient (users or user ids; None and repeats are ignored)."""
    ids = dict.fromkeys(getattr(r, "pk", r) for r in recipients if r is not None)
    send((Message(int(pk), kind, title, body, url, dedupe_key) for pk in ids if pk is not None),
         now=now)


def mark_read(user, ids: Iterable[int] | str, *, now: datetime | None = None) -> int:
    """Mark the user's own unread messages `ids` (or ALL of them) read; another user's ids
    change nothing. Returns how many were marked."""
    rows = Notification.objects.filter(recipient_id=user.pk, read_at__isnull=True)
    if ids != ALL:
        wanted = [int(i) for i in ids]  # type: ignore[union-attr]
        if not wanted:
            return 0
        rows = rows.filter(pk__in=wanted)
    return rows.update(read_at=now or timezone.now())


def retention_days() -> int:
    return int(getattr(settings, "NOTIFICATIONS_RETENTION_DAYS", 180))


def purge_cutoff(now: datetime | None = None, days: int | None = None) -> datetime:
    return (now or timezone.now()) - timedelta(days=retention_days() if days is None else days)


def purge_read(*, now: datetime | None = None, days: int | None = None,
               dry_run: bool = False) -> int:
    """Delete read messages created more than `days` (NOTIFICATIONS_RETENTION_DAYS) before
    `now`; unread ones are kept. Returns how many were (or, dry run, would be) deleted."""
    old = Notification.objects.filter(read_at__isnull=False,
                                      created_at__lt=purge_cutoff(now, days))
    if dry_run:
        return old.count()
    deleted, _ = old.delete()
    return deleted
