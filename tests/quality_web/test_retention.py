"""The retention rule for students' exam data: the setting, exam_purge, purge_expired and
`yanxun quality purge`, and what a purged exam still shows."""

import io
import os
import subprocess
import sys
from datetime import date
from pathlib import Path

import pytest
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from tests.quality_web.exam_data import analysed_exam, write_csv
from tests.quality_web.student_data import elective_exam
from yanxun.core.models import AuditLog
from yanxun.org.models import District
from yanxun.quality import retention, services
from yanxun.quality.models import (
    ExamItem,
    ExamStudent,
    ExamTable,
    ItemScores,
    Score,
    StudentResults,
    UnitResult,
)

# Both exams are held on 2026-11-10; the default retention is 3 years.
YANXUN = Path(sys.executable).with_name("yanxun")
AFTER = date(2029, 11, 11)  # more than 3 years later: expired
ON_THE_DAY = date(2029, 11, 10)  # exactly 3 years: kept


@pytest.fixture
def exam(world, tmp_path):
    exam = analysed_exam(world, tmp_path)
    subject = exam.subjects.get(name="数学")
    ExamItem.objects.create(exam=exam, subject=subject, label="1", position=0, full_mark=60)
    ExamItem.objects.create(exam=exam, subject=subject, label="2", position=1, full_mark=40)
    for student in ExamStudent.objects.filter(exam=exam, exam_no__in=["01", "02", "05"]):
        ItemScores.objects.create(student=student, subject=subject, points=[4000, 3000])
    return exam


@pytest.fixture
def other(world, tmp_path):
    """A later exam whose rows must survive the first one's purge."""
    return elective_exam(world, tmp_path, held_on=date(2028, 3, 1))


def _rows(exam) -> dict[str, int]:
    return {
        "students": ExamStudent.objects.filter(exam=exam).count(),
        "scores": Score.objects.filter(student__exam=exam).count(),
        "item_scores": ItemScores.objects.filter(student__exam=exam).count(),
        "student_results": StudentResults.objects.filter(exam=exam).count(),
        "tables": ExamTable.objects.filter(exam=exam).count(),
        "results": UnitResult.objects.filter(exam=exam).count(),
        "items": ExamItem.objects.filter(exam=exam).count(),
    }


def test_purge_deletes_exactly_the_student_level_rows(world, exam, other):
    before, other_before = _rows(exam), _rows(other)
    # Aggregates: all_pass 3 (two schools, the district), all_pass_classes 2, top_n 2, bands 3,
    # borderline 3, balance 1, teachers 1 (城东's 任课表); results: (语文, 数学, 总分) ×
    # (district, 2 schools, 3 classes).
    assert before == {"students": 6, "scores": 12, "item_scores": 3, "student_results": 2,
                      "tables": 15, "results": 18, "items": 2}
    counts = retention.exam_purge(actor=world.users["admin"], exam=exam)
    assert (counts.students, counts.scores, counts.item_scores, counts.tables) == (6, 12, 3, 2)
    assert _rows(exam) == {**before, "students": 0, "scores": 0, "item_scores": 0,
                           "student_results": 0}
    assert _rows(other) == other_before
    exam.refresh_from_db()
    assert exam.purged_at is not None
    log = AuditLog.objects.get(action="quality.exam_purge")
    assert log.actor == world.users["admin"]
    assert log.after == {"held_on": "2026-11-10", "students": 6, "scores": 12,
                         "item_scores": 3, "tables": 2}
    with pytest.raises(ValidationError) as info:
        retention.exam_purge(actor=None, exam=exam)
    assert info.value.messages[0].startswith("学生明细已按保留期限于 ")


def test_purged_exam_keeps_its_reports_and_refuses_student_work(client, world, exam, tmp_path):
    retention.exam_purge(actor=None, exam=exam)
    exam.refresh_from_db()
    note = f"学生明细已按保留期限于 {timezone.localtime(exam.purged_at):%Y-%m-%d} 删除"
    client.force_login(world.users["trainer"])
    report = client.get(reverse("quality:school_report", args=[exam.pk, world.school_a.pk])
                        + "?subject=语文").content.decode()
    assert note in report and "68.33" in report
    assert note in client.get(reverse("quality:district_report", args=[exam.pk])).content.decode()
    detail = client.get(reverse("quality:exam_detail", args=[exam.pk])).content.decode()
    assert note in detail and 'data-testid="scores-upload"' not in detail
    assert 'data-testid="student-links"' not in detail
    refusal = "不能再导入成绩、重新分析或查看学生成绩"
    for url in (reverse("quality:students", args=[exam.pk, world.school_a.pk]),
                reverse("quality:students_pseudonymous", args=[exam.pk]),
                reverse("quality:scores_upload", args=[exam.pk])):
        response = client.get(url, follow=True)
        assert response.redirect_chain == [(reverse("quality:exam_detail", args=[exam.pk]), 302)]
        assert refusal in response.content.decode()
    response = client.post(reverse("quality:exam_analyse", args=[exam.pk]), follow=True)
    assert refusal in response.content.decode()
    with pytest.raises(ValidationError):
        services.scores_stage(actor=world.users["admin"], exam=exam,
                              upload=write_csv(tmp_path), original_name="scores.csv")


