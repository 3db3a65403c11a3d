"""Pages of 签到: the teacher's phone pages (the scan's result, completing after login or
with the location, typing the code) and staff's pages (the sessions, the full-screen QR with
live counts, the roster with marks by hand, options, the roster sheet, the online-meeting
import). The rules are in checkin.py (teacher) and attendance.py (staff)."""

from __future__ import annotations

import functools
import io
from datetime import datetime
from urllib.parse import urlencode

import segno
import xlsxwriter
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.safestring import mark_safe
from django.views.decorators.http import require_GET, require_POST

from yanxun.core.audit import audit_record
from yanxun.core.exports import XLSX_TYPE, content_disposition
from yanxun.core.imports.errors import RowError
from yanxun.core.listing import render_list
from yanxun.core.models import AuditLog
from yanxun.core.permissions import has_perm
from yanxun.org.models import Teacher
from yanxun.training import checkin, checkin_selectors, lists_checkin, rules
from yanxun.training.attendance import (
    CheckInOptions,
    attendance_set,
    online_attendance_import,
    session_minutes,
    session_options_set,
)
from yanxun.training.checkin import CheckInRefused, CheckInResult, Outcome, Refusal
from yanxun.training.enums import AttendanceMethod, AttendanceStatus
from yanxun.training.forms_checkin import (
    CheckInOptionsForm,
    CodeForm,
    LocationForm,
    MarkForm,
    MeetingUploadForm,
)
from yanxun.training.importers_checkin import AttendanceImporter
from yanxun.training.meeting_export import read_meeting_export
from yanxun.training.models import TrainingSession

PENDING_KEY = "yanxun.checkin.pending"  # the accepted scan waiting for a login or a location
ONLINE_RESULT_KEY = "yanxun.checkin.online.{pk}"
ROSTER_PAGE = 50
RECENT_SHOWN = 12

# --- the teacher's phone ---------------------------------------------------------------------

OUTCOME_TEXT = {
    Outcome.REPEAT: ("已签到", "您已签到，无需重复扫码。", "info"),
    Outcome.CHECKED_OUT: ("签退成功", "已记录签退时间。", "success"),
    Outcome.ALREADY_OUT: ("已签退", "您已签退，无需重复扫码。", "info"),
    Outcome.MARKED: ("已由工作人员登记", "工作人员已登记您本次的考勤，扫码不再改变。如有疑问，请联系工作人员。",
                     "warning"),
}


@functools.cache
def _phone_links() -> dict[str, str]:
    return {"code_url": reverse("training:checkin_code"), "home_url": reverse("core:dashboard")}


def _phone_page(template: str, context: dict, *, status: int = 200) -> HttpResponse:
    """Pages rendered without the request context (no sidebar, no menu queries): the scan
    result must stay cheap when a whole hall scans within a minute, so links are reversed
    once and times come formatted (no url tags or date filters per scan)."""
    return HttpResponse(render_to_string(template, {**_phone_links(), **context}),
                        status=status)


def _clock(moment: datetime | None, pattern: str = "%H:%M:%S") -> str:
    return timezone.localtime(moment).strftime(pattern) if moment else ""


def _session_info(session: TrainingSession) -> str:
    """The session's info block, the same for every teacher who scans: rendered once per
    session and worker (checkin.session_cached), not once per scan."""
    return checkin.session_cached(session.pk, "info_html", lambda: mark_safe(render_to_string(
        "training/checkin/_session_info.html",
        {"session": session, "klass": session.training_class})))


def _result_context(result: CheckInResult, user) -> dict:
    attendance = result.attendance
    if result.outcome == Outcome.CHECKED_IN:
        late = attendance.status == AttendanceStatus.LATE
        title, text, tone = (("签到成功（迟到）", "已记录为迟到。", "warning") if late
                             else ("签到成功", "已记录为准时出勤。", "success"))
    else:
        title, text, tone = OUTCOME_TEXT[result.outcome]
    return {"title": title, "text": text, "tone": tone, "outcome": result.outcome,
            "session": result.session, "session_info": _session_info(result.session),
            "attendance": attendance, "status_label": attendance.get_status_display(),
            "checked_in": _clock(attendance.checked_in_at),
            "checked_out": _clock(attendance.checked_out_at),
            "name": user.get_full_name(), "check_out_from": _clock(result.check_out_from, "%H:%M")}


