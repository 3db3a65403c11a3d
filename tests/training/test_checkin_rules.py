"""The rules of a check-in (services, explicit times): the window to the second, every refusal
writing nothing, the idempotent repeat, 签退, the geofence, the login grace, the typed code and
its rate limit, and two scans of one teacher at once."""

import threading
from datetime import datetime, time, timedelta
from decimal import Decimal

import pytest
from django.core.cache import cache
from django.db import connection, connections
from django.utils import timezone

from tests.factories import TeacherFactory
from tests.training.factories_checkin import (
    TrainingClassFactory,
    TrainingSessionFactory,
    enrol,
    local,
    session_times,
)
from yanxun.core.models import AuditLog
from yanxun.training import checkin
from yanxun.training.checkin import CheckInRefused, Outcome, Refusal
from yanxun.training.enums import AttendanceMethod, AttendanceStatus, EnrolmentStatus
from yanxun.training.geo import Point, haversine_m, wgs84_to_gcj02
from yanxun.training.models import Attendance
from yanxun.training.policy import policy_for

DAY = datetime(2026, 3, 5).date()
START = local(DAY, time(9, 0))
QR = AttendanceMethod.QR
# 城东: a GCJ-02 centre, and WGS-84 browser positions about 60 m and 2 km from it.
CENTRE_GCJ = Point(31.737820, 119.571620)


@pytest.fixture
def setup(world):
    klass = TrainingClassFactory(name="骨干教师一班")
    session = TrainingSessionFactory(training_class=klass, date=DAY, starts_at=time(9, 0),
                                     ends_at=time(11, 30), title="课堂观察")
    enrol(world.teacher_a, klass)
    world.klass, world.session = klass, session
    world.policy = policy_for(world.school_a.district)
    return world


def _scan(w, at, *, user=None, session=None, location=None):
    return checkin.check_in(session=session or w.session, user=user or w.teacher_a.user,
                            at=at, method=QR, location=location)


def _refused(call) -> CheckInRefused:
    with pytest.raises(CheckInRefused) as refused:
        call()
    return refused.value


# --- the window, to the second ---------------------------------------------------------------


@pytest.mark.parametrize(("offset", "expected"), [
    (timedelta(minutes=-30), AttendanceStatus.PRESENT),
    (timedelta(minutes=-30, seconds=-1), Refusal.NOT_OPEN),
    (timedelta(0), AttendanceStatus.PRESENT),
    (timedelta(minutes=5), AttendanceStatus.PRESENT),
    (timedelta(minutes=5, seconds=1), AttendanceStatus.LATE),
    (timedelta(minutes=30), AttendanceStatus.LATE),
    (timedelta(minutes=30, seconds=1), Refusal.CLOSED),
])
def test_window_boundaries(setup, offset, expected):
    at = START + offset
    if expected in (Refusal.NOT_OPEN, Refusal.CLOSED):
        assert _refused(lambda: _scan(setup, at)).reason == expected
        assert Attendance.objects.count() == 0
        return
    result = _scan(setup, at)
    assert result.outcome == Outcome.CHECKED_IN
    assert list(Attendance.objects.values_list("status", "method", "checked_in_at",
                                               "recorded_by")) == [
        (expected, QR, at, setup.teacher_a.user_id)]


def test_window_messages(setup):
    early = _refused(lambda: _scan(setup, START - timedelta(minutes=31)))
    assert early.message == "签到尚未开始：本次签到于 3月5日 08:30 开放（3月5日 09:00 开始）。"
    late = _refused(lambda: _scan(setup, START + timedelta(minutes=31)))
    assert late.message == ("签到已于 3月5日 09:30 截止，不能再扫码签到。如有特殊情况，"
                            "请联系工作人员登记。")


def test_window_follows_the_program_settings(setup):
    program = setup.klass.program
    program.checkin_opens_before, program.on_time_until, program.late_until = 10, 0, 15
    program.save()
    setup.session.refresh_from_db()
    assert _refused(lambda: _scan(setup, START - timedelta(minutes=11))).reason == \
        Refusal.NOT_OPEN
    assert _scan(setup, START + timedelta(seconds=1)).attendance.status == AttendanceStatus.LATE


# --- refusals: nothing recorded ----------------------------------------------------------------


def test_teacher_enrolled_in_another_class_is_refused(setup):
    other_class = TrainingClassFactory(program=setup.klass.program, name="骨干教师二班")
    other_session = TrainingSessionFactory(training_class=other_class, date=DAY,
                                           starts_at=time(9, 0), ends_at=time(11, 30))
    refusal = _refused(lambda: _scan(setup, START, session=other_session))
    assert refusal.reason == Refusal.OTHER_CLASS
    assert "您未报名" in refusal.message and "骨干教师一班" in refusal.message
    assert Attendance.objects.count() == 0


