"""Quality monitoring as a 研训员 does it, in Chromium: create an exam, upload its scores, map
a school name the file spells differently, confirm, run the analysis and wait for it, open a
school's report and download it as PDF."""

import pytest
from playwright.sync_api import Page, expect

from tests.core.pdf_text import read_pdf
from tests.factories import SchoolFactory, UserFactory, grant
from tests.quality_web.exam_data import CSV
from yanxun.core.enums import Role
from yanxun.quality.models import Exam

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def trainer():
    SchoolFactory(name="城东实验学校", code="S0001")
    SchoolFactory(name="城西中学", code="S0002")
    return grant(UserFactory(username="trainer", name="赵研训", must_change_password=False),
                 Role.TRAINER)


def test_exam_from_upload_to_pdf(page: Page, live_server, trainer, password, screenshot,
                                 tmp_path):
    base = live_server.url
    page.goto(f"{base}/accounts/login/")
    page.fill("#id_login", "trainer")
    page.fill("#id_password", password)
    page.get_by_role("button", name="登录").click()

    page.goto(f"{base}/quality/new/")
    page.fill("#id_name", "2026 秋季九年级联考")
    page.fill("#id_held_on", "2026-11-10")
    page.fill("#id_grade", "九年级")
    page.select_option("#id_stage", "junior")
    page.fill("#id_subjects", "语文=100，数学=100")
    page.get_by_test_id("form-submit").click()
    expect(page.locator(".alert-success")).to_contain_text("下一步请导入成绩")

    scores = tmp_path / "九年级成绩.csv"
    scores.write_text(CSV, encoding="utf-8")
    page.set_input_files("#id_file", str(scores))
    page.get_by_test_id("form-submit").click()
    expect(page.get_by_text("文件中的「城西」")).to_be_visible()
    page.select_option("#id_school_0", label="城西中学")
    page.get_by_test_id("form-submit").click()
    expect(page.get_by_test_id("staged-rows")).to_have_text("6")
    page.get_by_test_id("scores-confirm").click()
    expect(page.locator(".alert-success")).to_contain_text("已导入 6 名学生的成绩。")

    page.get_by_test_id("exam-analyse").click()
    expect(page.get_by_test_id("exam-status")).to_have_text("已分析", timeout=30_000)
    screenshot("analysed")
    assert Exam.objects.get().status == "analysed"

    page.get_by_test_id("district-report").click()
    expect(page.get_by_test_id("unit-table")).to_contain_text("城西中学")
    page.get_by_role("link", name="语文").click()
    expect(page.get_by_test_id("unit-table")).to_contain_text("71.25")  # the district mean
    screenshot("district")

    page.get_by_role("link", name="城东实验学校").click()
    expect(page.get_by_test_id("school-summary")).to_contain_text("本校")
    with page.expect_download() as download_info:
        page.get_by_test_id("report-pdf").click()
    pdf = download_info.value.path().read_bytes()
    text = "\n".join(read_pdf(pdf).runs)
    assert "2026 秋季九年级联考 城东实验学校 质量分析报告" in text
    assert "城西中学" not in text
    screenshot("school")
