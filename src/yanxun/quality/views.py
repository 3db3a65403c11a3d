"""Pages of quality monitoring: exams, the score import (upload → map schools → confirm),
the analysis with its progress, and the reports (全区 / 到校 / 到学科 / 本人任教班级)."""

from __future__ import annotations

import tempfile
from pathlib import Path

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from yanxun.core.enums import DataScope
from yanxun.core.exports import XLSX_TYPE, content_disposition
from yanxun.core.imports.progress import read_progress
from yanxun.core.listing import render_list
from yanxun.core.permissions import best_scope, has_perm, scoped
from yanxun.org.models import School
from yanxun.quality import (
    item_report,
    lists,
    reports,
    retention,
    rules,
    selectors,
    services,
    students,
)
from yanxun.quality.enums import ExamStatus
from yanxun.quality.forms import ExamForm, SchoolMappingForm, ScoresUploadForm
from yanxun.quality.scores_io import InputError


@login_required
def exam_list(request):
    actions = ([{"label": "新建考试", "url": reverse("quality:exam_create"), "primary": True}]
               if selectors.may_manage(request.user) else [])
    return render_list(request, lists.EXAMS, context={"actions": actions})


@login_required
def exam_create(request):
    if not selectors.may_manage(request.user):
        raise PermissionDenied("无权新建考试。")
    form = ExamForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            exam = services.exam_create(actor=request.user, **form.cleaned_data)
        except ValidationError as exc:
            form.add_service_error(exc)
        else:
            messages.success(request, f"已新建考试「{exam.name}」，下一步请导入成绩。")
            return redirect("quality:scores_upload", pk=exam.pk)
    return render(request, "form_page.html", {
        "form": form, "page_title": "新建考试", "cancel_url": reverse("quality:exam_list")})


@login_required
def exam_detail(request, pk):
    exam = selectors.exam_for_view(request.user, pk)
    manage = selectors.may_manage(request.user)
    context = {
        "exam": exam, "page_title": exam.name, "manage": manage,
        "subjects": list(exam.subjects.all()),
        "item_counts": item_report.item_counts(exam),
        "staged": services.staged_for(exam) if manage else None,
        "analysed": exam.status == ExamStatus.ANALYSED,
        "running": exam.status == ExamStatus.ANALYSING,
        "sees_all": selectors.sees_all_schools(request.user),
        "teacher_only": best_scope(request.user, rules.VIEW_REPORTS)
        not in (DataScope.ALL, DataScope.UNIT),
    }
    if context["analysed"]:
        context["schools"] = selectors.report_schools(request.user, exam)
        context["my_classes"] = [
            {"row": row, "cells": reports.cells(row, relative=True)}
            for row in selectors.teacher_classes(request.user, exam)]
        context["class_headers"] = reports.headers(relative=True)
        context["item_subjects"] = item_report.item_subjects(exam)
        context["student_links"] = students.student_links(request.user, exam)
    return render(request, "quality/exam_detail.html", context)


# --- the score import --------------------------------------------------------------------


def _purged(request, exam):
    """The retention rule deleted the exam's students: no import (nor analysis) any more."""
    messages.error(request, retention.purged_message(exam))
    return redirect("quality:exam_detail", pk=exam.pk)


@login_required
def scores_upload(request, pk):
    exam = selectors.exam_for_edit(request.user, pk)
    if exam.purged_at is not None:
        return _purged(request, exam)
    form = ScoresUploadForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        with tempfile.TemporaryDirectory() as folder:
            path = Path(folder) / ("upload" + Path(upload.name).suffix.lower())
            with path.open("wb") as out:
                for chunk in upload.chunks():
                    out.write(chunk)
            try:
                staged = services.scores_stage(actor=request.user, exam=exam, upload=path,
                                               original_name=upload.name)
            except InputError as exc:
                form.add_error("file", str(exc))
                staged = None
        if staged is not None:
            for warning in staged.warnings:
                messages.warning(request, warning)
            if staged.unmatched:
                return redirect("quality:scores_schools", pk=exam.pk)
            return redirect("quality:scores_confirm", pk=exam.pk)
    return render(request, "form_page.html", {
        "form": form, "page_title": f"导入成绩：{exam.name}", "multipart": True,
        "intro": "科目列：" + "、".join(f"{s.name}（满分 {s.full_mark:g}）"
                                    for s in exam.subjects.all())
                 + "。空白或「缺考」为缺考；作弊、违纪、免考单独统计。先校验整个文件，无误后才写入。",
        "cancel_url": reverse("quality:exam_detail", args=[exam.pk])})


