"""签到: rotating signed tokens for the QR code and the 签到码, the rules a scan is checked
against, and a teacher's own check-in and check-out.

A token is "<session id>.<issue time, whole seconds>" signed with django.core.signing under its
own salt; the 6-digit 签到码 is an HMAC of the token under another salt, so it rotates with the
QR code. A token is accepted within TrainingPolicy.token_seconds of its issue; from then on
the acceptance time stands for the scan (a teacher who must log in first completes within
login_grace_minutes, judged at the time they scanned).

Every refusal raises CheckInRefused with a Chinese message and writes nothing. Staff's marks,
imports and the online-meeting import are in attendance.py.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from django.conf import settings
from django.core import signing
from django.core.cache import cache
from django.db import IntegrityError, connection
from django.db.models.signals import post_delete, post_save
from django.urls import reverse
from django.utils import timezone
from django.utils.crypto import constant_time_compare, salted_hmac

from yanxun.core.cache import TTLCache
from yanxun.org.models import Teacher
from yanxun.training.enums import AttendanceMethod, AttendanceStatus, EnrolmentStatus
from yanxun.training.geo import Point, distance_to_centre_m
from yanxun.training.models import (
    Attendance,
    Enrolment,
    Program,
    TrainingClass,
    TrainingPolicy,
    TrainingSession,
)
from yanxun.training.policy import current_policy

TOKEN_SALT = "yanxun.training.checkin.token"
CODE_SALT = "yanxun.training.checkin.code"
CODE_DIGITS = 6
# Tokens issued this many seconds "in the future" are still taken (clocks of several app
# servers differ a little); anything older than token_seconds is refused.
CLOCK_SKEW_SECONDS = 5
ATTENDED = (AttendanceStatus.PRESENT, AttendanceStatus.LATE)
# Every scan needs the district's policy and the session with its class and program, which
# change rarely: each worker keeps them CACHE_SECONDS. A save in the worker clears them at once
# (signals below); other workers see a change within CACHE_SECONDS.
CACHE_SECONDS = 10
_cache = TTLCache(seconds=CACHE_SECONDS, size=1024)


def clear_cache(**kwargs) -> None:
    _cache.clear()


for _model in (TrainingPolicy, TrainingSession, TrainingClass, Program):
    post_save.connect(clear_cache, sender=_model, dispatch_uid=f"checkin.{_model.__name__}.save")
    post_delete.connect(clear_cache, sender=_model,
                        dispatch_uid=f"checkin.{_model.__name__}.delete")


class Refusal:
    """Why a scan or a typed code was refused (also the `data-reason` of the page)."""

    FORGED = "forged"
    EXPIRED = "expired"
    NO_SESSION = "no_session"
    NO_TEACHER = "no_teacher"
    NOT_ENROLLED = "not_enrolled"
    OTHER_CLASS = "other_class"
    NOT_OPEN = "not_open"
    CLOSED = "closed"
    CHECKOUT_CLOSED = "checkout_closed"
    NEED_LOCATION = "need_location"
    OUTSIDE = "outside"
    GRACE_OVER = "grace_over"
    WRONG_CODE = "wrong_code"
    TOO_MANY_TRIES = "too_many_tries"


class CheckInRefused(Exception):
    def __init__(self, reason: str, message: str):
        super().__init__(message)
        self.reason = reason
        self.message = message


class Outcome:
    """What a successful scan did (nothing is refused): shown on the teacher's phone."""

    CHECKED_IN = "checked_in"  # a new record, present or late
    REPEAT = "repeat"  # already checked in: nothing written
    CHECKED_OUT = "checked_out"
    ALREADY_OUT = "already_out"
    MARKED = "marked"  # staff recorded leave/absent earlier: their record stands


@dataclass
class CheckInResult:
    outcome: str
    attendance: Attendance
    session: TrainingSession
    check_out_from: datetime | None = None  # with 签退 on: when the check-out scan counts


@dataclass(frozen=True)
class Token:
    session_id: int
    issued: int  # Unix seconds
    raw: str


