"""The quality pages: the import flow, and what each role's report shows."""

import io

import polars as pl
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from tests.quality_web.exam_data import CSV, analysed_exam, new_exam
from yanxun.quality.enums import ExamStatus
from yanxun.quality.models import ExamStudent


@pytest.fixture
def exam(world, tmp_path):
    return analysed_exam(world, tmp_path)


def _client(client, world, role):
    client.force_login(world.users[role])
    return client


def test_upload_map_and_confirm_through_the_pages(client, world):
    exam = new_exam(world.users["admin"])
    _client(client, world, "trainer")
    upload = SimpleUploadedFile("九年级成绩.csv", CSV.encode())
    response = client.post(reverse("quality:scores_upload", args=[exam.pk]), {"file": upload})
    assert response["Location"] == reverse("quality:scores_schools", args=[exam.pk])
    page = client.get(response["Location"]).content.decode()
    assert "文件中的「城西」" in page
    response = client.post(reverse("quality:scores_schools", args=[exam.pk]),
                           {"school_0": world.school_b.pk})
    assert response["Location"] == reverse("quality:scores_confirm", args=[exam.pk])
    page = client.get(response["Location"]).content.decode()
    assert 'data-testid="staged-rows">6<' in page
    assert ExamStudent.objects.count() == 0  # nothing written before the confirmation
    response = client.post(reverse("quality:scores_confirm", args=[exam.pk]), follow=True)
    assert "已导入 6 名学生的成绩。" in response.content.decode()
    exam.refresh_from_db()
    assert exam.status == ExamStatus.IMPORTED
    assert ExamStudent.objects.filter(exam=exam).count() == 6


def test_a_bad_file_shows_the_cell_and_writes_nothing(client, world):
    exam = new_exam(world.users["admin"])
    _client(client, world, "admin")
    bad = CSV.replace("01,甲一,城东实验学校,1班,90,80", "01,甲一,城东实验学校,1班,九十,80")
    response = client.post(reverse("quality:scores_upload", args=[exam.pk]),
                           {"file": SimpleUploadedFile("成绩.csv", bad.encode())})
    assert response.status_code == 200
    assert ("成绩.csv：第 2 行，「语文」列（E 列）：无法识别「九十」：应为分数，或留空、缺考、作弊、违纪、免考"
            in response.content.decode())
    assert ExamStudent.objects.count() == 0


def test_a_renamed_text_file_is_refused(client, world):
    exam = new_exam(world.users["admin"])
    _client(client, world, "admin")
    response = client.post(reverse("quality:scores_upload", args=[exam.pk]),
                           {"file": SimpleUploadedFile("成绩.txt", b"hello")})
    assert "只接受 .xlsx、.xls 或 .csv 文件。" in response.content.decode()


def test_school_admin_sees_own_school_beside_the_district_only(client, world, exam):
    _client(client, world, "school_admin")
    url = reverse("quality:school_report", args=[exam.pk, world.school_a.pk])
    page = client.get(url + "?subject=语文").content.decode()
    assert world.school_a.name in page
    assert world.school_b.name not in page
    assert "全区" in page
    detail = client.get(reverse("quality:exam_detail", args=[exam.pk])).content.decode()
    assert world.school_b.name not in detail
    other = reverse("quality:school_report", args=[exam.pk, world.school_b.pk])
    assert client.get(other).status_code == 404
    assert client.get(reverse("quality:district_report", args=[exam.pk])).status_code == 403


def test_trainer_sees_every_school_with_exact_figures(client, world, exam):
    _client(client, world, "trainer")
    response = client.get(reverse("quality:district_report", args=[exam.pk]) + "?subject=语文")
    page = response.content.decode()
    assert world.school_a.name in page and world.school_b.name in page
    chart = response.context["charts"]["means"]
    assert chart["xAxis"]["data"] == [world.school_a.name, world.school_b.name]
    # 城东 语文: 90, 60, 55 → 68.33; 城西: 80; district 71.25
    assert chart["series"][0]["data"] == [68.33, 80]
    assert chart["series"][0]["markLine"]["data"][0]["yAxis"] == 71.25


