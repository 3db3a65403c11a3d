"""Data versions (core/versions.py): a token per channel that database triggers replace in
every transaction writing the channel's tables, and the caches keyed by it."""

from datetime import date

import pytest
from django.db import connection

from tests.factories import SubjectFactory, TeacherFactory
from yanxun.core import versions
from yanxun.core.models import AuditLog
from yanxun.org.enums import HonourLevel, HonourTier
from yanxun.org.models import School, Teacher, TeacherHonour

pytestmark = pytest.mark.django_db


def test_every_table_of_every_channel_has_the_trigger():
    every = versions.table_channels()
    assert versions.installed_triggers() == set(every)
    assert every["org_teacher"] == ["ledgers", "org"]
    assert every["org_teacher_subjects"] == ["org"]
    assert every["training_hourrecord"] == ["ledgers"]
    assert {"org_school", "org_subject", "org_teacherhonour", "org_teacherposting",
            "org_educationgroup", "org_educationgroup_schools"} <= set(versions.tables("org"))
    assert "accounts_user" not in every and "core_dataversion" not in every
    assert versions.version("org") is not None
    assert versions.version("no-such-channel") is None


def test_installing_again_is_idempotent_and_drops_triggers_no_channel_wants():
    versions.install_triggers()
    assert versions.installed_triggers() == set(versions.table_channels())
    versions.register("scratch", ("core.AuditLog",))
    try:
        versions.install_triggers()
        assert "core_auditlog" in versions.installed_triggers()
        before = versions.version("scratch")
        AuditLog.objects.create(action="t", object_type="t")
        assert versions.version("scratch") not in (before, None)
    finally:
        del versions.CHANNELS["scratch"]
    versions.install_triggers()
    assert "core_auditlog" not in versions.installed_triggers()
    before = versions.version("scratch")
    AuditLog.objects.create(action="t", object_type="t")
    assert versions.version("scratch") == before  # the row stays; nothing writes it now


def _changes(channel: str, write) -> bool:
    before = versions.version(channel)
    write()
    return versions.version(channel) != before


def test_every_kind_of_write_of_an_org_table_changes_the_org_version(world):
    teacher = world.teacher_a
    subject = SubjectFactory(name="化学")
    assert _changes("org", lambda: TeacherFactory(school=world.school_a))
    assert _changes("org", lambda: Teacher.objects.filter(pk=teacher.pk).update(name="张晓"))
    assert _changes("org", lambda: teacher.subjects.add(subject))  # a many-to-many table
    assert _changes("org", lambda: TeacherHonour.objects.create(
        teacher=teacher, tier=HonourTier.NEW_STAR, level=HonourLevel.DISTRICT,
        awarded_on=date(2024, 9, 1)))
    assert _changes("org", lambda: School.objects.filter(pk=world.school_b.pk)
                    .update(name="城西二中"))

    def raw_sql():
        with connection.cursor() as cursor:
            cursor.execute("UPDATE org_subject SET name = %s WHERE id = %s", ["化学 ", subject.pk])

    assert _changes("org", raw_sql)
    assert _changes("org", lambda: TeacherHonour.objects.filter(teacher=teacher).delete())
    # Outside the channel: an audit entry, a user's name.
    assert not _changes("org", lambda: AuditLog.objects.create(action="t", object_type="t"))
    assert not _changes("org", lambda: type(teacher.user).objects.filter(
        pk=teacher.user_id).update(name="张老师"))
    # A teacher is in both channels.
    assert _changes("ledgers", lambda: Teacher.objects.filter(pk=teacher.pk).update(name="张"))
    assert not _changes("ledgers", lambda: teacher.subjects.remove(subject))


def test_bulk_writes_change_every_version_once_at_the_end(world):
    before = {name: versions.version(name) for name in ("org", "ledgers")}
    with versions.bulk_writes():
        TeacherFactory(school=world.school_a)
        inside = versions.version("org")
        TeacherFactory(school=world.school_b)
        if connection.vendor == "sqlite":  # row triggers skipped; PostgreSQL's are per statement
            assert versions.version("org") == inside == before["org"]
    after = {name: versions.version(name) for name in ("org", "ledgers")}
    assert after["org"] not in (before["org"], None)
    assert after["ledgers"] not in (before["ledgers"], None)
    with connection.cursor() as cursor:
        cursor.execute("SELECT name FROM core_dataversion ORDER BY name")
        assert cursor.fetchall() == [("ledgers",), ("org",)]