@dataclass(frozen=True)
class Window:
    """A session's check-in times, from its program's rules (minutes around the start)."""

    opens: datetime
    starts: datetime
    on_time_until: datetime
    late_until: datetime
    ends: datetime

    @property
    def check_out_until(self) -> datetime:
        """签退 is taken until as long after the end as late check-in is after the start."""
        return self.ends + (self.late_until - self.starts)


# --- tokens and codes ------------------------------------------------------------------------


def _signer() -> signing.Signer:
    return signing.Signer(salt=TOKEN_SALT)


def token_issue(session_id: int, *, at: datetime | None = None) -> str:
    issued = int((at or timezone.now()).timestamp())
    return _signer().sign(f"{session_id}.{issued}")


def token_read(raw: str) -> Token:
    """The token's content if its signature holds; refuses a forged or altered one."""
    try:
        value = _signer().unsign(raw)
    except signing.BadSignature:
        raise CheckInRefused(Refusal.FORGED, "二维码无效：内容不完整或被改动过。"
                             "请直接扫描签到屏幕上的二维码。") from None
    session_part, _, issued_part = value.partition(".")
    if not (session_part.isdigit() and issued_part.isdigit()):
        raise CheckInRefused(Refusal.FORGED, "二维码无效，请直接扫描签到屏幕上的二维码。")
    return Token(int(session_part), int(issued_part), raw)


def token_accept(raw: str, *, now: datetime, policy: TrainingPolicy) -> Token:
    """A token that is genuine and still fresh (within policy.token_seconds of issue)."""
    token = token_read(raw)
    age = int(now.timestamp()) - token.issued
    if age > policy.token_seconds or age < -CLOCK_SKEW_SECONDS:
        raise CheckInRefused(Refusal.EXPIRED, f"二维码已过期（每个二维码 {policy.token_seconds} 秒内"
                             "有效）。请重新扫描签到屏幕上最新的二维码。")
    return token


def code_for(raw_token: str) -> str:
    """The 签到码 shown beside the QR code: six digits derived from the token."""
    digest = salted_hmac(CODE_SALT, raw_token, algorithm="sha256").digest()
    return f"{int.from_bytes(digest[:8], 'big') % 10 ** CODE_DIGITS:0{CODE_DIGITS}d}"


def code_token(session_id: int, code: str, *, now: datetime, seconds: int) -> Token | None:
    """The fresh token of this session whose code is `code`, if any: the tokens of the last
    `seconds` seconds are rebuilt (signing is deterministic) and their codes compared."""
    stamp = int(now.timestamp())
    for issued in range(stamp + CLOCK_SKEW_SECONDS, stamp - seconds - 1, -1):
        raw = _signer().sign(f"{session_id}.{issued}")
        if constant_time_compare(code_for(raw), code):
            return Token(session_id, issued, raw)
    return None


def checkin_url(raw_token: str) -> str:
    """The address in the QR code: the deployment's public URL (YANXUN_PUBLIC_URL)."""
    return settings.PUBLIC_URL + reverse("training:checkin_scan", args=[raw_token])


# --- the rules of a session ------------------------------------------------------------------


def window_of(session: TrainingSession) -> Window:
    program = session.training_class.program
    zone = timezone.get_current_timezone()
    starts = datetime.combine(session.date, session.starts_at, tzinfo=zone)
    return Window(
        opens=starts - timedelta(minutes=program.checkin_opens_before),
        starts=starts,
        on_time_until=starts + timedelta(minutes=program.on_time_until),
        late_until=starts + timedelta(minutes=program.late_until),
        ends=datetime.combine(session.date, session.ends_at, tzinfo=zone),
    )


def when(moment: datetime) -> str:
    local = timezone.localtime(moment)
    return f"{local.month}月{local.day}日 {local:%H:%M}"


def status_at(window: Window, at: datetime) -> str:
    """Present until start + on_time_until, late until start + late_until (both inclusive),
    refused before the window opens and after it closes."""
    if at < window.opens:
        raise CheckInRefused(Refusal.NOT_OPEN, f"签到尚未开始：本次签到于 {when(window.opens)} 开放"
                             f"（{when(window.starts)} 开始）。")
    if at <= window.on_time_until:
        return AttendanceStatus.PRESENT
    if at <= window.late_until:
        return AttendanceStatus.LATE
    raise CheckInRefused(Refusal.CLOSED, f"签到已于 {when(window.late_until)} 截止，不能再扫码签到。"
                         "如有特殊情况，请联系工作人员登记。")