@login_required
def scores_schools(request, pk):
    exam = selectors.exam_for_edit(request.user, pk)
    if exam.purged_at is not None:
        return _purged(request, exam)
    staged = services.staged_for(exam)
    if staged is None:
        messages.error(request, "没有待写入的成绩文件，请重新上传。")
        return redirect("quality:scores_upload", pk=exam.pk)
    if not staged.unmatched:
        return redirect("quality:scores_confirm", pk=exam.pk)
    schools = scoped(School.objects.filter(is_active=True), request.user, rules.MANAGE_EXAMS)
    form = SchoolMappingForm(request.POST or None, names=staged.unmatched, schools=schools)
    if request.method == "POST" and form.is_valid():
        services.school_aliases_save(actor=request.user, mapping=form.mapping())
        messages.success(request, "学校对应关系已保存，以后的考试会自动使用。")
        return redirect("quality:scores_confirm", pk=exam.pk)
    return render(request, "form_page.html", {
        "form": form, "page_title": "对应学校",
        "intro": f"文件「{staged.original_name}」中有 {len(staged.unmatched)} 个学校名称与本区学校"
                 "名称不一致，请为每个名称选择对应的学校。",
        "cancel_url": reverse("quality:exam_detail", args=[exam.pk])})


@login_required
def scores_confirm(request, pk):
    exam = selectors.exam_for_edit(request.user, pk)
    if exam.purged_at is not None:
        return _purged(request, exam)
    staged = services.staged_for(exam)
    if staged is None:
        messages.error(request, "没有待写入的成绩文件，请重新上传。")
        return redirect("quality:scores_upload", pk=exam.pk)
    if staged.unmatched:
        return redirect("quality:scores_schools", pk=exam.pk)
    if request.method == "POST":
        try:
            count = services.scores_write(actor=request.user, exam=exam)
        except ValidationError as exc:
            messages.error(request, "；".join(exc.messages))
        else:
            messages.success(request, f"已导入 {count} 名学生的成绩。")
            return redirect("quality:exam_detail", pk=exam.pk)
    replacing = exam.status != ExamStatus.DRAFT
    return render(request, "quality/scores_confirm.html", {
        "exam": exam, "staged": staged, "replacing": replacing, "page_title": "确认导入成绩",
        "schools": sorted(staged.schools)})


# --- analysis ----------------------------------------------------------------------------


@login_required
@require_POST
def exam_analyse(request, pk):
    exam = selectors.exam_for_edit(request.user, pk)
    try:
        services.exam_analyse_start(actor=request.user, exam=exam)
    except ValidationError as exc:
        messages.error(request, "；".join(exc.messages))
    else:
        messages.info(request, "分析已开始，完成后本页自动刷新。")
    return redirect("quality:exam_detail", pk=exam.pk)


@login_required
def exam_progress(request, pk):
    """The progress bar's fragment (htmx polls it); tells the page to reload when done."""
    exam = selectors.exam_for_edit(request.user, pk)
    if exam.status != ExamStatus.ANALYSING:
        response = HttpResponse("")
        response["HX-Refresh"] = "true"
        return response
    progress = (read_progress(str(exam.progress_key)) if exam.progress_key else None) or {}
    return render(request, "quality/_progress.html", {"exam": exam, "progress": progress})


# --- reports -----------------------------------------------------------------------------


def _analysed(user, pk):
    exam = selectors.exam_for_view(user, pk)
    if exam.status != ExamStatus.ANALYSED:
        raise PermissionDenied("该考试尚未分析完成。")
    return exam


def _subject_table(report, subject: str, *, relative: bool, rows_attr: str) -> dict:
    """The figures of one subject: the district's row, then one row per unit."""
    rows = reports.by_subject(getattr(report, rows_attr), subject)
    return {"subject": subject,
            "district": [reports.cells(r, relative=False)
                         for r in reports.by_subject(report.district, subject)],
            "rows": [{"row": r, "cells": reports.cells(r, relative=relative)} for r in rows]}


@login_required
def district_report(request, pk):
    """报告到学科 / 全区: every school, for center staff and leaders."""
    exam = _analysed(request.user, pk)
    if not selectors.sees_all_schools(request.user):
        raise PermissionDenied("全区报告只对中心人员开放；学校管理员请查看本校报告。")
    subjects = selectors.report_subjects(exam)
    subject = request.GET.get("subject", "")
    if subject not in subjects:
        subject = selectors.default_subject(request.user, subjects)
    report = selectors.district_report(request.user, exam, subject=subject)
    tops = sorted({r["n_top"] for r in report.tables.get("top_n", [])})
    charts = {"means": reports.school_means_chart(report, subject),
              "bands": reports.bands_chart(report.tables.get("bands", []), subject,
                                           f"{subject} 全区分数段分布")}
    if tops:
        charts["top"] = reports.top_n_chart(report.tables["top_n"], tops[0])
    return render(request, "quality/district_report.html", {
        "exam": exam, "page_title": f"{exam.name} · 全区报告", "report": report,
        "subject": subject,
        "subject_table": _subject_table(report, subject, relative=True, rows_attr="schools"),
        "district_headers": reports.headers(relative=False),
        "school_headers": reports.headers(relative=True),
        "charts": charts,
        "balance": next((r for r in report.tables.get("balance", [])
                         if r["subject"] == subject), None),
        "borderline": reports.borderline_counts(report.tables.get("borderline", []), subject),
    })


