"""The whole of 师干训 in Chromium, as the issue tells it: a teacher finds a program in the
menu on a phone and enrols; the staff check-in screen shows a QR code; the teacher's phone
opens it and is checked in; after the session the centre accredits the hours, which appear
in the teacher's ledger; the certificate PDF downloads and verifies on the public page."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone
from playwright.sync_api import Browser, Page, expect

from tests.e2e.conftest import SCREENSHOTS, page_width
from tests.factories import PASSWORD, TeacherFactory, UserFactory, grant
from tests.training.factories_checkin import session_now
from tests.training.factories_enrol import ProgramFactory, TrainingClassFactory
from tests.training.factories_hours import policy
from yanxun.core.enums import Role
from yanxun.training.enums import EnrolmentStatus
from yanxun.training.models import Attendance, Certificate, Enrolment, HourRecord

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]
PHONE = {"viewport": {"width": 390, "height": 844}, "locale": "zh-CN",
         "timezone_id": "Asia/Shanghai", "is_mobile": True, "has_touch": True,
         "accept_downloads": True}


def log_in(page: Page, base: str, login: str, next_url: str = "") -> None:
    page.goto(f"{base}/accounts/login/" + (f"?next={next_url}" if next_url else ""))
    page.fill("#id_login", login)
    page.fill("#id_password", PASSWORD)
    page.get_by_role("button", name="登录").click()


def shoot(page: Page, name: str) -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"test_training_flow-{name}.png"), full_page=True)


def test_menu_enrolment_check_in_hours_certificate(live_server, page: Page, browser: Browser,
                                                   settings, tmp_path):
    base = live_server.url
    settings.PUBLIC_URL = base
    policy()
    grant(UserFactory(username="trainer", name="赵研训"), Role.TRAINER)
    teacher = TeacherFactory(name="张晓明", employee_no="A0001")
    program = ProgramFactory(name="义务教育新课标专题培训", min_attendance_share=Decimal("0.8"))
    training_class = TrainingClassFactory(program=program, name="初中一班", capacity=30)
    session = session_now(training_class, title="新课标解读", hours=Decimal("3"))

    # A teacher, on a phone, finds the program in the menu and enrols.
    phone = browser.new_context(**PHONE)
    mobile = phone.new_page()
    log_in(mobile, base, "A0001")
    mobile.goto(f"{base}/training/menu/")
    mobile.get_by_role("link", name="义务教育新课标专题培训").first.click()
    mobile.get_by_test_id("enrol-button").click()
    expect(mobile.locator(".alert-success")).to_be_visible()
    assert Enrolment.objects.get(teacher=teacher).status == EnrolmentStatus.ENROLLED
    assert page_width(mobile) <= 390
    shoot(mobile, "enrolled-phone")

    # The staff screen shows the QR code; the phone opens its address and is checked in.
    log_in(page, base, "trainer", f"/training/checkin/{session.pk}/screen/")
    qr = page.get_by_test_id("checkin-qr")
    expect(qr.locator("svg")).to_be_visible()
    mobile.goto(qr.get_attribute("data-url"))
    expect(mobile.get_by_test_id("checkin-title")).to_have_text("签到成功")
    assert Attendance.objects.get(session=session, teacher=teacher).status == "present"
    expect(page.get_by_test_id("count-attended")).to_have_text("1", timeout=12_000)

    # The session is over: the centre accredits the program and issues its certificates.
    yesterday = timezone.localdate() - timedelta(days=1)
    type(session).objects.filter(pk=session.pk).update(date=yesterday)
    page.goto(f"{base}/training/hours/accreditation/{program.pk}/")
    expect(page.get_by_test_id("accreditation-plan")).to_contain_text("计全部 3.0 学时")
    page.get_by_test_id("accredit-confirm").click()
    expect(page.locator(".alert-success")).to_contain_text("学时认定完成：1 人取得学时")
    page.get_by_role("button", name="发放培训证书").click()
    expect(page.locator(".alert-success")).to_contain_text("证书已发放：1 人持有有效证书")
    assert HourRecord.objects.get(teacher=teacher).hours == Decimal("3.0")

    # The hours are in the teacher's ledger; the certificate downloads.
    mobile.goto(f"{base}/training/hours/me/")
    expect(mobile.get_by_test_id(f"ledger-records-{yesterday.year}")).to_contain_text(
        "义务教育新课标专题培训")
    shoot(mobile, "ledger-phone")
    with mobile.expect_download() as download:
        mobile.get_by_role("link", name="下载 PDF").first.click()
    pdf = tmp_path / "certificate.pdf"
    download.value.save_as(pdf)
    assert pdf.read_bytes().startswith(b"%PDF-")
    phone.close()

    # Anyone can verify it, and sees the name masked.
    code = Certificate.objects.get(teacher=teacher).verify_code
    anonymous = browser.new_context(viewport=PHONE["viewport"]).new_page()
    anonymous.goto(f"{base}/training/verify/")
    anonymous.fill("#id_code", code)
    anonymous.get_by_role("button", name="查验").click()
    result = anonymous.get_by_test_id("verify-result")
    expect(result).to_contain_text("证书有效")
    expect(result).to_contain_text("张*明")
    expect(result).not_to_contain_text("张晓明")
