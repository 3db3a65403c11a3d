"""The 任课表 editor in Chromium on a phone-sized screen: a 学校管理员 opens their school's
任课表, adds a teacher to one cell in place (htmx), and finds the teacher's figures in the
school's 任课教师 table."""

import pytest
from playwright.sync_api import Page, expect

from tests.factories import TeacherFactory
from tests.quality_web.exam_data import analysed_exam
from yanxun.core.models import AuditLog
from yanxun.quality.models import ClassTeacher

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_school_admin_edits_a_cell_in_place(page: Page, live_server, world, password,
                                            screenshot, tmp_path, settings):
    settings.DATA_DIR = tmp_path / "data"
    exam = analysed_exam(world, tmp_path)
    TeacherFactory(school=world.school_a, name="王丽", employee_no="A0002")
    page.set_viewport_size({"width": 390, "height": 844})
    base = live_server.url
    page.goto(f"{base}/accounts/login/")
    page.fill("#id_login", "schooladmin")
    page.fill("#id_password", password)
    page.get_by_role("button", name="登录").click()

    page.goto(f"{base}/quality/{exam.pk}/class-teachers/{world.school_a.pk}/")
    expect(page.get_by_test_id("ct-grid")).to_contain_text("张晓明")
    page.get_by_label("编辑 2班 数学").click()
    page.get_by_label("选择 2班 数学 的任课教师").select_option(label="王丽（A0002）")
    page.get_by_role("button", name="添加").click()
    expect(page.get_by_label("移除 王丽")).to_be_visible()
    screenshot("cell-editor")
    page.get_by_role("link", name="完成").click()
    row = page.get_by_test_id("ct-grid").locator("tr", has_text="2班")
    expect(row.get_by_test_id("ct-cell").nth(1)).to_contain_text("王丽")
    assert ClassTeacher.objects.filter(class_name="2班", teacher__name="王丽").count() == 1
    assert AuditLog.objects.filter(action="quality.class_teacher_add").count() == 1

    page.goto(f"{base}/quality/{exam.pk}/schools/{world.school_a.pk}/teachers/?subject=数学")
    expect(page.get_by_test_id("school-teachers")).to_contain_text("王丽")
    expect(page.get_by_test_id("school-teachers")).to_contain_text("50.00")  # 60, 40
    screenshot("school-teachers")
