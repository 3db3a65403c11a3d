"""notify / send / mark_read / purge: the rules of 站内消息 themselves."""

from datetime import datetime, timedelta

import pytest
from django.db import IntegrityError, transaction
from django.utils import timezone

from tests.factories import UserFactory
from yanxun.notifications import services
from yanxun.notifications.models import Notification
from yanxun.notifications.services import ALL, Message, mark_read, notify, purge_read, send

NOW = timezone.make_aware(datetime(2026, 6, 30, 9, 0))


def _rows():
    return list(Notification.objects.order_by("recipient_id", "pk").values_list(
        "recipient__username", "kind", "title", "body", "url", "dedupe_key", "read_at"))


def test_notify_writes_one_message_per_recipient(db):
    a, b = UserFactory(username="a"), UserFactory(username="b")
    notify([a, b.pk, a, None], kind="training.promoted", title="候补转正：班主任专业化培训",
           body="有名额空出。", url="/training/mine/", now=NOW)
    assert _rows() == [
        ("a", "training.promoted", "候补转正：班主任专业化培训", "有名额空出。", "/training/mine/",
         "", None),
        ("b", "training.promoted", "候补转正：班主任专业化培训", "有名额空出。", "/training/mine/",
         "", None)]
    assert set(Notification.objects.values_list("created_at", flat=True)) == {NOW}


def test_the_same_dedupe_key_twice_is_one_message(db):
    user = UserFactory()
    notify([user], kind="training.promoted", title="候补转正：甲", dedupe_key="training.promoted:7")
    notify([user], kind="training.promoted", title="候补转正：乙", dedupe_key="training.promoted:7")
    send([Message(user.pk, "training.promoted", "候补转正：丙", dedupe_key="training.promoted:7"),
          Message(user.pk, "training.promoted", "候补转正：丁", dedupe_key="training.promoted:8")])
    assert [(t, k) for _, _, t, _, _, k, _ in _rows()] == [
        ("候补转正：甲", "training.promoted:7"), ("候补转正：丁", "training.promoted:8")]


def test_the_database_refuses_a_second_row_with_the_key(db):
    """The rule is a constraint, not a Python check: a plain insert past the service fails."""
    user = UserFactory()
    Notification.objects.create(recipient=user, kind="k", title="一", dedupe_key="event:1")
    with pytest.raises(IntegrityError), transaction.atomic():
        Notification.objects.create(recipient=user, kind="k", title="二", dedupe_key="event:1")
    # Without a key there is no rule: the same text may arrive twice.
    Notification.objects.create(recipient=user, kind="k", title="三")
    Notification.objects.create(recipient=user, kind="k", title="三")
    assert Notification.objects.count() == 3


def test_a_key_is_per_recipient(db):
    a, b = UserFactory(username="a"), UserFactory(username="b")
    notify([a], kind="k", title="甲", dedupe_key="event:1")
    notify([a, b], kind="k", title="乙", dedupe_key="event:1")
    assert [(u, t) for u, _, t, *_ in _rows()] == [("a", "甲"), ("b", "乙")]


def test_a_message_rolls_back_with_its_event(db):
    user = UserFactory()
    with pytest.raises(RuntimeError), transaction.atomic():
        notify([user], kind="k", title="未发生的事")
        raise RuntimeError("the event failed")
    assert Notification.objects.count() == 0


def test_long_text_is_clipped_and_foreign_links_are_refused(db):
    user = UserFactory()
    notify([user], kind="k", title="标" * 300, body="内容\n换行  " + "长" * 600)
    row = Notification.objects.get()
    assert (len(row.title), row.title[-1], len(row.body), row.body[:6]) == (
        200, "…", 500, "内容 换行 ")
    for url in ("https://evil.example.com/", "//evil.example.com/", "javascript:alert(1)",
                "/a b", "/\\\\evil"):
        with pytest.raises(ValueError):
            notify([user], kind="k", title="链接", url=url)
    assert Notification.objects.count() == 1


