"""Pages of student-level results: one school's student list (page and .xlsx), the
pseudonymous export of a whole exam, and the retention setting (学生数据保留期限)."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse

from yanxun.core.exports import XLSX_TYPE, content_disposition
from yanxun.core.forms import StyledForm
from yanxun.core.listing import parse_query, table_context
from yanxun.core.permissions import has_perm
from yanxun.org.models import School
from yanxun.quality import retention, rules, selectors, student_lists, students
from yanxun.quality.enums import ExamStatus


class _Purged(Exception):
    pass


def _exam(user, pk):
    """The exam, analysed and with its student records (purged: refused)."""
    exam = selectors.exam_for_view(user, pk)
    if exam.purged_at is not None:
        raise _Purged(exam)
    if exam.status != ExamStatus.ANALYSED:
        raise PermissionDenied("该考试尚未分析完成。")
    return exam


def _refused(request, exam):
    messages.error(request, retention.purged_message(exam))
    return redirect("quality:exam_detail", pk=exam.pk)


@login_required
def student_list(request, pk, school_pk):
    """One school's students: center staff any school, a school administrator their own, a
    teacher the classes they teach. Names and 学籍号 only with rules.VIEW_STUDENT_NAMES."""
    try:
        exam = _exam(request.user, pk)
    except _Purged as purged:
        return _refused(request, purged.args[0])
    scope = students.student_scope(request.user, exam, school_pk)
    subjects = students.subject_names(exam)
    rows = students.student_rows(exam, scope)
    focus = student_lists.focus_subject(subjects, request.GET.get("subject"))
    spec = student_lists.student_spec(
        subjects=subjects, focus=focus, names=scope.names, electives=students.has_electives(exam),
        classes=list(dict.fromkeys(r.class_name for r in rows)))
    query = parse_query(spec, request.GET)
    matching = student_lists.filtered_rows(spec, rows, query, focus=focus, names=scope.names)
    if request.GET.get("format") == "xlsx":
        data = student_lists.school_xlsx(actor=request.user, exam=exam, scope=scope, spec=spec,
                                         rows=matching, query=query)
        return _xlsx(data, f"{exam.name}_{scope.school.name}_学生成绩.xlsx")
    table = table_context(request, student_lists.page_of(spec, matching, query))
    # The subject is chosen above the list (students.html), not among its filters.
    table["filters"] = [f for f in table["filters"] if f["key"] != "subject"]
    table["filter_count"] = len([k for k in query.filters if k != "subject"])
    table["active"] = bool(query.search or table["filter_count"])
    return render(request, "quality/students.html", {
        "exam": exam, "school": scope.school, "scope": scope, "table": table,
        "page_title": f"{exam.name} · {scope.school.name} · 学生成绩",
        "subjects": subjects, "focus": focus,
        "schools": students.student_schools(request.user, exam),
        "school_report": selectors.sees_all_schools(request.user) or scope.classes is None,
        "pseudonymous": has_perm(request.user, rules.EXPORT_PSEUDONYMOUS),
    })


@login_required
def students_pseudonymous_csv(request, pk):
    """Every school's students without names, 学籍号 or 考号 (a pseudonym per student), for the
    roles that see every school (中心领导 included) and for research use."""
    if not has_perm(request.user, rules.EXPORT_PSEUDONYMOUS):
        raise PermissionDenied("无权导出全区学生明细。")
    try:
        exam = _exam(request.user, pk)
    except _Purged as purged:
        return _refused(request, purged.args[0])
    data = student_lists.pseudonymous_csv(
        actor=request.user, exam=exam, subjects=students.subject_names(exam),
        electives=students.has_electives(exam),
        school_names=dict(School.objects.values_list("pk", "name")))
    response = HttpResponse(data, content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = content_disposition(f"{exam.name}_学生明细_匿名.csv")
    response["Cache-Control"] = "no-store"
    return response


def _xlsx(data: bytes, filename: str) -> HttpResponse:
    response = HttpResponse(data, content_type=XLSX_TYPE)
    response["Content-Disposition"] = content_disposition(filename)
    response["Cache-Control"] = "no-store"
    return response


# --- retention ---------------------------------------------------------------------------


class RetentionForm(StyledForm):
    years = forms.IntegerField(
        label="考试学生明细保留年限（年）",
        error_messages={"required": "请填写保留年限", "invalid": "保留年限应为整数"},
        help_text="考试日期早于该年限的考试，每日自动删除其考生、成绩、小题得分和学生成绩明细，"
                  "只保留统计结果（报告仍可查看）。可设 1 到 30 年。")


@login_required
def retention_settings(request):
    """系统管理员 sets how many years student-level exam data is kept."""
    if not has_perm(request.user, rules.MANAGE_RETENTION):
        raise PermissionDenied("只有系统管理员可以设置学生数据保留期限。")
    district = retention.current_district()
    years = retention.retention_years()
    form = RetentionForm(request.POST or None, initial={"years": years})
    if request.method == "POST" and form.is_valid():
        try:
            retention.retention_set(actor=request.user, district=district,
                                    years=form.cleaned_data["years"])
        except ValidationError as exc:
            form.add_error("years", exc)
        else:
            messages.success(request, f"学生数据保留期限已设为 {form.cleaned_data['years']} 年。")
            return redirect("quality:retention")
    due = retention.expired_exams(retention.today())
    intro = (f"当前保留 {years} 年：考试日期早于 {retention.cutoff(retention.today(), years):%Y-%m-%d}"
             f" 的考试将被删除学生明细。目前有 {due.count()} 场考试到期，待下次每日清理时删除。")
    return render(request, "form_page.html", {
        "form": form, "page_title": "学生数据保留期限", "intro": intro, "narrow": True,
        "cancel_url": reverse("quality:exam_list")})