def has_geofence(session: TrainingSession) -> bool:
    return (session.geofence_lat is not None and session.geofence_lng is not None
            and bool(session.geofence_radius))


def check_geofence(session: TrainingSession, location: Point | None) -> None:
    if not has_geofence(session):
        return
    if location is None:
        raise CheckInRefused(Refusal.NEED_LOCATION, "本次签到需要确认您在现场：请允许浏览器获取位置"
                             "后重试。")
    centre = Point(float(session.geofence_lat), float(session.geofence_lng))
    distance = distance_to_centre_m(location, centre)
    if distance > session.geofence_radius:
        raise CheckInRefused(Refusal.OUTSIDE, f"您不在签到范围内：距签到地点约 {distance:.0f} 米，"
                             f"允许范围 {session.geofence_radius} 米。请到现场后再签到。")


def _load_session(session_id: int) -> TrainingSession | None:
    return (TrainingSession.objects.select_related("training_class__program")
            .filter(pk=session_id).order_by().first())


def session_for_checkin(session_id: int) -> TrainingSession:
    session = _cache.get(("session", session_id), lambda: _load_session(session_id))
    if session is None:
        raise CheckInRefused(Refusal.NO_SESSION, "该签到对应的日程不存在或已被删除。")
    return session


def session_cached(session_id: int, part: str, make):
    """Something derived from a session alone (e.g. its info block on the phone page), kept as
    long as the session itself (CACHE_SECONDS, cleared on any save)."""
    return _cache.get((part, session_id), make)


def checkin_policy() -> TrainingPolicy:
    return _cache.get("policy", current_policy)


def _membership_sql() -> str:
    """The teacher's enrolment in the session's program and their record of the session, in
    one statement. Written by hand because this is the hot path of a burst of scans: the ORM
    took ~1.6 ms to build the same query, the statement itself runs in ~0.05 ms."""
    return (f"SELECT e.teacher_id, e.training_class_id, e.status, c.name, "
            f"a.id, a.status, a.checked_in_at, a.checked_out_at "
            f"FROM {Enrolment._meta.db_table} e "
            f"JOIN {Teacher._meta.db_table} t ON t.id = e.teacher_id "
            f"JOIN {TrainingClass._meta.db_table} c ON c.id = e.training_class_id "
            f"LEFT JOIN {Attendance._meta.db_table} a "
            f"ON a.session_id = %s AND a.teacher_id = e.teacher_id "
            f"WHERE t.user_id = %s AND e.program_id = %s")


def _moment(value) -> datetime | None:
    """A timestamp column read by hand: PostgreSQL gives an aware datetime, SQLite a text in
    UTC (how Django stores it there)."""
    if value is None or isinstance(value, datetime) and timezone.is_aware(value):
        return value
    moment = value if isinstance(value, datetime) else datetime.fromisoformat(value)
    return moment.replace(tzinfo=UTC) if timezone.is_naive(moment) else moment


def enrolment_of(user, session: TrainingSession) -> tuple[int, Attendance | None]:
    """(teacher id, their record of the session or None) if the user is an enrolled (已录取)
    member of the session's class; refuses otherwise. One query; the record carries the
    fields a repeat scan needs (status, check-in and check-out times)."""
    klass = session.training_class
    with connection.cursor() as cursor:  # one row at most: one enrolment per program, teacher
        cursor.execute(_membership_sql(), [session.pk, user.pk, klass.program_id])
        row = cursor.fetchone()
    if row is None:
        if not Teacher.objects.filter(user=user).exists():
            raise CheckInRefused(Refusal.NO_TEACHER, "您的账号没有关联教师档案，不能签到。"
                                 "请用本人的教师账号登录。")
        raise CheckInRefused(Refusal.NOT_ENROLLED, f"您未报名「{klass}」，不能签到。")
    teacher_id, class_id, status, class_name, record_id, *record = row
    if class_id != klass.pk:
        raise CheckInRefused(Refusal.OTHER_CLASS, f"您未报名「{klass}」：这是其他班次的签到码，"
                             f"您所在的班次是「{class_name}」。请扫描本班的签到码。")
    if status != EnrolmentStatus.ENROLLED:
        label = EnrolmentStatus(status).label
        raise CheckInRefused(Refusal.NOT_ENROLLED, f"您在「{klass}」的报名状态为「{label}」，"
                             "不是已录取学员，不能签到。")
    if record_id is None:
        return teacher_id, None
    record_status, checked_in_at, checked_out_at = record
    return teacher_id, Attendance(pk=record_id, session=session, teacher_id=teacher_id,
                                  status=record_status, checked_in_at=_moment(checked_in_at),
                                  checked_out_at=_moment(checked_out_at))