def test_teacher_of_another_program_is_not_enrolled(setup):
    other_session = TrainingSessionFactory(date=DAY, starts_at=time(9, 0), ends_at=time(10, 0))
    refusal = _refused(lambda: _scan(setup, START, session=other_session))
    assert refusal.reason == Refusal.NOT_ENROLLED
    assert refusal.message == f"您未报名「{other_session.training_class}」，不能签到。"
    assert Attendance.objects.count() == 0


@pytest.mark.parametrize("status", [EnrolmentStatus.PENDING, EnrolmentStatus.WAITING,
                                    EnrolmentStatus.WITHDRAWN, EnrolmentStatus.REJECTED])
def test_only_enrolled_status_may_check_in(setup, status):
    teacher = TeacherFactory(school=setup.school_b)
    enrol(teacher, setup.klass, status)
    refusal = _refused(lambda: _scan(setup, START, user=teacher.user))
    assert refusal.reason == Refusal.NOT_ENROLLED
    assert EnrolmentStatus(status).label in refusal.message
    assert Attendance.objects.count() == 0


def test_user_without_teacher_profile_is_refused(setup):
    refusal = _refused(lambda: _scan(setup, START, user=setup.users["trainer"]))
    assert refusal.reason == Refusal.NO_TEACHER
    assert Attendance.objects.count() == 0


# --- repeats, 签退 -----------------------------------------------------------------------------


def test_second_scan_is_idempotent(setup):
    first = _scan(setup, START - timedelta(minutes=3))
    again = _scan(setup, START + timedelta(minutes=2))
    late_again = _scan(setup, START + timedelta(hours=2))  # after the window: still friendly
    assert [first.outcome, again.outcome, late_again.outcome] == [
        Outcome.CHECKED_IN, Outcome.REPEAT, Outcome.REPEAT]
    assert list(Attendance.objects.values_list("status", "checked_in_at", "checked_out_at")) == [
        (AttendanceStatus.PRESENT, START - timedelta(minutes=3), None)]


def test_check_out_after_the_minimum_stay(setup):
    setup.session.check_out, setup.session.min_stay_minutes = True, 60
    setup.session.save()
    checked_in = _scan(setup, START - timedelta(minutes=1))
    assert checked_in.check_out_from == START + timedelta(minutes=59)
    early = _scan(setup, START + timedelta(minutes=58, seconds=59))
    assert (early.outcome, early.attendance.checked_out_at) == (Outcome.REPEAT, None)
    out = _scan(setup, START + timedelta(minutes=59))
    assert (out.outcome, out.attendance.checked_out_at) == (
        Outcome.CHECKED_OUT, START + timedelta(minutes=59))
    again = _scan(setup, START + timedelta(minutes=90))
    assert again.outcome == Outcome.ALREADY_OUT
    assert list(Attendance.objects.values_list("checked_out_at", flat=True)) == [
        START + timedelta(minutes=59)]


def test_check_out_closes_after_the_end(setup):
    setup.session.check_out = True
    setup.session.save()
    _scan(setup, START)
    end = local(DAY, time(11, 30))
    refusal = _refused(lambda: _scan(setup, end + timedelta(minutes=30, seconds=1)))
    assert refusal.reason == Refusal.CHECKOUT_CLOSED
    assert Attendance.objects.get().checked_out_at is None
    assert _scan(setup, end + timedelta(minutes=30)).outcome == Outcome.CHECKED_OUT


def test_staff_mark_stands_against_a_later_scan(setup):
    Attendance.objects.create(session=setup.session, teacher=setup.teacher_a,
                              status=AttendanceStatus.LEAVE, method=AttendanceMethod.MANUAL)
    result = _scan(setup, START)
    assert result.outcome == Outcome.MARKED
    assert list(Attendance.objects.values_list("status", "checked_in_at")) == [
        (AttendanceStatus.LEAVE, None)]


# --- concurrency: one record, whatever happens ---------------------------------------------


def test_insert_against_an_existing_record_is_the_repeat(setup):
    """The constraint path: the insert of a scan that lost the race to another scan of the
    same teacher (here the other scan's record is already there)."""
    first = _scan(setup, START)
    result = checkin.record_check_in(session=setup.session, teacher_id=setup.teacher_a.pk,
                                     status=AttendanceStatus.PRESENT, method=QR,
                                     at=START + timedelta(seconds=1), user=setup.teacher_a.user)
    assert (result.outcome, result.attendance.pk) == (Outcome.REPEAT, first.attendance.pk)
    assert Attendance.objects.count() == 1


