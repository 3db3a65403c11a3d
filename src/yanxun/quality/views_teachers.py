"""Pages of the 任课表 (class–subject–teacher table) and of the results per teacher: the
school picker, the import (upload → preview → confirm, errors by row and column), the
template, the editor (one cell at a time, with htmx), a teacher's report and a school's
per-teacher table with its .xlsx."""

from __future__ import annotations

import io
from urllib.parse import urlencode

import xlsxwriter
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET

from yanxun.core.exports import XLSX_TYPE, content_disposition
from yanxun.core.imports.templates import errors_xlsx
from yanxun.core.permissions import has_perm
from yanxun.org.models import Teacher
from yanxun.quality import class_teachers as roster
from yanxun.quality import rules, selectors
from yanxun.quality import selectors_teachers as reads
from yanxun.quality.enums import ExamStatus
from yanxun.quality.forms import ClassTeachersUploadForm
from yanxun.quality.models import ClassTeacher, Exam
from yanxun.quality.reports import fmt
from yanxun.quality.teacher_results import stale_schools

ERRORS_SHOWN = 200
# The columns of the per-teacher pages: every line is compared with the district.
COLUMNS = [("n", "实考", "int"), ("mean", "平均分", "num"), ("std", "标准差", "num"),
           ("max", "最高分", "num"), ("min", "最低分", "num"), ("median", "中位数", "num"),
           ("excellent_rate", "优秀率", "pct"), ("good_rate", "良好率", "pct"),
           ("pass_rate", "合格率", "pct"), ("low_rate", "低分率", "pct"),
           ("above_mean_rate", "超均率", "pct"), ("mean_ratio", "比均率", "num3"),
           ("t_score", "T分数", "num")]
HEADERS = [label for _, label, _ in COLUMNS]


def _cells(figures: dict) -> list[str]:
    return [fmt(figures.get(key), kind) for key, _, kind in COLUMNS]


# --- the 任课表 -------------------------------------------------------------------------


def _exam_for_editing(user, pk) -> Exam:
    if not has_perm(user, rules.EDIT_CLASS_TEACHERS):
        raise PermissionDenied("无权维护任课表。")
    exam = Exam.objects.filter(pk=pk).first()
    if exam is None:
        raise Http404("未找到该考试。")
    return exam


def _stale_notice(request, stale: bool) -> None:
    if stale:
        messages.info(request, "任课表已修改，任课教师统计正在后台更新，请稍后刷新本页"
                               "（如长时间未更新，请重新分析本次考试）。")


@login_required
def class_teachers(request, pk):
    """The schools whose 任课表 the user keeps (all of the exam's for center staff)."""
    exam = _exam_for_editing(request.user, pk)
    return render(request, "quality/class_teachers.html", {
        "exam": exam, "page_title": f"任课表 · {exam.name}",
        "schools": reads.schools_overview(request.user, exam),
        "ready": exam.status != ExamStatus.DRAFT and exam.purged_at is None})


@login_required
@require_GET
def class_teachers_template(request, pk):
    exam = _exam_for_editing(request.user, pk)
    try:
        data = roster.class_teachers_template(actor=request.user, exam=exam)
    except ValidationError as exc:
        messages.error(request, "；".join(exc.messages))
        return redirect("quality:class_teachers", pk=exam.pk)
    return _xlsx(data, f"{exam.name}_任课表模板.xlsx")


@login_required
def class_teachers_import(request, pk):
    exam = _exam_for_editing(request.user, pk)
    form = ClassTeachersUploadForm(request.POST or None, request.FILES or None)
    checked = None
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            checked = roster.class_teachers_stage(
                actor=request.user, exam=exam, data=upload.read(), original_name=upload.name)
        except ValidationError as exc:
            form.add_error("file", exc)
        else:
            if not checked.errors:
                return redirect("quality:class_teachers_confirm", pk=exam.pk)
    errors = checked.errors if checked else []
    return render(request, "quality/class_teachers_import.html", {
        "exam": exam, "page_title": f"导入任课表 · {exam.name}", "form": form,
        "columns": roster.COLUMNS, "notes": roster.NOTES,
        "errors": errors[:ERRORS_SHOWN], "error_count": len(errors),
        "file_name": checked.original_name if checked else ""})


@login_required
@require_GET
def class_teachers_errors(request, pk):
    exam = _exam_for_editing(request.user, pk)
    errors = roster.staged_errors(actor=request.user, exam=exam)
    if not errors:
        raise Http404("没有可下载的错误说明。")
    return _xlsx(errors_xlsx(errors), "任课表导入错误说明.xlsx")


