"""Staff's side: the full-screen QR page, live counts, the roster with derived absence, marks
by hand (audited before/after), a session's options, the roster sheet."""

import io
import re
from datetime import time, timedelta

import polars as pl
import pytest
from django.test import Client
from django.utils import timezone

from tests.factories import TeacherFactory
from tests.training.factories_checkin import (
    TrainingClassFactory,
    TrainingSessionFactory,
    enrol,
    session_now,
)
from yanxun.core.models import AuditLog
from yanxun.training import checkin, checkin_selectors
from yanxun.training.enums import AttendanceMethod, AttendanceStatus, EnrolmentStatus
from yanxun.training.models import Attendance


@pytest.fixture
def hall(world):
    klass = TrainingClassFactory(name="新教师一班")
    enrol(world.teacher_a, klass)
    enrol(world.teacher_b, klass)
    world.third = TeacherFactory(school=world.school_a, name="王芳")
    enrol(world.third, klass)
    world.waiting = TeacherFactory(school=world.school_b, name="陈候补")
    enrol(world.waiting, klass, EnrolmentStatus.WAITING)
    world.klass = klass
    world.session = session_now(klass, title="师德专题")
    return world


def _as(w, role: str) -> Client:
    return w.client_for(role)


def test_screen_shows_a_fresh_qr_code_and_its_code(hall):
    response = _as(hall, "trainer").get(f"/training/checkin/{hall.session.pk}/screen/")
    body = response.content.decode()
    assert response.status_code == 200
    url = re.search(r'data-url="([^"]+)"', body).group(1)
    prefix = "http://127.0.0.1:8000/training/c/"
    assert url.startswith(prefix)
    raw = url[len(prefix):-1]
    token = checkin.token_read(raw)
    assert token.session_id == hall.session.pk
    assert abs(token.issued - timezone.now().timestamp()) < 5
    code = re.search(r'data-testid="checkin-code">(\d{6})<', body).group(1)
    assert code == checkin.code_for(raw)
    assert "<svg" in body and 'hx-trigger="every 5s"' in body


def test_live_fragment_counts(hall):
    Attendance.objects.create(session=hall.session, teacher=hall.teacher_a,
                              status=AttendanceStatus.PRESENT, method=AttendanceMethod.QR,
                              checked_in_at=timezone.now())
    Attendance.objects.create(session=hall.session, teacher=hall.teacher_b,
                              status=AttendanceStatus.LATE, method=AttendanceMethod.QR,
                              checked_in_at=timezone.now())
    body = _as(hall, "admin").get(
        f"/training/checkin/{hall.session.pk}/screen/live/").content.decode()
    counts = dict(re.findall(r'data-testid="count-([a-z-]+)">(\d+)<', body))
    assert counts == {"attended": "2", "expected": "3", "present": "1", "late": "1",
                      "leave": "0", "not-yet": "1"}
    assert body.lstrip().startswith('<main id="checkin-live"')  # the fragment htmx swaps
    assert "张晓明" in body and "李秋华" in body


def test_code_hidden_when_the_session_takes_no_code(hall):
    hall.session.code_enabled = False
    hall.session.save()
    body = _as(hall, "trainer").get(
        f"/training/checkin/{hall.session.pk}/screen/live/").content.decode()
    assert 'data-testid="checkin-code"' not in body


@pytest.mark.parametrize("who", ["enrolled teacher", "teacher of another school", "school_admin",
                                 "leader", "judge", "studio_host"])
def test_only_check_in_staff_reach_the_staff_pages(hall, who):
    client = Client()
    user = {"enrolled teacher": hall.teacher_a.user, "teacher of another school":
            TeacherFactory(school=hall.school_b).user}.get(who) or hall.users[who]
    client.force_login(user)
    pk = hall.session.pk
    for path in (f"/training/checkin/{pk}/screen/", f"/training/checkin/{pk}/screen/live/",
                 f"/training/checkin/{pk}/", f"/training/checkin/{pk}/roster.xlsx",
                 f"/training/checkin/{pk}/options/", f"/training/checkin/{pk}/online/",
                 "/training/checkin/"):
        assert client.get(path).status_code == 403, path
    response = client.post(f"/training/checkin/{pk}/mark/",
                           {"teacher": hall.teacher_a.pk, "status": "present"})
    assert response.status_code == 403
    assert Attendance.objects.count() == 0


