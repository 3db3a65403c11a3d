"""Pages of 小题分析: the item score upload (with its template workbook) and the item analysis
of an exam, per subject, for the district and for a school."""

from __future__ import annotations

import tempfile
from pathlib import Path

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse

from yanxun.core.exports import XLSX_TYPE, content_disposition
from yanxun.core.forms import StyledForm
from yanxun.quality import item_report, item_scores, selectors
from yanxun.quality.enums import ExamStatus
from yanxun.quality.forms import UPLOAD_MAX
from yanxun.quality.scores_io import InputError

LAYOUT = ("每科一个工作表，工作表名为科目名；第 1 行为考号（可有姓名、学校、班级、学籍号）和各小题的题号，"
          "第 2 行在各小题下填写满分（各题满分合计须等于该科满分），第 3 行起每名学生一行。小题格空白为 0 分；"
          "一名学生各题都空白或为「缺考」即缺考，有「作弊」「违纪」「免考」则不计入。考号须为本考试的考生，"
          "每名学生的小题合计须等于已导入的该科成绩。整个文件无误后才写入；同一科目再次导入会替换该科原有小题分，"
          "文件中没有的科目保持不变。")


class ItemScoresUploadForm(StyledForm):
    file = forms.FileField(label="小题分文件", help_text="Excel（.xlsx/.xls），每科一个工作表")

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > UPLOAD_MAX:
            raise forms.ValidationError("文件超过 50 MB，请按科目拆分后分批导入。")
        if not upload.name.lower().endswith((".xlsx", ".xls")):
            raise forms.ValidationError("只接受 .xlsx 或 .xls 文件。")
        return upload


@login_required
def items_upload(request, pk):
    exam = selectors.exam_for_edit(request.user, pk)
    form = ItemScoresUploadForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        with tempfile.TemporaryDirectory() as folder:
            path = Path(folder) / ("upload" + Path(upload.name).suffix.lower())
            with path.open("wb") as out:
                for chunk in upload.chunks():
                    out.write(chunk)
            try:
                counts = item_scores.item_scores_import(actor=request.user, exam=exam,
                                                        upload=path, original_name=upload.name)
            except InputError as exc:
                form.add_error("file", str(exc))
            except ValidationError as exc:
                form.add_error("file", "；".join(exc.messages))
            else:
                exam.refresh_from_db()
                done = ("小题分析已更新。" if exam.status == ExamStatus.ANALYSED
                        else "分析考试后即可查看小题分析。")
                messages.success(request, "已导入小题分：" + "、".join(
                    f"{name} {n} 人" for name, n in counts.items()) + "。" + done)
                return redirect("quality:exam_detail", pk=exam.pk)
    return render(request, "quality/items_upload.html", {
        "form": form, "exam": exam, "page_title": f"导入小题分：{exam.name}", "multipart": True,
        "intro": LAYOUT, "submit_label": "校验并导入",
        "cancel_url": reverse("quality:exam_detail", args=[exam.pk])})


@login_required
def items_template(request, pk):
    exam = selectors.exam_for_edit(request.user, pk)
    response = HttpResponse(item_scores.template_xlsx(exam), content_type=XLSX_TYPE)
    response["Content-Disposition"] = content_disposition(f"{exam.name}_小题分模板.xlsx")
    return response


@login_required
def item_analysis(request, pk):
    """小题分析: center staff see the district and pick any school; a school administrator
    sees their school beside the district."""
    exam = selectors.exam_for_view(request.user, pk)
    if exam.status != ExamStatus.ANALYSED:
        raise PermissionDenied("该考试尚未分析完成。")
    analysis = item_report.item_analysis(request.user, exam,
                                         subject=request.GET.get("subject", ""),
                                         school_pk=request.GET.get("school") or None)
    district = analysis.district if analysis.unit else None
    scope = analysis.school.name if analysis.school else "全区"
    return render(request, "quality/item_analysis.html", {
        "exam": exam, "page_title": f"{exam.name} · 小题分析", "analysis": analysis,
        "scope": scope,
        "headers": item_report.headers(benchmark=district is not None),
        "rows": item_report.rows(analysis.shown, district),
        "papers": [item_report.paper_note(analysis.shown, scope)]
        + ([item_report.paper_note(district, "全区")] if district else []),
        "chart": item_report.chart(analysis.subject, analysis.shown, district,
                                   scope=f"{scope} "),
        "explanation": item_report.EXPLANATION,
    })
