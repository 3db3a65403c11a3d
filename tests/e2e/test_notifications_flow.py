"""站内消息 on a 390 px phone: a teacher promoted from the waiting list sees the bell's count,
opens 我的消息, taps the message (marked read, taken to 我的培训), and the badge is gone."""

import pytest
from playwright.sync_api import Browser, expect

from tests.e2e.conftest import page_width
from tests.e2e.test_training_flow import PHONE, log_in, shoot
from tests.factories import TeacherFactory
from tests.training.factories_enrol import program_with_class
from yanxun.notifications.models import Notification
from yanxun.training.enrolment import enrolment_enrol, enrolment_withdraw

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_bell_list_and_open_on_a_phone(live_server, browser: Browser):
    base = live_server.url
    teacher = TeacherFactory(name="张晓明", employee_no="A0001")
    other = TeacherFactory(name="李秋华", employee_no="B0001", school=teacher.school)
    training_class = program_with_class(capacity=1, name="班主任专业化培训")
    seated = enrolment_enrol(actor=other.user, teacher=other, training_class=training_class)
    enrolment_enrol(actor=teacher.user, teacher=teacher, training_class=training_class)
    enrolment_withdraw(actor=other.user, enrolment=seated)

    phone = browser.new_context(**PHONE)
    mobile = phone.new_page()
    log_in(mobile, base, "A0001")
    expect(mobile.get_by_test_id("unread-count")).to_have_text("1")
    assert page_width(mobile) <= 390
    mobile.get_by_test_id("bell").click()
    message = mobile.get_by_test_id("notification")
    expect(message).to_contain_text("候补转正：班主任专业化培训")
    expect(message.locator(".notification-title")).to_have_css("font-weight", "700")
    assert page_width(mobile) <= 390
    shoot(mobile, "notifications-phone")
    message.click()
    expect(mobile.get_by_test_id("my-status")).to_have_text("已录取")
    expect(mobile.get_by_test_id("unread-count")).to_have_count(0)
    assert Notification.objects.get().read_at is not None
    phone.close()