def _result_page(result: CheckInResult, user) -> HttpResponse:
    return _phone_page("training/checkin/result.html", _result_context(result, user))


def _refusal_page(refusal: CheckInRefused, user=None) -> HttpResponse:
    status = 404 if refusal.reason == Refusal.NO_SESSION else 403
    return _phone_page("training/checkin/result.html", {
        "title": "签到未成功", "text": refusal.message, "tone": "danger", "refused": True,
        "reason": refusal.reason, "name": user.get_full_name() if user else "",
    }, status=status)


def _remember(request, raw_token: str, accepted_at: datetime) -> None:
    request.session[PENDING_KEY] = {"token": raw_token, "at": accepted_at.isoformat()}


def _location_page(request, session: TrainingSession) -> HttpResponse:
    return render(request, "training/checkin/location.html", {
        "session": session, "klass": session.training_class,
        "form_action": reverse("training:checkin_complete"), "name": request.user.get_full_name(),
        "grace": checkin.checkin_policy().login_grace_minutes})


@require_GET
def checkin_scan(request, token: str):
    """What the QR code opens. The token is checked here, at the time of the scan; a teacher
    who is not logged in is sent to log in and the check-in completes afterwards."""
    now, policy = timezone.now(), checkin.checkin_policy()
    try:
        accepted = checkin.token_accept(token, now=now, policy=policy)
        if not request.user.is_authenticated:
            _remember(request, token, now)
            return redirect_to_login(reverse("training:checkin_complete"))
        session = checkin.session_for_checkin(accepted.session_id)
        result = checkin.check_in(session=session, user=request.user, at=now,
                                  method=AttendanceMethod.QR)
    except CheckInRefused as refusal:
        if refusal.reason != Refusal.NEED_LOCATION:
            return _refusal_page(refusal, request.user if request.user.is_authenticated else None)
        _remember(request, token, now)
        return _location_page(request, session)
    return _result_page(result, request.user)


@login_required
def checkin_complete(request):
    """The scan accepted before a login (or before the location was read), completed now,
    judged at the time of the scan and only within login_grace_minutes of it."""
    pending = request.session.get(PENDING_KEY)
    if not pending:
        return _phone_page("training/checkin/result.html", {
            "title": "没有待完成的签到", "text": "请扫描签到屏幕上的二维码。", "tone": "secondary",
            "name": request.user.get_full_name()})
    location = LocationForm(request.POST).point() if request.method == "POST" else None
    try:
        result = checkin.scan_complete(
            raw_token=pending["token"], accepted_at=datetime.fromisoformat(pending["at"]),
            user=request.user, now=timezone.now(), policy=checkin.checkin_policy(), location=location)
    except CheckInRefused as refusal:
        if refusal.reason == Refusal.NEED_LOCATION and request.method == "GET":
            session = checkin.session_for_checkin(checkin.token_read(pending["token"]).session_id)
            return _location_page(request, session)
        request.session.pop(PENDING_KEY, None)
        return _refusal_page(refusal, request.user)
    request.session.pop(PENDING_KEY, None)
    return _result_page(result, request.user)


@login_required
def checkin_code(request):
    """For a teacher whose camera fails: type the 6-digit code shown beside the QR code."""
    if not has_perm(request.user, rules.CHECK_IN_SELF):
        raise PermissionDenied("只有教师可以签到。")
    teacher = Teacher.objects.filter(user=request.user).first()
    now = timezone.now()
    form = CodeForm(request.POST or None)
    refusal = None
    if request.method == "POST" and teacher is not None and form.is_valid():
        try:
            result = checkin.code_check_in(user=request.user, code=form.cleaned_data["code"],
                                           now=now, policy=checkin.checkin_policy(),
                                           location=form.point())
        except CheckInRefused as refused:
            refusal = refused
        else:
            return _result_page(result, request.user)
    sessions = checkin.sessions_open_for(teacher.pk, now) if teacher else []
    return render(request, "training/checkin/code.html", {
        "form": form, "refusal": refusal, "teacher": teacher, "sessions": sessions,
        "needs_location": any(checkin.has_geofence(s) for s in sessions),
        "name": request.user.get_full_name()})


