"""Hours in Chromium: the centre previews and confirms a program's accreditation and issues its
certificates; the teacher, on a 390 px phone screen, finds the hours in 我的学时, downloads the
certificate, submits a claim with a photo; anyone verifies the certificate without logging in
and sees only the masked name."""

from datetime import date
from decimal import Decimal

import pytest
from playwright.sync_api import Page, expect

from tests.e2e.conftest import SCREENSHOTS, page_width
from tests.factories import PASSWORD, TeacherFactory, UserFactory, grant
from tests.training.factories_hours import (
    ProgramFactory,
    TrainingClassFactory,
    attend,
    claim_rule,
    enrol,
    png_bytes,
    policy,
    sessions,
)
from yanxun.core.enums import Role
from yanxun.org.models import Teacher
from yanxun.training.models import Certificate, HourClaim, HourRecord

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]
PHONE = {"width": 390, "height": 844}


def log_in(page: Page, base_url: str, login: str) -> None:
    page.goto(f"{base_url}/accounts/login/")
    page.fill("#id_login", login)
    page.fill("#id_password", PASSWORD)
    page.get_by_role("button", name="登录").click()


@pytest.fixture
def program():
    policy()
    grant(UserFactory(username="trainer", name="赵研训"), Role.TRAINER)
    teacher = TeacherFactory(name="张晓明", employee_no="A0001")
    program = ProgramFactory(name="新课标专题培训", min_attendance_share=Decimal("0.8"))
    training_class = TrainingClassFactory(program=program, name="初中一班")
    for session in sessions(training_class, ["3", "3"], start=date(2025, 3, 2)):
        attend(teacher, session)
    enrol(teacher, training_class)
    claim_rule()
    return program


def test_accreditation_to_ledger_certificate_and_verification(live_server, page: Page,
                                                              browser, program, tmp_path):
    base = live_server.url
    log_in(page, base, "trainer")
    page.goto(f"{base}/training/hours/accreditation/{program.pk}/")
    expect(page.get_by_test_id("accreditation-plan")).to_contain_text(
        "出勤 6.0/6.0 学时（100%），达到最低出勤比例 80%，计全部 6.0 学时")
    page.get_by_test_id("accredit-confirm").click()
    expect(page.locator(".alert-success")).to_contain_text("学时认定完成：1 人取得学时")
    page.get_by_role("button", name="发放培训证书").click()
    expect(page.locator(".alert-success")).to_contain_text("证书已发放：1 人持有有效证书")
    assert HourRecord.objects.get().hours == Decimal("6.0")

    phone = browser.new_context(viewport=PHONE, locale="zh-CN", timezone_id="Asia/Shanghai",
                                accept_downloads=True)
    mobile = phone.new_page()
    log_in(mobile, base, "A0001")
    mobile.goto(f"{base}/training/hours/me/?cycle=2021")
    expect(mobile.get_by_test_id("ledger-counted")).to_contain_text("6.0")
    expect(mobile.get_by_test_id("ledger-requirements")).to_contain_text("还差 354.0 学时")
    expect(mobile.get_by_test_id("ledger-records-2025")).to_contain_text("新课标专题培训")
    assert page_width(mobile) <= PHONE["width"]
    shoot(mobile, "my-hours-phone")
    with mobile.expect_download() as download:
        mobile.get_by_role("link", name="下载 PDF").click()
    pdf = tmp_path / "cert.pdf"
    download.value.save_as(pdf)
    assert pdf.read_bytes().startswith(b"%PDF-")

    mobile.goto(f"{base}/training/hours/claims/new/")
    mobile.select_option("#id_rule", label="区级公开课（6.0 学时，每周期至多 18.0 学时）")
    mobile.fill("#id_title", "区级公开课《背影》")
    mobile.fill("#id_happened_on", "2025-04-10")
    mobile.set_input_files("#id_files", files=[{"name": "照片.png", "mimeType": "image/png",
                                               "buffer": png_bytes()}])
    assert page_width(mobile) <= PHONE["width"]
    mobile.get_by_test_id("form-submit").click()
    expect(mobile.get_by_test_id("claim-status")).to_have_text("待学校审核")
    assert HourClaim.objects.get().evidence.get().original_name == "照片.png"
    phone.close()

    code = Certificate.objects.get(teacher=Teacher.objects.get(name="张晓明")).verify_code
    anonymous = browser.new_context(viewport=PHONE).new_page()
    anonymous.goto(f"{base}/training/verify/")
    anonymous.fill("#id_code", code.lower())
    anonymous.get_by_role("button", name="查验").click()
    result = anonymous.get_by_test_id("verify-result")
    expect(result).to_contain_text("证书有效")
    expect(result).to_contain_text("张*明")
    expect(result).to_contain_text("新课标专题培训")
    expect(result).not_to_contain_text("张晓明")
    shoot(anonymous, "verify-phone")


def shoot(page: Page, name: str) -> None:
    """Like the conftest's screenshot fixture, for a page of another browser context."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"test_hours_flow-{name}.png"), full_page=True)