# --- the roster and derived absence ---------------------------------------------------------


def test_roster_derives_not_yet_and_absent(hall):
    day = timezone.localdate() - timedelta(days=1)
    past = TrainingSessionFactory(training_class=hall.klass, date=day, starts_at=time(9, 0),
                                  ends_at=time(11, 0))
    Attendance.objects.create(session=past, teacher=hall.teacher_a,
                              status=AttendanceStatus.LEAVE, method=AttendanceMethod.MANUAL)
    now = timezone.now()
    assert checkin_selectors.absent_teacher_ids(past, now) == sorted(
        [hall.teacher_b.pk, hall.third.pk])
    assert checkin_selectors.absent_teacher_ids(hall.session, now) == []
    lines = checkin_selectors.roster(past, now=now)
    assert [(line.teacher.name, line.status_label) for line in lines] == [
        ("张晓明", "请假"), ("王芳", "缺勤（未签到）"), ("李秋华", "缺勤（未签到）")]
    current = checkin_selectors.roster(hall.session, now=now)
    assert {line.status_label for line in current} == {"未签到"}
    absent = checkin_selectors.roster(past, now=now, status=AttendanceStatus.ABSENT)
    assert [line.teacher.name for line in absent] == ["王芳", "李秋华"]
    assert Attendance.objects.filter(status=AttendanceStatus.ABSENT).count() == 0  # derived only


def test_roster_page(hall):
    response = _as(hall, "trainer").get(f"/training/checkin/{hall.session.pk}/?q=王")
    body = response.content.decode()
    assert response.status_code == 200
    assert re.findall(r'data-testid="roster-status">([^<]+)<', body) == ["未签到"]
    assert "王芳" in body and "张晓明" not in body
    assert 'data-testid="roster-counts">0 / 3' in body


# --- marks by hand ------------------------------------------------------------------------------


def _mark(client, hall, teacher, status, note=""):
    return client.post(f"/training/checkin/{hall.session.pk}/mark/",
                       {"teacher": teacher.pk, "status": status, "note": note})


def test_manual_marks_are_audited_before_and_after(hall):
    client = _as(hall, "trainer")
    trainer = hall.users["trainer"]
    response = _mark(client, hall, hall.teacher_a, AttendanceStatus.PRESENT)
    assert (response.status_code, response["Location"]) == (
        302, f"/training/checkin/{hall.session.pk}/")
    _mark(client, hall, hall.teacher_a, AttendanceStatus.LEAVE, "病假")
    _mark(client, hall, hall.teacher_a, AttendanceStatus.LEAVE, "病假")  # no change, no row
    record = Attendance.objects.get()
    assert (record.status, record.method, record.note, record.recorded_by_id,
            record.checked_in_at) == (AttendanceStatus.LEAVE, AttendanceMethod.MANUAL, "病假",
                                      trainer.pk, None)
    logs = list(AuditLog.objects.filter(action="training.attendance.set").order_by("pk")
                .values("actor", "object_id", "before", "after", "reason"))
    assert logs == [
        {"actor": trainer.pk, "object_id": str(record.pk), "before": None, "reason": "",
         "after": {"status": "present", "method": "manual", "checked_in_at": None,
                   "checked_out_at": None, "online_minutes": None, "note": ""}},
        {"actor": trainer.pk, "object_id": str(record.pk), "reason": "病假",
         "before": {"status": "present", "note": ""}, "after": {"status": "leave", "note": "病假"}},
    ]


def test_manual_mark_overrides_a_scan_and_keeps_its_time(hall):
    at = timezone.now().replace(microsecond=0)
    Attendance.objects.create(session=hall.session, teacher=hall.teacher_a,
                              status=AttendanceStatus.LATE, method=AttendanceMethod.QR,
                              checked_in_at=at)
    _mark(_as(hall, "trainer"), hall, hall.teacher_a, AttendanceStatus.PRESENT, "交通管制")
    record = Attendance.objects.get()
    assert (record.status, record.method, record.checked_in_at) == (
        AttendanceStatus.PRESENT, AttendanceMethod.MANUAL, at)
    log = AuditLog.objects.get(action="training.attendance.set")
    assert (log.before, log.after) == ({"status": "late", "method": "qr", "note": ""},
                                       {"status": "present", "method": "manual",
                                        "note": "交通管制"})