@pytest.mark.django_db(transaction=True)
def test_concurrent_scans_of_one_teacher_make_one_record(world):
    klass = TrainingClassFactory()
    session = TrainingSessionFactory(training_class=klass, date=DAY, starts_at=time(9, 0),
                                     ends_at=time(11, 30))
    enrol(world.teacher_a, klass)
    if connection.vendor != "postgresql":
        # SQLite serialises writers, so threads cannot race here; the constraint path is
        # covered by test_insert_against_an_existing_record_is_the_repeat.
        results = [_scan_as(world.teacher_a.user, session) for _ in range(2)]
    else:
        results = _race(world.teacher_a.user, session, threads=8)
    assert sorted(r.outcome for r in results) == sorted(
        [Outcome.CHECKED_IN] + [Outcome.REPEAT] * (len(results) - 1))
    assert Attendance.objects.filter(session=session).count() == 1


def _scan_as(user, session):
    return checkin.check_in(session=session, user=user, at=START, method=QR)


def _race(user, session, *, threads: int) -> list:
    barrier, results, errors = threading.Barrier(threads), [], []

    def worker():
        try:
            barrier.wait()
            results.append(_scan_as(user, session))
        except Exception as exc:  # noqa: BLE001  reported below
            errors.append(exc)
        finally:
            connections.close_all()

    pool = [threading.Thread(target=worker) for _ in range(threads)]
    for thread in pool:
        thread.start()
    for thread in pool:
        thread.join()
    assert errors == []
    return results


# --- geofence ------------------------------------------------------------------------------------


def _fence(session, radius=200):
    session.geofence_lat = Decimal(str(CENTRE_GCJ.lat))
    session.geofence_lng = Decimal(str(CENTRE_GCJ.lng))
    session.geofence_radius = radius
    session.save()


def _wgs_near(metres_north: float) -> Point:
    """A WGS-84 position whose GCJ-02 image is `metres_north` north of the centre."""
    target = Point(CENTRE_GCJ.lat + metres_north / 111195.08, CENTRE_GCJ.lng)
    guess = target
    for _ in range(5):  # invert the transform by fixed-point iteration
        image = wgs84_to_gcj02(guess)
        guess = Point(guess.lat - (image.lat - target.lat), guess.lng - (image.lng - target.lng))
    return guess


def test_geofence_needs_a_location(setup):
    _fence(setup.session)
    assert _refused(lambda: _scan(setup, START)).reason == Refusal.NEED_LOCATION
    assert Attendance.objects.count() == 0


def test_geofence_compares_in_gcj02(setup):
    _fence(setup.session, radius=200)
    inside = _wgs_near(150)
    # Without the conversion this WGS-84 position is ~500 m from the GCJ-02 centre.
    assert haversine_m(inside, CENTRE_GCJ) > 400
    assert _scan(setup, START, location=inside).outcome == Outcome.CHECKED_IN


def test_geofence_refuses_outside_the_radius(setup):
    _fence(setup.session, radius=200)
    refusal = _refused(lambda: _scan(setup, START, location=_wgs_near(260)))
    assert refusal.reason == Refusal.OUTSIDE
    assert refusal.message == ("您不在签到范围内：距签到地点约 260 米，允许范围 200 米。"
                               "请到现场后再签到。")
    assert Attendance.objects.count() == 0


# --- completing after a login -----------------------------------------------------------------


@pytest.mark.parametrize(("minutes", "ok"), [(10, True), (10.02, False)])
def test_login_grace(setup, minutes, ok):
    accepted_at = START - timedelta(minutes=1)
    raw = checkin.token_issue(setup.session.pk, at=accepted_at)
    now = accepted_at + timedelta(minutes=minutes)

    def complete():
        return checkin.scan_complete(raw_token=raw, accepted_at=accepted_at,
                                     user=setup.teacher_a.user, now=now, policy=setup.policy)

    if ok:
        result = complete()
        assert (result.outcome, result.attendance.checked_in_at,
                result.attendance.status) == (Outcome.CHECKED_IN, accepted_at,
                                              AttendanceStatus.PRESENT)
    else:
        refusal = _refused(complete)
        assert refusal.reason == Refusal.GRACE_OVER
        assert refusal.message == "扫码已超过 10 分钟，本次扫码作废。请重新扫描签到屏幕上的二维码。"
        assert Attendance.objects.count() == 0