class TestLocalCache:
    def test_kept_until_the_version_changes(self, world):
        cache, calls = versions.LocalCache("org", size=10), []

        def compute():
            calls.append(1)
            return sorted(Teacher.objects.values_list("name", flat=True))

        assert [cache.get("k", compute), cache.get("k", compute)] == [["张晓明", "李秋华"]] * 2
        assert (cache.hits, cache.misses, len(calls)) == (1, 1, 1)
        # QuerySet.update sends no signal: only the version tells.
        Teacher.objects.filter(pk=world.teacher_b.pk).update(name="李秋")
        assert cache.get("k", compute) == ["张晓明", "李秋"]
        assert (cache.hits, cache.misses) == (1, 2)
        # A write outside the channel keeps it.
        AuditLog.objects.create(action="t", object_type="t")
        assert cache.get("k", compute) == ["张晓明", "李秋"]
        assert (cache.hits, cache.misses) == (2, 2)

    def test_a_value_computed_while_a_write_commits_is_not_kept(self, world):
        cache = versions.LocalCache("org", size=10)

        def meanwhile_written():
            # another transaction's commit, as seen here (an update: no signal)
            Teacher.objects.filter(pk=world.teacher_b.pk).update(name="李秋")
            return "stale"

        assert cache.get("k", meanwhile_written) == "stale"
        assert cache.get("k", lambda: "fresh") == "fresh"
        assert cache.get("k", lambda: "not called") == "fresh"
        assert (cache.hits, cache.misses) == (1, 2)

    def test_the_least_recently_used_goes_first_when_full(self, db):
        cache = versions.LocalCache("org", size=2)
        cache.get("a", lambda: 1)
        cache.get("b", lambda: 2)
        cache.get("a", lambda: 0)  # a is now the most recent
        cache.get("c", lambda: 3)  # evicts b
        assert [cache.get("c", lambda: -3), cache.get("a", lambda: -1)] == [3, 1]
        assert cache.get("b", lambda: -2) == -2

    def test_without_a_version_row_nothing_is_kept(self, db):
        cache = versions.LocalCache("org", size=2)
        with connection.cursor() as cursor:
            cursor.execute("DELETE FROM core_dataversion WHERE name = 'org'")
        assert [cache.get("k", lambda: 1), cache.get("k", lambda: 2)] == [1, 2]
        assert cache.hits == 0


def test_a_channel_name_must_be_an_identifier():
    with pytest.raises(ValueError, match="bad data version channel name: 'a b'"):
        versions.register("a b", ("org.*",))
    assert "a b" not in versions.CHANNELS


@pytest.mark.django_db(transaction=True)
def test_writers_of_two_channels_in_opposite_orders_do_not_deadlock():
    """Transaction A writes an org-only table, then a ledgers-only one; B the reverse, started
    between A's two writes. On PostgreSQL each trigger locks every version row first, so B
    waits for A instead of each holding one row the other needs. SQLite serialises writers
    by itself: there the two run one after the other."""
    import threading

    from django.db import close_old_connections, connections, transaction

    from yanxun.org.models import Subject
    from yanxun.training.models import Category

    before = {name: versions.version(name) for name in ("org", "ledgers")}
    a_wrote, b_wrote = threading.Event(), threading.Event()
    errors: list[BaseException] = []

    def a():
        with transaction.atomic():
            Subject.objects.create(name="甲学科", sort_order=90)
            a_wrote.set()
            b_wrote.wait(2)  # B is blocked behind A's lock (PostgreSQL): the wait times out
            Category.objects.create(name="甲类")

    def b():
        a_wrote.wait(10)
        with transaction.atomic():
            Category.objects.create(name="乙类")
            b_wrote.set()
            Subject.objects.create(name="乙学科", sort_order=91)

    def run(target):
        close_old_connections()
        try:
            target()
        except BaseException as exc:  # noqa: BLE001  reported below
            errors.append(exc)
        finally:
            connections.close_all()

    if connection.vendor == "postgresql":
        threads = [threading.Thread(target=run, args=(f,)) for f in (a, b)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(30)
    else:
        a_wrote.set()
        b_wrote.set()
        a()
        b()
    assert errors == []
    assert sorted(Subject.objects.filter(sort_order__gte=90).values_list("name", flat=True)) \
        == sorted(["甲学科", "乙学科"])
    assert Category.objects.filter(name__in=["甲类", "乙类"]).count() == 2
    after = {name: versions.version(name) for name in ("org", "ledgers")}
    assert after["org"] not in (before["org"], None)
    assert after["ledgers"] not in (before["ledgers"], None)
