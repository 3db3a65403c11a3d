"""JSON API of the results part of 评审与评比, with the pages' rules: a round's results and
agreement report (VIEW_RESULTS), a competition's awards (the centre always; anyone else once
the results are published, and then only what a 公示 shows), and a notice by its token
(public, no login)."""

from __future__ import annotations

from datetime import date

from django.http import Http404
from django.shortcuts import get_object_or_404
from ninja import Field, Router, Schema

from yanxun.core.permissions import has_perm
from yanxun.org.schemas import ErrorOut
from yanxun.review import rules
from yanxun.review.awards import awards_of
from yanxun.review.enums import CompetitionStatus
from yanxun.review.models import Competition, Round
from yanxun.review.notices import accepts_objections, notice_by_token, public_rows
from yanxun.review.results import RoundResults, round_results, shown_fixed
from yanxun.review.results_export import ICC_LABELS
from yanxun.review.views_results import require

router = Router(tags=["评审与评比 · 结果"])
REFUSALS = {401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 422: ErrorOut}


class IccOut(Schema):
    icc1: float | None
    icc2: float | None
    icc3: float | None
    icc1k: float | None
    icc2k: float | None
    icc3k: float | None


class EntryResultOut(Schema):
    entry_id: int
    code: str
    title: str
    author: str
    school: str
    n_scores: int
    final: str | None = Field(..., description="最终得分，4 位小数（排名按此比较）")
    rank: int | None = Field(..., description="组内名次，同分并列（1, 2, 2, 4）；未评为 null")
    place: int | None = Field(..., description="按同分比较项目区分后的名次（页面显示）")
    tie_break: float | None = Field(..., description="同分比较项目的评委平均分")
    tie_note: str
    flags: list[str]


class GroupResultOut(Schema):
    group_id: int
    name: str
    icc: IccOut | None
    verdict: str
    entries: list[EntryResultOut]


class JudgeOut(Schema):
    judge_id: int
    name: str
    n: int
    mean_offset: float | None
    consensus_corr: float | None
    outlier: bool
    reasons: list[str]
    zscore_fallback: bool


class FlagOut(Schema):
    kind: str
    object_id: int
    subject: str
    text: str
    acknowledged: bool
    note: str


class RoundResultsOut(Schema):
    round_id: int
    round: str
    status: str
    method: str
    trim_min: int
    tie_break_item: str
    icc: IccOut | None
    verdict: str
    groups: list[GroupResultOut]
    judges: list[JudgeOut]
    spread_threshold: float | None
    flags: list[FlagOut]


def _icc(icc) -> dict | None:
    return None if icc is None else {key: getattr(icc, key) for key, _ in ICC_LABELS}


def _results_out(results: RoundResults) -> dict:
    round_ = results.round
    return {
        "round_id": round_.pk, "round": round_.name, "status": round_.status,
        "method": round_.method, "trim_min": round_.trim_min,
        "tie_break_item": results.tie_break_name, "icc": _icc(results.icc),
        "verdict": results.verdict,
        "groups": [{"group_id": g.group_id, "name": g.name, "icc": _icc(g.icc),
                    "verdict": g.verdict,
                    "entries": [{**{k: getattr(r, k) for k in (
                        "entry_id", "code", "title", "author", "school", "n_scores", "rank",
                        "place", "tie_break", "tie_note", "flags")},
                        "final": shown_fixed(r.final) if r.final is not None else None}
                        for r in g.rows]} for g in results.groups],
        "judges": [{"judge_id": j.judge_id, "name": j.name, "n": j.n,
                    "mean_offset": j.mean_offset, "consensus_corr": j.consensus_corr,
                    "outlier": j.outlier, "reasons": j.reasons,
                    "zscore_fallback": j.zscore_fallback} for j in results.judges],
        "spread_threshold": results.spread_threshold,
        "flags": [{"kind": str(f.kind), "object_id": f.object_id, "subject": f.subject,
                   "text": f.text, "acknowledged": f.ack is not None,
                   "note": f.ack.note if f.ack else ""} for f in results.flags],
    }


@router.get("/rounds/{round_id}/results", response={200: RoundResultsOut, **REFUSALS},
            summary="轮次评审结果与一致性",
            description="各组排名（同分并列，另给出按同分比较项目区分后的名次）、组内相关系数、"
                        "评委统计与预警。仅中心人员（查看评审结果权限）。")
def round_results_api(request, round_id: int):
    require(request.auth, rules.VIEW_RESULTS, "无权查看评审结果。")
    round_ = get_object_or_404(Round.objects.select_related("competition", "tie_break_item"),
                               pk=round_id)
    return _results_out(round_results(round_))


class AwardOut(Schema):
    group: str
    tier: str
    tier_order: int
    title: str
    author: str
    school: str
    code: str | None = Field(None, description="作品编号（仅中心人员）")
    final: str | None = Field(None, description="最终得分（仅中心人员）")
    rank: int | None = Field(None, description="组内名次（仅中心人员）")
    serial: str | None = Field(None, description="证书编号（已发证书时）")


class AwardsOut(Schema):
    competition_id: int
    competition: str
    status: str
    published: bool
    awards: list[AwardOut]


@router.get("/competitions/{competition_id}/awards", response={200: AwardsOut, **REFUSALS},
            summary="评比活动获奖名单",
            description="中心人员随时可查（含编号、得分与名次）；其他人仅在结果正式发布后可查，"
                        "且只含公示内容（作品名称、作者、学校、奖项）。")
def competition_awards_api(request, competition_id: int):
    competition = get_object_or_404(Competition, pk=competition_id)
    staff = has_perm(request.auth, rules.VIEW_RESULTS)
    published = competition.status == CompetitionStatus.PUBLISHED
    if not staff and not published:
        raise Http404
    awards = []
    for award in awards_of(competition):
        entry = award.entry
        row = {"group": entry.group.name, "tier": award.tier, "tier_order": award.tier_order,
               "title": entry.title, "author": entry.teacher.name, "school": entry.school.name,
               "serial": award.serial}
        if staff:
            row.update(code=entry.code, final=str(award.final), rank=award.rank)
        awards.append(row)
    return {"competition_id": competition.pk, "competition": competition.name,
            "status": competition.status, "published": published, "awards": awards}


class NoticeRowOut(Schema):
    group: str
    tier: str
    title: str
    author: str
    school: str


class NoticeOut(Schema):
    title: str
    competition: str
    body: str
    starts_on: date
    ends_on: date
    working_days: int
    contact: str
    status: str
    accepting_objections: bool
    awards: list[NoticeRowOut]


@router.get("/notices/{token}", response={200: NoticeOut, 404: ErrorOut}, auth=None,
            summary="公示（公开）",
            description="按公示链接中的标识读取公示：公示期、受理方式与获奖名单。无需登录。")
def notice_api(request, token: str):
    notice = notice_by_token(token)
    if notice is None:
        raise Http404
    return {"title": notice.title, "competition": notice.competition.name, "body": notice.body,
            "starts_on": notice.starts_on, "ends_on": notice.ends_on,
            "working_days": notice.working_days, "contact": notice.contact,
            "status": notice.status, "accepting_objections": accepts_objections(notice),
            "awards": [{"group": r.group, "tier": r.tier, "title": r.title,
                        "author": r.author, "school": r.school}
                       for r in public_rows(notice.competition)]}
