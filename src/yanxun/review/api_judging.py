"""JSON API for judges: their assignments, an entry as they may see it, saving or submitting
a score, abstaining. The same selectors and services as the judge's pages (review.scoring),
hence the same rules, refusals and blindness."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from django.core.exceptions import PermissionDenied
from django.urls import reverse
from ninja import Field, Router, Schema

from yanxun.core.permissions import has_perm
from yanxun.org.schemas import ErrorOut
from yanxun.review import rules, scoring
from yanxun.review.models import Assignment, Round, Score

router = Router(tags=["评审与评比"])
REFUSALS = {400: ErrorOut, 401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 422: ErrorOut}


class AssignmentOut(Schema):
    id: int = Field(..., description="分配编号")
    round_id: int
    round: str = Field(..., description="评比活动与轮次")
    position: int = Field(..., description="评审顺序")
    code: str = Field(..., description="作品编号")
    title: str = Field(..., description="作品名称")
    group: str = Field(..., description="组别")
    status: str | None = Field(None, description="评分状态代码：draft/submitted/abstained，未评为空")
    status_text: str = Field(..., description="评分状态")
    total: Decimal | None = Field(None, description="总分")
    closes_at: datetime = Field(..., description="评分截止")


class FieldOut(Schema):
    label: str
    kind: str = Field(..., description="text/textarea/url")
    value: str


class FileOut(Schema):
    id: int
    field: str = Field(..., description="材料项")
    name: str = Field(..., description="下载文件名（匿名评审为「编号-材料项」）")
    size: int
    url: str


class ItemOut(Schema):
    id: int
    name: str
    max_score: Decimal = Field(..., description="分值")
    descriptor: str = Field(..., description="评分要点")


class PeerOut(Schema):
    label: str = Field(..., description="评委 1、评委 2 …（不显示姓名）")
    total: Decimal
    comment: str


class ScoreOut(Schema):
    status: str
    items: dict[str, str] = Field(..., description="分项得分：评价项目编号 → 分数")
    total: Decimal | None
    comment: str
    submitted_at: datetime | None


class EntryOut(Schema):
    assignment: AssignmentOut
    blind: bool = Field(..., description="匿名评审：不含作者、学校和身份信息")
    authors: list[str] = Field(..., description="作者（匿名评审为空）")
    school: str = Field(..., description="学校（匿名评审为空）")
    fields: list[FieldOut]
    files: list[FileOut]
    step: Decimal = Field(..., description="评分步长：1 整数分，0.5 半分")
    items: list[ItemOut]
    score: ScoreOut | None
    peers: list[PeerOut] | None = Field(None, description="其他评委的评分（按轮次设置，可能不可见）")


class ScoreIn(Schema):
    items: dict[str, str | float | int] = Field(..., description="评价项目编号 → 分数；暂存时可缺项")
    comment: str = Field("", max_length=2000)
    submit: bool = Field(False, description="true 为提交（提交后不能修改），false 为暂存")


class AbstainIn(Schema):
    reason: str = Field(..., max_length=500, description="回避/弃评的原因")


def _assignment_out(row: scoring.AssignmentRow, round_: Round) -> dict:
    return {"id": row.pk, "round_id": round_.pk, "round": f"{round_.competition.name} {round_.name}",
            "position": row.position, "code": row.code, "title": row.title, "group": row.group,
            "status": row.status, "status_text": row.status_label, "total": row.total,
            "closes_at": round_.closes_at}


def _score_out(score: Score | None) -> dict | None:
    if score is None:
        return None
    return {"status": score.status, "items": score.items, "total": score.total,
            "comment": score.comment, "submitted_at": score.submitted_at}


def _entry_out(request, assignment: Assignment) -> dict:
    round_ = assignment.round
    view = scoring.entry_view(assignment.entry, round_)
    row = next(r for r in scoring.my_assignments(request.auth, round_) if r.pk == assignment.pk)
    peers = scoring.peer_scores(assignment)
    return {
        "assignment": _assignment_out(row, round_), "blind": view.blind,
        "authors": view.authors, "school": view.school,
        "fields": [{"label": label, "kind": kind, "value": value}
                   for label, kind, value in view.fields],
        "files": [{"id": f.pk, "field": f.field_label, "name": f.name, "size": f.size,
                   "url": reverse("review:judge_file", args=[assignment.pk, f.pk])}
                  for f in view.files],
        "step": round_.rubric.step,
        "items": [{"id": i.pk, "name": i.name, "max_score": i.max_score,
                   "descriptor": i.descriptor} for i in round_.rubric.items.order_by("position")],
        "score": _score_out(Score.objects.filter(assignment=assignment).first()),
        "peers": [{"label": p.label, "total": p.total, "comment": p.comment} for p in peers]
        if peers is not None else None,
    }


@router.get("/assignments", response={200: list[AssignmentOut], **REFUSALS},
            summary="我的评审作品",
            description="调用者在正处于评分时间内的轮次中分配到的作品（按评审顺序），含评分状态。"
                        "匿名评审不含作者与学校。")
def my_assignments(request):
    if not has_perm(request.auth, rules.SCORE_ENTRIES):
        raise PermissionDenied("无评分权限。")
    out = []
    for item in scoring.judge_rounds(request.auth):
        if item.open:
            out.extend(_assignment_out(row, item.round)
                       for row in scoring.my_assignments(request.auth, item.round))
    return out


@router.get("/assignments/{assignment_id}", response={200: EntryOut, **REFUSALS},
            summary="评审作品详情",
            description="一件分配给调用者的作品：可见的填报内容与材料、量表、本人评分、"
                        "按轮次设置可见的其他评委评分。非本人分配返回 404，不在评分时间内返回 403。")
def assignment_detail(request, assignment_id: int):
    assignment = scoring.judge_assignment(request.auth, assignment_id)
    return _entry_out(request, assignment)


@router.post("/assignments/{assignment_id}/score", response={200: EntryOut, **REFUSALS},
             summary="暂存或提交评分",
             description="分项得分须在 0 到该项分值之间，且为评分步长的整数倍；提交时每项必填，"
                         "提交后不能再次提交或修改（由组织者重新开放）。")
def score_save(request, assignment_id: int, payload: ScoreIn):
    assignment = scoring.judge_assignment(request.auth, assignment_id)
    scoring.score_save(actor=request.auth, assignment=assignment,
                       items={k: str(v) for k, v in payload.items.items()},
                       comment=payload.comment, submit=payload.submit)
    return _entry_out(request, assignment)


@router.post("/assignments/{assignment_id}/abstain", response={200: EntryOut, **REFUSALS},
             summary="回避/弃评",
             description="轮次允许时，评委说明原因后回避该作品；回避后不能再评分。")
def abstain(request, assignment_id: int, payload: AbstainIn):
    assignment = scoring.judge_assignment(request.auth, assignment_id)
    scoring.score_abstain(actor=request.auth, assignment=assignment, reason=payload.reason)
    return _entry_out(request, assignment)
