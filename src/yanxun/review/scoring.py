"""Scoring (评分): what a judge may see and do, for the judge's pages and the API alike.

A judge works on a round while they hold SCORE_ENTRIES, sit on its panel, and the round is
SCORING inside its window. They see only their assignments; in a blind round an entry shows
its code, title, group and the form fields not marked identifying, with files named
"<code>-<field label>.<ext>" — never an author, co-author or school. A score is saved as a
draft (暂存) or submitted (提交, once); an item must lie in [0, its full score] on the rubric's
step. Staff reopen a submitted score with a reason; everything is audited.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Count, Q
from django.http import Http404
from django.utils import timezone

from yanxun.core.audit import audit_record
from yanxun.core.permissions import has_perm
from yanxun.review import rules, workflow
from yanxun.review.entries import blind_file_name
from yanxun.review.enums import FieldKind, PeerVisibility, RoundStatus, ScoreStatus
from yanxun.review.models import Assignment, Entry, EntryFile, Round, RoundJudge, Score
from yanxun.review.rubrics import on_step, parse_points

S = ScoreStatus
DONE = (S.SUBMITTED, S.ABSTAINED)
COMMENT_MAX = 2000
STATUS_LABELS = {None: "未评", S.DRAFT: "暂存", S.SUBMITTED: "已提交", S.ABSTAINED: "已回避"}


# --- who may score what --------------------------------------------------------------------------


def window_problem(round_: Round, now: datetime | None = None) -> str:
    """Why the round cannot be scored now ("" when it can)."""
    now = now or timezone.now()
    if round_.status != RoundStatus.SCORING:
        return f"本轮当前为「{RoundStatus(round_.status).label}」，不在评分阶段。"
    if not round_.opens_at <= now < round_.closes_at:
        start = timezone.localtime(round_.opens_at).strftime("%Y-%m-%d %H:%M")
        end = timezone.localtime(round_.closes_at).strftime("%Y-%m-%d %H:%M")
        return f"本轮评分时间为 {start} 至 {end}，现在不在评分时间内。"
    return ""


def _may_judge(user, round_: Round, now: datetime | None = None) -> None:
    if not has_perm(user, rules.SCORE_ENTRIES):
        raise PermissionDenied("无评分权限。")
    if not RoundJudge.objects.filter(round=round_, judge=user).exists():
        raise Http404("不在本轮评委名单中")
    problem = window_problem(round_, now)
    if problem:
        raise PermissionDenied(problem)


def judge_round(user, pk: int, now: datetime | None = None) -> Round:
    """A round the judge may work on now (404 when not on its panel, 403 outside window)."""
    if not has_perm(user, rules.SCORE_ENTRIES):
        raise PermissionDenied("无评分权限。")
    round_ = Round.objects.select_related("competition", "rubric").filter(pk=pk).first()
    if round_ is None:
        raise Http404("轮次不存在")
    _may_judge(user, round_, now)
    return round_


def judge_assignment(user, pk: int, now: datetime | None = None) -> Assignment:
    """One of the judge's own assignments in a round open for scoring."""
    if not has_perm(user, rules.SCORE_ENTRIES):
        raise PermissionDenied("无评分权限。")
    assignment = (Assignment.objects.select_related("round__competition", "round__rubric",
                                                    "entry__group")
                  .filter(pk=pk, judge=user).first())
    if assignment is None:
        raise Http404("该作品未分配给您")
    _may_judge(user, assignment.round, now)
    return assignment


# --- the judge's lists ---------------------------------------------------------------------------


@dataclass(frozen=True)
class JudgeRound:
    round: Round
    assigned: int
    done: int
    drafts: int
    problem: str  # why it cannot be scored now ("" when it can)

    @property
    def open(self) -> bool:
        return not self.problem