# --- staff -----------------------------------------------------------------------------------


def _staff_session(request, pk: int) -> TrainingSession:
    if not has_perm(request.user, rules.RUN_CHECK_IN):
        raise PermissionDenied("无权组织签到与考勤。")
    return get_object_or_404(TrainingSession.objects.select_related("training_class__program"),
                             pk=pk)


@login_required
def checkin_sessions(request):
    return render_list(request, lists_checkin.CHECKIN_SESSIONS)


def _live_context(session: TrainingSession) -> dict:
    policy, now = checkin.checkin_policy(), timezone.now()
    token = checkin.token_issue(session.pk, at=now)
    url = checkin.checkin_url(token)
    svg = segno.make(url, error="m").svg_inline(scale=1, border=2, omitsize=True)
    window = checkin.window_of(session)
    return {
        "session": session, "policy": policy, "url": url,
        "qr_svg": mark_safe(svg),  # noqa: S308  segno's SVG of our own URL
        "code": checkin.code_for(token) if session.code_enabled else "",
        "counts": checkin_selectors.session_counts(session),
        "recent": checkin_selectors.recent_check_ins(session, RECENT_SHOWN),
        "window": window, "now": now, "opens_label": checkin.when(window.opens),
        "closes_label": checkin.when(window.late_until),
        "not_open": now < window.opens, "closed": now > window.late_until,
    }


@login_required
@require_GET
def checkin_screen(request, pk: int):
    """The full-screen page staff project in the hall: the QR code and the code, refreshed by
    htmx every qr_refresh_seconds, with live counts and the latest check-ins."""
    session = _staff_session(request, pk)
    return render(request, "training/checkin/screen.html", _live_context(session))


@login_required
@require_GET
def checkin_screen_live(request, pk: int):
    session = _staff_session(request, pk)
    return render(request, "training/checkin/_live.html", _live_context(session))


@login_required
@require_GET
def checkin_roster(request, pk: int):
    session = _staff_session(request, pk)
    search = request.GET.get("q", "").strip()[:50]
    status = request.GET.get("status", "")
    if status not in checkin_selectors.ROSTER_STATUS_LABELS:
        status = ""
    lines = checkin_selectors.roster(session, now=timezone.now(), search=search, status=status)
    page = Paginator(lines, ROSTER_PAGE).get_page(request.GET.get("page"))
    query = {k: v for k, v in (("q", search), ("status", status)) if v}
    return render(request, "training/checkin/roster.html", {
        "page_title": f"考勤：{session.training_class} {session.title}", "session": session,
        "counts": checkin_selectors.session_counts(session), "page": page, "search": search,
        "status": status, "status_choices": list(checkin_selectors.ROSTER_STATUS_LABELS.items()),
        "mark_choices": AttendanceStatus.choices, "query": urlencode(query),
        "window": checkin.window_of(session), "has_geofence": checkin.has_geofence(session),
        "back": request.get_full_path(),
    })


def _safe_back(request, default: str) -> str:
    target = request.POST.get("next", "")
    if target and url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        return target
    return default


@login_required
@require_POST
def checkin_mark(request, pk: int):
    session = _staff_session(request, pk)
    back = _safe_back(request, reverse("training:checkin_roster", args=[pk]))
    form = MarkForm(request.POST)
    if not form.is_valid():
        messages.error(request, "登记未成功：请选择教师和考勤状态。")
        return redirect(back)
    data = form.cleaned_data
    teacher = get_object_or_404(Teacher, pk=data["teacher"])
    try:
        attendance_set(actor=request.user, session=session, teacher=teacher,
                       status=data["status"], note=data["note"],
                       method=AttendanceMethod.ONLINE if data["online"] else
                       AttendanceMethod.MANUAL, online_minutes=data["minutes"])
    except ValidationError as exc:
        messages.error(request, "登记未成功：" + "；".join(exc.messages))
    else:
        label = AttendanceStatus(data["status"]).label
        messages.success(request, f"已将「{teacher.name}」登记为「{label}」。")
    return redirect(back)


