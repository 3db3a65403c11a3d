"""A teacher's first login in Chromium: forced to change the initial password, a weak password
refused in Chinese, then the dashboard; and the lockout after 5 wrong passwords."""

import pytest
from playwright.sync_api import Page, expect

from tests.factories import PASSWORD, TeacherFactory
from yanxun.accounts.models import LoginLog, User

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

NEW_PASSWORD = "Shiyan2026ok"


@pytest.fixture
def teacher():
    """A teacher whose account still has the initial password the school administrator set."""
    return TeacherFactory(name="陈思远", employee_no="T2026001",
                          user__must_change_password=True).user


def log_in(page: Page, base_url: str, login: str, password: str) -> None:
    page.goto(f"{base_url}/accounts/login/")
    page.fill("#id_login", login)
    page.fill("#id_password", password)
    page.get_by_role("button", name="登录").click()


def change_password(page: Page, old: str, new: str) -> None:
    page.fill("#id_old_password", old)
    page.fill("#id_new_password", new)
    page.fill("#id_new_password_again", new)
    page.get_by_role("button", name="保存新密码").click()


def test_initial_password_must_be_changed_before_the_dashboard(live_server, page: Page,
                                                                teacher, screenshot):
    log_in(page, live_server.url, "T2026001", PASSWORD)

    expect(page).to_have_url(f"{live_server.url}/accounts/password/?next=/")
    expect(page.get_by_text("首次登录或密码被重置后，须先修改初始密码。")).to_be_visible()
    page.goto(f"{live_server.url}/org/teachers/")  # any other page sends the teacher back
    expect(page).to_have_url(f"{live_server.url}/accounts/password/?next=/org/teachers/")
    page.goto(f"{live_server.url}/accounts/password/?next=/")

    change_password(page, PASSWORD, "yanxunabcdef")  # letters only
    expect(page.get_by_text("密码须同时包含字母和数字。", exact=True)).to_be_visible()
    screenshot("weak-password")
    teacher.refresh_from_db()
    assert (teacher.must_change_password, teacher.check_password(PASSWORD)) == (True, True)

    change_password(page, PASSWORD, NEW_PASSWORD)
    expect(page).to_have_url(f"{live_server.url}/")
    expect(page.locator("h2.page-title")).to_have_text("工作台")
    expect(page.get_by_test_id("current-user")).to_have_text("陈思远")
    expect(page.get_by_text("密码已修改。")).to_be_visible()
    screenshot("dashboard")
    teacher = User.objects.get(pk=teacher.pk)
    assert (teacher.must_change_password, teacher.check_password(NEW_PASSWORD)) == (False, True)


def test_five_wrong_passwords_lock_the_account(live_server, page: Page, teacher, screenshot):
    for _ in range(5):
        log_in(page, live_server.url, "T2026001", "Wrong2026x")
        expect(page.get_by_test_id("login-error")).to_have_text("用户名或密码错误。")

    log_in(page, live_server.url, "T2026001", PASSWORD)  # the right password, too late

    expect(page.get_by_test_id("login-error")).to_have_text(
        "连续 5 次密码错误，账号已锁定 10 分钟，请稍后再试或联系管理员。")
    expect(page).to_have_url(f"{live_server.url}/accounts/login/")
    screenshot("locked")
    assert list(LoginLog.objects.order_by("at", "pk").values_list("success", "reason")) == (
        [(False, "用户名或密码错误")] * 5 + [(False, "账号已锁定")])
