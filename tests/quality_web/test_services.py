"""Exams, the score import and the stored analysis, against the real database."""

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from tests.quality_web.exam_data import CSV, analysed_exam, new_exam, write_csv
from yanxun.core.models import AuditLog
from yanxun.quality import services
from yanxun.quality.enums import ExamStatus, ResultLevel, ScoreStatus
from yanxun.quality.models import ExamStudent, ExamTable, SchoolAlias, Score, UnitResult
from yanxun.quality.scores_io import InputError


def test_parse_subjects_reads_names_marks_and_electives():
    subjects = services.parse_subjects("语文=150，数学=150、物理=100\n化学=100", ["化学"])
    assert [(s.name, s.full_mark, s.elective) for s in subjects] == [
        ("语文", Decimal(150), False), ("数学", Decimal(150), False),
        ("物理", Decimal(100), False), ("化学", Decimal(100), True)]


@pytest.mark.parametrize(("text", "message"), [
    ("", "请至少填写一个科目及其满分"),
    ("语文150", "「语文150」应写成 科目=满分，如 语文=150"),
    ("语文=abc", "「语文」的满分「abc」不是数字"),
    ("语文=0", "「语文」的满分应为 0 到 1000 之间、最多两位小数的数"),
    ("语文=100.125", "「语文」的满分应为 0 到 1000 之间、最多两位小数的数"),
    ("语文=100,语文=120", "科目「语文」重复"),
    ("总分=300", "科目名「总分」不可用"),
])
def test_parse_subjects_refuses_bad_text(text, message):
    with pytest.raises(ValidationError) as info:
        services.parse_subjects(text)
    assert info.value.messages == [message]


def test_unmatched_school_is_reported_and_nothing_is_written(world, tmp_path):
    exam = new_exam(world.users["admin"])
    staged = services.scores_stage(actor=world.users["admin"], exam=exam,
                                   upload=write_csv(tmp_path), original_name="scores.csv")
    assert staged.rows == 6
    assert staged.unmatched == ["城西"]
    assert staged.schools == {"城东实验学校": world.school_a.pk, "城西": None,
                              "城西中学": world.school_b.pk}
    with pytest.raises(ValidationError) as info:
        services.scores_write(actor=world.users["admin"], exam=exam)
    assert info.value.messages == ["以下学校尚未对应到本区学校：城西"]
    assert ExamStudent.objects.count() == 0
    exam.refresh_from_db()
    assert exam.status == ExamStatus.DRAFT


def test_a_bad_cell_names_row_and_column_and_stages_nothing(world, tmp_path):
    exam = new_exam(world.users["admin"])
    bad = CSV.replace("05,乙一,城西中学,1班,80,100", "05,乙一,城西中学,1班,80,101")
    with pytest.raises(InputError) as info:
        services.scores_stage(actor=world.users["admin"], exam=exam,
                              upload=write_csv(tmp_path, bad), original_name="成绩.csv")
    assert str(info.value) == "成绩.csv：第 6 行，「数学」列（F 列）：分数「101」超过满分 100"
    assert services.staged_for(exam) is None


def test_import_writes_students_and_scores_and_remembers_the_alias(world, tmp_path):
    exam = analysed_exam(world, tmp_path)
    assert SchoolAlias.objects.get(name="城西").school == world.school_b
    assert ExamStudent.objects.filter(exam=exam).count() == 6
    assert ExamStudent.objects.filter(exam=exam, school=world.school_b).count() == 2
    chinese = {s.student.exam_no: (s.points, s.status) for s in
               Score.objects.filter(subject__name="语文").select_related("student")}
    assert chinese == {"01": (9000, ScoreStatus.PRESENT), "02": (6000, ScoreStatus.PRESENT),
                       "03": (5500, ScoreStatus.PRESENT), "04": (None, ScoreStatus.ABSENT),
                       "05": (8000, ScoreStatus.PRESENT), "06": (None, ScoreStatus.CHEATING)}
    assert AuditLog.objects.filter(action="quality.scores_import").count() == 1
    # The next exam's file matches 城西 without asking.
    later = new_exam(world.users["admin"], name="2027 春季联考")
    staged = services.scores_stage(actor=world.users["admin"], exam=later,
                                   upload=write_csv(tmp_path), original_name="scores.csv")
    assert staged.unmatched == []


