"""Competitions and groups: the entry form editor's rules, award tiers, status moves."""

from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from tests.review_web.factories import CompetitionFactory, GroupFactory
from tests.review_web.factories_entries import (
    competition_with_group,
    recommended,
    school_admin,
    staff,
    submitted,
)
from yanxun.core.enums import Role
from yanxun.core.models import AuditLog
from yanxun.review.competitions import (
    clean_award_tiers,
    clean_entry_fields,
    competition_create,
    competition_set_entry_fields,
    competition_transition,
    competition_update,
    group_create,
    group_delete,
    group_update,
)
from yanxun.review.enums import CompetitionStatus
from yanxun.review.models import Competition
from yanxun.review.recommend import entry_accept

C = CompetitionStatus


def _messages(exc_info) -> list[str]:
    return exc_info.value.messages


# --- the entry form -----------------------------------------------------------------------


def test_new_fields_get_keys_f1_f2_and_flags_are_booleans():
    rows = [{"label": " 课堂实录链接 ", "kind": "url", "required": "on"},
            {"label": "教学设计", "kind": "file", "required": True, "identifying": "",
             "help": "PDF 或 Word"}]
    assert clean_entry_fields(rows) == [
        {"key": "f1", "label": "课堂实录链接", "kind": "url", "required": True,
         "identifying": False, "help": ""},
        {"key": "f2", "label": "教学设计", "kind": "file", "required": True,
         "identifying": False, "help": "PDF 或 Word"},
    ]


def test_existing_keys_are_kept_and_removed_keys_never_reused():
    existing = [{"key": "f1", "label": "链接", "kind": "url"},
                {"key": "f2", "label": "设计", "kind": "file"}]
    rows = [{"key": "f2", "label": "教学设计", "kind": "file"},
            {"key": "", "label": "课件", "kind": "file"},
            {"key": "forged", "label": "反思", "kind": "textarea"}]
    keys = [f["key"] for f in clean_entry_fields(rows, existing=existing)]
    assert keys == ["f2", "f3", "f4"]


def test_entry_form_refusals():
    with pytest.raises(ValidationError) as exc:
        clean_entry_fields([{"label": "设计", "kind": "file"}, {"label": "设计", "kind": "url"},
                            {"label": "", "kind": "text"}, {"label": "视频", "kind": "video"}])
    assert _messages(exc) == ["「设计」：名称重复。", "第 3 项：请填写名称。", "「视频」：类型无效。"]
    with pytest.raises(ValidationError) as exc:
        clean_entry_fields([{"label": f"材料{i}", "kind": "text"} for i in range(13)])
    assert _messages(exc) == ["材料项最多 12 项。"]


def test_a_field_with_answers_keeps_its_kind(world):
    competition, group = competition_with_group()
    submitted(world.teacher_a, group)
    rows = [{**f, "kind": "text" if f["key"] == "plan" else f["kind"]}
            for f in competition.entry_fields]
    with pytest.raises(ValidationError) as exc:
        competition_set_entry_fields(actor=staff(world), competition=competition, rows=rows)
    assert _messages(exc) == ["「教学设计」：已有作品填写此项，不能改变类型；可删除后新增一项。"]
    rows = [{**f, "label": "教学设计（PDF）" if f["key"] == "plan" else f["label"]}
            for f in competition.entry_fields]
    competition_set_entry_fields(actor=staff(world), competition=competition, rows=rows)
    competition.refresh_from_db()
    assert [f["label"] for f in competition.entry_fields] == ["课堂实录链接", "教学设计（PDF）",
                                                             "作者简介"]
    log = AuditLog.objects.get(action="review.competition.entry_fields")
    assert log.after["entry_fields"][1]["label"] == "教学设计（PDF）"


# --- award tiers -----------------------------------------------------------------------------


def test_quota_tiers_are_normalised_and_may_add_up_to_one():
    tiers = [{"name": "一等奖", "share": "0.10"}, {"name": "二等奖", "share": "0.20"},
             {"name": "三等奖", "share": "0.70"}]
    assert clean_award_tiers("quota", tiers) == [
        {"name": "一等奖", "share": "0.1"}, {"name": "二等奖", "share": "0.2"},
        {"name": "三等奖", "share": "0.7"}]