def test_dry_run_changes_nothing_and_lists_what_would_go(world, exam, other):
    before = _rows(exam)
    out = io.StringIO()
    call_command("quality_purge", "--dry-run", "--date", AFTER.isoformat(), stdout=out)
    assert out.getvalue().splitlines() == [
        "学生数据保留 3 年：考试日期早于 2026-11-11 的考试到期。",
        f"将删除「2026 秋季九年级联考」（2026-11-10，编号 {exam.pk}）：考生 6 人，成绩 12 条，"
        "小题得分 3 条，学生成绩明细表 2 张",
        "演练：1 场考试到期，未做任何修改。"]
    assert _rows(exam) == before
    exam.refresh_from_db()
    assert exam.purged_at is None
    assert not AuditLog.objects.filter(action="quality.exam_purge").exists()


def test_command_purges_expired_exams_only(world, exam, other):
    out = io.StringIO()
    call_command("quality_purge", "--date", AFTER.isoformat(), stdout=out)
    lines = out.getvalue().splitlines()
    assert lines[1] == (f"已删除「2026 秋季九年级联考」（2026-11-10，编号 {exam.pk}）：考生 6 人，"
                        "成绩 12 条，小题得分 3 条，学生成绩明细表 2 张")
    assert lines[2] == "共 1 场考试。"
    assert _rows(exam)["students"] == 0 and _rows(other)["students"] == 6
    log = AuditLog.objects.get(action="quality.exam_purge")
    assert log.actor is None and log.reason == "学生数据保留期限 3 年到期"


def test_yanxun_quality_purge_runs_against_a_real_data_folder(tmp_path):
    """`yanxun quality purge` starts Django (the other `quality` commands never do): run as a
    user would, in a fresh data folder."""
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "REDIS_URL")}
    env["YANXUN_DATA_DIR"] = str(tmp_path / "var")

    def yanxun(*args: str) -> subprocess.CompletedProcess:
        return subprocess.run([str(YANXUN), *args], env=env, capture_output=True, text=True,
                              cwd=tmp_path, timeout=300)

    assert yanxun("migrate", "--noinput").returncode == 0
    result = yanxun("quality", "purge", "--dry-run")
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines()[-1] == "没有到期的考试。"


def test_a_recent_exam_is_left_alone(world, exam):
    before = _rows(exam)
    assert retention.purge_expired(on=ON_THE_DAY) == []
    out = io.StringIO()
    call_command("quality_purge", "--date", ON_THE_DAY.isoformat(), stdout=out)
    assert out.getvalue().splitlines()[-1] == "没有到期的考试。"
    assert _rows(exam) == before


def test_a_longer_period_keeps_the_exam(world, exam):
    District.objects.update(student_data_years=5)
    assert retention.purge_expired(on=AFTER) == []
    assert [e.pk for e, _ in retention.purge_expired(on=date(2031, 11, 11), dry_run=True)] == [
        exam.pk]


def test_cutoff_of_a_leap_day():
    assert retention.cutoff(date(2028, 2, 29), 3) == date(2025, 2, 28)
    assert retention.cutoff(date(2028, 2, 29), 4) == date(2024, 2, 29)


# --- the setting ---------------------------------------------------------------------------


@pytest.mark.parametrize("years", ["0", "31", "-2"])
def test_retention_page_refuses_years_out_of_range(client, world, years):
    client.force_login(world.users["admin"])
    response = client.post(reverse("quality:retention"), {"years": years})
    assert response.status_code == 200
    assert response.context["form"].errors == {"years": ["保留年限应为 1 到 30 之间的整数（年）。"]}
    assert District.objects.get().student_data_years == 3
    assert not AuditLog.objects.filter(action="quality.retention_set").exists()


def test_retention_page_refuses_text(client, world):
    client.force_login(world.users["admin"])
    response = client.post(reverse("quality:retention"), {"years": "三"})
    assert response.context["form"].errors == {"years": ["保留年限应为整数"]}


def test_retention_page_saves_and_audits(client, world, exam):
    client.force_login(world.users["admin"])
    page = client.get(reverse("quality:retention")).content.decode()
    assert "当前保留 3 年" in page
    response = client.post(reverse("quality:retention"), {"years": "5"}, follow=True)
    assert "学生数据保留期限已设为 5 年。" in response.content.decode()
    assert District.objects.get().student_data_years == 5
    log = AuditLog.objects.get(action="quality.retention_set")
    assert (log.actor, log.before, log.after) == (world.users["admin"], {"student_data_years": 3},
                                                  {"student_data_years": 5})