def test_analysis_stores_exact_figures(world, tmp_path):
    exam = analysed_exam(world, tmp_path)
    assert exam.status == ExamStatus.ANALYSED
    district = UnitResult.objects.get(exam=exam, level=ResultLevel.DISTRICT, subject="语文")
    f = district.figures
    # 语文 present: 90, 60, 55, 80 (缺考 absent, 作弊 excluded)
    assert (f["n"], f["absent"], f["cheating"], f["mean"], f["max"], f["min"], f["median"]) \
        == (4, 1, 1, 71.25, 90, 55, 70)
    assert (f["excellent_rate"], f["good_rate"], f["pass_rate"], f["low_rate"]) \
        == (0.25, 0.5, 0.75, 0)
    school_b = UnitResult.objects.get(exam=exam, level=ResultLevel.SCHOOL, subject="语文",
                                      school=world.school_b)
    assert (school_b.figures["n"], school_b.figures["mean"], school_b.figures["rank"]) \
        == (1, 80, 1)
    assert school_b.figures["above_mean_rate"] == pytest.approx((80 - 71.25) / 71.25, abs=1e-15)
    classes = UnitResult.objects.filter(exam=exam, level=ResultLevel.CLASS, subject="数学",
                                        school=world.school_a).order_by("class_name")
    assert [(c.class_name, c.figures["mean"]) for c in classes] == [("1班", 75), ("2班", 50)]
    total = UnitResult.objects.get(exam=exam, level=ResultLevel.DISTRICT, subject="总分")
    # 总分 only for students present in both subjects: 01 170, 02 130, 03 115, 05 180
    assert (total.figures["n"], total.figures["absent"], total.figures["mean"]) \
        == (4, 2, 148.75)
    all_pass = ExamTable.objects.get(exam=exam, name="all_pass", school=None).rows
    # present in both: 01 (90, 80), 02 (60, 70), 03 (55 < 60), 05 (80, 100) → 3 of 4 pass both
    assert all_pass == [{"n": 4, "all_pass_rate": 0.75}]


def test_no_score_without_its_student_after_import_and_reimport(world, tmp_path):
    """Score has no database foreign keys (ADR 0009): the services keep the rows sound."""
    exam = analysed_exam(world, tmp_path)
    services.scores_stage(actor=world.users["admin"], exam=exam,
                          upload=write_csv(tmp_path, CSV), original_name="again.csv")
    services.scores_write(actor=world.users["admin"], exam=exam)
    students = set(ExamStudent.objects.values_list("pk", flat=True))
    subjects = set(exam.subjects.values_list("pk", flat=True))
    scores = list(Score.objects.values_list("student_id", "subject_id", "student__exam_id"))
    assert len(scores) == 12
    assert {s for s, _, _ in scores} == students
    assert {s for _, s, _ in scores} == subjects
    assert {e for _, _, e in scores} == {exam.pk}
    exam.delete()
    assert Score.objects.count() == 0


def test_reimport_replaces_the_scores(world, tmp_path):
    exam = analysed_exam(world, tmp_path)
    fewer = "\n".join(CSV.strip().splitlines()[:3]) + "\n"
    services.scores_stage(actor=world.users["admin"], exam=exam,
                          upload=write_csv(tmp_path, fewer), original_name="更正.csv")
    assert services.scores_write(actor=world.users["admin"], exam=exam) == 2
    exam.refresh_from_db()
    assert exam.status == ExamStatus.IMPORTED
    assert ExamStudent.objects.filter(exam=exam).count() == 2
    assert Score.objects.filter(student__exam=exam).count() == 4


def test_transitions_refuse_what_the_life_of_an_exam_does_not_allow(world):
    exam = new_exam(world.users["admin"])
    with pytest.raises(ValidationError) as info:
        services.exam_transition(exam, ExamStatus.ANALYSING)
    assert info.value.messages == [
        "考试「2026 秋季九年级联考」当前为「待导入成绩」，不能转为「分析中」。"]


def test_only_staff_may_create_exams(world):
    from django.core.exceptions import PermissionDenied

    with pytest.raises(PermissionDenied):
        new_exam(world.users["school_admin"])
