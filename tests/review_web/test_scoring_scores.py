"""Scoring rules: draft, submit, abstain, reopen; every refusal changes nothing; save and
next; peers' scores per the round's visibility; what a judge sees of an entry."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404

from tests.review_web.factories import (
    AssignmentFactory,
    EntryFactory,
    RoundFactory,
    RubricFactory,
    ScoreFactory,
)
from yanxun.core.models import AuditLog
from yanxun.review import scoring
from yanxun.review.entries import blind_file_name
from yanxun.review.enums import PeerVisibility, RoundStatus, ScoreStatus
from yanxun.review.models import Assignment, EntryFile, RoundJudge, Score

S = ScoreStatus


@pytest.fixture
def job(world):
    """An assignment of the world's judge in an open blind round (classroom rubric, step 1)."""
    judge = world.users["judge"]
    assignment = AssignmentFactory(judge=judge)
    RoundJudge.objects.create(round=assignment.round, judge=judge)
    return assignment


def _items(assignment, *values):
    return {str(i.pk): v for i, v in zip(assignment.round.rubric.items.all(), values,
                                         strict=True)}


def test_draft_then_submit(job, world):
    judge = world.users["judge"]
    draft = scoring.score_save(actor=judge, assignment=job, items=_items(job, "8", "", "", "", ""),
                               comment=" 目标清楚 ")
    assert (draft.status, draft.items, draft.total, draft.comment) == (
        S.DRAFT, {str(job.round.rubric.items.first().pk): "8"}, None, "目标清楚")
    submitted = scoring.score_save(actor=judge, assignment=job,
                                   items=_items(job, "8", "13", "22", "27", "18"), submit=True)
    score = Score.objects.get(pk=submitted.pk)
    assert (score.status, score.total, score.submitted_at is not None) == (S.SUBMITTED,
                                                                           Decimal("88"), True)
    assert list(AuditLog.objects.filter(object_type="review.score").order_by("pk").values_list(
        "action", flat=True)) == ["review.score.save", "review.score.save", "review.score.submit"]


def _refused(job, judge, expected, **kwargs):
    before = list(Score.objects.values_list("pk", "status", "items", "total"))
    with pytest.raises((ValidationError, PermissionDenied, Http404)) as caught:
        scoring.score_save(actor=judge, assignment=job, **kwargs)
    assert list(Score.objects.values_list("pk", "status", "items", "total")) == before
    messages = getattr(caught.value, "messages", None) or [str(caught.value)]
    assert messages == expected


def test_refusals_change_nothing(job, world):
    judge = world.users["judge"]
    _refused(job, judge, ["「教学目标」应在 0 到 10 分之间。", "「教学内容」应在 0 到 15 分之间。"],
             items=_items(job, "10.5", "-1", "20", "20", "20"), submit=True)
    _refused(job, judge, ["「教学目标」只能按 1 分的步长给分（整数分）。"],
             items=_items(job, "8.5", "13", "22", "27", "18"), submit=True)
    _refused(job, judge, ["「教学目标」应为数字。", "请为「教学内容」打分。"],
             items=_items(job, "八", "", "22", "27", "18"), submit=True)
    _refused(job, world.users["trainer"], ["该作品未分配给您，不能评分。"],
             items=_items(job, "8", "13", "22", "27", "18"), submit=True)
    scoring.score_save(actor=judge, assignment=job, items=_items(job, "8", "13", "22", "27", "18"),
                       submit=True)
    _refused(job, judge, ["您已提交该作品的评分，不能再次提交或修改；如需修改，请联系组织者重新开放。"],
             items=_items(job, "9", "13", "22", "27", "18"), submit=True)


def test_outside_the_window_or_round_not_scoring(job, world):
    judge, items = world.users["judge"], _items(job, "8", "13", "22", "27", "18")
    late = job.round.closes_at + timedelta(minutes=1)
    _refused(job, judge, ["本轮评分时间为 "
                          f"{scoring.timezone.localtime(job.round.opens_at):%Y-%m-%d %H:%M} 至 "
                          f"{scoring.timezone.localtime(job.round.closes_at):%Y-%m-%d %H:%M}，"
                          "现在不在评分时间内。"], items=items, submit=True, now=late)
    job.round.status = RoundStatus.CLOSED
    job.round.save()
    _refused(job, judge, ["本轮当前为「评分结束」，不在评分阶段。"], items=items)


def test_half_points_on_a_half_point_rubric(world):
    judge = world.users["judge"]
    rubric = RubricFactory(step=Decimal("0.5"), with_items=[("说课", "10"), ("答辩", "5")])
    job = AssignmentFactory(judge=judge, round=RoundFactory(rubric=rubric))
    RoundJudge.objects.create(round=job.round, judge=judge)
    score = scoring.score_save(actor=judge, assignment=job, items=_items(job, "8.5", "4.5"),
                               submit=True)
    assert (score.items, score.total) == (_items(job, "8.5", "4.5"), Decimal("13"))
    job2 = AssignmentFactory(judge=judge, round=job.round)
    _refused(job2, judge, ["「说课」只能按 0.5 分的步长给分（可给半分）。"],
             items=_items(job2, "8.25", "4"), submit=True)


def test_abstain_needs_permission_of_the_round_and_a_reason(job, world):
    judge = world.users["judge"]
    with pytest.raises(ValidationError) as caught:
        scoring.score_abstain(actor=judge, assignment=job, reason=" ")
    assert caught.value.messages == ["请填写回避或弃评的原因。"]
    score = scoring.score_abstain(actor=judge, assignment=job, reason="作者是我以前的学生")
    assert (score.status, score.comment) == (S.ABSTAINED, "作者是我以前的学生")
    job.round.allow_abstain = False
    job.round.save()
    other = AssignmentFactory(judge=judge, round=job.round)
    with pytest.raises(ValidationError) as caught:
        scoring.score_abstain(actor=judge, assignment=other, reason="x")
    assert caught.value.messages == ["本轮不允许评委回避或弃评。"]