def test_completion_is_judged_at_the_scan_time(setup):
    accepted_at = START + timedelta(minutes=4)  # on time when scanned
    raw = checkin.token_issue(setup.session.pk, at=accepted_at)
    result = checkin.scan_complete(raw_token=raw, accepted_at=accepted_at,
                                   user=setup.teacher_a.user,
                                   now=accepted_at + timedelta(minutes=6), policy=setup.policy)
    assert result.attendance.status == AttendanceStatus.PRESENT


# --- the typed code ----------------------------------------------------------------------------


@pytest.fixture
def today(setup, settings):
    """The session moved to today, open for check-in now (the code looks at today's)."""
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache",
                                   "LOCATION": "checkin-code-tests"}}
    cache.clear()  # the try counters of an earlier test (primary keys are reused)
    now = timezone.now()
    for name, value in session_times(now).items():
        setattr(setup.session, name, value)
    setup.session.save()
    setup.now = now
    return setup


def _code(w, at=None):
    at = at or w.now
    return checkin.code_for(checkin.token_issue(w.session.pk, at=at))


def test_code_checks_in(today):
    result = checkin.code_check_in(user=today.teacher_a.user, code=_code(today), now=today.now,
                                   policy=today.policy)
    assert (result.outcome, result.attendance.method) == (Outcome.CHECKED_IN,
                                                          AttendanceMethod.CODE)


def test_code_accepts_full_width_digits_and_spaces(today):
    full_width = " ".join(chr(ord("０") + int(d)) for d in _code(today))
    result = checkin.code_check_in(user=today.teacher_a.user, code=full_width, now=today.now,
                                   policy=today.policy)
    assert result.outcome == Outcome.CHECKED_IN


def test_expired_code_is_refused(today):
    code = _code(today, at=today.now - timedelta(seconds=16))
    refusal = _refused(lambda: checkin.code_check_in(user=today.teacher_a.user, code=code,
                                                     now=today.now, policy=today.policy))
    assert refusal.reason == Refusal.WRONG_CODE
    assert Attendance.objects.count() == 0


def test_code_of_a_session_not_enrolled_is_wrong(today):
    other = TrainingSessionFactory(date=today.session.date, starts_at=today.session.starts_at,
                                   ends_at=today.session.ends_at)
    code = checkin.code_for(checkin.token_issue(other.pk, at=today.now))
    refusal = _refused(lambda: checkin.code_check_in(user=today.teacher_a.user, code=code,
                                                     now=today.now, policy=today.policy))
    assert refusal.reason == Refusal.WRONG_CODE
    assert Attendance.objects.count() == 0


def test_code_disabled_for_the_session(today):
    today.session.code_enabled = False
    today.session.save()
    refusal = _refused(lambda: checkin.code_check_in(user=today.teacher_a.user,
                                                     code=_code(today), now=today.now,
                                                     policy=today.policy))
    assert refusal.reason == Refusal.WRONG_CODE


def test_code_rate_limit_per_teacher_and_minute(today):
    minute_start = today.now.replace(second=0, microsecond=0)
    now = minute_start + timedelta(seconds=1)
    tries = []
    for _ in range(5):
        tries.append(_refused(lambda: checkin.code_check_in(
            user=today.teacher_a.user, code="000000", now=now, policy=today.policy)).reason)
    sixth = _refused(lambda: checkin.code_check_in(
        user=today.teacher_a.user, code=_code(today, at=now), now=now, policy=today.policy))
    assert tries == [Refusal.WRONG_CODE] * 5
    assert sixth.reason == Refusal.TOO_MANY_TRIES
    assert sixth.message == "签到码每分钟最多尝试 5 次，请稍后再试，或扫描签到屏幕上的二维码。"
    assert Attendance.objects.count() == 0
    # Another teacher is not affected; the next minute the teacher may try again.
    next_minute = minute_start + timedelta(minutes=1)
    if today.session.date == next_minute.date():
        result = checkin.code_check_in(user=today.teacher_a.user,
                                       code=_code(today, at=next_minute), now=next_minute,
                                       policy=today.policy)
        assert result.outcome == Outcome.CHECKED_IN


def test_no_audit_rows_for_a_teachers_own_scan(setup):
    """The attendance row itself records who (recorded_by), when and how; the 操作日志 holds
    staff's changes (see test_checkin_staff)."""
    _scan(setup, START)
    assert AuditLog.objects.filter(action__startswith="training.attendance").count() == 0
