"""学校推荐 within the quota, and the centre's 形式审查: every refusal leaves the entry as it was."""

from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from tests.factories import TeacherFactory
from tests.review_web.factories_entries import (
    accepted,
    competition_with_group,
    full_input,
    recommended,
    school_admin,
    staff,
    submitted,
)
from yanxun.core.models import AuditLog
from yanxun.review.entries import entry_update, entry_withdraw
from yanxun.review.enums import EntryStatus
from yanxun.review.models import Entry
from yanxun.review.recommend import (
    entries_accept_complete,
    entry_accept,
    entry_not_recommend,
    entry_recommend,
    entry_reject,
    entry_reopen_check,
    entry_return,
    entry_unrecommend,
)

E = EntryStatus


def _messages(exc_info) -> list[str]:
    return exc_info.value.messages


def _status(entry) -> str:
    entry.refresh_from_db()
    return entry.status


def _teachers(school, n):
    return [TeacherFactory(school=school) for _ in range(n)]


def test_the_quota_is_per_school_and_group(world):
    _, group = competition_with_group(quota=2)
    entries = [submitted(t, group, f"课例{i}") for i, t in enumerate(_teachers(world.school_a, 3))]
    other_school = submitted(world.teacher_b, group, "城西课例")
    for entry in entries[:2]:
        entry_recommend(actor=school_admin(world), entry=entry)
    with pytest.raises(ValidationError) as exc:
        entry_recommend(actor=school_admin(world), entry=entries[2])
    assert _messages(exc) == ["本校在「初中数学组」已推荐 2 件，达到每校 2 件的上限。"]
    assert _status(entries[2]) == E.SUBMITTED
    entry_recommend(actor=staff(world), entry=other_school)  # another school's quota
    recommended_now = Entry.objects.filter(status=E.RECOMMENDED)
    assert sorted(recommended_now.values_list("code", flat=True)) == ["A0001", "A0002", "A0004"]
    entry = Entry.objects.get(code="A0001")
    assert (entry.recommended_by, entry.recommended_at is not None) == (school_admin(world), True)


def test_a_groups_own_quota_wins_and_accepted_entries_count(world):
    _, group = competition_with_group(quota=3, group_quota=1)
    first, second = (submitted(t, group) for t in _teachers(world.school_a, 2))
    entry_recommend(actor=school_admin(world), entry=first)
    entry_accept(actor=staff(world), entry=first)
    with pytest.raises(ValidationError) as exc:
        entry_recommend(actor=school_admin(world), entry=second)
    assert _messages(exc) == ["本校在「初中数学组」已推荐 1 件，达到每校 1 件的上限。"]


def test_undoing_a_recommendation_frees_the_quota(world):
    _, group = competition_with_group(quota=1)
    first, second = (submitted(t, group) for t in _teachers(world.school_a, 2))
    entry_recommend(actor=school_admin(world), entry=first)
    entry_unrecommend(actor=school_admin(world), entry=first)
    entry_recommend(actor=school_admin(world), entry=second)
    assert (_status(first), _status(second)) == (E.SUBMITTED, E.RECOMMENDED)
    first.refresh_from_db()
    assert (first.recommended_by, first.recommended_at) == (None, None)


def test_a_school_admin_cannot_act_on_another_schools_entry(world):
    _, group = competition_with_group()
    entry = submitted(world.teacher_b, group)
    for call in (lambda: entry_recommend(actor=school_admin(world), entry=entry),
                 lambda: entry_not_recommend(actor=school_admin(world), entry=entry, reason="x"),
                 lambda: entry_return(actor=school_admin(world), entry=entry, reason="x")):
        with pytest.raises(PermissionDenied) as exc:
            call()
        assert str(exc.value) == "只能对本校的作品作推荐决定。"
    with pytest.raises(PermissionDenied) as exc:
        entry_recommend(actor=world.teacher_a.user, entry=entry)
    assert str(exc.value) == "无权推荐作品。"
    assert _status(entry) == E.SUBMITTED


def test_after_the_recommendation_deadline_only_staff_act(world):
    now = timezone.now()
    _, group = competition_with_group(entry_closes=now + timedelta(days=1),
                                      recommend_closes=now + timedelta(days=2))
    entry = submitted(world.teacher_a, group, now=now)
    late = now + timedelta(days=3)
    with pytest.raises(ValidationError) as exc:
        entry_recommend(actor=school_admin(world), entry=entry, now=late)
    stamp = f"{timezone.localtime(group.competition.recommend_closes):%Y-%m-%d %H:%M}"
    assert _messages(exc) == [f"学校推荐已于 {stamp} 截止，之后由中心工作人员处理。"]
    entry_recommend(actor=staff(world), entry=entry, now=late)
    assert _status(entry) == E.RECOMMENDED