def judge_rounds(user, now: datetime | None = None) -> list[JudgeRound]:
    """我的评审: every round the user sits on, with progress n/m, newest first."""
    now = now or timezone.now()
    rounds = (Round.objects.filter(panel__judge=user).select_related("competition")
              .annotate(assigned=Count("assignments", filter=Q(assignments__judge=user),
                                       distinct=True),
                        done=Count("assignments", filter=Q(assignments__judge=user,
                                                           assignments__score__status__in=DONE),
                                   distinct=True),
                        drafts=Count("assignments", filter=Q(
                            assignments__judge=user, assignments__score__status=S.DRAFT),
                            distinct=True))
              .order_by("-closes_at", "-pk"))
    return [JudgeRound(r, r.assigned, r.done, r.drafts, window_problem(r, now)) for r in rounds]


@dataclass(frozen=True)
class AssignmentRow:
    pk: int
    position: int
    code: str
    title: str
    group: str
    status: str | None
    total: Decimal | None

    @property
    def status_label(self) -> str:
        return STATUS_LABELS[S(self.status) if self.status else None]


def my_assignments(user, round_: Round) -> list[AssignmentRow]:
    """The judge's entries of the round in "save and next" order: code, title, status."""
    rows = (Assignment.objects.filter(round=round_, judge=user)
            .order_by("position", "pk")
            .values_list("pk", "position", "entry__code", "entry__title", "entry__group__name",
                         "score__status", "score__total"))
    return [AssignmentRow(*row) for row in rows]


def next_unscored(assignment: Assignment) -> Assignment | None:
    """The judge's next entry without a submitted score, after this one in position order
    (wrapping to the start); None when every other one is done."""
    todo = (Assignment.objects.filter(round=assignment.round_id, judge=assignment.judge_id)
            .exclude(pk=assignment.pk).exclude(score__status__in=DONE)
            .order_by("position", "pk"))
    after = todo.filter(Q(position__gt=assignment.position)
                        | Q(position=assignment.position, pk__gt=assignment.pk)).first()
    return after or todo.first()


# --- what a judge sees of an entry ---------------------------------------------------------------


@dataclass(frozen=True)
class FileLink:
    pk: int
    field_label: str
    name: str  # the download name (blind: "<code>-<field label>.<ext>")
    size: int


@dataclass(frozen=True)
class EntryView:
    code: str
    title: str
    group: str
    fields: list[tuple[str, str, str]]  # (label, kind, value) — text, textarea or url
    files: list[FileLink]
    blind: bool
    authors: list[str] = field(default_factory=list)  # empty in blind rounds
    school: str = ""  # empty in blind rounds


def _visible_fields(entry: Entry, blind: bool) -> list[dict]:
    return [f for f in (entry.competition.entry_fields or [])
            if not (blind and f.get("identifying"))]


def entry_view(entry: Entry, round_: Round) -> EntryView:
    blind = round_.blind
    shown = _visible_fields(entry, blind)
    data = entry.form_data or {}
    fields = [(str(f.get("label") or f.get("key")), str(f.get("kind", FieldKind.TEXT)),
               str(data.get(f.get("key"), "") or ""))
              for f in shown if f.get("kind") != FieldKind.FILE]
    keys = [str(f.get("key")) for f in shown if f.get("kind") == FieldKind.FILE]
    labels = {str(f.get("key")): str(f.get("label") or f.get("key")) for f in shown}
    files = []
    for key in keys:
        for n, item in enumerate(f for f in entry.files.all() if f.field_key == key):
            name = blind_file_name(item, n) if blind else item.original_name
            files.append(FileLink(item.pk, labels[key], name, item.size))
    view = EntryView(entry.code, entry.title, entry.group.name, fields, files, blind)
    if blind:
        return view
    authors = [entry.teacher.name, *(t.name for t in entry.co_authors.all())]
    return EntryView(view.code, view.title, view.group, fields, files, False, authors,
                     entry.school.name)


def entry_file(assignment: Assignment, file_pk: int) -> tuple[EntryFile, str]:
    """A file of the assigned entry the judge may open, with the name to serve it under."""
    entry = assignment.entry
    shown = {str(f.get("key")) for f in _visible_fields(entry, assignment.round.blind)
             if f.get("kind") == FieldKind.FILE}
    files = [f for f in entry.files.all() if f.field_key in shown]
    for key in shown:
        for n, item in enumerate(f for f in files if f.field_key == key):
            if item.pk == file_pk:
                name = blind_file_name(item, n) if assignment.round.blind else item.original_name
                return item, name
    raise Http404("文件不存在")