def test_staff_reopen_with_a_reason_then_the_judge_resubmits(job, world):
    judge, trainer = world.users["judge"], world.users["trainer"]
    score = scoring.score_save(actor=judge, assignment=job,
                               items=_items(job, "8", "13", "22", "27", "18"), submit=True)
    with pytest.raises(PermissionDenied):
        scoring.score_reopen(actor=judge, score=score, reason="想改")
    with pytest.raises(ValidationError) as caught:
        scoring.score_reopen(actor=trainer, score=score, reason="")
    assert caught.value.messages == ["请填写重新开放的原因。"]
    scoring.score_reopen(actor=trainer, score=score, reason="分项录入错误")
    score.refresh_from_db()
    assert (score.status, score.submitted_at, score.total) == (S.DRAFT, None, Decimal("88"))
    log = AuditLog.objects.get(action="review.score.reopen")
    assert (log.actor, log.reason, log.before, log.after) == (
        trainer, "分项录入错误", {"status": "submitted"}, {"status": "draft"})
    scoring.score_save(actor=judge, assignment=job, items=_items(job, "9", "13", "22", "27", "18"),
                       submit=True)
    score.refresh_from_db()
    assert (score.status, score.total) == (S.SUBMITTED, Decimal("89"))


def test_save_and_next_follows_positions_and_wraps(world):
    judge = world.users["judge"]
    round_ = RoundFactory()
    RoundJudge.objects.create(round=round_, judge=judge)
    jobs = [AssignmentFactory(round=round_, judge=judge, position=p) for p in (1, 2, 3, 4)]
    ScoreFactory(assignment=jobs[2])  # submitted
    ScoreFactory(assignment=jobs[0], status=S.DRAFT, total=None, items={})
    assert scoring.next_unscored(jobs[1]) == jobs[3]
    assert scoring.next_unscored(jobs[3]) == jobs[0]  # wraps; a draft is still to do
    ScoreFactory(assignment=jobs[3])
    ScoreFactory(assignment=jobs[1])
    Score.objects.filter(assignment=jobs[0]).update(status=S.SUBMITTED, total=80)
    assert scoring.next_unscored(jobs[1]) is None


def test_peer_scores_per_visibility(job, world):
    judge = world.users["judge"]
    peer = AssignmentFactory(round=job.round, entry=job.entry)
    ScoreFactory(assignment=peer, total=Decimal("91"), comment="很好")
    assert scoring.peer_scores(job) is None  # never (the default)
    job.round.peer_visibility = PeerVisibility.AFTER_SUBMIT
    assert scoring.peer_scores(job) is None
    scoring.score_save(actor=judge, assignment=job, items=_items(job, "8", "13", "22", "27", "18"),
                       submit=True)
    assert scoring.peer_scores(job) == [scoring.PeerScore("评委 1", Decimal("91"), "很好")]
    job.round.peer_visibility = PeerVisibility.ALWAYS
    other = AssignmentFactory(round=job.round, entry=job.entry)
    assert [p.total for p in scoring.peer_scores(other)] == [Decimal("91"), Decimal("88")]


def test_judge_rounds_progress(job, world):
    judge = world.users["judge"]
    AssignmentFactory(round=job.round, judge=judge)
    third = AssignmentFactory(round=job.round, judge=judge)
    ScoreFactory(assignment=third)
    [row] = scoring.judge_rounds(judge)
    assert (row.round, row.assigned, row.done, row.drafts, row.open) == (job.round, 3, 1, 0, True)


def test_entry_view_hides_identity_in_blind_rounds(world):
    entry = EntryFactory(teacher=world.teacher_a, code="A0077", title="函数的单调性",
                         form_data={"video": "https://v.example.cn/77", "intro": "张晓明简介"})
    entry.co_authors.add(world.teacher_b)
    blind = RoundFactory(competition=entry.competition)
    view = scoring.entry_view(entry, blind)
    assert (view.code, view.title, view.fields, view.authors, view.school) == (
        "A0077", "函数的单调性", [("课堂实录链接", "url", "https://v.example.cn/77")], [], "")
    open_round = RoundFactory(competition=entry.competition, blind=False)
    view = scoring.entry_view(entry, open_round)
    assert (view.fields[-1], view.authors, view.school) == (
        ("作者简介", "textarea", "张晓明简介"), ["张晓明", "李秋华"], "城东实验学校")
    pdf = EntryFile(entry=entry, field_key="plan", original_name="张晓明-教学设计.PDF",
                    content_type="application/pdf")
    docx = EntryFile(entry=entry, field_key="plan", original_name="x.doc", content_type=(
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document"))
    assert blind_file_name(pdf) == "A0077-教学设计.pdf"
    assert blind_file_name(docx, 1) == "A0077-教学设计-2.docx"  # the type found, not the name


def test_judge_assignment_lookup(job, world):
    judge = world.users["judge"]
    assert scoring.judge_assignment(judge, job.pk) == job
    with pytest.raises(Http404):
        scoring.judge_assignment(world.users["trainer"], job.pk)
    RoundJudge.objects.filter(judge=judge).delete()
    with pytest.raises(Http404):
        scoring.judge_assignment(judge, job.pk)
    assert Assignment.objects.filter(pk=job.pk).exists()
