"""公示 across 国庆 2026, objections within the period only, answering, publishing the final
results only after the period with every objection answered."""

from datetime import date

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from tests.review_web.calendar_2026 import autumn_2026
from tests.review_web.results_data import hand_round
from tests.training.factories_hours import PDF_BYTES, upload
from yanxun.core.models import AuditLog
from yanxun.review.awards import awards_confirm
from yanxun.review.enums import CompetitionStatus, NoticeStatus, ObjectionStatus, RoundStatus
from yanxun.review.models import Objection
from yanxun.review.notices import (
    NoticeInput,
    notice_publish,
    notice_publish_final,
    notice_withdraw,
    public_rows,
)
from yanxun.review.objections import objection_answer, objection_file
from yanxun.training.files import check_evidence

START = date(2026, 9, 29)


def awarded(world):
    data = hand_round(world, status=RoundStatus.FINALISED)
    awards_confirm(actor=world.users["trainer"], competition=data.competition)
    return data


def publish(world, data, **overrides):
    fields = {"title": "关于优质课评比结果的公示", "starts_on": START,
              "contact": "中学教研室 0510-12345678", **overrides}
    return notice_publish(actor=world.users["trainer"], competition=data.competition,
                          data=NoticeInput(**fields), today=START)


@pytest.fixture
def notice(world):
    autumn_2026()
    data = awarded(world)
    notice = publish(world, data)
    notice.data = data
    return notice


def test_the_notice_ends_after_five_working_days_across_national_day(notice):
    assert (notice.starts_on, notice.working_days, notice.ends_on) == (
        date(2026, 9, 29), 5, date(2026, 10, 10))
    notice.competition.refresh_from_db()
    assert notice.competition.status == CompetitionStatus.NOTICE
    assert len(notice.token) == 24
    log = AuditLog.objects.get(action="review.notice.publish")
    assert log.after == {"competition": notice.competition.pk, "starts_on": "2026-09-29",
                         "working_days": 5, "ends_on": "2026-10-10", "awards": 6}


def test_the_public_list_has_titles_names_schools_and_tiers_only(notice):
    rows = [(r.group, r.tier, r.title, r.author, r.school) for r in
            public_rows(notice.competition)]
    assert rows[:2] == [("初中数学组", "一等奖", "课例A0001", "张晓明", "城东实验学校"),
                        ("初中数学组", "二等奖", "课例A0002", "李秋华", "城西中学")]
    assert len(rows) == 6


def test_publish_refused_without_awards_or_with_a_bad_form(world):
    data = hand_round(world, status=RoundStatus.FINALISED)
    with pytest.raises(ValidationError) as no_awards:
        publish(world, data)
    assert no_awards.value.messages == ["还没有确定获奖名单，请先确定获奖名单再发布公示。"]
    with pytest.raises(ValidationError) as bad:
        notice_publish(actor=world.users["trainer"], competition=data.competition,
                       data=NoticeInput(title=" ", starts_on=date(2026, 9, 28), contact="",
                                        working_days=0), today=START)
    assert bad.value.message_dict == {
        "title": ["请填写公示标题。"],
        "contact": ["请填写受理异议的联系方式（部门、电话或邮箱）。"],
        "working_days": ["公示期应为 1–30 个工作日。"],
        "starts_on": ["公示开始日期不能早于今天。"]}
    with pytest.raises(PermissionDenied):
        notice_publish(actor=world.users["leader"], competition=data.competition,
                       data=NoticeInput(title="公示", starts_on=START, contact="电话"),
                       today=START)