def test_not_recommending_and_returning_need_a_reason(world):
    _, group = competition_with_group()
    first, second = (submitted(t, group) for t in _teachers(world.school_a, 2))
    for call in (entry_not_recommend, entry_return):
        with pytest.raises(ValidationError) as exc:
            call(actor=school_admin(world), entry=first, reason="  ")
        assert _messages(exc)[0].endswith("请填写原因。")
    entry_not_recommend(actor=school_admin(world), entry=first, reason="校内评选未入选")
    entry_return(actor=school_admin(world), entry=second, reason="视频链接无法打开")
    first.refresh_from_db()
    second.refresh_from_db()
    assert (first.status, first.status_reason) == (E.NOT_RECOMMENDED, "校内评选未入选")
    assert (second.status, second.status_reason) == (E.RETURNED, "视频链接无法打开")
    log = AuditLog.objects.get(action="review.entry.not_recommend")
    assert (log.reason, log.before, log.after) == ("校内评选未入选", {"status": "submitted"},
                                                   {"status": "not_recommended"})
    entry_recommend(actor=school_admin(world), entry=first)  # the school changes its mind
    assert _status(first) == E.RECOMMENDED


# --- 形式审查 -------------------------------------------------------------------------------------


def test_accept_reject_and_return_by_the_centre(world):
    _, group = competition_with_group(quota=3)
    a, b, c = (recommended(t, group, school_admin(world)) for t in _teachers(world.school_a, 3))
    entry_accept(actor=staff(world), entry=a)
    entry_reject(actor=staff(world), entry=b, reason="非原创")
    entry_return(actor=staff(world), entry=c, reason="请补充教学反思")
    rows = {e.code: (e.status, e.status_reason, e.checked_by_id)
            for e in Entry.objects.order_by("code")}
    assert rows == {"A0001": (E.ACCEPTED, "", staff(world).pk),
                    "A0002": (E.REJECTED, "非原创", staff(world).pk),
                    "A0003": (E.RETURNED, "请补充教学反思", None)}
    entry_reopen_check(actor=staff(world), entry=b)
    assert _status(b) == E.RECOMMENDED


def test_a_school_admin_cannot_check_forms(world):
    _, group = competition_with_group()
    entry = recommended(world.teacher_a, group, school_admin(world))
    with pytest.raises(PermissionDenied):
        entry_accept(actor=school_admin(world), entry=entry)
    with pytest.raises(PermissionDenied):
        entry_return(actor=school_admin(world), entry=entry, reason="x")
    assert _status(entry) == E.RECOMMENDED


def test_an_incomplete_entry_is_not_accepted(world):
    competition, group = competition_with_group()
    entry = recommended(world.teacher_a, group, school_admin(world))
    competition.entry_fields = [*competition.entry_fields, {
        "key": "f1", "label": "教学反思", "kind": "textarea", "required": True,
        "identifying": False, "help": ""}]
    competition.save()
    entry.refresh_from_db()
    with pytest.raises(ValidationError) as exc:
        entry_accept(actor=staff(world), entry=entry)
    assert _messages(exc) == ["作品 A0001 缺少必填材料：教学反思；请退回修改或审查不通过。"]


def test_bulk_accept_takes_only_complete_entries(world):
    competition, group = competition_with_group(quota=3)
    entries = [recommended(t, group, school_admin(world)) for t in _teachers(world.school_a, 3)]
    Entry.objects.filter(pk=entries[1].pk).update(form_data={})  # a link lost after checking
    fresh = list(Entry.objects.filter(competition=competition).select_related("competition")
                 .order_by("code"))
    result = entries_accept_complete(actor=staff(world), entries=fresh)
    assert (result.accepted, result.incomplete) == (["A0001", "A0003"], ["A0002"])
    assert [_status(e) for e in entries] == [E.ACCEPTED, E.RECOMMENDED, E.ACCEPTED]


def test_entry_update_refused_for_a_recommended_entry(world):
    _, group = competition_with_group()
    entry = recommended(world.teacher_a, group, school_admin(world))
    with pytest.raises(ValidationError) as exc:
        entry_update(actor=world.teacher_a.user, entry=entry, data=full_input("新题目"))
    assert _messages(exc) == ["作品当前为「待形式审查」，不能修改。"]


def test_decisions_stop_when_the_review_starts(world):
    competition, group = competition_with_group()
    entry = accepted(world.teacher_a, group, school_admin(world), staff(world))
    second = submitted(TeacherFactory(school=world.school_a), group)
    competition.status = "reviewing"
    competition.save()
    second.refresh_from_db()
    with pytest.raises(ValidationError) as exc:
        entry_recommend(actor=staff(world), entry=second)
    assert _messages(exc) == ["评比活动评审中，不能再作推荐决定。"]
    with pytest.raises(ValidationError) as exc:
        entry_reopen_check(actor=staff(world), entry=entry)
    assert _messages(exc) == ["评比活动评审中，不能再进行形式审查。"]
    with pytest.raises(ValidationError) as exc:
        entry_withdraw(actor=second.teacher.user, entry=second)
    assert _messages(exc) == ["评比活动已不在报名阶段，不能撤回。"]
    assert (_status(entry), _status(second)) == (E.ACCEPTED, E.SUBMITTED)
