"""Rubrics (library, default on first use, editor, copies) and rounds (settings, entries,
advancing, panel, outside experts, relations, pair rules, transitions)."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from tests.review_web.factories import (
    AssignmentFactory,
    CompetitionFactory,
    EntryFactory,
    GroupFactory,
    RoundFactory,
    ScoreFactory,
    panel,
)
from yanxun.accounts.models import RoleAssignment, User
from yanxun.core.enums import Role
from yanxun.core.models import AuditLog
from yanxun.review import rounds, rubrics
from yanxun.review.enums import (
    CompetitionStatus,
    EntryStatus,
    PairRuleKind,
    RelationKind,
    RoundStatus,
)
from yanxun.review.models import Assignment, PairRule, Round, RoundEntry, RoundJudge, Rubric
from yanxun.review.rubrics import ItemInput

R = RoundStatus


@pytest.fixture
def trainer(world):
    return world.users["trainer"]


# --- rubrics ---------------------------------------------------------------------------------


def test_the_default_template_is_created_on_first_use_only(world):
    assert not Rubric.objects.exists()
    [default] = rubrics.rubric_templates()
    assert (default.name, default.step, default.is_template) == ("课堂教学评价量表", Decimal("1"),
                                                                 True)
    assert [(i.name, i.max_score) for i in default.items.all()] == [
        ("教学目标", Decimal("10")), ("教学内容", Decimal("15")), ("教学过程", Decimal("25")),
        ("教学方法", Decimal("30")), ("教师素养", Decimal("20"))]
    assert rubrics.full_score(default) == Decimal("100")
    assert list(rubrics.rubric_templates()) == [default]  # not a second time


def test_editor_validates_and_replaces_items(trainer):
    with pytest.raises(ValidationError) as caught:
        rubrics.rubric_save(actor=trainer, rubric=None, name="", step=Decimal("0.5"), items=[
            ItemInput("说课", Decimal("10.3")), ItemInput("说课", Decimal("0"))])
    assert caught.value.messages == ["请填写量表名称。", "「说课」的分值 10.3 不是步长 0.5 的整数倍。",
                                     "评价项目「说课」重复。", "「说课」的分值应大于 0。"]
    rubric = rubrics.rubric_save(actor=trainer, rubric=None, name="说课评价表", step=Decimal("0.5"),
                                 items=[ItemInput("说教材", Decimal("20"), "准确把握教材"),
                                        ItemInput("说教法", Decimal("30"))])
    first, second = rubric.items.all()
    rubrics.rubric_save(actor=trainer, rubric=rubric, name="说课评价表", step=Decimal("0.5"),
                        items=[ItemInput("说教法", Decimal("25"), pk=second.pk),
                               ItemInput("说教材", Decimal("20"), pk=first.pk),
                               ItemInput("说学法", Decimal("15.5"))])
    assert [(i.pk == second.pk, i.name, i.max_score, i.position) for i in rubric.items.all()] == [
        (True, "说教法", Decimal("25"), 0), (False, "说教材", Decimal("20"), 1),
        (False, "说学法", Decimal("15.5"), 2)]
    log = AuditLog.objects.filter(action="review.rubric.save").order_by("pk").last()
    assert log.before["items"] == [["说教材", "20.0"], ["说教法", "30.0"]]
    assert log.after["items"] == [["说教法", "25.0"], ["说教材", "20.0"], ["说学法", "15.5"]]


def test_a_round_scores_with_a_copy_the_template_edit_does_not_touch(world, trainer):
    template = rubrics.rubric_templates().get()
    competition = CompetitionFactory(status=CompetitionStatus.REVIEWING)
    now = timezone.now()
    round_ = rounds.round_create(actor=trainer, competition=competition, template=template,
                                 name="初评", opens_at=now, closes_at=now + timedelta(days=3))
    assert round_.rubric_id != template.pk and not round_.rubric.is_template
    assert [i.name for i in round_.rubric.items.all()] == [i.name for i in template.items.all()]
    rubrics.rubric_save(actor=trainer, rubric=template, name=template.name, step=Decimal("1"),
                        items=[ItemInput("总体评价", Decimal("100"))])
    assert round_.rubric.items.count() == 5
    Round.objects.filter(pk=round_.pk).update(status=R.SCORING)
    with pytest.raises(ValidationError) as caught:
        rubrics.rubric_save(actor=trainer, rubric=round_.rubric, name="x", step=Decimal("1"),
                            items=[ItemInput("总体评价", Decimal("100"))])
    assert caught.value.messages == [f"轮次「{round_}」已开始评分（评分中），其量表不能再修改。"]


# --- rounds ----------------------------------------------------------------------------------


def test_round_settings_freeze_what_judges_were_told_once_scoring_starts(trainer):
    round_ = RoundFactory(status=R.SCORING)
    with pytest.raises(ValidationError) as caught:
        rounds.round_update(actor=trainer, round_=round_, judges_per_entry=5, blind=False)
    assert caught.value.messages == ["评分已开始，不能再修改：每件作品评委数、匿名评审。"]
    later = round_.closes_at + timedelta(days=2)
    rounds.round_update(actor=trainer, round_=round_, closes_at=later, method="trimmed")
    round_.refresh_from_db()
    assert (round_.closes_at, round_.method) == (later, "trimmed")
    with pytest.raises(ValidationError) as caught:
        rounds.round_update(actor=trainer, round_=round_, opens_at=later)
    assert caught.value.messages == ["评分截止时间应晚于评分开始时间。"]


def test_entries_all_accepted_or_some_groups(trainer):
    round_ = RoundFactory(status=R.SETUP)
    math_, chinese = (GroupFactory(competition=round_.competition, name=n)
                      for n in ("数学组", "语文组"))
    accepted = [EntryFactory(group=math_), EntryFactory(group=chinese)]
    EntryFactory(group=math_, status=EntryStatus.RECOMMENDED)
    assert rounds.round_entries_set(actor=trainer, round_=round_) == 2
    assert set(round_.round_entries.values_list("entry", flat=True)) == {e.pk for e in accepted}
    assert rounds.round_entries_set(actor=trainer, round_=round_, groups=[chinese]) == 1
    assert list(round_.round_entries.values_list("entry", flat=True)) == [accepted[1].pk]
    log = AuditLog.objects.filter(action="review.round.entries").order_by("pk").last()
    assert (log.after["dropped"], log.after["groups"]) == ([accepted[0].pk], [chinese.pk])


def test_advancing_takes_the_top_of_each_group():
    ranked = [(1, 10), (2, 20), (3, 10), (4, 10), (5, 20), (6, 10)]
    assert rounds.advancing(ranked, top_n=2) == rounds.Advanced([1, 3, 2, 5], 0)
    assert rounds.advancing(ranked, top_share=Decimal("0.5")).entry_ids == [1, 3, 2]
    assert rounds.advancing(ranked, top_share=Decimal("0.1")).entry_ids == [1, 2]  # at least one
    with pytest.raises(ValidationError) as caught:
        rounds.advancing(ranked, top_n=2, top_share=Decimal("0.5"))
    assert caught.value.messages == ["请在「前 N 名」与「前百分之几」中选一种。"]


def test_advancing_never_cuts_a_tie_at_the_line():
    ranked = [(1, 10), (2, 20), (3, 10), (4, 10), (5, 20), (6, 10), (7, 20)]
    # group 10: places 1, 2, 2, 4; group 20: places 1, 2, 3
    places = {1: 1, 3: 2, 4: 2, 6: 4, 2: 1, 5: 2, 7: 3}
    assert rounds.advancing(ranked, top_n=2, places=places) == rounds.Advanced([1, 3, 4, 2, 5], 1)
    assert rounds.advancing(ranked, top_n=3, places=places) == rounds.Advanced(
        [1, 3, 4, 2, 5, 7], 0)
    assert rounds.advancing(ranked, top_n=1, places={**places, 3: 1}) == rounds.Advanced(
        [1, 3, 2], 1)
    everyone_tied = {pk: 1 for pk, _ in ranked}
    assert rounds.advancing(ranked, top_n=1, places=everyone_tied).entry_ids == [1, 3, 4, 6, 2, 5, 7]


def test_round_entries_advance_from_a_ranked_list(trainer):
    first = RoundFactory(status=R.CLOSED)
    second = RoundFactory(competition=first.competition, status=R.SETUP, name="复评")
    group = GroupFactory(competition=first.competition)
    entries = [EntryFactory(group=group) for _ in range(4)]
    ranked = [entries[2].pk, entries[0].pk, entries[3].pk, entries[1].pk]
    assert rounds.round_entries_advance(actor=trainer, round_=second, ranked_entry_ids=ranked,
                                        top_n=2) == rounds.Advanced(ranked[:2], 0)
    assert set(second.round_entries.values_list("entry", flat=True)) == {entries[2].pk,
                                                                        entries[0].pk}
    places = dict(zip(ranked, (1, 2, 2, 4), strict=True))
    assert rounds.round_entries_advance(actor=trainer, round_=second, ranked_entry_ids=ranked,
                                        top_n=2, places=places) == rounds.Advanced(ranked[:3], 1)
    log = AuditLog.objects.filter(action="review.round.entries").order_by("pk").last()
    assert (log.after["added"], log.after["advance"], log.after["tied"]) == ([entries[3].pk], 2, 1)
    assert rounds.previous_round(second) == first
    stranger = EntryFactory()
    with pytest.raises(ValidationError) as caught:
        rounds.round_entries_advance(actor=trainer, round_=second, ranked_entry_ids=[stranger.pk],
                                     top_n=1)
    assert caught.value.messages == ["晋级名单中有不属于本评比活动的作品。"]


def test_start_needs_entries_panel_and_assignments(trainer):
    round_ = RoundFactory(status=R.SETUP)
    with pytest.raises(ValidationError) as caught:
        rounds.round_transition(actor=trainer, round_=round_, to=R.SCORING)
    assert caught.value.messages == ["本轮还没有参评作品。"]
    entry = EntryFactory(group__competition=round_.competition, code="A0009")
    RoundEntry.objects.create(round=round_, entry=entry)
    [judge] = panel(round_, judges=1)
    with pytest.raises(ValidationError) as caught:
        rounds.round_transition(actor=trainer, round_=round_, to=R.SCORING)
    assert caught.value.messages == ["作品 A0009还没有分配评委，请先运行分配。"]
    Assignment.objects.create(round=round_, judge=judge, entry=entry)
    rounds.round_transition(actor=trainer, round_=round_, to=R.SCORING)
    round_.refresh_from_db()
    assert round_.status == R.SCORING
    with pytest.raises(ValidationError) as caught:
        rounds.round_transition(actor=trainer, round_=round_, to=R.SETUP)
    assert caught.value.messages == ["请填写「退回准备」的原因。"]
    rounds.round_transition(actor=trainer, round_=round_, to=R.CLOSED)
    rounds.round_transition(actor=trainer, round_=round_, to=R.SCORING, reason="补评")
    assert list(AuditLog.objects.filter(object_type="review.round").order_by("pk").values_list(
        "action", "reason")) == [("review.round.scoring", "开始评分"),
                                 ("review.round.closed", "结束评分"),
                                 ("review.round.scoring", "补评")]


def test_back_to_setup_refused_once_anyone_scored(trainer):
    score = ScoreFactory()
    with pytest.raises(ValidationError) as caught:
        rounds.round_transition(actor=trainer, round_=score.assignment.round, to=R.SETUP,
                                reason="重来")
    assert caught.value.messages == ["已有评委开始评分，不能退回准备。"]


# --- the panel -------------------------------------------------------------------------------


def test_a_teacher_on_the_panel_gets_a_judge_role_until_a_week_after_close(world, trainer):
    round_ = RoundFactory(status=R.SETUP)
    teacher = world.teacher_b
    rounds.panel_add(actor=trainer, round_=round_, judge=teacher.user)
    role = RoleAssignment.objects.get(user=teacher.user, role=Role.JUDGE)
    assert role.expires_at == round_.closes_at + timedelta(days=7)
    rounds.panel_add(actor=trainer, round_=RoundFactory(status=R.SETUP), judge=trainer)
    assert not RoleAssignment.objects.filter(user=trainer, role=Role.JUDGE).exists()
    later = round_.closes_at + timedelta(days=10)
    rounds.round_update(actor=trainer, round_=round_, closes_at=later)
    role.refresh_from_db()
    assert role.expires_at == later + timedelta(days=7)
    with pytest.raises(ValidationError) as caught:
        rounds.panel_add(actor=trainer, round_=round_, judge=teacher.user)
    assert caught.value.messages == ["「李秋华」已在本轮评委名单中。"]


def test_outside_expert_gets_a_temporary_account(world, trainer):
    round_ = RoundFactory(status=R.SETUP)
    with pytest.raises(ValidationError) as caught:
        rounds.expert_create(actor=trainer, round_=round_, name="", phone="123", affiliation="")
    assert caught.value.messages == ["请填写专家姓名。", "手机号应为 11 位手机号码", "请填写工作单位。"]
    new = rounds.expert_create(actor=trainer, round_=round_, name="林教授", phone="13812345678",
                               affiliation="师范大学数学科学学院")
    user = User.objects.get(pk=new.user.pk)
    until = round_.closes_at + timedelta(days=7)
    assert (user.username, user.name, user.phone, user.must_change_password,
            user.expires_at) == ("zj0001", "林教授", "13812345678", True, until)
    assert user.check_password(new.password) and len(new.password) == 10
    assert RoleAssignment.objects.get(user=user).expires_at == until
    assert RoundJudge.objects.get(round=round_, judge=user).affiliation == "师范大学数学科学学院"
    log = AuditLog.objects.get(action="review.expert.create")
    assert new.password not in str(log.after)
    second = rounds.expert_create(actor=trainer, round_=round_, name="高研究员",
                                  phone="13812345679", affiliation="市教科院")
    assert second.user.username == "zj0002"
    with pytest.raises(ValidationError) as caught:
        rounds.expert_create(actor=trainer, round_=round_, name="重名", phone="13812345678",
                             affiliation="某单位")
    assert caught.value.messages == [
        "手机号 13812345678 已有账号（登录名 zj0001），请从已有用户中添加为评委。"]


def test_panel_remove_refused_after_scoring_and_takes_assignments_otherwise(trainer):
    score = ScoreFactory()
    round_ = score.assignment.round
    RoundJudge.objects.create(round=round_, judge=score.assignment.judge)
    with pytest.raises(ValidationError) as caught:
        rounds.panel_remove(actor=trainer, round_=round_, judge=score.assignment.judge)
    assert caught.value.messages == [f"评委「{score.assignment.judge}」已开始评分，不能移出评委名单。"]
    other = AssignmentFactory(round=round_)
    RoundJudge.objects.create(round=round_, judge=other.judge)
    assert rounds.panel_remove(actor=trainer, round_=round_, judge=other.judge) == 1
    assert not Assignment.objects.filter(pk=other.pk).exists()


def test_relations_and_pins(world, trainer):
    round_ = RoundFactory(status=R.SETUP)
    entry = EntryFactory(group__competition=round_.competition, teacher=world.teacher_a,
                         code="A0042")
    RoundEntry.objects.create(round=round_, entry=entry)
    [judge] = panel(round_, judges=1)
    rounds.relation_declare(actor=trainer, judge=judge, teacher=world.teacher_a,
                            kind=RelationKind.MENTOR, note="带教")
    with pytest.raises(ValidationError) as caught:
        rounds.relation_declare(actor=trainer, judge=judge, teacher=world.teacher_a,
                                kind=RelationKind.MENTOR)
    assert caught.value.messages == ["该回避关系已登记。"]
    with pytest.raises(ValidationError) as caught:
        rounds.pair_rule_set(actor=trainer, round_=round_, judge=judge, entry=entry,
                             kind=PairRuleKind.PIN)
    assert caught.value.messages == [f"评委「{judge}」与作品 A0042 存在回避关系（申报关系），不能指定。"]
    rule = rounds.pair_rule_set(actor=trainer, round_=round_, judge=judge, entry=entry,
                                kind=PairRuleKind.FORBID, reason="同课题组")
    assert (rule.kind, rule.reason) == ("forbid", "同课题组")
    rounds.pair_rule_delete(actor=trainer, rule=rule)
    assert not PairRule.objects.exists()
    with pytest.raises(ValidationError) as caught:
        rounds.relation_declare(actor=trainer, judge=world.teacher_b.user,
                                teacher=world.teacher_b, kind=RelationKind.OTHER)
    assert caught.value.messages == ["不能声明与本人的回避关系。"]


def test_staff_only(world):
    round_ = RoundFactory()
    for role in ("judge", "leader", "school_admin", "teacher"):
        with pytest.raises(PermissionDenied) as caught:
            rounds.round_entries_set(actor=world.users[role], round_=round_)
        assert str(caught.value) == "无权组织评审。"
    assert not round_.round_entries.exists()
