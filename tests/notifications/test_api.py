"""GET /api/notifications and POST /api/notifications/read: one's own messages only."""

from datetime import datetime, timedelta

from django.utils import timezone

from yanxun.core.enums import Role
from yanxun.notifications.models import Notification
from yanxun.notifications.services import notify

TEACHER, TRAINER = str(Role.TEACHER), str(Role.TRAINER)
START = timezone.make_aware(datetime(2026, 6, 1, 8, 0))


def _messages(user, n: int):
    for i in range(n):
        notify([user], kind="training.promoted", title=f"消息{i + 1}", body="内容",
               url="/training/mine/", now=START + timedelta(hours=i))


def test_the_list_is_ones_own_newest_first_and_paged(world):
    _messages(world.users[TEACHER], 5)
    _messages(world.users[TRAINER], 2)
    client = world.client_for(TEACHER)
    data = client.get("/api/notifications?limit=2&offset=1").json()
    assert (data["count"], data["unread"]) == (5, 5)
    assert [(n["title"], n["kind"], n["url"], n["read_at"]) for n in data["items"]] == [
        ("消息4", "training.promoted", "/training/mine/", None),
        ("消息3", "training.promoted", "/training/mine/", None)]
    assert data["items"][0]["created_at"] == "2026-06-01T03:00:00Z"  # 11:00 in Beijing


def test_mark_read_by_ids_touches_only_ones_own(world):
    _messages(world.users[TEACHER], 3)
    _messages(world.users[TRAINER], 1)
    mine = list(Notification.objects.filter(recipient=world.users[TEACHER]).order_by("pk")
                .values_list("pk", flat=True))
    theirs = Notification.objects.get(recipient=world.users[TRAINER]).pk
    client = world.client_for(TEACHER)
    response = client.post("/api/notifications/read", {"ids": [mine[0], theirs]},
                           content_type="application/json")
    assert (response.status_code, response.json()) == (200, {"marked": 1, "unread": 2})
    assert Notification.objects.get(pk=theirs).read_at is None
    unread = client.get("/api/notifications?unread=true").json()
    assert [n["title"] for n in unread["items"]] == ["消息3", "消息2"]
    assert unread["count"] == 2
    response = client.post("/api/notifications/read", {"all": True},
                           content_type="application/json")
    assert response.json() == {"marked": 2, "unread": 0}


def test_refusals_are_chinese(world):
    client = world.client_for(TEACHER)
    response = client.post("/api/notifications/read", {}, content_type="application/json")
    assert (response.status_code, response.json()) == (
        400, {"detail": "请给出要标为已读的消息编号（ids），或 all=true。"})
    response = client.post("/api/notifications/read", {"ids": [0]},
                           content_type="application/json")
    assert (response.status_code, response.json()) == (400, {"detail": "消息编号不合法。"})
    response = client.get("/api/notifications?limit=500")
    assert (response.status_code, response.json()["detail"]) == (422, "请求参数不合法。")