def test_report_xlsx_has_a_sheet_per_table(client, world, exam):
    _client(client, world, "school_admin")
    response = client.get(reverse("quality:school_report_xlsx",
                                  args=[exam.pk, world.school_a.pk]))
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    sheets = pl.read_excel(io.BytesIO(response.content), sheet_id=0, has_header=False)
    assert list(sheets) == ["全区", "学校", "班级", "全科合格", "前N名"]
    classes = sheets["班级"]
    assert classes.row(1)[:3] == ("科目", "学校", "班级")  # under the title (blank row dropped)
    names = {row[1] for row in classes.rows()[2:]}
    assert names == {world.school_a.name}


def test_teacher_sees_the_classes_they_taught(client, world, exam):
    _client(client, world, "teacher")
    page = client.get(reverse("quality:exam_detail", args=[exam.pk])).content.decode()
    assert 'data-testid="my-classes"' in page
    assert "城东实验学校 1班" in page
    assert "<td class=\"text-end\">75.00</td>" in page  # 语文 1班: 90 and 60


def test_analysis_runs_from_the_page_and_reports_progress(client, world, exam,
                                                          django_capture_on_commit_callbacks):
    _client(client, world, "admin")
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        response = client.post(reverse("quality:exam_analyse", args=[exam.pk]))
    assert response.status_code == 302
    assert len(callbacks) == 1
    exam.refresh_from_db()
    assert exam.status == ExamStatus.ANALYSING
    progress = client.get(reverse("quality:exam_progress", args=[exam.pk]))
    assert 'data-testid="analysis-progress"' in progress.content.decode()


def test_school_report_pdf_has_the_school_and_no_other(client, world, exam):
    from tests.core.pdf_text import read_pdf

    _client(client, world, "school_admin")
    response = client.get(reverse("quality:school_report_pdf", args=[exam.pk, world.school_a.pk]))
    assert response["Content-Type"] == "application/pdf"
    facts = read_pdf(response.content)
    text = "\n".join(facts.runs)
    assert f"2026 秋季九年级联考 {world.school_a.name} 质量分析报告" in text
    assert world.school_b.name not in text
    assert "总分 本校分数段分布" in text
    assert "68.33" in text  # 语文 mean of 城东实验学校's three present students


def test_a_trainer_lands_on_the_subject_they_cover(client, world, exam):
    """报告到学科: a 研训员 covering 数学 opens the district report on 数学; 总分 one click away."""
    from yanxun.org.models import StaffMember, Subject

    staff, _ = StaffMember.objects.get_or_create(user=world.users["trainer"])
    staff.subjects.set([Subject.objects.get_or_create(name="数学")[0]])
    _client(client, world, "trainer")
    url = reverse("quality:district_report", args=[exam.pk])
    assert client.get(url).context["subject"] == "数学"
    assert client.get(url + "?subject=总分").context["subject"] == "总分"
    staff.subjects.clear()
    assert client.get(url).context["subject"] == "总分"


def test_district_report_shows_balance_and_borderline_of_the_subject(client, world, exam):
    """语文: 城东 90, 60, 55 (mean 205/3), 城西 80; weighted mean 71.25; between-school SD
    sqrt((3·(35/12)² + (35/4)²) / 4) = 70/sqrt(192); 临界生 (band 5 points): 80 below 优秀
    (85), nobody in [70, 75), 55 below 合格 (60)."""
    import math

    _client(client, world, "trainer")
    context = client.get(reverse("quality:district_report", args=[exam.pk])
                         + "?subject=语文").context
    balance = context["balance"]
    assert balance["schools"] == 2
    assert balance["weighted_mean"] == pytest.approx(71.25, abs=1e-12)
    assert balance["sd_between"] == pytest.approx(70 / math.sqrt(192), abs=1e-12)
    assert balance["cv"] == pytest.approx(70 / math.sqrt(192) / 71.25, abs=1e-12)
    assert context["borderline"] == [{"line": "优秀线", "count": 1},
                                     {"line": "良好线", "count": 0},
                                     {"line": "合格线", "count": 1}]
    assert [r["row"].school for r in context["subject_table"]["rows"]] == [
        world.school_a.name, world.school_b.name]
    assert {r.subject for r in context["report"].schools} == {"语文"}
