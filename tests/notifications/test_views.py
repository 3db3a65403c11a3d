"""我的消息 and the bell: the unread count on every page (one indexed COUNT, none for
anonymous pages), the list, opening a message, 全部标为已读."""

from datetime import timedelta

from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from yanxun.core.enums import Role
from yanxun.notifications.models import Notification
from yanxun.notifications.services import notify

TEACHER, TRAINER = str(Role.TEACHER), str(Role.TRAINER)
NOTIFICATION_TABLE = Notification._meta.db_table


def _messages(user, n: int, *, read: int = 0, url: str = "/training/mine/"):
    start = timezone.now() - timedelta(hours=n)
    for i in range(n):
        notify([user], kind="training.promoted", title=f"消息{i + 1}", body=f"内容{i + 1}",
               url=url, now=start + timedelta(hours=i))
    oldest = Notification.objects.filter(recipient=user).order_by("created_at")[:read]
    Notification.objects.filter(pk__in=[m.pk for m in oldest]).update(read_at=timezone.now())


def _badge(html: str) -> str | None:
    marker = 'data-testid="unread-count">'
    if marker not in html:
        return None
    return html.split(marker, 1)[1].split("<", 1)[0]


def test_the_bell_shows_the_exact_unread_count(world):
    user = world.users[TEACHER]
    client = world.client_for(TEACHER)
    page = client.get(reverse("training:my_training")).content.decode()
    assert 'data-testid="bell"' in page and _badge(page) is None  # hidden at 0
    _messages(user, 4, read=1)
    _messages(world.users[TRAINER], 2)  # someone else's: not counted
    page = client.get(reverse("training:my_training")).content.decode()
    assert _badge(page) == "3"
    assert 'aria-label="我的消息（3 条未读）"' in page
    _messages(user, 120)
    assert _badge(client.get(reverse("training:my_training")).content.decode()) == "99+"


def _notification_queries(client, url: str) -> list[str]:
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
    assert response.status_code == 200
    return [q["sql"] for q in ctx.captured_queries if NOTIFICATION_TABLE in q["sql"]]


def test_the_bell_costs_one_count_query_per_page(world, django_assert_num_queries, settings):
    user = world.users[TRAINER]
    _messages(user, 3)
    client = world.client_for(TRAINER)
    url = reverse("accounts:password_change")
    client.get(url)  # warm the session and per-worker caches
    # the session (unless read through Redis), the user, their roles, the unread COUNT
    from_db = 0 if settings.SESSION_ENGINE.endswith("cached_db") else 1
    with django_assert_num_queries(3 + from_db):
        response = client.get(url)
    assert _badge(response.content.decode()) == "3"
    [sql] = _notification_queries(client, url)
    assert sql.startswith("SELECT COUNT(*)") and '"read_at" IS NULL' in sql
    # A list page: still exactly one query on the notifications table.
    assert len(_notification_queries(client, reverse("org:teacher_list"))) == 1


def test_the_unread_count_is_answered_from_the_index(world):
    sql = (f'SELECT COUNT(*) FROM "{NOTIFICATION_TABLE}" WHERE "recipient_id" = %s '
           'AND "read_at" IS NULL')
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SET LOCAL enable_seqscan = off")  # a test table is tiny
            cursor.execute("EXPLAIN " + sql, [world.users[TEACHER].pk])
        else:
            cursor.execute("EXPLAIN QUERY PLAN " + sql, [world.users[TEACHER].pk])
        plan = " ".join(str(row[-1]) for row in cursor.fetchall())
    assert "notification_unread" in plan
    if connection.vendor == "sqlite":
        assert "USING COVERING INDEX notification_unread" in plan


def test_anonymous_pages_run_no_notification_query(db):
    client = Client()
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(reverse("accounts:login"))
    assert response.status_code == 200 and 'data-testid="bell"' not in response.content.decode()
    assert [q for q in ctx.captured_queries if NOTIFICATION_TABLE in q["sql"]] == []


def test_the_list_newest_first_unread_bold_paged_by_fifty(world):
    user = world.users[TEACHER]
    _messages(user, 53, read=50)
    client = world.client_for(TEACHER)
    response = client.get(reverse("notifications:list"))
    page = response.context["page"]
    assert [n.title for n in page.object_list][:4] == ["消息53", "消息52", "消息51", "消息50"]
    assert (len(page.object_list), page.paginator.num_pages) == (50, 2)
    html = response.content.decode()
    assert html.count("notification-unread") == 3
    assert "第 1 / 2 页，共 53 条" in html and 'data-testid="read-all"' in html
    second = client.get(reverse("notifications:list") + "?page=2").context["page"]
    assert [n.title for n in second.object_list] == ["消息3", "消息2", "消息1"]
    unread = client.get(reverse("notifications:list") + "?unread=1").context["page"]
    assert [n.title for n in unread.object_list] == ["消息53", "消息52", "消息51"]
    assert client.get(reverse("notifications:list") + "?page=x").context["page"].number == 1


def test_the_list_shows_only_ones_own_messages(world):
    _messages(world.users[TRAINER], 2)
    response = world.client_for(TEACHER).get(reverse("notifications:list"))
    assert list(response.context["page"].object_list) == []
    assert '还没有消息。' in response.content.decode()


def test_opening_a_message_marks_it_read_and_follows_its_link(world):
    user = world.users[TEACHER]
    _messages(user, 2)
    first, second = Notification.objects.filter(recipient=user).order_by("pk")
    client = world.client_for(TEACHER)
    response = client.post(reverse("notifications:open", args=[first.pk]))
    assert (response.status_code, response["Location"]) == (302, "/training/mine/")
    first.refresh_from_db()
    second.refresh_from_db()
    assert first.read_at is not None and second.read_at is None


def test_a_message_without_a_link_opens_to_the_list(world):
    user = world.users[TEACHER]
    _messages(user, 1, url="")
    response = world.client_for(TEACHER).post(
        reverse("notifications:open", args=[Notification.objects.get().pk]))
    assert response["Location"] == reverse("notifications:list")
    assert Notification.objects.get().read_at is not None


def test_another_users_message_cannot_be_opened(world):
    _messages(world.users[TRAINER], 1)
    theirs = Notification.objects.get()
    response = world.client_for(TEACHER).post(reverse("notifications:open", args=[theirs.pk]))
    assert response.status_code == 404
    theirs.refresh_from_db()
    assert theirs.read_at is None


def test_read_all_marks_only_ones_own(world):
    _messages(world.users[TEACHER], 3, read=1)
    _messages(world.users[TRAINER], 2)
    client = world.client_for(TEACHER)
    response = client.post(reverse("notifications:read_all"), follow=True)
    assert [str(m) for m in response.context["messages"]] == ["已将 2 条消息标为已读。"]
    assert _badge(response.content.decode()) is None
    assert Notification.objects.filter(read_at__isnull=True).count() == 2  # the trainer's
    again = client.post(reverse("notifications:read_all"), follow=True)
    assert [str(m) for m in again.context["messages"]] == ["没有未读消息。"]
