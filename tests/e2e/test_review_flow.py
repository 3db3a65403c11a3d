"""The whole of 评审与评比 in Chromium, as issue 5 tells it: staff create a competition,
schools recommend entries, assignment runs, two judges score in a blind round (one on a
phone), staff see the agreement report, release the notice, an objection is filed and
answered, certificates download.

Set up outside the browser (not steps of the story): the schools, teachers and users, the
competition's entry form (review.competitions service) and the teachers' submitted entries
(review.entries service). The notice's period is ended by updating the PublicNotice row's
dates in the test (the final publication needs the day after `ends_on`)."""

from datetime import timedelta

import numpy as np
import pytest
from django.utils import timezone
from playwright.sync_api import Browser, Page, expect

from tests.core.pdf_text import read_pdf
from tests.e2e.conftest import SCREENSHOTS, page_width
from tests.factories import PASSWORD, TeacherFactory, UserFactory, grant
from tests.review_web.factories import ENTRY_FIELDS, JudgeUserFactory
from tests.review_web.factories_entries import full_input, pdf
from yanxun.core.enums import Role
from yanxun.review import aggregate
from yanxun.review.competitions import competition_set_entry_fields
from yanxun.review.entries import entry_create
from yanxun.review.enums import CompetitionStatus, NoticeStatus, ObjectionStatus, RoundStatus
from yanxun.review.models import (
    Award,
    Competition,
    CompetitionGroup,
    Entry,
    Objection,
    PublicNotice,
    Round,
)

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]
PHONE = {"viewport": {"width": 390, "height": 844}, "locale": "zh-CN",
         "timezone_id": "Asia/Shanghai", "is_mobile": True, "has_touch": True,
         "accept_downloads": True}
ITEMS = ["教学目标", "教学内容", "教学过程", "教学方法", "教师素养"]
# code -> (judge 孙评委's items, judge 周评委's items); totals 90/86, 80/84, 85/75, 70/72
SCORES = {
    "A0001": ([9, 14, 22, 27, 18], [9, 13, 21, 26, 17]),
    "A0002": ([8, 12, 20, 24, 16], [8, 13, 21, 25, 17]),
    "A0003": ([9, 13, 21, 25, 17], [7, 11, 19, 23, 15]),
    "A0004": ([7, 10, 18, 21, 14], [7, 11, 18, 22, 14]),
}
AUTHORS = {"A0001": ("函数的单调性", "张晓明", "城东实验学校"),
           "A0002": ("一次函数的图像", "李秋华", "城西中学"),
           "A0003": ("勾股定理", "王丽", "城东实验学校"),
           "A0004": ("平行四边形的判定", "陈刚", "城西中学")}
INTRO = "{name}，{school}数学教师"  # the identifying field: hidden in a blind round


def log_in(page: Page, base: str, login: str, next_url: str = "") -> None:
    page.goto(f"{base}/accounts/login/" + (f"?next={next_url}" if next_url else ""))
    page.fill("#id_login", login)
    page.fill("#id_password", PASSWORD)
    page.get_by_role("button", name="登录").click()


def shoot(page: Page, name: str) -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"test_review_flow-{name}.png"), full_page=True)


def cells(page: Page, selector: str) -> list[list[str]]:
    """The text of each body row's cells of the table(s) under `selector`."""
    return page.locator(f"{selector} tbody tr").evaluate_all(
        "rows => rows.map(r => Array.from(r.cells, c => c.innerText.trim()))")


def score_all(page: Page, base: str, judge: int) -> None:
    """A judge opens 我的评审, the round, and scores every entry with 保存并下一件."""
    page.goto(f"{base}/review/judging/")
    expect(page.get_by_test_id("judge-progress")).to_have_text("0/4")
    page.get_by_role("link", name="进入评审").click()
    page.get_by_test_id("judge-next").click()
    for done in range(4):
        card = page.get_by_test_id("entry-card")
        code = card.locator(".card-title .text-secondary").inner_text().strip()
        title, author, school = AUTHORS[code]
        expect(card).to_contain_text(title)
        expect(page.get_by_test_id("judge-progress")).to_have_text(f"{done}/4")
        html = page.content()
        for name, place in ((a, s) for _, a, s in AUTHORS.values()):
            assert name not in html and place not in html, (code, name, place)
        for label, value in zip(ITEMS, SCORES[code][judge], strict=True):
            page.get_by_label(label).fill(str(value))
        expect(page.locator("[data-score-total]")).to_have_text(str(sum(SCORES[code][judge])))
        if judge == 1 and done == 0:
            assert page_width(page) <= 390
            shoot(page, "judge-scoring-phone")
        page.get_by_test_id("score-next").click()
        expect(page.locator(".alert-success").first).to_contain_text(f"已提交作品 {code} 的评分。")
    expect(page.get_by_test_id("judge-progress")).to_have_text("4/4")


