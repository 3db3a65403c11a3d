"""Check-in in Chromium: the staff screen shows a QR code; a teacher who is not logged in opens
its URL on a phone-sized screen (as the camera or WeChat's scanner would), logs in, and is
checked in; the screen's live count follows; a second scan says 已签到."""

import re

import pytest
from playwright.sync_api import Browser, Page, expect

from tests.e2e.conftest import SCREENSHOTS, page_width
from tests.factories import PASSWORD, UserFactory, grant
from tests.training.factories_checkin import TrainingClassFactory, enrol, session_now
from yanxun.core.enums import Role
from yanxun.training.models import Attendance

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

PHONE = {"viewport": {"width": 390, "height": 844}, "device_scale_factor": 2,
         "is_mobile": True, "has_touch": True, "locale": "zh-CN", "timezone_id": "Asia/Shanghai",
         "user_agent": "Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) "
                       "AppleWebKit/605.1.15 (KHTML, like Gecko) Mobile/15E148 "
                       "MicroMessenger/8.0.47(0x18002f2c) NetType/WIFI Language/zh_CN"}


def log_in(page: Page, login: str) -> None:
    page.fill("#id_login", login)
    page.fill("#id_password", PASSWORD)
    page.get_by_role("button", name="登录").click()


def test_teacher_checks_in_from_the_staff_screen(live_server, page: Page, browser: Browser,
                                                 world, settings, screenshot):
    settings.PUBLIC_URL = live_server.url
    klass = TrainingClassFactory(name="新教师一班", program__name="2026 年新教师入职培训")
    enrol(world.teacher_a, klass)
    session = session_now(klass, title="师德与教育法规")
    trainer = grant(UserFactory(username="trainer2", name="赵研训"), Role.TRAINER)

    page.goto(f"{live_server.url}/accounts/login/?next=/training/checkin/{session.pk}/screen/")
    log_in(page, trainer.username)
    qr = page.get_by_test_id("checkin-qr")
    expect(qr.locator("svg")).to_be_visible()
    expect(page.get_by_test_id("checkin-code")).to_have_text(re.compile(r"^\d{6}$"))
    expect(page.get_by_test_id("count-expected")).to_have_text("1")
    url = qr.get_attribute("data-url")
    assert url.startswith(f"{live_server.url}/training/c/")
    screenshot("screen")

    phone = browser.new_context(**PHONE).new_page()
    phone.goto(url)
    expect(phone).to_have_url(f"{live_server.url}/accounts/login/?next=/training/checkin/done/")
    log_in(phone, world.teacher_a.user.username)
    expect(phone.get_by_test_id("checkin-title")).to_have_text("签到成功")
    expect(phone.get_by_test_id("checkin-name")).to_have_text("张晓明")
    expect(phone.get_by_test_id("checkin-session")).to_contain_text("师德与教育法规")
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    phone.screenshot(path=str(SCREENSHOTS / "test_teacher_checks_in-phone.png"), full_page=True)
    assert page_width(phone) <= 390

    # The screen polls every 5 s: the count follows without a reload.
    expect(page.get_by_test_id("count-attended")).to_have_text("1", timeout=12_000)
    expect(page.get_by_test_id("checkin-recent")).to_contain_text("张晓明")

    phone.goto(page.get_by_test_id("checkin-qr").get_attribute("data-url"))
    expect(phone.get_by_test_id("checkin-title")).to_have_text("已签到")
    assert Attendance.objects.filter(session=session).count() == 1