def test_manual_mark_of_a_teacher_not_enrolled_is_refused(hall):
    client = _as(hall, "trainer")
    response = _mark(client, hall, hall.waiting, AttendanceStatus.PRESENT)
    assert response.status_code == 302
    follow = client.get(response["Location"]).content.decode()
    assert "登记未成功：「陈候补」不是该班次的已录取学员，不能登记考勤。" in follow
    assert Attendance.objects.count() == 0
    assert AuditLog.objects.filter(action="training.attendance.set").count() == 0


def test_manual_mark_with_a_bad_status_changes_nothing(hall):
    response = _mark(_as(hall, "trainer"), hall, hall.teacher_a, "sleeping")
    assert response.status_code == 302
    assert Attendance.objects.count() == 0


# --- options and the roster sheet ---------------------------------------------------------------


def test_options_saved_and_audited(hall):
    client = _as(hall, "admin")
    response = client.post(f"/training/checkin/{hall.session.pk}/options/", {
        "geofence_lat": "31.737820", "geofence_lng": "119.571620", "geofence_radius": "300",
        "check_out": "on", "min_stay_minutes": "90", "code_enabled": "on"})
    assert response.status_code == 302
    hall.session.refresh_from_db()
    assert (str(hall.session.geofence_lat), str(hall.session.geofence_lng),
            hall.session.geofence_radius, hall.session.check_out,
            hall.session.min_stay_minutes) == ("31.737820", "119.571620", 300, True, 90)
    log = AuditLog.objects.get(action="training.session.checkin_options")
    assert log.before == {"geofence_lat": None, "geofence_lng": None, "geofence_radius": None,
                          "check_out": False, "min_stay_minutes": 60}
    assert log.after == {"geofence_lat": "31.737820", "geofence_lng": "119.571620",
                         "geofence_radius": 300, "check_out": True, "min_stay_minutes": 90}


def test_options_refuse_half_a_geofence(hall):
    response = _as(hall, "admin").post(f"/training/checkin/{hall.session.pk}/options/", {
        "geofence_lat": "31.737820", "min_stay_minutes": "60", "code_enabled": "on"})
    assert response.status_code == 200
    assert "定位签到需同时填写中心纬度、中心经度和半径" in response.content.decode()
    hall.session.refresh_from_db()
    assert hall.session.geofence_lat is None
    assert not AuditLog.objects.filter(action="training.session.checkin_options").exists()


def test_roster_sheet_is_the_import_template_filled_in(hall):
    Attendance.objects.create(session=hall.session, teacher=hall.teacher_a,
                              status=AttendanceStatus.LATE, method=AttendanceMethod.QR)
    response = _as(hall, "trainer").get(f"/training/checkin/{hall.session.pk}/roster.xlsx")
    assert response.status_code == 200
    frame = pl.read_excel(io.BytesIO(response.content), engine="calamine",
                          infer_schema_length=0)
    assert frame.columns == ["日程编号", "工号", "身份证号", "姓名", "考勤状态", "说明"]
    assert frame.select("日程编号", "工号", "姓名", "考勤状态").rows() == [
        (str(hall.session.pk), "A0001", "张晓明", "迟到"),
        (str(hall.session.pk), hall.third.employee_no, "王芳", None),
        (str(hall.session.pk), "B0001", "李秋华", None),
    ]
    assert AuditLog.objects.filter(action="training.attendance.export").count() == 1


def test_session_list_page(hall):
    response = _as(hall, "trainer").get("/training/checkin/?q=师德")
    assert response.status_code == 200
    rows = response.context["table"]["rows"]
    assert [[c["text"] for c in r["cells"]][4:6] for r in rows] == [["新教师一班", "师德专题"]]