@login_required
def class_teachers_confirm(request, pk):
    exam = _exam_for_editing(request.user, pk)
    preview = roster.staged_preview(actor=request.user, exam=exam)
    if preview is None:
        messages.error(request, "没有待写入的任课表文件，请重新上传。")
        return redirect("quality:class_teachers_import", pk=exam.pk)
    if request.method == "POST":
        try:
            done = roster.class_teachers_import(actor=request.user, exam=exam)
        except ValidationError as exc:
            messages.error(request, "；".join(exc.messages))
            return redirect("quality:class_teachers_import", pk=exam.pk)
        messages.success(request, f"已导入任课表：{'、'.join(done.schools)}，共 {done.rows} 条。")
        _stale_notice(request, done.refreshing)
        return redirect("quality:class_teachers", pk=exam.pk)
    return render(request, "quality/class_teachers_confirm.html", {
        "exam": exam, "page_title": "确认导入任课表", "preview": preview})


@login_required
def class_teacher_grid(request, pk, school_pk):
    exam = _exam_for_editing(request.user, pk)
    school = reads.school_for_edit(request.user, exam, school_pk)
    _stale_notice(request, school.pk in stale_schools(exam, [school.pk]))
    return render(request, "quality/class_teacher_grid.html", {
        "exam": exam, "school": school, "page_title": f"任课表 · {school.name}",
        "grid": reads.grid(exam, school),
        "editable": exam.status != ExamStatus.DRAFT and exam.purged_at is None})


def _cell_target(request, exam, school):
    """The class and subject named by the request (404 when not of this exam and school)."""
    data = request.POST if request.method == "POST" else request.GET
    subject = exam.subjects.filter(pk=data.get("subject") or 0).first()
    class_name = data.get("class", "")
    if subject is None or class_name not in reads.exam_classes(exam, school):
        raise Http404("该学校没有这个班级或科目。")
    return class_name, subject


@login_required
def class_teacher_cell(request, pk, school_pk):
    """One cell of the 任课表: GET shows it (view=1: read-only, for htmx's 完成), POST adds a
    teacher (teacher=<id>) or removes one (remove=<row id>). With htmx the cell's fragment
    comes back; without it, the cell's own page."""
    exam = _exam_for_editing(request.user, pk)
    school = reads.school_for_edit(request.user, exam, school_pk)
    class_name, subject = _cell_target(request, exam, school)
    error = ""
    if request.method == "POST":
        try:
            _cell_change(request, exam, school, class_name, subject)
        except ValidationError as exc:
            error = "；".join(exc.messages)
        if not _is_htmx(request):
            (messages.error if error else messages.success)(request, error or "已保存。")
            url = reverse("quality:class_teacher_cell", args=[exam.pk, school.pk])
            return redirect(f"{url}?{_cell_query(class_name, subject)}")
    context = {"exam": exam, "school": school, "class_name": class_name, "subject": subject,
               "links": reads.cell_links(exam, school, class_name, subject), "error": error,
               "query": _cell_query(class_name, subject),
               "editable": exam.status != ExamStatus.DRAFT and exam.purged_at is None}
    if _is_htmx(request) and request.GET.get("view"):
        return render(request, "quality/_class_teacher_cell_view.html", context)
    context["choices"] = reads.teacher_choices(school, subject)
    if _is_htmx(request):
        return render(request, "quality/_class_teacher_cell.html", context)
    return render(request, "quality/class_teacher_cell.html", {
        **context, "page_title": f"{school.name} {class_name} {subject.name} 任课教师"})


def _cell_change(request, exam, school, class_name, subject) -> None:
    if request.POST.get("remove"):
        link = ClassTeacher.objects.filter(
            pk=request.POST["remove"] if request.POST["remove"].isdigit() else 0, exam=exam,
            school=school, class_name=class_name, subject=subject).first()
        if link is None:
            raise ValidationError("该任课记录已不存在，请刷新页面。")
        roster.class_teacher_remove(actor=request.user, link=link)
        return
    raw = request.POST.get("teacher", "")
    teacher = Teacher.objects.filter(pk=raw if raw.isdigit() else 0, school=school).first()
    if teacher is None:
        raise ValidationError("请选择本校的一位教师。")
    roster.class_teacher_add(actor=request.user, exam=exam, school=school,
                                     class_name=class_name, subject=subject, teacher=teacher)


def _cell_query(class_name: str, subject) -> str:
    return urlencode({"class": class_name, "subject": subject.pk})


def _is_htmx(request) -> bool:
    return request.headers.get("HX-Request") == "true"


# --- results per teacher -------------------------------------------------------------------