def test_an_objection_on_the_last_day_is_accepted_the_day_after_refused(notice, world):
    teacher = world.teacher_b.user
    entry = notice.data.entries["A0001"]
    filed = objection_file(actor=teacher, notice=notice, reason="该课例与去年获奖课例高度相似。",
                           entry_id=entry.pk, contact_phone="13912345678",
                           files=check_evidence([upload("对比.pdf", PDF_BYTES)]),
                           today=date(2026, 10, 10))
    assert (filed.status, filed.entry_id, filed.evidence.get().original_name) == (
        ObjectionStatus.SUBMITTED, entry.pk, "对比.pdf")
    with pytest.raises(ValidationError) as late:
        objection_file(actor=teacher, notice=notice, reason="补充意见", today=date(2026, 10, 11))
    assert late.value.messages == ["公示期已于 2026年10月10日 结束，不再受理异议。"]
    assert Objection.objects.count() == 1
    assert AuditLog.objects.filter(action="review.objection.file").count() == 1


def test_objection_input_is_checked(notice, world):
    with pytest.raises(ValidationError) as bad:
        objection_file(actor=world.users["judge"], notice=notice, reason=" ",
                       entry_id=notice.data.entries["B0003"].pk, contact_phone="12345",
                       today=START)
    assert bad.value.message_dict == {
        "reason": ["请写明异议的具体理由。"],
        "contact_phone": ["手机号应为 11 位手机号码"],
        "entry": ["所选作品不在本次公示的名单中。"]}
    assert Objection.objects.count() == 0


def test_publish_final_refused_in_the_period_and_with_an_open_objection(notice, world):
    trainer = world.users["trainer"]
    objection = objection_file(actor=world.teacher_b.user, notice=notice,
                               reason="评分不公。", today=date(2026, 10, 9))
    with pytest.raises(ValidationError) as early:
        notice_publish_final(actor=trainer, notice=notice, today=date(2026, 10, 10))
    assert early.value.messages == ["公示期至 2026年10月10日（含）结束，公示期满后才能发布最终结果。"]
    with pytest.raises(ValidationError) as waiting:
        notice_publish_final(actor=trainer, notice=notice, today=date(2026, 10, 11))
    assert waiting.value.messages == ["还有 1 条异议未答复，请全部答复后再发布最终结果。"]
    objection_answer(actor=trainer, objection=objection, decision=ObjectionStatus.DISMISSED,
                     answer="经复核，三位评委评分均在合理范围内，异议不成立。")
    notice_publish_final(actor=trainer, notice=notice, today=date(2026, 10, 11))
    notice.refresh_from_db()
    notice.competition.refresh_from_db()
    assert (notice.status, notice.competition.status) == (NoticeStatus.CLOSED,
                                                          CompetitionStatus.PUBLISHED)
    objection.refresh_from_db()
    assert (objection.status, objection.answered_by) == (ObjectionStatus.DISMISSED, trainer)
    log = AuditLog.objects.get(action="review.objection.answer")
    assert log.reason == "经复核，三位评委评分均在合理范围内，异议不成立。"


def test_answer_needs_a_decision_and_text_and_the_right(notice, world):
    objection = objection_file(actor=world.teacher_b.user, notice=notice, reason="评分不公。",
                               today=START)
    with pytest.raises(ValidationError) as bad:
        objection_answer(actor=world.users["trainer"], objection=objection, decision="maybe",
                         answer="")
    assert bad.value.message_dict == {"decision": ["请选择「异议成立」或「异议不成立」。"],
                                      "answer": ["请填写答复内容。"]}
    with pytest.raises(PermissionDenied):
        objection_answer(actor=world.users["leader"], objection=objection,
                         decision=ObjectionStatus.UPHELD, answer="成立")
    objection.refresh_from_db()
    assert objection.status == ObjectionStatus.SUBMITTED


def test_withdrawing_the_notice_returns_the_competition_to_review(notice, world):
    notice_withdraw(actor=world.users["trainer"], notice=notice, reason="异议成立，重新评审")
    notice.refresh_from_db()
    notice.competition.refresh_from_db()
    assert (notice.status, notice.competition.status) == (NoticeStatus.WITHDRAWN,
                                                          CompetitionStatus.REVIEWING)
    awards_confirm(actor=world.users["trainer"], competition=notice.competition)  # allowed again
