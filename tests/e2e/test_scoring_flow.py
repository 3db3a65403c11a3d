"""Scoring in Chromium on a 390 px phone screen: the judge opens 我的评审, the round's list,
types the item scores (the total follows as they type), is refused an out-of-range item,
then 保存并下一件 submits and opens the next unscored entry; nothing names the author."""

import pytest
from playwright.sync_api import Page, expect

from tests.e2e.conftest import SCREENSHOTS, page_width
from tests.factories import PASSWORD, TeacherFactory, UserFactory, grant
from tests.review_web.factories import AssignmentFactory, RoundFactory
from yanxun.core.enums import Role
from yanxun.review.enums import ScoreStatus
from yanxun.review.models import RoundJudge, Score

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]
PHONE = {"width": 390, "height": 844}


def test_a_judge_scores_two_entries_on_a_phone(live_server, browser):
    judge = grant(UserFactory(username="judge", name="孙评委"), Role.JUDGE)
    author = TeacherFactory(name="张晓明")
    round_ = RoundFactory(name="初评")
    RoundJudge.objects.create(round=round_, judge=judge)
    first = AssignmentFactory(round=round_, judge=judge, position=1, entry__code="A0001",
                              entry__title="函数的单调性", entry__teacher=author)
    second = AssignmentFactory(round=round_, judge=judge, position=2, entry__code="A0002",
                               entry__title="一次函数的图像")
    context = browser.new_context(viewport=PHONE, locale="zh-CN", timezone_id="Asia/Shanghai")
    page: Page = context.new_page()
    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("#id_login", "judge")
    page.fill("#id_password", PASSWORD)
    page.get_by_role("button", name="登录").click()
    page.goto(f"{live_server.url}/review/judging/")
    expect(page.get_by_test_id("judge-progress")).to_have_text("0/2")
    page.get_by_role("link", name="进入评审").click()
    page.get_by_test_id("judge-next").click()
    expect(page.get_by_test_id("entry-card")).to_contain_text("函数的单调性")
    labels = ["教学目标", "教学内容", "教学过程", "教学方法", "教师素养"]
    for label, value in zip(labels, ["8", "12", "21", "26", "17"], strict=True):
        page.get_by_label(label).fill(value)
    expect(page.locator("[data-score-total]")).to_have_text("84")
    page.get_by_label("教学目标").fill("11")
    expect(page.locator("[data-score-total]")).to_have_text("87")
    page.on("dialog", lambda dialog: dialog.accept())
    page.get_by_test_id("score-next").click()
    expect(page.get_by_test_id("form-errors")).to_have_text("「教学目标」应在 0 到 10 分之间。")
    page.get_by_label("教学目标").fill("9")
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / "scoring-phone-score.png"), full_page=True)
    assert page_width(page) <= PHONE["width"]
    assert "张晓明" not in page.content()
    page.get_by_test_id("score-next").click()
    expect(page.get_by_test_id("entry-card")).to_contain_text("一次函数的图像")
    expect(page.get_by_test_id("judge-progress")).to_have_text("1/2")
    score = Score.objects.get(assignment=first)
    assert (score.status, score.total) == (ScoreStatus.SUBMITTED, 85)
    assert not Score.objects.filter(assignment=second).exists()
    context.close()