@login_required
def district_report_xlsx(request, pk):
    exam = _analysed(request.user, pk)
    if not selectors.sees_all_schools(request.user):
        raise PermissionDenied("全区报告只对中心人员开放。")
    report = selectors.district_report(request.user, exam)
    return _xlsx(reports.report_xlsx(report, title=f"{exam.name} 全区报告"),
                 f"{exam.name}_全区报告.xlsx")


@login_required
def school_report(request, pk, school_pk):
    """报告到校: one school beside the district; never another school's rows."""
    exam = _analysed(request.user, pk)
    school = selectors.school_for_report(request.user, exam, school_pk)
    report = selectors.school_report(request.user, exam, school)
    subject = request.GET.get("subject") or (report.subjects[-1] if report.subjects else "")
    if subject not in report.subjects:
        subject = report.subjects[-1]
    charts = {"bands": reports.bands_chart(report.tables.get("bands", []), subject,
                                           f"{subject} 本校分数段分布")}
    return render(request, "quality/school_report.html", {
        "exam": exam, "school": school, "page_title": f"{exam.name} · {school.name}",
        "report": report, "subject": subject,
        "school_rows": [{"row": r, "cells": reports.cells(r, relative=True)}
                        for r in report.schools],
        "district_rows": [{"row": r, "cells": reports.cells(r, relative=False)}
                          for r in report.district],
        "subject_table": _subject_table(report, subject, relative=True, rows_attr="classes"),
        "district_headers": reports.headers(relative=False),
        "school_headers": reports.headers(relative=True),
        "all_pass": report.tables.get("all_pass", []),
        "top_n": report.tables.get("top_n", []),
        "charts": charts,
    })


@login_required
def school_report_xlsx(request, pk, school_pk):
    exam = _analysed(request.user, pk)
    school = selectors.school_for_report(request.user, exam, school_pk)
    report = selectors.school_report(request.user, exam, school)
    return _xlsx(reports.report_xlsx(report, title=f"{exam.name} {school.name} 报告"),
                 f"{exam.name}_{school.name}_报告.xlsx")


@login_required
def value_added(request, pk):
    """增值评价 against the exam's intake exam: center staff see every school; a school
    administrator sees their school named and the others as anonymous points."""
    exam = _analysed(request.user, pk)
    if not has_perm(request.user, rules.VIEW_REPORTS) or best_scope(
            request.user, rules.VIEW_REPORTS) not in (DataScope.ALL, DataScope.UNIT):
        raise PermissionDenied("无权查看增值评价。")
    result = selectors.value_added(request.user, exam, request.GET.get("subject", ""))
    if result is None:
        raise Http404("该考试没有入口考试，或尚未计算增值。")
    chart = reports.caterpillar_chart(result.schools, result.subject) if result.model else None
    return render(request, "quality/value_added.html", {
        "exam": exam, "page_title": f"{exam.name} · 增值评价", "result": result,
        "report": result, "subject": result.subject, "chart": chart,
        "bottom": students.bottom_followup(request.user, exam)})


def _value_added_all(request, pk):
    """Every subject's value added, for the downloads (the page's scope rules)."""
    exam = _analysed(request.user, pk)
    if best_scope(request.user, rules.VIEW_REPORTS) not in (DataScope.ALL, DataScope.UNIT):
        raise PermissionDenied("无权查看增值评价。")
    first = selectors.value_added(request.user, exam, "")
    if first is None:
        raise Http404("该考试没有入口考试，或尚未计算增值。")
    return exam, [selectors.value_added(request.user, exam, s) for s in first.subjects]


@login_required
def value_added_xlsx(request, pk):
    exam, results = _value_added_all(request, pk)
    return _xlsx(reports.value_added_xlsx(results, title=f"{exam.name} 增值评价"),
                 f"{exam.name}_增值评价.xlsx")


