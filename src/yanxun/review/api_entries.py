"""JSON API of competitions and entries: the same selectors (selectors_entries) and services
(review.recommend) as the pages, hence the same data scope, rules and messages. Entries are
those the caller may see: the centre all, a school administrator their school's, a teacher
their own (as lead author or co-author); drafts only to their authors."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from ninja import Field, Query, Router, Schema

from yanxun.org.schemas import ErrorOut
from yanxun.review import recommend
from yanxun.review import selectors_entries as selectors
from yanxun.review.entries import missing_by_entry
from yanxun.review.enums import EntryStatus
from yanxun.review.models import Competition, Entry

router = Router(tags=["评审与评比"])
REFUSALS = {400: ErrorOut, 401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 422: ErrorOut}
MAX_ID = 2**63 - 1


class FieldOut(Schema):
    key: str
    label: str = Field(..., description="材料项名称")
    kind: str = Field(..., description="类型：text 单行文字；textarea 多行文字；url 链接；file 文件")
    required: bool
    identifying: bool = Field(..., description="含身份信息（匿名评审时对评委隐藏）")
    help: str


class GroupOut(Schema):
    id: int
    name: str = Field(..., description="组别")
    stage: str = Field(..., description="学段代码，空为不限")
    subject: str | None = Field(None, description="学科")
    code_prefix: str = Field(..., description="作品编号字母")
    quota_per_school: int = Field(..., description="每校推荐上限（组别未设置时为活动的设置）")


class CompetitionOut(Schema):
    id: int
    name: str
    year: int
    level: str
    level_label: str = Field(..., description="级别")
    organiser: str
    status: str = Field(..., description="状态代码：draft/open/reviewing/notice/published/"
                                          "cancelled")
    status_label: str
    entry_opens: datetime | None
    entry_closes: datetime | None
    recommend_closes: datetime | None
    groups: list[GroupOut]


class CompetitionDetailOut(CompetitionOut):
    description: str
    award_method: str
    award_tiers: list[dict] = Field(..., description="奖项：按比例 {name, share}；按分数段 "
                                                     "{name, min_score}")
    entry_fields: list[FieldOut] = Field(..., description="参评材料要求")


class EntryOut(Schema):
    id: int
    competition_id: int
    group_id: int
    group: str
    code: str = Field(..., description="作品编号（提交后生成）")
    title: str
    author: str = Field(..., description="第一作者")
    co_authors: list[str]
    school: str
    status: str = Field(..., description="状态代码：" + "；".join(
        f"{v} {label}" for v, label in EntryStatus.choices))
    status_label: str
    status_reason: str = Field(..., description="退回/不推荐/不通过的原因")
    submitted_at: datetime | None
    missing: list[str] = Field(..., description="尚缺的必填材料")


class EntryPage(Schema):
    count: int
    items: list[EntryOut]


class FileOut(Schema):
    id: int
    field: str = Field(..., description="材料项 key")
    name: str = Field(..., description="原文件名")
    content_type: str
    size: int
    url: str = Field(..., description="下载地址")


class EntryDetailOut(EntryOut):
    form_data: dict[str, str] = Field(..., description="文字与链接类材料：{key: 内容}")
    files: list[FileOut]


class EntryFilters(Schema):
    limit: int = Field(20, ge=1, le=200, description="每页条数（1–200）")
    offset: int = Field(0, ge=0, le=10_000_000, description="跳过的条数")
    group: int | None = Field(None, ge=1, le=MAX_ID, description="组别编号")
    status: Literal[tuple(EntryStatus.values)] | None = Field(  # type: ignore[valid-type]
        None, description="状态代码：" + "；".join(f"{v} {label}" for v, label in
                                                   EntryStatus.choices))


def _competition_out(competition: Competition) -> dict:
    return {
        "id": competition.pk, "name": competition.name, "year": competition.year,
        "level": competition.level, "level_label": competition.get_level_display(),
        "organiser": competition.organiser, "status": competition.status,
        "status_label": competition.get_status_display(),
        "entry_opens": competition.entry_opens, "entry_closes": competition.entry_closes,
        "recommend_closes": competition.recommend_closes,
        "groups": [{"id": g.pk, "name": g.name, "stage": g.stage,
                    "subject": g.subject.name if g.subject_id else None,
                    "code_prefix": g.code_prefix, "quota_per_school": g.quota}
                   for g in competition.groups.all()],
    }


def _entry_out(entry: Entry, missing: list[str]) -> dict:
    return {
        "id": entry.pk, "competition_id": entry.competition_id, "group_id": entry.group_id,
        "group": entry.group.name, "code": entry.code, "title": entry.title,
        "author": entry.teacher.name, "co_authors": [t.name for t in entry.co_authors.all()],
        "school": entry.school.name, "status": entry.status,
        "status_label": entry.get_status_display(), "status_reason": entry.status_reason,
        "submitted_at": entry.submitted_at, "missing": missing,
    }


@router.get("/competitions", response={200: list[CompetitionOut], **REFUSALS},
            summary="评比活动列表",
            description="调用者可见的评比活动（筹备中的活动仅中心工作人员可见），含组别。")
def competition_list(request):
    competitions = selectors.competitions_visible(request.auth).prefetch_related(
        "groups__subject", "groups__competition").order_by("-year", "-created_at")
    return [_competition_out(c) for c in competitions]


@router.get("/competitions/{competition_id}", response={200: CompetitionDetailOut, **REFUSALS},
            summary="评比活动详情", description="含参评材料要求与奖项设置。不可见的活动返回 404。")
def competition_detail(request, competition_id: int):
    competition = selectors.competition_for_view(request.auth, competition_id)
    return {**_competition_out(competition), "description": competition.description,
            "award_method": competition.award_method, "award_tiers": competition.award_tiers,
            "entry_fields": competition.entry_fields}


@router.get("/competitions/{competition_id}/entries", response={200: EntryPage, **REFUSALS},
            summary="评比活动的参评作品",
            description="按数据权限：中心全部，学校管理员本校，教师本人（第一作者或其他作者）的作品；"
                        "草稿仅作者可见。可按组别、状态筛选；分页用 limit 与 offset。")
def competition_entries(request, competition_id: int, filters: Query[EntryFilters]):
    competition = selectors.competition_for_view(request.auth, competition_id)
    queryset = (selectors.entries_visible(request.auth).filter(competition=competition)
                .select_related("group", "teacher", "school", "competition")
                .prefetch_related("co_authors").order_by("group__position", "code", "pk"))
    if filters.group:
        queryset = queryset.filter(group_id=filters.group)
    if filters.status:
        queryset = queryset.filter(status=filters.status)
    total = queryset.count()
    rows = list(queryset[filters.offset:filters.offset + filters.limit])
    missing = missing_by_entry(rows) if rows else {}
    return {"count": total, "items": [_entry_out(e, missing[e.pk]) for e in rows]}


def _detail(entry: Entry) -> dict:
    from django.urls import reverse

    missing = missing_by_entry([entry])[entry.pk]
    return {**_entry_out(entry, missing), "form_data": entry.form_data or {},
            "files": [{"id": f.pk, "field": f.field_key, "name": f.original_name,
                       "content_type": f.content_type, "size": f.size,
                       "url": reverse("review:entry_file", args=[f.pk])}
                      for f in entry.files.all()]}


@router.get("/entries/{entry_id}", response={200: EntryDetailOut, **REFUSALS},
            summary="参评作品详情", description="含填报内容与材料文件。不在数据权限内的作品返回 404。")
def entry_detail(request, entry_id: int):
    return _detail(selectors.entry_for_view(request.auth, entry_id))


@router.post("/entries/{entry_id}/recommend", response={200: EntryDetailOut, **REFUSALS},
             summary="学校推荐",
             description="学校管理员推荐本校一件待推荐的作品（每校每组不超过推荐上限；推荐截止后"
                         "仅中心工作人员可操作）。超出上限等情况返回 400 与原因。")
def entry_recommend(request, entry_id: int):
    entry = selectors.entry_for_view(request.auth, entry_id)
    recommend.entry_recommend(actor=request.auth, entry=entry)
    return _detail(selectors.entry_for_view(request.auth, entry_id))
