"""The exam list (pages, Excel export, `yanxun export exams`)."""

from yanxun.core.listing import Column, Filter, ListSpec, choice_label, detail_link, register_spec
from yanxun.org.enums import Stage
from yanxun.quality import rules
from yanxun.quality.enums import ExamKind, ExamStatus
from yanxun.quality.selectors import exams_for

EXAMS = register_spec(ListSpec(
    name="exams",
    title="考试",
    columns=(
        Column("name", "考试名称", "name", sort="name", link=True, width=30),
        Column("held_on", "考试日期", "held_on", sort="held_on", width=12),
        Column("grade", "年级", "grade", sort="grade", width=10),
        Column("stage", "学段", choice_label("stage", Stage.choices), sort="stage", width=8),
        Column("kind", "类型", choice_label("kind", ExamKind.choices), sort="kind", width=12),
        Column("status", "状态", choice_label("status", ExamStatus.choices), sort="status",
               width=12),
    ),
    base_queryset=lambda user: exams_for(user) if user is not None else exams_for_all(),
    search_fields=("name__icontains", "grade__icontains"),
    search_label="考试名称 / 年级",
    filters=(
        Filter("stage", "学段", "stage", choices=Stage.choices),
        Filter("kind", "类型", "kind", choices=ExamKind.choices),
        Filter("status", "状态", "status", choices=ExamStatus.choices),
    ),
    default_sort="-held_on",
    view_perm=rules.LIST_EXAMS,
    export_perm=rules.MANAGE_EXAMS,
    detail_url=detail_link("quality:exam_detail"),
))


def exams_for_all():
    from yanxun.quality.models import Exam

    return Exam.objects.all()
