"""JSON API of 站内消息: the caller's own messages, and marking them read (the same selectors
and services as 我的消息)."""

from __future__ import annotations

from datetime import datetime

from django.core.exceptions import ValidationError
from ninja import Field, Query, Router, Schema

from yanxun.core.listing import MAX_ID
from yanxun.notifications import selectors, services
from yanxun.org.schemas import ErrorOut

router = Router(tags=["站内消息"])
REFUSALS = {400: ErrorOut, 401: ErrorOut, 422: ErrorOut}


class NotificationOut(Schema):
    id: int
    kind: str = Field(..., description="类型代码，如 training.promoted")
    title: str = Field(..., description="标题")
    body: str = Field(..., description="内容（纯文本）")
    url: str = Field(..., description="相关页面（站内路径，可为空）")
    created_at: datetime
    read_at: datetime | None = Field(None, description="已读时间；为空表示未读")


class NotificationPage(Schema):
    count: int = Field(..., description="符合条件的消息总数")
    unread: int = Field(..., description="未读消息数")
    items: list[NotificationOut]


class NotificationFilters(Schema):
    limit: int = Field(20, ge=1, le=200, description="每页条数（1–200）")
    offset: int = Field(0, ge=0, le=10_000_000, description="跳过的条数")
    unread: bool = Field(False, description="只要未读消息")


class ReadIn(Schema):
    ids: list[int] = Field(default_factory=list, max_length=1000,
                           description="要标为已读的消息编号（本人的；他人的编号不起作用）")
    all: bool = Field(False, description="true：本人全部消息标为已读")


class ReadOut(Schema):
    marked: int = Field(..., description="本次标为已读的条数")
    unread: int = Field(..., description="剩余未读消息数")


def _out(n) -> dict:
    return {"id": n.pk, "kind": n.kind, "title": n.title, "body": n.body, "url": n.url,
            "created_at": n.created_at, "read_at": n.read_at}


@router.get("", response={200: NotificationPage, **REFUSALS}, summary="我的消息",
            description="调用者本人的站内消息，新的在前。分页用 limit 和 offset；unread=true 只列未读。")
def notification_list(request, filters: Query[NotificationFilters]):
    rows = selectors.own(request.auth).order_by("-created_at", "-id")
    if filters.unread:
        rows = rows.filter(read_at__isnull=True)
    page = rows[filters.offset:filters.offset + filters.limit]
    count = rows.count()
    unread = count if filters.unread else selectors.unread_count(request.auth)
    return {"count": count, "unread": unread, "items": [_out(n) for n in page]}


@router.post("/read", response={200: ReadOut, **REFUSALS}, summary="标为已读",
             description="把本人的消息标为已读：给出 ids，或 all=true 表示全部。他人的消息编号不起作用。")
def notification_read(request, payload: ReadIn):
    if payload.all:
        marked = services.mark_read(request.auth, services.ALL)
    elif payload.ids:
        if any(not 1 <= i <= MAX_ID for i in payload.ids):
            raise ValidationError("消息编号不合法。")
        marked = services.mark_read(request.auth, payload.ids)
    else:
        raise ValidationError("请给出要标为已读的消息编号（ids），或 all=true。")
    return {"marked": marked, "unread": selectors.unread_count(request.auth)}
