"""The roster import as an administrator does it, in Chromium: download the teacher template,
fill it, import a file with a bad row and read the row errors, fix it, import it; then the new
teacher logs in with the initial password, must change it, and sees their own profile only."""

import io

import polars as pl
import pytest
import xlsxwriter
from playwright.sync_api import Page, expect

from tests.factories import (
    SchoolFactory,
    SubjectFactory,
    TeacherFactory,
    UserFactory,
    grant,
    valid_id_number,
)
from yanxun.core.enums import Role
from yanxun.org.models import Teacher

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

GOOD_ID = valid_id_number(322, birth="19960518")  # 17th digit 2: female
BAD_ID = GOOD_ID[:-1] + ("0" if GOOD_ID[-1] != "0" else "1")
NEW_PASSWORD = "Jiaoshi2026ok"


@pytest.fixture
def district():
    school = SchoolFactory(name="滨江区实验中学", code="S0101")
    SubjectFactory(name="数学")
    other = TeacherFactory(school=SchoolFactory(name="滨江区第二中学", code="S0102"),
                           name="李秋华", employee_no="B0001")
    admin = grant(UserFactory(username="admin", name="系统管理员"), Role.ADMIN)
    return school, other, admin


def _log_in(page: Page, base: str, login: str, password: str) -> None:
    page.goto(f"{base}/accounts/login/")
    page.fill("#id_login", login)
    page.fill("#id_password", password)
    page.get_by_role("button", name="登录").click()


def _filled(template: bytes, id_number: str) -> bytes:
    """The template's own header row, the example row removed, one teacher filled in."""
    headers = pl.read_excel(io.BytesIO(template), sheet_id=1, engine="calamine").columns
    values = {"工号": "20260901", "姓名": "周雨桐", "性别": "女", "身份证号": id_number,
              "手机号": "13712345678", "学校": "滨江区实验中学", "学段": "初中",
              "任教学科": "数学", "职称": "二级教师", "入职年份": "2026", "到校日期": "2026-09-01"}
    out = io.BytesIO()
    book = xlsxwriter.Workbook(out, {"in_memory": True})
    sheet = book.add_worksheet("教师")
    for col, header in enumerate(headers):
        sheet.write_string(0, col, header)
        sheet.write_string(1, col, values.get(header.rstrip("*"), ""))
    book.close()
    return out.getvalue()


def _upload(page: Page, name: str, content: bytes) -> None:
    page.set_input_files("input[type=file]", files=[{
        "name": name, "buffer": content,
        "mimeType": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"}])
    page.get_by_test_id("import-submit").click()


def test_template_import_errors_fix_and_first_login(live_server, page: Page, district,
                                                    screenshot, tmp_path):
    base = live_server.url
    _log_in(page, base, "admin", "Yanxun2026")
    page.goto(f"{base}/imports/teachers/")
    with page.expect_download() as download:
        page.get_by_test_id("template-download").click()
    template = (tmp_path / "template.xlsx")
    download.value.save_as(template)
    assert download.value.suggested_filename.endswith(".xlsx")

    _upload(page, "教师名单.xlsx", _filled(template.read_bytes(), BAD_ID))
    expect(page.get_by_test_id("import-refused")).to_contain_text("没有写入任何数据")
    expect(page.get_by_test_id("import-errors")).to_contain_text("身份证号")
    expect(page.get_by_test_id("import-errors")).to_contain_text("校验位错误")
    screenshot("row-errors")
    assert Teacher.objects.filter(name="周雨桐").count() == 0

    page.goto(f"{base}/imports/teachers/")
    _upload(page, "教师名单-已修改.xlsx", _filled(template.read_bytes(), GOOD_ID))
    expect(page.get_by_test_id("import-result")).to_contain_text("新增 1 条")
    screenshot("imported")
    teacher = Teacher.objects.get(name="周雨桐")
    assert (teacher.employee_no, teacher.school.name, teacher.user.username) == (
        "20260901", "滨江区实验中学", "20260901")

    page.get_by_role("button", name="退出").click()
    _log_in(page, base, "20260901", "Yx" + GOOD_ID[-6:])
    expect(page).to_have_url(f"{base}/accounts/password/?next=/")
    page.fill("#id_old_password", "Yx" + GOOD_ID[-6:])
    page.fill("#id_new_password", NEW_PASSWORD)
    page.fill("#id_new_password_again", NEW_PASSWORD)
    page.get_by_role("button", name="保存新密码").click()
    expect(page).to_have_url(f"{base}/")

    page.goto(f"{base}/org/me/")
    expect(page.get_by_text("周雨桐").first).to_be_visible()
    expect(page.get_by_text("滨江区实验中学").first).to_be_visible()
    page.set_viewport_size({"width": 390, "height": 844})
    screenshot("my-profile-phone")
    assert "李秋华" not in page.content()
    other_page = page.goto(f"{base}/org/teachers/{district[1].pk}/")
    assert other_page.status == 404
    list_page = page.goto(f"{base}/org/teachers/")
    assert list_page.status == 403