# --- a teacher's own check-in ----------------------------------------------------------------


def check_in(*, session: TrainingSession, user, at: datetime, method: str,
             location: Point | None = None) -> CheckInResult:
    """The teacher's scan (or typed code) at `at`: a new record, the check-out, or the
    harmless repeat. Every check comes first; one row is written, or none."""
    teacher_id, existing = enrolment_of(user, session)
    window = window_of(session)
    if existing is not None:
        return _scan_again(session, existing, window, at=at, location=location)
    status = status_at(window, at)
    check_geofence(session, location)
    return record_check_in(session=session, teacher_id=teacher_id, status=status,
                           method=method, at=at, user=user)


def _existing(session: TrainingSession, teacher_id: int) -> Attendance | None:
    """The teacher's record of the session (unique), read without an ORDER BY."""
    return next(iter(Attendance.objects.filter(session=session, teacher_id=teacher_id)
                     .order_by()[:1]), None)


def _insert_sql() -> str:
    """One statement, atomic on its own (no BEGIN/COMMIT round trips): the record, or nothing
    when the teacher's record of the session exists — the unique constraint (session,
    teacher) decides, so two concurrent scans of one teacher cannot make two records.
    PostgreSQL and SQLite (≥ 3.35) both know ON CONFLICT … DO NOTHING … RETURNING."""
    return (f"INSERT INTO {Attendance._meta.db_table} (session_id, teacher_id, status, method, "
            f"checked_in_at, recorded_by_id, note, updated_at) "
            f"VALUES (%s, %s, %s, %s, %s, %s, '', %s) "
            f"ON CONFLICT (session_id, teacher_id) DO NOTHING RETURNING id")


def record_check_in(*, session: TrainingSession, teacher_id: int, status: str, method: str,
                    at: datetime, user) -> CheckInResult:
    """Insert the record. If a concurrent scan of the same teacher got there first, nothing is
    inserted and this scan is the repeat."""
    stamp = connection.ops.adapt_datetimefield_value
    try:
        with connection.cursor() as cursor:
            cursor.execute(_insert_sql(), [session.pk, teacher_id, status, method, stamp(at),
                                           user.pk, stamp(timezone.now())])
            row = cursor.fetchone()
    except IntegrityError:  # a foreign key: the session was deleted meanwhile
        raise CheckInRefused(Refusal.NO_SESSION, "该签到对应的日程不存在或已被删除。") from None
    if row is None:
        existing = _existing(session, teacher_id)
        if existing is None:
            raise CheckInRefused(Refusal.NO_SESSION, "该签到对应的日程不存在或已被删除。")
        return CheckInResult(Outcome.REPEAT, existing, session)
    attendance = Attendance(pk=row[0], session=session, teacher_id=teacher_id, status=status,
                            method=method, checked_in_at=at, recorded_by=user)
    return CheckInResult(Outcome.CHECKED_IN, attendance, session,
                         _check_out_from(session, attendance, window_of(session)))


def _check_out_from(session: TrainingSession, attendance: Attendance,
                    window: Window) -> datetime | None:
    if not session.check_out:
        return None
    since = attendance.checked_in_at or window.starts
    return since + timedelta(minutes=session.min_stay_minutes)