@login_required
def value_added_pdf(request, pk):
    exam, results = _value_added_all(request, pk)
    charts = [(f"{r.subject} 各校增值与 95% 区间", reports.caterpillar_chart(r.schools, r.subject))
              for r in results if r.model is not None]
    title = f"{exam.name} 增值评价"
    context = {"exam": exam, "title": title, "sections": reports.value_added_sections(results),
               "intro": f"入口考试：{exam.intake_exam.name if exam.intake_exam else ''}。"
                        "学生归属出口考试时的学校；入口、出口成绩在匹配学生中标准化后，"
                        "以学校随机截距模型（REML）估计各校增值，区间不含 0 的学校标为显著。"}
    return _pdf(context, charts, f"{exam.name}_增值评价.pdf")


def _pdf_sections(report, *, unit_rows: str, unit_label: str) -> list[dict]:
    """Per subject: the district's row, then the units' rows (schools or classes)."""
    sections = []
    for subject in report.subjects:
        rows = [{"label": "全区", "district": True,
                 "cells": reports.cells(r, relative=False) + [""] * len(reports.RELATIVE)}
                for r in reports.by_subject(report.district, subject)]
        if unit_rows == "classes":  # a school's report: the school itself, then its classes
            rows += [{"label": "本校", "district": True,
                      "cells": reports.cells(r, relative=True)}
                     for r in reports.by_subject(report.schools, subject)]
        for r in reports.by_subject(getattr(report, unit_rows), subject):
            rows.append({"label": r.class_name or r.school, "district": False,
                         "cells": reports.cells(r, relative=True)})
        sections.append({"heading": subject, "unit_label": unit_label, "rows": rows,
                         "headers": reports.headers(relative=True)})
    return sections


def _pdf(template_context: dict, charts: list[tuple[str, dict]], filename: str) -> HttpResponse:
    """The report as a PDF: charts drawn as SVG on the server (core.charts), the page by
    WeasyPrint (core.pdf)."""
    from yanxun.core.charts import ChartError, ChartSpec, render_svgs, svg_data_uri
    from yanxun.core.pdf import PdfError, render_pdf

    try:
        svgs = render_svgs([ChartSpec(option, 640, 320) for _, option in charts])
        template_context["charts"] = [{"caption": caption, "uri": svg_data_uri(svg)}
                                      for (caption, _), svg in zip(charts, svgs, strict=True)]
        data = render_pdf("quality/report_pdf.html", template_context)
    except (ChartError, PdfError) as exc:
        return HttpResponse(str(exc), status=503, content_type="text/plain; charset=utf-8")
    response = HttpResponse(data, content_type="application/pdf")
    response["Content-Disposition"] = content_disposition(filename)
    response["Cache-Control"] = "no-store"
    return response


@login_required
def district_report_pdf(request, pk):
    exam = _analysed(request.user, pk)
    if not selectors.sees_all_schools(request.user):
        raise PermissionDenied("全区报告只对中心人员开放。")
    report = selectors.district_report(request.user, exam)
    total = report.subjects[-1]
    charts = [("总分 各校平均分", reports.school_means_chart(report, total)),
              ("总分 全区分数段分布", reports.bands_chart(report.tables.get("bands", []), total,
                                                   "总分 全区分数段分布"))]
    tops = sorted({r["n_top"] for r in report.tables.get("top_n", [])})
    if tops:
        charts.append((f"前 {tops[0]} 名占比与生源比",
                       reports.top_n_chart(report.tables["top_n"], tops[0])))
    title = f"{exam.name} 全区质量分析报告"
    return _pdf({"exam": exam, "title": title,
                 "sections": _pdf_sections(report, unit_rows="schools", unit_label="学校")
                 + item_report.pdf_sections(report)},
                charts + item_report.pdf_charts(report), f"{exam.name}_全区报告.pdf")


@login_required
def school_report_pdf(request, pk, school_pk):
    exam = _analysed(request.user, pk)
    school = selectors.school_for_report(request.user, exam, school_pk)
    report = selectors.school_report(request.user, exam, school)
    total = report.subjects[-1]
    charts = [("总分 本校分数段分布", reports.bands_chart(report.tables.get("bands", []), total,
                                                   "总分 本校分数段分布"))]
    title = f"{exam.name} {school.name} 质量分析报告"
    return _pdf({"exam": exam, "title": title,
                 "sections": _pdf_sections(report, unit_rows="classes", unit_label="班级")
                 + item_report.pdf_sections(report)},
                charts + item_report.pdf_charts(report), f"{exam.name}_{school.name}_报告.pdf")


def _xlsx(data: bytes, filename: str) -> HttpResponse:
    response = HttpResponse(data, content_type=XLSX_TYPE)
    response["Content-Disposition"] = content_disposition(filename)
    response["Cache-Control"] = "no-store"
    return response
