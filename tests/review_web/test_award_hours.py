"""学时 for awards Yanxun recorded: 我的获奖 offers a claim under the 竞赛获奖 rule of the
competition's level, with the award as its evidence (training.claims.claim_from_award); the
claim then goes through the school and the centre like any other."""

from datetime import date
from decimal import Decimal

import pytest
from django.test import Client
from django.urls import reverse

from tests.factories import TeacherFactory
from tests.review_web.factories import CompetitionFactory, EntryFactory, GroupFactory
from yanxun.core.models import AuditLog
from yanxun.review.enums import CompetitionStatus
from yanxun.review.models import Award
from yanxun.training import claims
from yanxun.training.enums import ClaimStatus, HourSource
from yanxun.training.models import ClaimRule, HourClaim, HourRecord


def _messages(response) -> list[str]:
    return [str(m) for m in response.context["messages"]]


@pytest.fixture
def award(world):
    competition = CompetitionFactory(name="2026 年初中数学优质课评比", level="district",
                                     status=CompetitionStatus.PUBLISHED)
    group = GroupFactory(competition=competition, name="初中数学组")
    entry = EntryFactory(group=group, teacher=world.teacher_a, code="A0001",
                         title="函数的单调性")
    entry.co_authors.add(world.teacher_b)
    return Award.objects.create(competition=competition, entry=entry, tier="一等奖",
                                tier_order=1, final=Decimal("88.5"), rank=1,
                                serial="2026-PB00001", verify_code="K7Q2M9",
                                certified_on=date(2026, 6, 12))


def test_my_awards_offers_the_claim_and_the_claim_carries_the_award(world, award):
    teacher = world.client_for("teacher")
    page = teacher.get(reverse("review:my_awards"))
    [option] = page.context["options"]
    assert (option.award, option.rule.name, option.hours, option.claim) == (
        award, "竞赛获奖（区级）", Decimal("5.0"), None)
    assert "按「竞赛获奖（区级）」可申报 5.0 学时，无需上传材料" in page.content.decode()
    response = teacher.post(reverse("training:claim_award", args=[award.pk]), follow=True)
    claim = HourClaim.objects.get()
    assert _messages(response) == ["已按平台获奖记录申报 5.0 学时，等待学校审核。"]
    assert response.redirect_chain == [(reverse("training:claim_detail", args=[claim.pk]), 302)]
    assert (claim.teacher, claim.rule.name, claim.title, claim.happened_on, claim.status,
            claim.award, claim.hours, claim.evidence.count()) == (
        world.teacher_a, "竞赛获奖（区级）", "2026 年初中数学优质课评比（初中数学组）一等奖",
        date(2026, 6, 12), ClaimStatus.SUBMITTED, award, None, 0)
    assert claim.description == "平台获奖记录。作品：函数的单调性；证书编号：2026-PB00001"
    assert "平台记录" in response.content.decode()
    log = AuditLog.objects.get(action="hours.claim_submit")
    assert log.after == {"rule": "竞赛获奖（区级）", "title": claim.title,
                         "happened_on": "2026-06-12", "days": None, "files": [],
                         "award": award.pk}
    again = teacher.post(reverse("training:claim_award", args=[award.pk]), follow=True)
    day = claim.created_at.astimezone().strftime("%Y-%m-%d")
    assert _messages(again) == [f"这项获奖已于 {day} 申报过学时（待学校审核）。"]
    assert HourClaim.objects.count() == 1
    mine = teacher.get(reverse("review:my_awards"))
    [option] = mine.context["options"]
    assert (option.claim, option.claim.get_status_display()) == (claim, "待学校审核")
    assert "申报学时</button>" not in mine.content.decode()


def test_the_co_author_claims_separately_and_a_stranger_cannot(world, award):
    co_author = Client()
    co_author.force_login(world.teacher_b.user)
    co_author.post(reverse("training:claim_award", args=[award.pk]))
    stranger = Client()
    stranger.force_login(TeacherFactory(school=world.school_a).user)
    response = stranger.post(reverse("training:claim_award", args=[award.pk]), follow=True)
    assert _messages(response) == ["未找到您在已发布评比中的这项获奖。"]
    assert list(HourClaim.objects.values_list("teacher", "award")) == [
        (world.teacher_b.pk, award.pk)]


@pytest.mark.parametrize("change", ["revoked", "not published"])
def test_revoked_or_unpublished_awards_cannot_be_claimed(world, award, change):
    if change == "revoked":
        Award.objects.filter(pk=award.pk).update(revoked=True)
    else:
        award.competition.status = CompetitionStatus.NOTICE
        award.competition.save()
    response = world.client_for("teacher").post(reverse("training:claim_award",
                                                        args=[award.pk]), follow=True)
    assert _messages(response) == ["未找到您在已发布评比中的这项获奖。"]
    assert HourClaim.objects.count() == 0


def test_without_a_rule_of_the_level_the_claim_is_refused(world, award):
    claims.claim_rules_seed()
    ClaimRule.objects.filter(kind="award", level="district").update(is_active=False)
    teacher = world.client_for("teacher")
    page = teacher.get(reverse("review:my_awards")).content.decode()
    assert "中心尚未设置区级竞赛获奖的学时标准" in page
    response = teacher.post(reverse("training:claim_award", args=[award.pk]), follow=True)
    assert _messages(response) == [
        "中心尚未设置「区级竞赛获奖」的学时申报标准，暂不能申报，请联系中心。"]
    assert HourClaim.objects.count() == 0


def test_an_award_claim_goes_through_school_and_centre_without_files(world, award):
    claim = claims.claim_from_award(actor=world.teacher_a.user, award_id=award.pk)
    school, centre = world.users["school_admin"], world.users["trainer"]
    claims.claim_transition(actor=school, claim=claim, to=ClaimStatus.RETURNED,
                            reason="请补充说明")
    data = claims.ClaimInput(rule=claim.rule, title=claim.title, happened_on=claim.happened_on,
                             description=claim.description + "（第一作者）")
    claims.claim_resubmit(actor=world.teacher_a.user, claim=claim, data=data, files=[])
    claims.claim_transition(actor=school, claim=claim, to=ClaimStatus.SCHOOL_APPROVED)
    claims.claim_transition(actor=centre, claim=claim, to=ClaimStatus.ACCREDITED)
    record = HourRecord.objects.get()
    assert (record.teacher, record.hours, record.source, record.level, record.earned_on,
            record.claim) == (world.teacher_a, Decimal("5.0"), HourSource.CLAIM, "district",
                              date(2026, 6, 12), claim)


def test_the_claim_form_points_to_claimable_awards(world, award):
    page = world.client_for("teacher").get(reverse("training:claim_create"))
    assert "您在本平台评比中有 1 项获奖尚未申报，可在「我的获奖」中直接申报，无需上传材料。" in \
        page.content.decode()
