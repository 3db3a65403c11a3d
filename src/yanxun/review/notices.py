"""公示: staff publish a public notice of a competition's awards for a number of working days
(the work calendar decides which days count, core.workdays); the public page at a token URL
lists the awards (title, author, school, tier — names are public in a 公示; never a phone or
身份证号), the period and how to object. After the period, and once every objection is
answered, staff publish the final results (the competition becomes 已发布).

Competition: 评审中 → 公示中 (publish) → 已发布 (final), or back to 评审中 when the notice is
withdrawn (e.g. after an upheld objection). All moves go through review.workflow."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import date

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from yanxun.core.audit import audit_record
from yanxun.core.permissions import has_perm
from yanxun.core.workdays import working_period_end
from yanxun.review import rules
from yanxun.review.awards import awards_of
from yanxun.review.enums import (
    CompetitionStatus,
    NoticeStatus,
    ObjectionStatus,
    RoundStatus,
)
from yanxun.review.models import Award, Competition, PublicNotice
from yanxun.review.results import final_round
from yanxun.review.workflow import transition

DEFAULT_WORKING_DAYS = 5


@dataclass
class NoticeInput:
    title: str
    starts_on: date
    contact: str
    working_days: int = DEFAULT_WORKING_DAYS
    body: str = ""


def cn_date(day: date) -> str:
    return f"{day.year}年{day.month}月{day.day}日"


def _require(actor, perm, message: str) -> None:
    if not has_perm(actor, perm):
        raise PermissionDenied(message)


def _check(data: NoticeInput, today: date) -> dict:
    errors = {}
    if not data.title.strip():
        errors["title"] = "请填写公示标题。"
    if not data.contact.strip():
        errors["contact"] = "请填写受理异议的联系方式（部门、电话或邮箱）。"
    if not 1 <= data.working_days <= 30:
        errors["working_days"] = "公示期应为 1–30 个工作日。"
    if data.starts_on < today:
        errors["starts_on"] = "公示开始日期不能早于今天。"
    return errors


def notice_default_title(competition: Competition) -> str:
    return f"关于{competition.name}评选结果的公示"


def notice_default_body(competition: Competition) -> str:
    return (f"{competition.name}经学校推荐、形式审查和专家评审，拟定获奖名单如下，现予公示。"
            "公示期间，如对评选结果有异议，请登录平台在本页提出，写明理由并附证明材料；"
            "也可通过下列联系方式反映。异议须实名提出。")


def notice_publish(*, actor, competition: Competition, data: NoticeInput,
                   today: date | None = None) -> PublicNotice:
    """Publish the 公示 of the confirmed awards; the competition goes 公示中."""
    _require(actor, rules.PUBLISH_RESULTS, "无权发布公示。")
    today = today or timezone.localdate()
    errors = _check(data, today)
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        locked = Competition.objects.select_for_update().get(pk=competition.pk)
        _ready_for_notice(locked)
        ends_on = working_period_end(data.starts_on, data.working_days)
        notice = PublicNotice.objects.create(
            competition=locked, title=data.title.strip(), body=data.body.strip(),
            starts_on=data.starts_on, working_days=data.working_days, ends_on=ends_on,
            contact=data.contact.strip(), token=secrets.token_urlsafe(18)[:24],
            published_by=actor)
        audit_record(actor=actor, action="review.notice.publish", obj=notice,
                     after={"competition": locked.pk, "starts_on": str(data.starts_on),
                            "working_days": data.working_days, "ends_on": str(ends_on),
                            "awards": Award.objects.filter(competition=locked,
                                                           revoked=False).count()})
        transition(locked, CompetitionStatus.NOTICE, actor=actor,
                   reason=f"公示 {data.starts_on} 至 {ends_on}")
    competition.status = locked.status
    return notice


def _ready_for_notice(competition: Competition) -> None:
    if competition.status != CompetitionStatus.REVIEWING:
        raise ValidationError(f"评比活动当前为「{competition.get_status_display()}」，"
                              "只有评审中的活动才能发布公示。")
    round_ = final_round(competition)
    if round_ is None or round_.status != RoundStatus.FINALISED:
        raise ValidationError("请先确定终轮评审结果并确定获奖名单，再发布公示。")
    if not Award.objects.filter(competition=competition, revoked=False).exists():
        raise ValidationError("还没有确定获奖名单，请先确定获奖名单再发布公示。")


def notice_withdraw(*, actor, notice: PublicNotice, reason: str) -> PublicNotice:
    """Withdraw an open notice (e.g. an objection was upheld): the competition goes back to
    评审中, so that results and awards can be corrected and a new notice published."""
    _require(actor, rules.PUBLISH_RESULTS, "无权撤回公示。")
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": "请填写撤回原因。"})
    with transaction.atomic():
        transition(notice, NoticeStatus.WITHDRAWN, actor=actor, reason=reason,
                   action="review.notice.withdraw")
        transition(notice.competition, CompetitionStatus.REVIEWING, actor=actor,
                   reason=f"撤回公示：{reason}")
    return notice


def open_objections(notice: PublicNotice) -> int:
    return notice.objections.filter(status=ObjectionStatus.SUBMITTED).count()


def notice_publish_final(*, actor, notice: PublicNotice, today: date | None = None) -> PublicNotice:
    """After the period: close the notice and publish the results (评比活动 已发布).
    Refused during the period and while an objection is unanswered."""
    _require(actor, rules.PUBLISH_RESULTS, "无权发布最终结果。")
    today = today or timezone.localdate()
    if notice.status != NoticeStatus.OPEN:
        raise ValidationError(f"公示当前为「{notice.get_status_display()}」，不能发布最终结果。")
    if today <= notice.ends_on:
        raise ValidationError(f"公示期至 {cn_date(notice.ends_on)}（含）结束，"
                              "公示期满后才能发布最终结果。")
    with transaction.atomic():
        PublicNotice.objects.select_for_update().filter(pk=notice.pk).first()
        waiting = open_objections(notice)
        if waiting:
            raise ValidationError(f"还有 {waiting} 条异议未答复，请全部答复后再发布最终结果。")
        transition(notice, NoticeStatus.CLOSED, actor=actor, reason="公示期满",
                   action="review.notice.close")
        transition(notice.competition, CompetitionStatus.PUBLISHED, actor=actor,
                   reason=f"公示期满（{notice.ends_on}），发布最终结果")
    return notice


# --- reading -------------------------------------------------------------------------------------


@dataclass
class PublicRow:
    group: str
    tier: str
    title: str
    author: str
    school: str
    entry_id: int


def public_rows(competition: Competition) -> list[PublicRow]:
    """The awarded list as the 公示 shows it: no code, final, phone or 身份证号."""
    return [PublicRow(a.entry.group.name, a.tier, a.entry.title, a.entry.teacher.name,
                      a.entry.school.name, a.entry_id) for a in awards_of(competition)]


def notice_by_token(token: str) -> PublicNotice | None:
    if not token or len(token) > 32:
        return None
    return (PublicNotice.objects.filter(token=token).exclude(status=NoticeStatus.WITHDRAWN)
            .select_related("competition").first())


def accepts_objections(notice: PublicNotice, today: date | None = None) -> bool:
    today = today or timezone.localdate()
    return notice.status == NoticeStatus.OPEN and notice.starts_on <= today <= notice.ends_on


def current_notice(competition: Competition) -> PublicNotice | None:
    """The competition's notice that is open or closed (the latest), not a withdrawn one."""
    return (PublicNotice.objects.filter(competition=competition)
            .exclude(status=NoticeStatus.WITHDRAWN).order_by("-published_at", "-pk").first())