@login_required
def checkin_options(request, pk: int):
    session = _staff_session(request, pk)
    form = CheckInOptionsForm(request.POST or None, initial={
        name: getattr(session, name) for name in CheckInOptionsForm.base_fields})
    if request.method == "POST" and form.is_valid():
        try:
            session_options_set(actor=request.user, session=session,
                                options=CheckInOptions(**form.cleaned_data))
        except ValidationError as exc:
            form.add_service_error(exc)
        else:
            messages.success(request, "签到设置已保存。")
            return redirect("training:checkin_roster", pk=pk)
    return render(request, "form_page.html", {
        "form": form, "page_title": f"签到设置：{session.training_class} {session.title}",
        "cancel_url": reverse("training:checkin_roster", args=[pk]),
        "intro": "定位签到的中心点请从国内地图（高德、腾讯等，GCJ-02 坐标）取得；浏览器只在 HTTPS "
                 "网址下提供定位，未启用 HTTPS 时请不要开启定位签到。"})


@login_required
@require_GET
def checkin_roster_xlsx(request, pk: int):
    """The session's roster as the attendance import sheet (日程编号, 工号, 姓名, 考勤状态
    filled in): staff fill in or correct the statuses and import it back."""
    session = _staff_session(request, pk)
    lines = checkin_selectors.roster(session, now=timezone.now())
    buffer = io.BytesIO()
    book = xlsxwriter.Workbook(buffer, {"in_memory": True})
    sheet = book.add_worksheet("考勤")
    bold = book.add_format({"bold": True, "bg_color": "#DDEBF7", "border": 1})
    text = book.add_format({"num_format": "@"})
    headers = [c.header for c in AttendanceImporter.columns]
    sheet.write_row(0, 0, headers, bold)
    sheet.set_column(0, len(headers) - 1, 14, text)
    for row, line in enumerate(lines, 1):
        status = line.attendance.get_status_display() if line.attendance else ""
        note = line.attendance.note if line.attendance else ""
        sheet.write_row(row, 0, [str(session.pk), line.teacher.employee_no, "",
                                 line.teacher.name, status, note])
    book.close()
    audit_record(actor=request.user, action="training.attendance.export", obj=session,
                 after={"rows": len(lines)})
    response = HttpResponse(buffer.getvalue(), content_type=XLSX_TYPE)
    response["Content-Disposition"] = content_disposition(f"考勤_{session.date}_{session.pk}.xlsx")
    return response


@login_required
def checkin_online(request, pk: int):
    """Online sessions: the meeting platform's participant export, matched by phone or 工号;
    lines matched by name only are listed here for staff to resolve by hand."""
    session = _staff_session(request, pk)
    key = ONLINE_RESULT_KEY.format(pk=session.pk)
    form = MeetingUploadForm(request.POST or None, request.FILES or None)
    errors: list[RowError] = []
    if request.method == "POST" and form.is_valid():
        rows, errors = read_meeting_export(form.cleaned_data["file"].read())
        if not errors:
            result = online_attendance_import(actor=request.user, session=session, rows=rows)
            request.session[key] = result.as_dict()
            messages.success(request, f"已导入 {len(result.written)} 名教师的线上考勤。")
            return redirect("training:checkin_online", pk=pk)
    return render(request, "training/checkin/online.html", {
        "page_title": f"线上考勤导入：{session.training_class} {session.title}",
        "session": session, "form": form, "errors": errors,
        "result": request.session.get(key), "status_labels": dict(AttendanceStatus.choices),
        "back": request.get_full_path(),
        "minutes": session_minutes(session)})


# --- benchmark only --------------------------------------------------------------------------


@require_GET
def bench_write_one(request):
    """The ceiling of benchmarks/checkin_burst.py (routed only with YANXUN_BENCHMARK_ROUTES):
    the same stack (middleware, session, user) writing one row and answering a few bytes."""
    user = request.user if request.user.is_authenticated else None
    AuditLog.objects.create(actor=user, action="bench.write_one", object_type="bench")
    return HttpResponse("ok", content_type="text/plain")
