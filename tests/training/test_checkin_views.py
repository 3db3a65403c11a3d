"""The teacher's phone pages end to end through Django (real clock): scan, refusals, login
first then complete, the location step, the typed code."""

import re
from datetime import datetime, timedelta
from decimal import Decimal

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from tests.factories import PASSWORD, TeacherFactory
from tests.training.factories_checkin import (
    TrainingClassFactory,
    enrol,
    session_now,
    session_times,
)
from yanxun.training import checkin
from yanxun.training.enums import AttendanceMethod, AttendanceStatus
from yanxun.training.geo import Point, wgs84_to_gcj02
from yanxun.training.models import Attendance
from yanxun.training.views_checkin import PENDING_KEY

COMPLETE = "/training/checkin/done/"


@pytest.fixture
def hall(world):
    klass = TrainingClassFactory(name="新教师一班")
    enrol(world.teacher_a, klass)
    world.klass = klass
    world.session = session_now(klass, title="师德专题")
    return world


def _url(session, *, at=None) -> str:
    return reverse("training:checkin_scan", args=[checkin.token_issue(session.pk, at=at)])


def _teacher(w) -> Client:
    client = Client()
    client.force_login(w.teacher_a.user)
    return client


def _page(response) -> dict:
    text = response.content.decode()
    found = re.search(r'data-testid="checkin-result" data-outcome="([^"]*)" '
                      r'data-reason="([^"]*)"', text)
    title = re.search(r'data-testid="checkin-title">([^<]*)<', text)
    message = re.search(r'data-testid="checkin-text">([^<]*)<', text)
    return {"status": response.status_code, "outcome": found.group(1), "reason": found.group(2),
            "title": title.group(1), "text": message.group(1)}


def test_scan_checks_in_then_repeat_is_friendly(hall):
    client = _teacher(hall)
    first = _page(client.get(_url(hall.session)))
    second = _page(client.get(_url(hall.session)))
    assert first == {"status": 200, "outcome": "checked_in", "reason": "", "title": "签到成功",
                     "text": "已记录为准时出勤。"}
    assert second == {"status": 200, "outcome": "repeat", "reason": "", "title": "已签到",
                      "text": "您已签到，无需重复扫码。"}
    assert list(Attendance.objects.values_list("teacher", "status", "method")) == [
        (hall.teacher_a.pk, AttendanceStatus.PRESENT, AttendanceMethod.QR)]


def test_result_page_shows_the_session(hall):
    body = _teacher(hall).get(_url(hall.session)).content.decode()
    assert "师德专题" in body and "新教师一班" in body and "张晓明" in body


def _refusal(client, url) -> dict:
    page = _page(client.get(url))
    assert Attendance.objects.count() == 0
    return page


def test_expired_token_page(hall):
    old = timezone.now() - timedelta(seconds=17)
    page = _refusal(_teacher(hall), _url(hall.session, at=old))
    assert page == {"status": 403, "outcome": "", "reason": "expired", "title": "签到未成功",
                    "text": "二维码已过期（每个二维码 15 秒内有效）。请重新扫描签到屏幕上最新的二维码。"}


def test_forged_token_page(hall):
    raw = checkin.token_issue(hall.session.pk)
    forged = raw[:-3] + ("xyz" if not raw.endswith("xyz") else "abc")
    page = _refusal(_teacher(hall), reverse("training:checkin_scan", args=[forged]))
    assert (page["status"], page["reason"]) == (403, "forged")


def test_altered_session_in_token_page(hall):
    other = session_now(TrainingClassFactory())
    raw = checkin.token_issue(hall.session.pk).replace(f"{hall.session.pk}.", f"{other.pk}.", 1)
    page = _refusal(_teacher(hall), reverse("training:checkin_scan", args=[raw]))
    assert (page["status"], page["reason"]) == (403, "forged")


def test_code_of_class_b_scanned_by_a_teacher_of_class_a(hall):
    class_b = TrainingClassFactory(program=hall.klass.program, name="新教师二班")
    page = _refusal(_teacher(hall), _url(session_now(class_b)))
    assert (page["status"], page["reason"]) == (403, "other_class")
    assert page["text"].startswith(f"您未报名「{class_b}」")


def test_teacher_not_enrolled_page(hall):
    client = Client()
    client.force_login(hall.teacher_b.user)
    page = _refusal(client, _url(hall.session))
    assert page == {"status": 403, "outcome": "", "reason": "not_enrolled", "title": "签到未成功",
                    "text": f"您未报名「{hall.klass}」，不能签到。"}


def test_scan_outside_the_window_page(hall):
    later = session_now(hall.klass, **session_times(timezone.now(), lead_minutes=120))
    if later.date == hall.session.date:  # near midnight there is no "two hours later" today
        page = _refusal(_teacher(hall), _url(later))
        assert (page["status"], page["reason"]) == (403, "not_open")


def test_scan_after_the_window_page(hall):
    now = timezone.localtime()
    start = now - timedelta(minutes=31)
    if start.date() == now.date():
        past = session_now(hall.klass, date=start.date(), starts_at=start.time(),
                           ends_at=(now + timedelta(minutes=1)).time()
                           if (now + timedelta(minutes=1)).date() == now.date() else now.time())
        page = _refusal(_teacher(hall), _url(past))
        assert (page["status"], page["reason"]) == (403, "closed")


# --- logging in first -----------------------------------------------------------------------