@pytest.mark.parametrize(("tiers", "message"), [
    ([{"name": "一等奖", "share": "0.5"}, {"name": "二等奖", "share": "0.6"}],
     "各奖项比例之和为 110%，不能超过 100%。"),
    ([{"name": "一等奖", "share": "0"}], "「一等奖」的比例应大于 0 且不超过 1（如 0.15 表示 15%）。"),
    ([{"name": "一等奖", "share": "1.5"}], "「一等奖」的比例应大于 0 且不超过 1（如 0.15 表示 15%）。"),
    ([{"name": "一等奖", "share": "百分之十"}], "「一等奖比例」：请填写数字。"),
    ([{"name": "一等奖", "share": "0.1"}, {"name": "一等奖", "share": "0.1"}], "奖项「一等奖」重复。"),
])
def test_quota_tier_refusals(tiers, message):
    with pytest.raises(ValidationError) as exc:
        clean_award_tiers("quota", tiers)
    assert _messages(exc) == [message]


def test_bands_must_decrease_strictly():
    assert clean_award_tiers("bands", [{"name": "一等奖", "min_score": "90.0"},
                                       {"name": "二等奖", "min_score": "80"}]) == [
        {"name": "一等奖", "min_score": "90"}, {"name": "二等奖", "min_score": "80"}]
    with pytest.raises(ValidationError) as exc:
        clean_award_tiers("bands", [{"name": "一等奖", "min_score": "85"},
                                    {"name": "二等奖", "min_score": "85"}])
    assert _messages(exc) == ["「二等奖」的最低分应低于上一奖项「一等奖」的85 分（分数段自高到低）。"]


# --- competitions and groups -------------------------------------------------------------------


def _fields(**overrides):
    now = timezone.now()
    return {"name": "2026 年初中数学优质课评比", "year": 2026, "level": "district",
            "organiser": "示范区教师发展中心", "quota_per_school": 2,
            "entry_opens": now, "entry_closes": now + timedelta(days=20),
            "recommend_closes": now + timedelta(days=25), "award_method": "quota",
            "award_tiers": [{"name": "一等奖", "share": "0.15"}], **overrides}


def test_create_is_a_draft_and_audited(world):
    competition = competition_create(actor=staff(world), **_fields())
    assert (competition.status, competition.created_by) == (C.DRAFT, staff(world))
    log = AuditLog.objects.get(action="review.competition.create")
    assert log.after["award_tiers"] == [{"name": "一等奖", "share": "0.15"}]


def test_create_refusals(world):
    with pytest.raises(PermissionDenied):
        competition_create(actor=world.teacher_a.user, **_fields())
    now = timezone.now()
    with pytest.raises(ValidationError) as exc:
        competition_create(actor=staff(world), **_fields(recommend_closes=now + timedelta(days=1)))
    assert _messages(exc) == ["学校推荐截止时间不能早于报名截止时间。"]
    with pytest.raises(ValidationError) as exc:
        competition_create(actor=staff(world), **_fields(entry_closes=now))
    assert _messages(exc) == ["报名截止时间应晚于报名开始时间。"]
    assert Competition.objects.count() == 0


def test_groups_get_code_letters_in_order_or_the_one_given(world):
    competition = competition_create(actor=staff(world), **_fields())
    first = group_create(actor=staff(world), competition=competition, name="初中数学组",
                         stage="junior")
    second = group_create(actor=staff(world), competition=competition, name="小学数学组",
                          stage="primary", code_prefix="p")
    third = group_create(actor=staff(world), competition=competition, name="高中数学组")
    assert [first.code_prefix, second.code_prefix, third.code_prefix] == ["A", "P", "B"]
    with pytest.raises(ValidationError) as exc:
        group_create(actor=staff(world), competition=competition, name="初中数学组")
    assert _messages(exc) == ["组别「初中数学组」已存在。"]
    with pytest.raises(ValidationError) as exc:
        group_update(actor=staff(world), group=third, code_prefix="A")
    assert _messages(exc) == ["作品编号字母「A」已被其他组别使用。"]
    with pytest.raises(ValidationError) as exc:
        group_update(actor=staff(world), group=third, code_prefix="数")
    assert _messages(exc) == ["作品编号字母应为 1 个大写字母，或 1 个字母加 1 个字母或数字（如 A、B2）。"]


def test_a_group_with_codes_keeps_its_letter_and_a_group_with_entries_stays(world):
    competition, group = competition_with_group()
    submitted(world.teacher_a, group)
    group.refresh_from_db()
    with pytest.raises(ValidationError) as exc:
        group_update(actor=staff(world), group=group, code_prefix="Z")
    assert _messages(exc) == ["本组已有作品编号，不能再修改编号字母。"]
    with pytest.raises(ValidationError) as exc:
        group_delete(actor=staff(world), group=group)
    assert _messages(exc) == ["组别「初中数学组」已有作品，不能删除。"]
    group_update(actor=staff(world), group=group, quota_per_school=3)
    group.refresh_from_db()
    assert (group.quota, group.code_prefix) == (3, "A")