@dataclass(frozen=True)
class PeerScore:
    label: str  # 评委 1, 评委 2 … (never a name)
    total: Decimal | None
    comment: str


def peer_scores(assignment: Assignment) -> list[PeerScore] | None:
    """Other judges' submitted scores of this entry, as the round's peer visibility allows
    (None: not shown)."""
    visibility = assignment.round.peer_visibility
    if visibility == PeerVisibility.NEVER:
        return None
    if visibility == PeerVisibility.AFTER_SUBMIT:
        own = Score.objects.filter(assignment=assignment).values_list("status", flat=True).first()
        if own not in DONE:
            return None
    rows = (Score.objects.filter(assignment__round=assignment.round_id,
                                 assignment__entry=assignment.entry_id, status=S.SUBMITTED)
            .exclude(assignment=assignment).order_by("assignment__position", "pk")
            .values_list("total", "comment"))
    return [PeerScore(f"评委 {n}", total, comment) for n, (total, comment)
            in enumerate(rows, start=1)]


# --- saving a score ------------------------------------------------------------------------------


def _points_text(value: Decimal) -> str:
    text = format(value.quantize(Decimal("0.1")), "f")
    return text[:-2] if text.endswith(".0") else text


def _clean_items(round_: Round, raw: Mapping[str, object], *, complete: bool) -> dict[str, str]:
    """Check every item: a number in [0, full score], a multiple of the rubric's step;
    on submission every item is required."""
    items = list(round_.rubric.items.order_by("position", "pk"))
    known = {str(i.pk) for i in items}
    stray = [k for k in raw if str(k) not in known]
    if stray:
        raise ValidationError("评分项目与本轮量表不符，请刷新页面后重试。")
    step, errors, out = Decimal(round_.rubric.step), [], {}
    for item in items:
        value = raw.get(str(item.pk))
        if value is None or str(value).strip() == "":
            if complete:
                errors.append(f"请为「{item.name}」打分。")
            continue
        try:
            points = parse_points(value, item.name)
        except ValidationError as exc:
            errors.extend(exc.messages)
            continue
        if not Decimal("0") <= points <= item.max_score:
            errors.append(f"「{item.name}」应在 0 到 {_points_text(item.max_score)} 分之间。")
        elif not on_step(points, step):
            errors.append(f"「{item.name}」只能按 {_points_text(step)} 分的步长给分"
                          f"{'（整数分）' if step == 1 else '（可给半分）'}。")
        else:
            out[str(item.pk)] = _points_text(points)
    if errors:
        raise ValidationError(errors)
    return out


def _check_writable(actor, assignment: Assignment, now: datetime | None) -> Score | None:
    """Refusals shared by saving and abstaining; returns the judge's score so far."""
    if assignment.judge_id != getattr(actor, "pk", None):
        raise PermissionDenied("该作品未分配给您，不能评分。")
    _may_judge(actor, assignment.round, now)
    score = Score.objects.select_for_update().filter(assignment=assignment).first()
    if score is not None and score.status == S.SUBMITTED:
        raise ValidationError("您已提交该作品的评分，不能再次提交或修改；如需修改，请联系组织者重新开放。")
    if score is not None and score.status == S.ABSTAINED:
        raise ValidationError("您已回避该作品，不能再评分；如需评分，请联系组织者重新开放。")
    return score


def _picture(score: Score | None) -> dict | None:
    if score is None:
        return None
    return {"items": score.items, "total": None if score.total is None else str(score.total),
            "comment": score.comment, "status": str(score.status)}


