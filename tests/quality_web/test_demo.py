"""The demo district's exams: imported and analysed through the real services."""

from yanxun.org.demo import build_demo, demo_wipe
from yanxun.quality.enums import ExamStatus, ResultLevel
from yanxun.quality.models import ClassTeacher, Exam, ExamStudent, SchoolAlias, UnitResult

SMALL = {"seed": 7, "teachers": 300, "schools": 12}


def _summary():
    exams = Exam.objects.order_by("held_on")
    return [(e.name, e.status, e.students.count(), e.subjects.count(),
             e.intake_exam.name if e.intake_exam else None) for e in exams]


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
