"""The demo district's exams: imported and analysed through the real services."""

from django.db.models import Sum

from yanxun.org.demo import build_demo, demo_wipe
from yanxun.quality.enums import ExamStatus, ResultLevel
from yanxun.quality.item_report import item_counts, item_subjects
from yanxun.quality.models import (
    ClassTeacher,
    Exam,
    ExamItem,
    ExamStudent,
    ExamTable,
    ItemScores,
    SchoolAlias,
    Score,
    UnitResult,
)

SMALL = {"seed": 7, "teachers": 300, "schools": 12}


def _summary():
    exams = Exam.objects.order_by("held_on")
    return [(e.name, e.status, e.students.count(), e.subjects.count(),
             e.intake_exam.name if e.intake_exam else None) for e in exams]


def _items(exam):
    return list(ItemScores.objects.filter(student__exam=exam).order_by(
        "student__exam_no", "subject__position").values_list("student__exam_no", "points")[:50])


def test_demo_builds_an_intake_and_a_joint_exam_with_reports(db):
    build_demo(**SMALL)
    summary = _summary()
    assert [row[0] for row in summary] == ["2025 学年八年级期末调研", "2026 年九年级联考"]
    assert {row[1] for row in summary} == {ExamStatus.ANALYSED}
    assert summary[0][2] == summary[1][2] > 0  # the same cohort sat both
    assert summary[1][4] == "2025 学年八年级期末调研"
    joint = Exam.objects.get(name="2026 年九年级联考")
    schools = ExamStudent.objects.filter(exam=joint).values("school").distinct().count()
    assert UnitResult.objects.filter(exam=joint, level=ResultLevel.SCHOOL).count() \
        == schools * 6  # five subjects and 总分
    assert ClassTeacher.objects.filter(exam=joint).exists()
    # 小题分 for 数学 and 英语: items adding up to the full mark, item scores to each score
    assert item_counts(joint) == [("数学", 23), ("英语", 44)]
    assert sorted(ExamItem.objects.filter(exam=joint).values("subject__name")
                  .annotate(full=Sum("full_mark")).values_list("subject__name", "full")) \
        == [("数学", 120), ("英语", 120)]
    for subject in ("数学", "英语"):
        stored = dict(Score.objects.filter(student__exam=joint, subject__name=subject,
                                           points__isnull=False)
                      .values_list("student_id", "points"))
        items = dict(ItemScores.objects.filter(student__exam=joint, subject__name=subject)
                     .values_list("student_id", "points"))
        assert items.keys() == stored.keys()
        assert all(sum(points) == stored[pk] for pk, points in items.items())
    assert item_subjects(joint) == ["数学", "英语"]
    flags = {r["discrimination_flag"] for r in ExamTable.objects.get(
        exam=joint, name="items:数学", school=None).rows[0]["items"]}
    assert flags == {"很好", "良好", "需修改", "差"}
    first_items = _items(joint)
    # Deterministic: the same seed gives the same exam again.
    first = list(ExamStudent.objects.filter(exam=joint).order_by("exam_no")
                 .values_list("exam_no", "name", "school__name", "class_name"))
    assert demo_wipe() is True
    assert Exam.objects.count() == 0 and SchoolAlias.objects.count() == 0
    build_demo(**SMALL)
    joint = Exam.objects.get(name="2026 年九年级联考")
    again = list(ExamStudent.objects.filter(exam=joint).order_by("exam_no")
                 .values_list("exam_no", "name", "school__name", "class_name"))
    assert again == first
    assert _items(joint) == first_items
