"""Reads of 站内消息. Every read is the user's own messages: there is no other scope."""

from __future__ import annotations

from functools import lru_cache

from django.core.paginator import Page, Paginator
from django.db import connections, router
from django.db.models import QuerySet
from django.http import Http404
from django.utils.functional import cached_property

from yanxun.notifications.models import Notification

PER_PAGE = 50


def own(user) -> QuerySet[Notification]:
    return Notification.objects.filter(recipient_id=user.pk)


def unread_count(user) -> int:
    """One indexed COUNT (the (recipient, read_at) index). Every page of a logged-in user
    runs it for the bell, so it is written as plain SQL: the ORM spent ~0.6 ms building the
    same statement that the database answers in ~0.03 ms."""
    connection = connections[router.db_for_read(Notification)]
    with connection.cursor() as cursor:
        cursor.execute(_unread_sql(connection.vendor), [user.pk])
        return cursor.fetchone()[0]


@lru_cache(maxsize=4)
def _unread_sql(vendor: str) -> str:
    quote = connections[router.db_for_read(Notification)].ops.quote_name
    table, recipient, read_at = (quote(Notification._meta.db_table), quote("recipient_id"),
                                 quote("read_at"))
    return f"SELECT COUNT(*) FROM {table} WHERE {recipient} = %s AND {read_at} IS NULL"


def page_for(user, number, *, unread_only: bool = False) -> Page:
    """A page of 50 of the user's messages, newest first (a bad page number gives the
    nearest page)."""
    rows = own(user).only("pk", "kind", "title", "body", "url", "created_at", "read_at")
    if unread_only:
        rows = rows.filter(read_at__isnull=True)
    return Paginator(rows.order_by("-created_at", "-id"), PER_PAGE).get_page(number)


def recent_for(user, *, kind_prefix: str = "", limit: int = 20) -> list[Notification]:
    rows = own(user)
    if kind_prefix:
        rows = rows.filter(kind__startswith=kind_prefix)
    return list(rows.order_by("-created_at", "-id")[:limit])


def own_notification(user, pk: int) -> Notification:
    found = own(user).filter(pk=pk).first()
    if found is None:
        raise Http404("未找到该消息。")
    return found


class UnreadCount:
    """The bell's number, counted when a template first asks for it (so pages that never
    show the bell, and anonymous pages, run no query) and at most once per request."""

    def __init__(self, user) -> None:
        self.user = user

    @cached_property
    def value(self) -> int:
        return unread_count(self.user)

    @property
    def text(self) -> str:
        return "99+" if self.value > 99 else str(self.value)