def _analysed(user, pk) -> Exam:
    exam = selectors.exam_for_view(user, pk)
    if exam.status != ExamStatus.ANALYSED:
        raise PermissionDenied("该考试尚未分析完成。")
    return exam


@login_required
def my_teacher_report(request, pk):
    """The signed-in teacher's own report for this exam."""
    exam = _analysed(request.user, pk)
    teacher = Teacher.objects.filter(user=request.user).first()
    if teacher is None or not ClassTeacher.objects.filter(exam=exam, teacher=teacher).exists():
        raise Http404("任课表中没有您在本次考试的任教班级。")
    return redirect("quality:teacher_report", pk=exam.pk, teacher_pk=teacher.pk)


@login_required
def teacher_report(request, pk, teacher_pk):
    """A teacher's classes beside their school and the district, and their classes
    together; for the teacher, their school's administrator and the center."""
    exam = _analysed(request.user, pk)
    report = reads.teacher_report(exam, reads.teacher_links(request.user, exam, teacher_pk))
    _stale_notice(request, report.stale)
    sections = []
    for index, section in enumerate(report.sections):
        sections.append({
            "section": section, "chart_id": f"chart-teacher-{index}",
            "lines": [{"line": line, "cells": _cells(line.figures)} for line in section.lines],
            "chart": [{"name": line.label.split("（")[0], "value": round(line.figures["mean"], 2)}
                      for line in section.lines if line.figures.get("mean") is not None]})
    return render(request, "quality/teacher_report.html", {
        "exam": exam, "teacher": report.teacher, "sections": sections, "headers": HEADERS,
        "page_title": f"{exam.name} · {report.teacher.name} 任教成绩"})


@login_required
def school_teachers(request, pk, school_pk):
    """A school's teachers, one subject at a time: 报告到校 for its administrator, every
    school for the center."""
    exam = _analysed(request.user, pk)
    school = selectors.school_for_report(request.user, exam, school_pk)
    table = reads.school_teachers(exam, school, request.GET.get("subject", ""))
    _stale_notice(request, table.stale)
    return render(request, "quality/school_teachers.html", {
        "exam": exam, "school": school, "table": table, "headers": HEADERS,
        "page_title": f"{exam.name} · {school.name} 任课教师",
        "report": {"subjects": table.subjects}, "subject": table.subject,
        "school_cells": _cells(table.school_figures),
        "district_cells": _cells(table.district_figures),
        "rows": [{"row": r, "cells": _cells(r.figures)} for r in table.rows]})


@login_required
def school_teachers_xlsx(request, pk, school_pk):
    exam = _analysed(request.user, pk)
    school = selectors.school_for_report(request.user, exam, school_pk)
    tables = reads.school_teachers_all(exam, school)
    return _xlsx(_teachers_workbook(tables, f"{exam.name} {school.name} 任课教师成绩"),
                 f"{exam.name}_{school.name}_任课教师.xlsx")


@login_required
def teacher_report_xlsx(request, pk, teacher_pk):
    exam = _analysed(request.user, pk)
    report = reads.teacher_report(exam, reads.teacher_links(request.user, exam, teacher_pk))
    title = f"{exam.name} {report.teacher.name} 任教成绩"
    rows = [(f"{s.subject} · {s.school.name}", line.label, line.figures)
            for s in report.sections for line in s.lines]
    return _xlsx(_figures_workbook(rows, title, ["科目 · 学校", "对象"]),
                 f"{exam.name}_{report.teacher.name}_任教成绩.xlsx")


@login_required
def teacher_report_pdf(request, pk, teacher_pk):
    from yanxun.quality.views import _pdf

    exam = _analysed(request.user, pk)
    report = reads.teacher_report(exam, reads.teacher_links(request.user, exam, teacher_pk))
    title = f"{exam.name} {report.teacher.name} 任教成绩"
    sections, charts = [], []
    for section in report.sections:
        heading = f"{section.subject} · {section.school.name}"
        sections.append({"heading": heading, "unit_label": "对象", "headers": HEADERS,
                         "rows": [{"label": line.label, "cells": _cells(line.figures),
                                   "district": line.kind in ("teacher", "district")}
                                  for line in section.lines]})
        charts.append((f"{heading} 平均分", _means_chart(heading, section.lines)))
    return _pdf({"exam": exam, "title": title, "sections": sections,
                 "intro": "超均率、比均率和 T 分数都以全区为参照。"},
                charts, f"{exam.name}_{report.teacher.name}_任教成绩.pdf")


