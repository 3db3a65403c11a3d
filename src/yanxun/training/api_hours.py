"""JSON API of the ledger (学时档案): one teacher's cycle, computed by training.ledger exactly as
the pages show it, with the same permission and data scope (rules.VIEW_LEDGER). Meant for the
systems that take the ledger as an input (考核, 职称 applications)."""

from __future__ import annotations

from decimal import Decimal

from ninja import Field, Router, Schema

from yanxun.org.schemas import ErrorOut
from yanxun.training.ledger import Ledger, cycle_from_param, teacher_ledger
from yanxun.training.policy import current_policy
from yanxun.training.selectors_hours import own_teacher, teacher_for_ledger

router = Router(tags=["师干训 · 学时"])
REFUSALS = {401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 422: ErrorOut}
CYCLE_HELP = "周期内任一年份（如 2023），缺省为当前周期"


class Breakdown(Schema):
    label: str
    hours: Decimal = Field(..., description="认定学时")
    counted: Decimal = Field(..., description="计入学时（已扣除上限）")


class RequirementOut(Schema):
    name: str
    unit: str = Field(..., description="hours=学时，credits=学分")
    minimum: Decimal
    scope: str = Field(..., description="限定的类别与层级")
    done: Decimal
    short: Decimal = Field(..., description="还差多少（已达标为 0）")
    met: bool


class LedgerOut(Schema):
    teacher_id: int
    teacher: str
    school: str
    cycle_start: int
    cycle_end: int
    total: Decimal = Field(..., description="认定学时合计")
    counted: Decimal = Field(..., description="计入学时合计")
    credits: Decimal = Field(..., description="计入学时折合学分")
    state: str = Field(..., description="complete / on_track / behind / far_behind")
    state_label: str
    requirements: list[RequirementOut]
    by_year: list[Breakdown]
    by_level: list[Breakdown]
    by_category: list[Breakdown]


def _out(ledger: Ledger) -> dict:
    teacher = ledger.teacher

    def rows(items):
        return [{"label": b.label, "hours": b.hours, "counted": b.counted} for b in items]

    return {
        "teacher_id": teacher.pk, "teacher": teacher.name, "school": teacher.school.name,
        "cycle_start": ledger.cycle.start, "cycle_end": ledger.cycle.end,
        "total": ledger.total, "counted": ledger.counted, "credits": ledger.credits,
        "state": ledger.state, "state_label": ledger.state_label,
        "requirements": [{"name": r.name, "unit": r.requirement.unit,
                          "minimum": r.requirement.minimum,
                          "scope": r.requirement.scope_text(), "done": r.done,
                          "short": r.short, "met": r.met} for r in ledger.requirements],
        "by_year": rows(ledger.by_year), "by_level": rows(ledger.by_level),
        "by_category": rows(ledger.by_category),
    }


def _ledger(teacher, cycle: int | None) -> dict:
    policy = current_policy()
    return _out(teacher_ledger(teacher, cycle_from_param(policy, str(cycle or "")),
                               policy=policy))


@router.get("/teachers/{teacher_id}/ledger", response={200: LedgerOut, **REFUSALS},
            summary="教师学时档案",
            description="一名教师一个周期的学时：按年度、层级、类别的认定与计入学时，各项周期要求"
                        "的完成情况与差额。中心看全部教师，学校管理员看本校，教师看本人；"
                        "不在数据权限内的教师返回 404。cycle：" + CYCLE_HELP)
def ledger_of_teacher(request, teacher_id: int, cycle: int | None = None):
    return _ledger(teacher_for_ledger(request.auth, teacher_id), cycle)


@router.get("/me/ledger", response={200: LedgerOut, **REFUSALS}, summary="我的学时档案",
            description="当前登录教师本人的学时档案；账号没有关联教师档案时返回 404。cycle：" + CYCLE_HELP)
def my_ledger(request, cycle: int | None = None):
    from django.http import Http404

    teacher = own_teacher(request.auth)
    if teacher is None:
        raise Http404("您的账号没有关联教师档案。")
    return _ledger(teacher, cycle)