def test_competition_to_certificate(live_server, page: Page, browser: Browser, world,
                                    settings, tmp_path):
    base = live_server.url
    settings.PUBLIC_URL = base
    page.on("dialog", lambda dialog: dialog.accept())
    trainer = world.users["trainer"]
    grant(UserFactory(username="schooladmin2", name="吴教务"), Role.SCHOOL_ADMIN,
          school=world.school_b)
    JudgeUserFactory(username="judge2", name="周评委")
    authors = {"A0001": world.teacher_a, "A0002": world.teacher_b,
               "A0003": TeacherFactory(school=world.school_a, name="王丽"),
               "A0004": TeacherFactory(school=world.school_b, name="陈刚")}
    now = timezone.localtime()
    today = timezone.localdate()

    # Staff create the competition (按比例 一等奖 25 %, 二等奖 25 %, 三等奖 50 %) and its group.
    log_in(page, base, "trainer", "/review/competitions/new/")
    page.fill("#id_name", "2026 年初中数学优质课评比")
    page.fill("#id_quota_per_school", "2")
    page.fill("#id_entry_opens", (now - timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M"))
    page.fill("#id_entry_closes", (now + timedelta(days=3)).strftime("%Y-%m-%dT%H:%M"))
    page.select_option("#id_award_method", "quota")
    for i, (name, share) in enumerate([("一等奖", "25"), ("二等奖", "25"), ("三等奖", "50")]):
        page.fill(f"#id_tiers-{i}-name", name)
        page.fill(f"#id_tiers-{i}-share", share)
    page.get_by_test_id("form-submit").click()
    expect(page.get_by_test_id("competition-status")).to_have_text("筹备中")
    competition = Competition.objects.get()
    competition = competition_set_entry_fields(
        actor=trainer, competition=competition,
        rows=[{**f, "key": ""} for f in ENTRY_FIELDS])  # 课堂实录链接, 教学设计, 作者简介 (identifying)
    key = {f["label"]: f["key"] for f in competition.entry_fields}
    page.get_by_test_id("group-create").click()
    page.fill("#id_name", "初中数学组")
    page.select_option("#id_stage", "junior")
    page.get_by_test_id("form-submit").click()
    expect(page.get_by_test_id("groups")).to_contain_text("初中数学组")
    page.get_by_test_id("transition-open").click()
    expect(page.get_by_test_id("competition-status")).to_have_text("报名中")
    group = CompetitionGroup.objects.get()  # with the competition as it is now (报名中)

    # The teachers submit their entries (A0001 … A0004, two per school).
    for code, teacher in authors.items():
        title, name, school = AUTHORS[code]
        values = {key["课堂实录链接"]: "https://video.example.cn/lesson/1",
                  key["作者简介"]: INTRO.format(name=name, school=school)}
        entry = entry_create(actor=teacher.user, group=group, submit=True, data=full_input(
            title, values=values, uploads={key["教学设计"]: pdf(f"{title}-教学设计.pdf")}))
        assert entry.code == code

    # Each school administrator recommends the school's two entries.
    for login, codes in (("schooladmin", ["A0001", "A0003"]),
                         ("schooladmin2", ["A0002", "A0004"])):
        context = browser.new_context(viewport={"width": 1280, "height": 800})
        school_page = context.new_page()
        log_in(school_page, base, login, f"/review/competitions/{competition.pk}/school/")
        for code in codes:
            school_page.get_by_test_id(f"decide-{code}").get_by_role(
                "button", name="推荐", exact=True).click()
            expect(school_page.locator(".alert-success").first).to_contain_text(f"{code}：已推荐。")
        expect(school_page.get_by_test_id("quota-A")).to_contain_text("已推荐 2 / 2 件")
        context.close()

    # 形式审查: staff accept the four complete entries and start the review.
    page.goto(f"{base}/review/competitions/{competition.pk}/check/")
    page.get_by_test_id("accept-complete").click()
    expect(page.locator(".alert-success").first).to_contain_text("已审查通过 4 件。")
    page.goto(f"{base}/review/competitions/{competition.pk}/")
    page.get_by_test_id("transition-reviewing").click()
    expect(page.get_by_test_id("competition-status")).to_have_text("评审中")

    # A blind online round, k = 2, mean, spread warning over 8 points; entries, panel, run.
    page.goto(f"{base}/review/rounds/new/?competition={competition.pk}")
    page.fill("#id_name", "初评")
    page.select_option("#id_template", label="课堂教学评价量表")
    page.fill("#id_judges_per_entry", "2")
    page.fill("#id_opens_at", (now - timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M"))
    page.fill("#id_closes_at", (now + timedelta(days=2)).strftime("%Y-%m-%dT%H:%M"))
    expect(page.locator("#id_blind")).to_be_checked()
    page.select_option("#id_method", "mean")
    page.fill("#id_max_spread", "8")
    page.get_by_test_id("form-submit").click()
    expect(page.get_by_test_id("round-status")).to_have_text("准备中")
    round_ = Round.objects.get()
    page.locator(f'a[href="/review/rounds/{round_.pk}/entries/"]').click()
    page.get_by_test_id("entries-groups").click()
    expect(page.locator(".alert-success").first).to_contain_text("本轮参评作品已更新：共 4 件。")
    page.goto(f"{base}/review/rounds/{round_.pk}/panel/")
    for login, name in (("judge", "孙评委"), ("judge2", "周评委")):
        page.fill("#id_login", login)
        page.get_by_test_id("panel-add").click()
        expect(page.locator(".alert-success").first).to_contain_text(f"已添加评委「{name}」。")
    page.goto(f"{base}/review/rounds/{round_.pk}/assignments/")
    page.get_by_test_id("assignment-run").click()
    expect(page.locator(".alert-success").first).to_contain_text(
        "分配完成：新增 8 项，替换 0 项，保留 0 项。")
    page.goto(f"{base}/review/rounds/{round_.pk}/")
    page.get_by_test_id("transition-scoring").click()
    expect(page.get_by_test_id("round-status")).to_have_text("评分中")

    # Two judges score blind: 孙评委 at a desk, 周评委 on a phone.
    desk = browser.new_context(viewport={"width": 1280, "height": 800})
    desk_page = desk.new_page()
    desk_page.on("dialog", lambda dialog: dialog.accept())
    log_in(desk_page, base, "judge")
    score_all(desk_page, base, 0)
    desk.close()
    phone = browser.new_context(**PHONE)
    phone_page = phone.new_page()
    phone_page.on("dialog", lambda dialog: dialog.accept())
    log_in(phone_page, base, "judge2")
    score_all(phone_page, base, 1)
    phone.close()

    # Staff close scoring and read the results with the agreement report.
    page.goto(f"{base}/review/rounds/{round_.pk}/")
    page.get_by_test_id("transition-closed").click()
    expect(page.get_by_test_id("round-status")).to_have_text("评分结束")
    page.goto(f"{base}/review/competitions/{competition.pk}/results/")
    page.get_by_test_id("rounds").get_by_role("link").first.click()
    expect(page.get_by_test_id("round-status")).to_have_text("评分结束")
    rows = cells(page, f'[data-testid="group-{group.pk}"]')
    assert [r[:7] for r in rows] == [
        ["1", "A0001", "函数的单调性", "张晓明", "城东实验学校", "2", "88"],
        ["2", "A0002", "一次函数的图像", "李秋华", "城西中学", "2", "82"],
        ["3", "A0003", "勾股定理", "王丽", "城东实验学校", "2", "80"],
        ["4", "A0004", "平行四边形的判定", "陈刚", "城西中学", "2", "71"]]
    matrix = np.array([[sum(SCORES[c][0]), sum(SCORES[c][1])] for c in sorted(SCORES)])
    icc = aggregate.icc_from_matrix(matrix)
    expected = [f"{getattr(icc, key):.3f}" for key in aggregate.ICC_KEYS]
    # By hand: BMS 297.5 / 3, WMS 17, JMS 8, EMS 20, so ICC(1,1) = 82.17 / 116.17 = 0.707,
    # ICC(3,1) = 79.17 / 119.17 = 0.664, ICC(3,k) = 79.17 / 99.17 = 0.798.
    assert expected == ["0.707", "0.700", "0.664", "0.829", "0.823", "0.798"]
    [agreement] = cells(page, '[data-testid="agreement"]')
    assert agreement[:7] == ["全部作品", *expected]
    corr = np.corrcoef(matrix[:, 0], matrix[:, 1])[0, 1]
    assert [r[:5] for r in cells(page, '[data-testid="judges"]')] == [
        ["孙评委", "", "4", "+1.00", f"{corr:.2f}"],
        ["周评委", "", "4", "-1.00", f"{corr:.2f}"]]
    assert cells(page, '[data-testid="wide-spread"]') == [
        ["A0003", "勾股定理", "10", "孙评委 85、周评委 75"]]
    shoot(page, "results-agreement")

    # The one flag (A0003's spread of 10 > 8) is acknowledged, then the results released.
    expect(page.get_by_test_id("finalise")).to_be_disabled()
    flags = page.get_by_test_id("flags")
    flags.locator('input[name="note"]').fill("已核实：两位评委对教学过程的判断不同，评分有效")
    flags.get_by_role("button", name="记录处理").click()
    expect(page.get_by_test_id("flags")).to_contain_text("已处理：已核实")
    page.get_by_test_id("finalise").click()
    expect(page.get_by_test_id("round-status")).to_have_text("结果已确定")

    # Awards by the competition's shares: 1 + 1 + 2 of the group's 4 entries.
    page.goto(f"{base}/review/competitions/{competition.pk}/awards/")
    page.get_by_test_id("awards-confirm").click()
    assert sorted(Award.objects.values_list("entry__code", "tier")) == [
        ("A0001", "一等奖"), ("A0002", "二等奖"), ("A0003", "三等奖"), ("A0004", "三等奖")]

    # The notice, from today for 5 working days; its public page needs no login.
    page.goto(f"{base}/review/competitions/{competition.pk}/results/")
    page.get_by_test_id("notice-create").click()
    page.fill("#id_starts_on", today.isoformat())
    page.fill("#id_working_days", "5")
    page.fill("#id_contact", "中学教研室 0510-12345678")
    page.get_by_test_id("form-submit").click()
    expect(page.get_by_test_id("notice-status")).to_have_text("公示中")
    notice = PublicNotice.objects.get()
    assert Competition.objects.get().status == CompetitionStatus.NOTICE
    public_url = page.get_by_role("link", name="查看公示页").get_attribute("href")

    # 李秋华 reads the notice on a phone and files an objection against A0001.
    phone = browser.new_context(**PHONE)
    mobile = phone.new_page()
    log_in(mobile, base, "B0001")
    mobile.goto(base + public_url)
    expect(mobile.get_by_test_id("notice-period")).to_contain_text(
        f"{today.year}年{today.month}月{today.day}日")
    public_rows = cells(mobile, '[data-testid="notice-list"]')
    assert any("张晓明" in " ".join(r) and "一等奖" in " ".join(r) for r in public_rows)
    for secret in filter(None, (world.teacher_a.phone, world.teacher_a.id_number)):
        assert secret not in mobile.content()
    shoot(mobile, "public-notice-phone")
    mobile.get_by_test_id("object-link").click()
    mobile.select_option("#id_entry", label="初中数学组 · 一等奖 · 函数的单调性（张晓明）")
    mobile.fill("#id_reason", "该课例与去年区级获奖课例的教学设计高度相似。")
    mobile.fill("#id_contact_phone", "13912345678")
    mobile.get_by_test_id("form-submit").click()
    expect(mobile.get_by_test_id("objection-status")).to_have_text("待答复")
    objection = Objection.objects.get()
    assert (objection.entry.code, objection.filed_by) == ("A0001", world.teacher_b.user)

    # Staff answer it from the notice's page.
    page.reload()
    page.get_by_test_id("notice-objections").get_by_role("link").first.click()
    page.get_by_label("异议不成立").check()
    page.fill("#id_answer", "经复核，两节课的设计与实施均不同，异议不成立。")
    page.get_by_test_id("form-submit").click()
    expect(page.get_by_test_id("objection-status")).to_have_text("异议不成立")
    assert Objection.objects.get(pk=objection.pk).status == ObjectionStatus.DISMISSED
    mobile.goto(f"{base}/review/objections/mine/")
    expect(mobile.get_by_test_id("my-objections")).to_contain_text(
        "答复：经复核，两节课的设计与实施均不同，异议不成立。")
    phone.close()

    # The period is over (the notice row's dates are moved back here, not waited for).
    PublicNotice.objects.filter(pk=notice.pk).update(starts_on=today - timedelta(days=14),
                                                     ends_on=today - timedelta(days=1))
    page.goto(f"{base}/review/notices/{notice.pk}/")
    page.get_by_test_id("notice-final").click()
    expect(page.get_by_test_id("notice-status")).to_have_text("公示结束")
    assert PublicNotice.objects.get().status == NoticeStatus.CLOSED
    assert Competition.objects.get().status == CompetitionStatus.PUBLISHED
    page.goto(f"{base}/review/competitions/{competition.pk}/results/")
    page.get_by_test_id("certificates-issue").click()
    expect(page.get_by_test_id("competition-status")).to_have_text("已发布")
    winner = Award.objects.get(entry__code="A0001")
    assert winner.serial == f"{today.year}-PB00001"
    assert Round.objects.get().status == RoundStatus.FINALISED

    # 张晓明 downloads the certificate on a phone.
    phone = browser.new_context(**PHONE)
    mobile = phone.new_page()
    log_in(mobile, base, "A0001", "/review/awards/mine/")
    expect(mobile.get_by_test_id("my-awards")).to_contain_text(f"编号 {winner.serial}")
    with mobile.expect_download() as download:
        mobile.get_by_role("link", name="下载证书").click()
    saved = tmp_path / "certificate.pdf"
    download.value.save_as(saved)
    data = saved.read_bytes()
    assert data.startswith(b"%PDF")
    text = "".join(read_pdf(data).runs)
    assert "张晓明" in text and winner.serial in text
    phone.close()
    assert Entry.objects.filter(status="accepted").count() == 4