@login_required
def school_teachers_pdf(request, pk, school_pk):
    from yanxun.quality.views import _pdf

    exam = _analysed(request.user, pk)
    school = selectors.school_for_report(request.user, exam, school_pk)
    sections = []
    for table in reads.school_teachers_all(exam, school):
        rows = [{"label": "全区", "district": True, "cells": _cells(table.district_figures)},
                {"label": "本校", "district": True, "cells": _cells(table.school_figures)}]
        rows += [{"label": f"{r.teacher.name}（{'、'.join(r.classes)}）", "district": False,
                  "cells": _cells(r.figures)} for r in table.rows]
        sections.append({"heading": table.subject, "unit_label": "教师", "headers": HEADERS,
                         "rows": rows})
    title = f"{exam.name} {school.name} 任课教师成绩"
    return _pdf({"exam": exam, "title": title, "sections": sections}, [],
                f"{exam.name}_{school.name}_任课教师.pdf")


def _means_chart(title: str, lines) -> dict:
    """Means of the teacher's classes, their school and the district, as bars."""
    shown = [line for line in lines if line.figures.get("mean") is not None]
    return {"title": {"text": title, "left": "center"}, "grid": {"top": 48, "bottom": 32},
            "xAxis": {"type": "category", "data": [line.label.split("（")[0] for line in shown]},
            "yAxis": {"type": "value", "name": "平均分"},
            "series": [{"type": "bar", "barMaxWidth": 36, "label": {"show": True, "position": "top"},
                        "data": [round(line.figures["mean"], 2) for line in shown]}]}


def _figures_workbook(rows: list[tuple[str, str, dict]], title: str, keys: list[str]) -> bytes:
    """One sheet of figure rows: the key columns, then COLUMNS (rates as fractions)."""
    buffer = io.BytesIO()
    book = xlsxwriter.Workbook(buffer, {"in_memory": True})
    bold = book.add_format({"bold": True, "bg_color": "#EEF2F7", "border": 1})
    formats = {"int": book.add_format({"num_format": "0"}),
               "num": book.add_format({"num_format": "0.00"}),
               "num3": book.add_format({"num_format": "0.000"}),
               "pct": book.add_format({"num_format": "0.00%"})}
    sheet = book.add_worksheet("任教成绩")
    sheet.write_string(0, 0, title, book.add_format({"bold": True, "font_size": 14}))
    sheet.write_row(2, 0, [*keys, *HEADERS], bold)
    for row, (*names, figures) in enumerate(rows, start=3):
        sheet.write_row(row, 0, names)
        for column, (key, _, kind) in enumerate(COLUMNS, start=len(keys)):
            if figures.get(key) is not None:
                sheet.write_number(row, column, figures[key], formats[kind])
    sheet.freeze_panes(3, len(keys))
    sheet.set_column(0, len(keys) - 1, 16)
    book.close()
    return buffer.getvalue()


def _teachers_workbook(tables: list[reads.SchoolTeachers], title: str) -> bytes:
    """One sheet: per subject the district, the school, then each teacher (rates as
    fractions formatted as percentages)."""
    buffer = io.BytesIO()
    book = xlsxwriter.Workbook(buffer, {"in_memory": True})
    bold = book.add_format({"bold": True, "bg_color": "#EEF2F7", "border": 1})
    formats = {"int": book.add_format({"num_format": "0"}),
               "num": book.add_format({"num_format": "0.00"}),
               "num3": book.add_format({"num_format": "0.000"}),
               "pct": book.add_format({"num_format": "0.00%"})}
    sheet = book.add_worksheet("任课教师")
    sheet.write_string(0, 0, title, book.add_format({"bold": True, "font_size": 14}))
    sheet.write_row(2, 0, ["科目", "教师", "任教班级", *HEADERS], bold)
    row = 3
    for table in tables:
        lines = [("全区", "", table.district_figures), ("本校", "", table.school_figures)]
        lines += [(r.teacher.name, "、".join(r.classes), r.figures) for r in table.rows]
        for name, classes, figures in lines:
            sheet.write_row(row, 0, [table.subject, name, classes])
            for column, (key, _, kind) in enumerate(COLUMNS, start=3):
                if figures.get(key) is not None:
                    sheet.write_number(row, column, figures[key], formats[kind])
            row += 1
    sheet.freeze_panes(3, 2)
    sheet.set_column(0, 2, 12)
    book.close()
    return buffer.getvalue()


def _xlsx(data: bytes, filename: str) -> HttpResponse:
    response = HttpResponse(data, content_type=XLSX_TYPE)
    response["Content-Disposition"] = content_disposition(filename)
    response["Cache-Control"] = "no-store"
    return response