def score_save(*, actor, assignment: Assignment, items: Mapping[str, object], comment: str = "",
               submit: bool = False, now: datetime | None = None) -> Score:
    """暂存 (draft: any items so far) or 提交 (every item; once). Validated first; written with
    its audit row in one transaction, the assignment row locked against a double submit."""
    comment = (comment or "").strip()
    if len(comment) > COMMENT_MAX:
        raise ValidationError(f"评语不能超过 {COMMENT_MAX} 字。")
    with transaction.atomic():
        assignment = Assignment.objects.select_for_update().select_related(
            "round__rubric", "entry").get(pk=assignment.pk)
        score = _check_writable(actor, assignment, now)
        clean = _clean_items(assignment.round, items, complete=submit)
        total = (sum((Decimal(v) for v in clean.values()), Decimal("0"))
                 if len(clean) == assignment.round.rubric.items.count() else None)
        before = _picture(score)
        if score is None:
            score = Score.objects.create(assignment=assignment, items=clean, total=total,
                                         comment=comment, status=S.DRAFT)
        else:
            Score.objects.filter(pk=score.pk).update(items=clean, total=total, comment=comment,
                                                     updated_at=timezone.now())
            score.items, score.total, score.comment = clean, total, comment
        audit_record(actor=actor, action="review.score.save", obj=score, before=before,
                     after=_picture(score))
        if submit:
            workflow.transition(score, S.SUBMITTED, actor=actor, reason="评委提交",
                                fields={"submitted_at": now or timezone.now()},
                                action="review.score.submit")
    return score


def score_abstain(*, actor, assignment: Assignment, reason: str,
                  now: datetime | None = None) -> Score:
    """回避/弃评 with a reason, where the round allows it."""
    reason = (reason or "").strip()
    with transaction.atomic():
        assignment = Assignment.objects.select_for_update().select_related("round").get(
            pk=assignment.pk)
        if not assignment.round.allow_abstain:
            raise ValidationError("本轮不允许评委回避或弃评。")
        score = _check_writable(actor, assignment, now)
        if not reason:
            raise ValidationError("请填写回避或弃评的原因。")
        if len(reason) > 500:
            raise ValidationError("原因不能超过 500 字。")
        before = _picture(score)
        if score is None:
            score = Score.objects.create(assignment=assignment, items={}, status=S.DRAFT)
        workflow.transition(score, S.ABSTAINED, actor=actor, reason=reason,
                            fields={"comment": reason, "submitted_at": now or timezone.now()},
                            action="review.score.abstain")
        audit_record(actor=actor, action="review.score.save", obj=score, before=before,
                     after=_picture(score), reason=reason)
    return score


def score_reopen(*, actor, score: Score, reason: str) -> Score:
    """Staff reopen a submitted (or abstained) score, with a reason; the judge may then edit
    and submit again while the round is open."""
    if not has_perm(actor, rules.RUN_REVIEWS):
        raise PermissionDenied("无权重新开放评分。")
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError("请填写重新开放的原因。")
    with transaction.atomic():
        score = Score.objects.select_for_update().select_related("assignment__round").get(
            pk=score.pk)
        round_ = score.assignment.round
        if round_.status not in (RoundStatus.SCORING, RoundStatus.CLOSED):
            raise ValidationError(f"轮次当前为「{RoundStatus(round_.status).label}」，不能重新开放评分。")
        if score.status not in DONE:
            raise ValidationError("该评分尚未提交，无需重新开放。")
        workflow.transition(score, S.DRAFT, actor=actor, reason=reason[:500],
                            fields={"submitted_at": None}, action="review.score.reopen")
    return score


def round_progress(round_: Round) -> list[dict]:
    """Per judge of the panel: assigned, submitted, abstained, drafts (staff's round page)."""
    rows = (RoundJudge.objects.filter(round=round_).order_by("-is_leader", "pk")
            .annotate(assigned=Count("judge__review_assignments",
                                     filter=Q(judge__review_assignments__round=round_)),
                      submitted=Count("judge__review_assignments", filter=Q(
                          judge__review_assignments__round=round_,
                          judge__review_assignments__score__status=S.SUBMITTED)),
                      abstained=Count("judge__review_assignments", filter=Q(
                          judge__review_assignments__round=round_,
                          judge__review_assignments__score__status=S.ABSTAINED)),
                      drafts=Count("judge__review_assignments", filter=Q(
                          judge__review_assignments__round=round_,
                          judge__review_assignments__score__status=S.DRAFT)))
            .select_related("judge"))
    return [{"member": m, "assigned": m.assigned, "submitted": m.submitted,
             "abstained": m.abstained, "drafts": m.drafts} for m in rows]