def _scan_again(session: TrainingSession, existing: Attendance, window: Window, *,
                at: datetime, location: Point | None) -> CheckInResult:
    """A scan by a teacher who has a record: with 签退 on and the minimum stay over it is the
    check-out; otherwise nothing is written."""
    if existing.status not in ATTENDED:
        return CheckInResult(Outcome.MARKED, existing, session)
    if existing.checked_out_at is not None:
        return CheckInResult(Outcome.ALREADY_OUT, existing, session)
    out_from = _check_out_from(session, existing, window)
    if out_from is None or at < out_from:
        return CheckInResult(Outcome.REPEAT, existing, session, out_from)
    if at > window.check_out_until:
        raise CheckInRefused(Refusal.CHECKOUT_CLOSED, f"签退已于 {when(window.check_out_until)} "
                             "截止。如有特殊情况，请联系工作人员登记。")
    check_geofence(session, location)
    updated = (Attendance.objects.filter(pk=existing.pk, checked_out_at__isnull=True)
               .update(checked_out_at=at, updated_at=timezone.now()))
    existing.refresh_from_db()
    return CheckInResult(Outcome.CHECKED_OUT if updated else Outcome.ALREADY_OUT, existing,
                         session, out_from)


def scan_complete(*, raw_token: str, accepted_at: datetime, user, now: datetime,
                  policy: TrainingPolicy, location: Point | None = None) -> CheckInResult:
    """Complete a scan accepted earlier (before a login, or before the location was read):
    within login_grace_minutes of the acceptance, judged at the acceptance time."""
    token = token_read(raw_token)
    if now - accepted_at > timedelta(minutes=policy.login_grace_minutes):
        raise CheckInRefused(Refusal.GRACE_OVER, f"扫码已超过 {policy.login_grace_minutes} 分钟，"
                             "本次扫码作废。请重新扫描签到屏幕上的二维码。")
    session = session_for_checkin(token.session_id)
    return check_in(session=session, user=user, at=accepted_at, method=AttendanceMethod.QR,
                    location=location)


# --- the typed 签到码 -------------------------------------------------------------------------


def sessions_open_for(teacher_id: int, now: datetime) -> list[TrainingSession]:
    """Today's sessions of the teacher's classes (enrolled) whose check-in or check-out is
    open now: where a typed code is looked for."""
    candidates = (TrainingSession.objects
                  .filter(date=timezone.localdate(now),
                          training_class__enrolments__teacher_id=teacher_id,
                          training_class__enrolments__status=EnrolmentStatus.ENROLLED)
                  .select_related("training_class__program").order_by("starts_at", "pk"))
    out = []
    for session in candidates:
        window = window_of(session)
        if window.opens <= now <= window.check_out_until:
            out.append(session)
    return out


def normalise_code(code: str) -> str:
    full_width = {ord("０") + i: str(i) for i in range(10)}
    return "".join((code or "").translate(full_width).split())


def count_code_try(teacher_id: int, *, now: datetime, limit: int) -> None:
    """At most `limit` typed codes per teacher and clock minute (a cache counter)."""
    key = f"yanxun:checkin:code-tries:{teacher_id}:{int(now.timestamp()) // 60}"
    cache.add(key, 0, timeout=120)
    try:
        count = cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.set(key, 1, timeout=120)
        count = 1
    if count > limit:
        raise CheckInRefused(Refusal.TOO_MANY_TRIES, f"签到码每分钟最多尝试 {limit} 次，"
                             "请稍后再试，或扫描签到屏幕上的二维码。")


def code_check_in(*, user, code: str, now: datetime, policy: TrainingPolicy,
                  location: Point | None = None) -> CheckInResult:
    teacher_id = Teacher.objects.filter(user=user).values_list("pk", flat=True).first()
    if teacher_id is None:
        raise CheckInRefused(Refusal.NO_TEACHER, "您的账号没有关联教师档案，不能签到。")
    count_code_try(teacher_id, now=now, limit=policy.code_tries_per_minute)
    code = normalise_code(code)
    if len(code) == CODE_DIGITS and code.isdigit():
        for session in sessions_open_for(teacher_id, now):
            if session.code_enabled and code_token(session.pk, code, now=now,
                                                   seconds=policy.token_seconds):
                return check_in(session=session, user=user, at=now,
                                method=AttendanceMethod.CODE, location=location)
    raise CheckInRefused(Refusal.WRONG_CODE, f"签到码不正确或已过期：请输入签到屏幕上当前显示的 "
                         f"{CODE_DIGITS} 位数字（每个签到码 {policy.token_seconds} 秒内有效）。")