def test_anonymous_scan_logs_in_then_completes(hall):
    client = Client()
    response = client.get(_url(hall.session))
    assert response.status_code == 302
    assert response["Location"] == f"/accounts/login/?next={COMPLETE}"
    assert Attendance.objects.count() == 0
    pending = client.session[PENDING_KEY]
    login = client.post("/accounts/login/", {"login": hall.teacher_a.user.username,
                                             "password": PASSWORD, "next": COMPLETE})
    assert (login.status_code, login["Location"]) == (302, COMPLETE)
    page = _page(client.get(COMPLETE))
    assert (page["status"], page["outcome"]) == (200, "checked_in")
    attendance = Attendance.objects.get()
    assert attendance.checked_in_at == datetime.fromisoformat(pending["at"])
    assert PENDING_KEY not in client.session
    # A reload finds nothing pending (and writes nothing more).
    assert _page(client.get(COMPLETE))["title"] == "没有待完成的签到"
    assert Attendance.objects.count() == 1


def _pending_login(hall, *, minutes_ago: float) -> Client:
    client = Client()
    client.get(_url(hall.session))
    session = client.session
    accepted = timezone.now() - timedelta(minutes=minutes_ago)
    session[PENDING_KEY] = {**session[PENDING_KEY], "at": accepted.isoformat()}
    session.save()
    client.post("/accounts/login/", {"login": hall.teacher_a.user.username,
                                     "password": PASSWORD, "next": COMPLETE})
    return client


def test_login_within_the_grace_completes(hall):
    page = _page(_pending_login(hall, minutes_ago=9.5).get(COMPLETE))
    assert (page["status"], page["outcome"]) == (200, "checked_in")
    assert Attendance.objects.count() == 1


def test_login_after_the_grace_is_refused(hall):
    client = _pending_login(hall, minutes_ago=10.5)
    page = _page(client.get(COMPLETE))
    assert page == {"status": 403, "outcome": "", "reason": "grace_over", "title": "签到未成功",
                    "text": "扫码已超过 10 分钟，本次扫码作废。请重新扫描签到屏幕上的二维码。"}
    assert Attendance.objects.count() == 0
    assert PENDING_KEY not in client.session


def test_anonymous_scan_of_an_expired_token_asks_no_login(hall):
    client = Client()
    page = _page(client.get(_url(hall.session, at=timezone.now() - timedelta(seconds=20))))
    assert (page["status"], page["reason"]) == (403, "expired")
    assert PENDING_KEY not in client.session


# --- the location step ------------------------------------------------------------------------


def _fenced(hall, radius=300):
    centre = wgs84_to_gcj02(Point(31.7378, 119.5716))
    hall.session.geofence_lat = Decimal(f"{centre.lat:.6f}")
    hall.session.geofence_lng = Decimal(f"{centre.lng:.6f}")
    hall.session.geofence_radius = radius
    hall.session.save()


def test_geofenced_scan_asks_for_the_location_then_completes(hall):
    _fenced(hall)
    client = _teacher(hall)
    response = client.get(_url(hall.session))
    body = response.content.decode()
    assert response.status_code == 200
    assert "data-geolocate" in body and 'action="/training/checkin/done/"' in body
    assert "不是 HTTPS" in body  # the message shown where the browser gives no location
    assert Attendance.objects.count() == 0
    page = _page(client.post(COMPLETE, {"lat": "31.7379", "lng": "119.5716", "accuracy": "20"}))
    assert (page["status"], page["outcome"]) == (200, "checked_in")


def test_geofenced_scan_far_away_is_refused(hall):
    _fenced(hall)
    client = _teacher(hall)
    client.get(_url(hall.session))
    page = _page(client.post(COMPLETE, {"lat": "31.80", "lng": "119.5716", "accuracy": "20"}))
    assert (page["status"], page["reason"]) == (403, "outside")
    assert Attendance.objects.count() == 0


def test_geofenced_scan_without_location_stays_pending(hall):
    _fenced(hall)
    client = _teacher(hall)
    client.get(_url(hall.session))
    response = client.post(COMPLETE, {"lat": "", "lng": ""})
    assert _page(response)["reason"] == "need_location"
    assert Attendance.objects.count() == 0


# --- the typed code ---------------------------------------------------------------------------


@pytest.fixture
def code_cache(settings):
    from django.core.cache import cache

    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache",
                                   "LOCATION": "checkin-code-views"}}
    cache.clear()


def test_code_page_lists_open_sessions_and_checks_in(hall, code_cache):
    client = _teacher(hall)
    body = client.get("/training/checkin/code/").content.decode()
    assert 'data-testid="code-sessions"' in body and "师德专题" in body
    code = checkin.code_for(checkin.token_issue(hall.session.pk))
    page = _page(client.post("/training/checkin/code/", {"code": code}))
    assert (page["status"], page["outcome"]) == (200, "checked_in")
    assert Attendance.objects.get().method == AttendanceMethod.CODE


def test_wrong_code_shows_the_form_again(hall, code_cache):
    response = _teacher(hall).post("/training/checkin/code/", {"code": "12345"})
    body = response.content.decode()
    assert response.status_code == 200
    assert 'data-reason="wrong_code"' in body and 'data-testid="code-input"' in body
    assert Attendance.objects.count() == 0


def test_code_page_for_a_teacher_with_no_open_session(world, code_cache):
    client = Client()
    client.force_login(world.teacher_b.user)
    body = client.get("/training/checkin/code/").content.decode()
    assert 'data-testid="code-no-session"' in body


def test_teacher_of_another_school_enrolled_too_checks_in_only_their_own(hall):
    other = TeacherFactory(school=hall.school_b)
    enrol(other, hall.klass)
    client = Client()
    client.force_login(other.user)
    assert _page(client.get(_url(hall.session)))["outcome"] == "checked_in"
    assert list(Attendance.objects.values_list("teacher", flat=True)) == [other.pk]