def test_mark_read_touches_only_the_users_own_messages(db):
    a, b = UserFactory(username="a"), UserFactory(username="b")
    notify([a, b], kind="k", title="一")
    notify([a, b], kind="k", title="二")
    mine = list(Notification.objects.filter(recipient=a).order_by("pk").values_list("pk",
                                                                                    flat=True))
    theirs = list(Notification.objects.filter(recipient=b).values_list("pk", flat=True))
    assert mark_read(a, theirs, now=NOW) == 0
    assert mark_read(a, [mine[0], *theirs], now=NOW) == 1
    assert mark_read(a, [mine[0]], now=NOW + timedelta(hours=1)) == 0  # already read
    assert mark_read(a, [], now=NOW) == 0
    assert [(u, t, r) for u, _, t, _, _, _, r in _rows()] == [
        ("a", "一", NOW), ("a", "二", None), ("b", "一", None), ("b", "二", None)]
    assert mark_read(b, ALL, now=NOW) == 2
    assert Notification.objects.filter(recipient=a, read_at__isnull=True).count() == 1


def _aged(user, title: str, *, days: int, read: bool):
    notify([user], kind="k", title=title, now=NOW - timedelta(days=days))
    if read:
        Notification.objects.filter(title=title).update(read_at=NOW - timedelta(days=days - 1))


def test_purge_deletes_read_messages_past_the_retention_period(db, settings):
    settings.NOTIFICATIONS_RETENTION_DAYS = 180
    user = UserFactory()
    _aged(user, "读过，181 天前", days=181, read=True)
    _aged(user, "读过，180 天前", days=180, read=True)
    _aged(user, "读过，10 天前", days=10, read=True)
    _aged(user, "未读，400 天前", days=400, read=False)
    assert purge_read(now=NOW, dry_run=True) == 1
    assert Notification.objects.count() == 4
    assert purge_read(now=NOW) == 1
    assert sorted(Notification.objects.values_list("title", flat=True)) == [
        "未读，400 天前", "读过，10 天前", "读过，180 天前"]
    assert purge_read(now=NOW, days=5) == 2
    assert list(Notification.objects.values_list("title", flat=True)) == ["未读，400 天前"]


def test_the_purge_command(db, settings):
    from io import StringIO

    from django.core.management import call_command

    settings.NOTIFICATIONS_RETENTION_DAYS = 30
    user = UserFactory()
    now = timezone.now()
    notify([user], kind="k", title="旧", now=now - timedelta(days=31))
    Notification.objects.update(read_at=now - timedelta(days=30))
    out = StringIO()
    call_command("notifications_purge", "--dry-run", stdout=out)
    assert "已读消息保留 30 天：将删除" in out.getvalue() and out.getvalue().endswith(" 1 条。\n")
    assert Notification.objects.count() == 1
    call_command("notifications_purge", stdout=out)
    assert Notification.objects.count() == 0
    assert services.retention_days() == 30


def test_yanxun_notifications_purge_runs_the_command(db, capsys):
    from yanxun.cli import main

    assert main(["yanxun", "notifications", "purge", "--dry-run", "--days", "7"]) == 0
    assert capsys.readouterr().out.startswith("已读消息保留 7 天：将删除 ")


@pytest.mark.django_db(transaction=True)
def test_two_workers_reporting_one_event_at_once_make_one_message():
    """On PostgreSQL two threads insert the same key while both transactions are open: the
    second insert waits for the first commit, then skips its row. SQLite serialises writers
    (IMMEDIATE transactions), so there the same calls run one after the other."""
    import threading
    import time

    from django.db import close_old_connections, connection, connections

    user = UserFactory()

    def report(title: str) -> None:
        with transaction.atomic():
            notify([user.pk], kind="training.promoted", title=title,
                   dedupe_key="training.promoted:42")
            time.sleep(0.2)  # both transactions open at once

    if connection.vendor != "postgresql":
        report("甲")
        report("乙")
    else:
        barrier = threading.Barrier(2)

        def worker(title):
            close_old_connections()
            try:
                barrier.wait()
                report(title)
            finally:
                connections.close_all()

        threads = [threading.Thread(target=worker, args=(t,)) for t in ("甲", "乙")]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(30)
    assert Notification.objects.filter(dedupe_key="training.promoted:42").count() == 1