# --- status moves -------------------------------------------------------------------------------


def test_open_needs_a_group(world):
    competition = competition_create(actor=staff(world), **_fields())
    with pytest.raises(ValidationError) as exc:
        competition_transition(competition, C.OPEN, actor=staff(world))
    assert _messages(exc) == ["请先添加至少一个组别，再开放报名。"]
    group_create(actor=staff(world), competition=competition, name="初中数学组")
    competition_transition(competition, C.OPEN, actor=staff(world))
    competition.refresh_from_db()
    assert competition.status == C.OPEN
    log = AuditLog.objects.get(action="review.competition.transition")
    assert (log.before, log.after) == ({"status": "draft"}, {"status": "open"})


def test_back_to_draft_only_before_anything_is_submitted(world):
    competition, group = competition_with_group()
    competition_transition(competition, C.DRAFT, actor=staff(world))
    competition_transition(competition, C.OPEN, actor=staff(world))
    submitted(world.teacher_a, group)
    with pytest.raises(ValidationError) as exc:
        competition_transition(competition, C.DRAFT, actor=staff(world))
    assert _messages(exc) == ["已有作品提交，不能退回筹备；如需停止报名可修改报名截止时间。"]


def test_cancel_needs_a_reason_and_is_final(world):
    competition, _ = competition_with_group()
    with pytest.raises(ValidationError) as exc:
        competition_transition(competition, C.CANCELLED, actor=staff(world), reason=" ")
    assert _messages(exc) == ["取消评比活动请填写原因。"]
    competition_transition(competition, C.CANCELLED, actor=staff(world), reason="上级通知停办")
    assert AuditLog.objects.get(action="review.competition.transition").reason == "上级通知停办"
    with pytest.raises(ValidationError) as exc:
        competition_transition(competition, C.OPEN, actor=staff(world))
    assert _messages(exc) == ["评比活动当前为「已取消」，不能改为「报名中」。"]


def test_review_starts_when_the_form_check_is_done(world):
    competition, group = competition_with_group()
    with pytest.raises(ValidationError) as exc:
        competition_transition(competition, C.REVIEWING, actor=staff(world))
    assert _messages(exc) == ["还没有通过形式审查的作品，不能进入评审。"]
    entry = recommended(world.teacher_a, group, school_admin(world))
    with pytest.raises(ValidationError) as exc:
        competition_transition(competition, C.REVIEWING, actor=staff(world))
    assert _messages(exc) == ["还有 1 件作品待形式审查，请先完成形式审查。"]
    entry_accept(actor=staff(world), entry=entry)
    competition_transition(competition, C.REVIEWING, actor=staff(world))
    competition.refresh_from_db()
    assert competition.status == C.REVIEWING


def test_in_review_only_description_and_awards_change(world):
    competition = CompetitionFactory(status=C.REVIEWING)
    with pytest.raises(ValidationError) as exc:
        competition_update(actor=staff(world), competition=competition, quota_per_school=5)
    assert _messages(exc) == ["评比活动已进入评审，只能修改说明与奖项设置。"]
    competition_update(actor=staff(world), competition=competition, award_method="bands",
                       award_tiers=[{"name": "一等奖", "min_score": "90"}])
    competition.refresh_from_db()
    assert competition.award_tiers == [{"name": "一等奖", "min_score": "90"}]


def test_only_the_centre_manages(world):
    competition = CompetitionFactory()
    for role in (Role.LEADER, Role.SCHOOL_ADMIN, Role.TEACHER, Role.JUDGE):
        with pytest.raises(PermissionDenied):
            competition_transition(competition, C.CANCELLED, actor=world.users[str(role)],
                                   reason="x")
    with pytest.raises(PermissionDenied):
        group_create(actor=world.users[str(Role.LEADER)], competition=competition, name="x")
    assert GroupFactory._meta.model.objects.count() == 0
    competition.refresh_from_db()
    assert competition.status == CompetitionStatus.OPEN


def test_a_name_is_used_once_a_year(world):
    competition_create(actor=staff(world), **_fields())
    with pytest.raises(ValidationError) as exc:
        competition_create(actor=staff(world), **_fields())
    assert _messages(exc) == ["2026 年已有「2026 年初中数学优质课评比」，请换一个名称。"]
