"""学时申报: hours for learning outside Yanxun's programs (外出培训, 公开课, 课题, 论文, 获奖, 送教).

The teacher submits with evidence files; the school administrator approves, returns or
rejects; the center accredits (an HourRecord of the rule's hours is written), returns or
rejects, and may withdraw an accreditation. `claim_transition` is the only writer of a
claim's status: every move is checked against TRANSITIONS, made with a conditional update
(two people deciding at once cannot both succeed) and audited; each decision of the school or
the centre sends the teacher a 站内消息 (training.notices).

A claim is created by `claim_submit` (the teacher, 待学校审核) or by a school's import
(training.importers_hours: the import is the school's approval, so it creates claims at
IMPORTED_STATUS, 待中心认定, audited as `hours.claim_import`); every later move goes through
`claim_transition`.

The hours a claim is worth come from the center's table of ClaimRules (seeded with the
defaults below, which a center edits). A rule's cycle cap is applied in the ledger, not here:
see training.ledger and docs/training.md.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import TYPE_CHECKING

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from yanxun.core.audit import audit_record, changed_fields, snapshot
from yanxun.core.permissions import has_perm, scoped
from yanxun.org.models import Teacher
from yanxun.training import notices, rules
from yanxun.training.enums import ClaimKind, ClaimStatus, HourSource, ProgramLevel
from yanxun.training.files import CheckedFile
from yanxun.training.models import Category, ClaimEvidence, ClaimRule, HourClaim, HourRecord

if TYPE_CHECKING:
    from yanxun.review.models import Award

S = ClaimStatus
SCHOOL, CENTRE, TEACHER = "school", "centre", "teacher"
# (from, to) -> who may make the move
TRANSITIONS = {
    (S.SUBMITTED, S.SCHOOL_APPROVED): SCHOOL,
    (S.SUBMITTED, S.RETURNED): SCHOOL,
    (S.SUBMITTED, S.REJECTED): SCHOOL,
    (S.SCHOOL_APPROVED, S.ACCREDITED): CENTRE,
    (S.SCHOOL_APPROVED, S.RETURNED): CENTRE,
    (S.SCHOOL_APPROVED, S.REJECTED): CENTRE,
    (S.ACCREDITED, S.REJECTED): CENTRE,  # 撤销认定: the record is withdrawn
    (S.RETURNED, S.SUBMITTED): TEACHER,
}
NEEDS_REASON = {S.RETURNED, S.REJECTED}
IMPORTED_STATUS = S.SCHOOL_APPROVED
DAYS_MAX = 60
TITLE_MAX = 200
RECORD_FIELDS = ["hours", "year", "earned_on", "category", "level", "title"]


# --- the rules table -------------------------------------------------------------------------

PRACTICE, SKILLS = "实践体验", "知识技能"
K, L = ClaimKind, ProgramLevel
# Defaults a center edits on the 学时申报标准 page: (kind, level, name, hours, cap per cycle,
# per day, category). Figures in the range district rules commonly use; not a national norm.
DEFAULT_RULES = [
    (K.OPEN_LESSON, L.SCHOOL, "校级公开课", "3", "9", False, PRACTICE),
    (K.OPEN_LESSON, L.DISTRICT, "区级公开课/示范课", "6", "18", False, PRACTICE),
    (K.OPEN_LESSON, L.CITY, "市级公开课/示范课", "9", "27", False, PRACTICE),
    (K.OPEN_LESSON, L.PROVINCE, "省级公开课/示范课", "12", "36", False, PRACTICE),
    (K.OPEN_LESSON, L.NATIONAL, "国家级公开课/示范课", "15", "45", False, PRACTICE),
    (K.OUTREACH, L.DISTRICT, "送教下乡（区级）", "4", "24", False, PRACTICE),
    (K.PAPER, L.DISTRICT, "论文获奖（区级）", "4", "12", False, SKILLS),
    (K.PAPER, L.CITY, "论文获奖（市级）", "6", "18", False, SKILLS),
    (K.PAPER, L.PROVINCE, "论文获奖（省级）", "8", "24", False, SKILLS),
    (K.PAPER, L.CITY, "论文发表（地市级刊物）", "8", "24", False, SKILLS),
    (K.PAPER, L.PROVINCE, "论文发表（省级刊物）", "10", "30", False, SKILLS),
    (K.PAPER, L.NATIONAL, "论文发表（国家级刊物）", "15", "45", False, SKILLS),
    (K.PROJECT, L.DISTRICT, "区级课题结题（主持人）", "10", "20", False, SKILLS),
    (K.PROJECT, L.CITY, "市级课题结题（主持人）", "15", "30", False, SKILLS),
    (K.PROJECT, L.PROVINCE, "省级课题结题（主持人）", "20", "40", False, SKILLS),
    (K.PROJECT, L.NATIONAL, "国家级课题结题（主持人）", "30", "60", False, SKILLS),
    (K.AWARD, L.DISTRICT, "竞赛获奖（区级）", "5", "15", False, SKILLS),
    (K.AWARD, L.CITY, "竞赛获奖（市级）", "8", "24", False, SKILLS),
    (K.AWARD, L.PROVINCE, "竞赛获奖（省级）", "12", "36", False, SKILLS),
    (K.AWARD, L.NATIONAL, "竞赛获奖（国家级）", "15", "45", False, SKILLS),
    (K.EXTERNAL, L.DISTRICT, "外出培训（区级，每天）", "6", None, True, SKILLS),
    (K.EXTERNAL, L.CITY, "外出培训（市级，每天）", "6", None, True, SKILLS),
    (K.EXTERNAL, L.PROVINCE, "外出培训（省级，每天）", "8", None, True, SKILLS),
    (K.EXTERNAL, L.NATIONAL, "外出培训（国家级，每天）", "8", None, True, SKILLS),
]


def claim_rules_seed() -> int:
    """Fill an empty rules table with DEFAULT_RULES (the categories they name are created if
    missing); returns how many rules were made. A table the center has touched is left alone."""
    if ClaimRule.objects.exists():
        return 0
    try:
        with transaction.atomic():
            categories = {}
            for name in sorted({row[-1] for row in DEFAULT_RULES}):
                categories[name], _ = Category.objects.get_or_create(name=name)
            ClaimRule.objects.bulk_create(
                ClaimRule(kind=kind, level=level, name=name, hours=Decimal(hours),
                          cycle_cap=Decimal(cap) if cap else None, per_day=per_day,
                          category=categories[category])
                for kind, level, name, hours, cap, per_day, category in DEFAULT_RULES)
    except IntegrityError:  # another request seeded the table at the same moment
        return 0
    return len(DEFAULT_RULES)


def active_rules():
    claim_rules_seed()
    return ClaimRule.objects.filter(is_active=True).select_related("category")


RULE_FIELDS = ["kind", "level", "name", "hours", "per_day", "cycle_cap", "category",
               "is_active"]


def claim_rule_save(*, actor, rule: ClaimRule | None = None, **values) -> ClaimRule:
    if not has_perm(actor, rules.ACCREDIT_HOURS):
        raise PermissionDenied("无权修改学时申报标准。")
    rule = rule or ClaimRule()
    before = snapshot(rule, RULE_FIELDS) if rule.pk else None
    for name, value in values.items():
        setattr(rule, name, value)
    rule.full_clean(validate_constraints=False)  # the one constraint is checked just below
    if rule.is_active and ClaimRule.objects.filter(
            kind=rule.kind, level=rule.level, name=rule.name, is_active=True
    ).exclude(pk=rule.pk).exists():
        raise ValidationError("已有同类型、同层级、同名称的在用标准。")
    with transaction.atomic():
        rule.save()
        after = snapshot(rule, RULE_FIELDS)
        if before is None:
            audit_record(actor=actor, action="hours.rule_create", obj=rule, after=after)
        else:
            old, new = changed_fields(before, after)
            if new:
                audit_record(actor=actor, action="hours.rule_update", obj=rule, before=old,
                             after=new)
    return rule


# --- who may see and decide -------------------------------------------------------------------


def claims_visible_to(user):
    return scoped(HourClaim.objects.select_related("teacher__school", "rule__category"), user,
                  rules.VIEW_LEDGER)


def role_for(actor, claim: HourClaim, needed: str) -> bool:
    if needed == TEACHER:
        return (claim.teacher.user_id == actor.pk and has_perm(actor, rules.SUBMIT_CLAIMS))
    if needed == SCHOOL:
        return scoped(HourClaim.objects.filter(pk=claim.pk), actor,
                      rules.APPROVE_CLAIMS).exists()
    return has_perm(actor, rules.ACCREDIT_HOURS)


def allowed_moves(actor, claim: HourClaim) -> list[str]:
    """The statuses this user may move the claim to now (for the page's buttons)."""
    return [to for (frm, to), who in TRANSITIONS.items()
            if frm == claim.status and role_for(actor, claim, who)]


def claim_hours(claim: HourClaim) -> Decimal:
    """What the claim is worth under its rule: the rule's hours, per day for 外出培训."""
    hours = claim.rule.hours * (claim.days or 0) if claim.rule.per_day else claim.rule.hours
    return Decimal(hours).quantize(Decimal("0.1"))


# --- submitting ------------------------------------------------------------------------------


@dataclass
class ClaimInput:
    rule: ClaimRule
    title: str
    happened_on: date
    description: str = ""
    days: int | None = None


def _check_input(data: ClaimInput, today: date) -> None:
    errors = {}
    if not data.rule.is_active:
        errors["rule"] = "该申报类型已停用，请选择其他类型。"
    if not data.title.strip():
        errors["title"] = "请填写名称。"
    elif len(data.title) > TITLE_MAX:
        errors["title"] = f"名称不超过 {TITLE_MAX} 字。"
    if data.happened_on > today:
        errors["happened_on"] = "日期不能晚于今天。"
    if data.rule.per_day and not (data.days and 1 <= data.days <= DAYS_MAX):
        errors["days"] = f"「{data.rule.name}」按天计学时，请填写 1–{DAYS_MAX} 天。"
    if not data.rule.per_day and data.days:
        errors["days"] = f"「{data.rule.name}」不按天计，天数应留空。"
    if errors:
        raise ValidationError(errors)


def _own_teacher(actor) -> Teacher:
    teacher = Teacher.objects.filter(user=actor).select_related("school").first()
    if teacher is None or not has_perm(actor, rules.SUBMIT_CLAIMS):
        raise PermissionDenied("只有教师本人可以申报学时。")
    return teacher


def claim_submit(*, actor, data: ClaimInput, files: list[CheckedFile],
                 award: Award | None = None) -> HourClaim:
    """The teacher's claim, to the school. Evidence: at least one file, or `award` (an award
    Yanxun recorded, see claim_from_award), which is then the evidence."""
    teacher = _own_teacher(actor)
    _check_input(data, timezone.localdate())
    if not files and award is None:
        raise ValidationError({"files": "请上传至少一个证明材料。"})
    after = {"rule": data.rule.name, "title": data.title.strip(),
             "happened_on": str(data.happened_on),
             "days": data.days if data.rule.per_day else None,
             "files": [f.name for f in files]}
    if award is not None:
        after["award"] = award.pk
    try:
        with transaction.atomic():
            claim = HourClaim.objects.create(
                teacher=teacher, rule=data.rule, title=after["title"],
                happened_on=data.happened_on, description=data.description.strip(),
                days=after["days"], status=S.SUBMITTED, award=award)
            _attach(claim, files)
            audit_record(actor=actor, action="hours.claim_submit", obj=claim, after=after)
    except IntegrityError:  # training_claim_once_per_award: the same award at the same moment
        raise ValidationError("这项获奖已申报过学时。") from None
    return claim


# --- claims for awards recorded in Yanxun ----------------------------------------------------


@dataclass(frozen=True)
class AwardClaimOption:
    """One of the teacher's awards, with the rule it would be claimed under (None: the centre
    has no active 竞赛获奖 rule of that level) and its claim if there is one."""

    award: Award
    rule: ClaimRule | None
    claim: HourClaim | None

    @property
    def hours(self) -> Decimal | None:
        return self.rule.hours if self.rule is not None else None


def _award_rules() -> dict[str, ClaimRule]:
    """The active 竞赛获奖 rule of each level (the first by name where a level has several)."""
    found: dict[str, ClaimRule] = {}
    for rule in active_rules().filter(kind=ClaimKind.AWARD).order_by("level", "name", "pk"):
        found.setdefault(rule.level, rule)
    return found


def award_claim_options(actor) -> list[AwardClaimOption]:
    """The actor's awards in published competitions (review.certificates.my_awards: lead
    author or co-author, not revoked), each with its rule and existing claim."""
    from yanxun.review.certificates import my_awards

    teacher = Teacher.objects.filter(user=actor).first()
    if teacher is None:
        return []
    awards = list(my_awards(actor))
    claims = {c.award_id: c for c in HourClaim.objects.filter(
        teacher=teacher, award__in=[a.pk for a in awards])}
    by_level = _award_rules()
    return [AwardClaimOption(a, by_level.get(a.competition.level), claims.get(a.pk))
            for a in awards]


def open_award_count(actor) -> int:
    """How many of the actor's awards can be claimed now (no claim yet, a rule exists)."""
    return sum(1 for o in award_claim_options(actor) if o.claim is None and o.rule is not None)


def claim_from_award(*, actor, award_id: int) -> HourClaim:
    """A claim for an award Yanxun recorded: the rule is the 竞赛获奖 rule of the competition's
    level, the title and date come from the award, and the award record is the evidence (no
    file). It goes through claim_submit to the school like any claim. One claim per teacher
    and award."""
    _own_teacher(actor)  # refuses a non-teacher before anything is looked up
    option = next((o for o in award_claim_options(actor) if o.award.pk == award_id), None)
    if option is None:
        raise ValidationError("未找到您在已发布评比中的这项获奖。")
    if option.claim is not None:
        raise ValidationError(f"这项获奖已于 {timezone.localtime(option.claim.created_at):%Y-%m-%d} "
                              f"申报过学时（{ClaimStatus(option.claim.status).label}）。")
    award = option.award
    if option.rule is None:
        raise ValidationError(f"中心尚未设置「{award.competition.get_level_display()}竞赛获奖」的"
                              "学时申报标准，暂不能申报，请联系中心。")
    data = ClaimInput(
        rule=option.rule,
        title=f"{award.competition.name}（{award.entry.group.name}）{award.tier}"[:TITLE_MAX],
        happened_on=award.certified_on or timezone.localdate(award.decided_at),
        description=(f"平台获奖记录。作品：{award.entry.title}"
                     + (f"；证书编号：{award.serial}" if award.serial else ""))[:500])
    return claim_submit(actor=actor, data=data, files=[], award=award)


def _attach(claim: HourClaim, files: list[CheckedFile]) -> None:
    for checked in files:
        ClaimEvidence.objects.create(claim=claim, file=checked.content_file(),
                                     original_name=checked.name,
                                     content_type=checked.content_type, size=checked.size)


def claim_resubmit(*, actor, claim: HourClaim, data: ClaimInput, files: list[CheckedFile],
                   remove: list[int] = ()) -> HourClaim:
    """A returned claim, corrected by its teacher and sent to the school again."""
    if claim.status != S.RETURNED or not role_for(actor, claim, TEACHER):
        raise PermissionDenied("只能修改本人被退回的申报。")
    _check_input(data, timezone.localdate())
    keep = claim.evidence.exclude(pk__in=list(remove))
    if not files and not keep.exists() and claim.award_id is None:
        raise ValidationError({"files": "请上传至少一个证明材料。"})
    with transaction.atomic():
        for evidence in claim.evidence.filter(pk__in=list(remove)):
            evidence.file.delete(save=False)
            evidence.delete()
        _attach(claim, files)
        HourClaim.objects.filter(pk=claim.pk).update(
            rule=data.rule, title=data.title.strip(), happened_on=data.happened_on,
            description=data.description.strip(),
            days=data.days if data.rule.per_day else None)
        claim.refresh_from_db()
        claim_transition(actor=actor, claim=claim, to=S.SUBMITTED)
    return claim


# --- the one status writer ---------------------------------------------------------------------


def claim_transition(*, actor, claim: HourClaim, to: str, reason: str = "") -> HourClaim:
    current, to = S(claim.status), S(to)
    who = TRANSITIONS.get((current, to))
    if who is None:
        raise ValidationError(f"申报当前为「{current.label}」，不能改为「{to.label}」。")
    if not role_for(actor, claim, who):
        raise PermissionDenied(_refusal(who))
    reason = reason.strip()
    if to in NEEDS_REASON and not reason:
        raise ValidationError({"reason": "退回或不予认定时请填写理由。"})
    if len(reason) > 200:
        raise ValidationError({"reason": "理由不超过 200 字。"})
    now = timezone.now()
    fields: dict = {"status": to, "reason": reason}
    if who == SCHOOL:
        fields.update(school_decided_by=actor, school_decided_at=now)
    elif who == CENTRE:
        fields.update(center_decided_by=actor, center_decided_at=now)
    with transaction.atomic():
        if not HourClaim.objects.filter(pk=claim.pk, status=current).update(**fields):
            raise ValidationError("该申报的状态刚被他人改变，请刷新后重试。")
        for name, value in fields.items():
            setattr(claim, name, value)
        before = {"status": str(current), "hours": _text(claim.hours)}
        if to == S.ACCREDITED:
            _record_claim(actor, claim)
        elif current == S.ACCREDITED:
            _withdraw_record(actor, claim, reason)
        log = audit_record(actor=actor, action="hours.claim_transition", obj=claim,
                           before=before, after={"status": str(to), "hours": _text(claim.hours)},
                           reason=reason)
        notices.claim_decided(claim, who=who, current=current, to=to, reason=reason, log=log)
    return claim


def _text(value) -> str | None:
    return None if value is None else str(value)


def _refusal(who: str) -> str:
    return {SCHOOL: "只有该教师所在学校的学校管理员可以审核。",
            CENTRE: "只有中心可以认定学时。",
            TEACHER: "只有申报教师本人可以重新提交。"}[who]


def _record_claim(actor, claim: HourClaim) -> None:
    hours = claim_hours(claim)
    record = HourRecord.objects.create(
        teacher=claim.teacher, year=claim.happened_on.year, earned_on=claim.happened_on,
        hours=hours, category=claim.rule.category, level=claim.rule.level,
        source=HourSource.CLAIM, title=claim.title[:200], claim=claim, accredited_by=actor,
        note=claim.rule.name)
    HourClaim.objects.filter(pk=claim.pk).update(hours=hours)
    claim.hours = hours
    audit_record(actor=actor, action="hours.accredit", obj=record,
                 object_repr=f"{claim.teacher.name} {record.title}",
                 after=snapshot(record, RECORD_FIELDS))


def _withdraw_record(actor, claim: HourClaim, reason: str) -> None:
    record = HourRecord.objects.filter(claim=claim).first()
    if record is not None:
        before = snapshot(record, RECORD_FIELDS)
        record.delete()
        audit_record(actor=actor, action="hours.revoke", object_type="training.hourrecord",
                     object_id=str(claim.pk), object_repr=f"{claim.teacher.name} {claim.title}",
                     before=before, reason=reason)
    HourClaim.objects.filter(pk=claim.pk).update(hours=None)
    claim.hours = None
