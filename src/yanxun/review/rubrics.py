"""评价量表: the template library, the editor, and the copy a round scores with.

A round never scores with a template: `rubric_copy_for_round` gives it its own copy, so
editing a template never changes a round being scored, and a round's copy is editable only
while every round using it is in SETUP (准备中). The classroom-teaching default (教学目标 10 /
教学内容 15 / 教学过程 25 / 教学方法 30 / 教师素养 20) is created on first use: when the library
is opened (or a round's form asks for templates) and holds no template at all.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import QuerySet

from yanxun.core.audit import audit_record
from yanxun.core.permissions import has_perm
from yanxun.review import rules
from yanxun.review.enums import RoundStatus
from yanxun.review.models import Round, Rubric, RubricItem

STEPS = (Decimal("1"), Decimal("0.5"))
STEP_LABELS = {Decimal("1"): "整数分", Decimal("0.5"): "半分"}
DEFAULT_NAME = "课堂教学评价量表"
DEFAULT_ITEMS = (
    ("教学目标", "10", "目标明确、具体、可检测，符合课程标准和学生实际，体现核心素养。"),
    ("教学内容", "15", "内容准确，重点突出、难点突破得当，容量适中，联系生活与学科前沿。"),
    ("教学过程", "25", "环节清晰、层次分明、过渡自然；学生主体地位突出，课堂生成处理得当。"),
    ("教学方法", "30", "方法灵活多样、启发思维；信息技术运用恰当有效；评价及时、有激励性。"),
    ("教师素养", "20", "语言规范、板书工整、教态自然；专业功底扎实，课堂调控能力强。"),
)


@dataclass(frozen=True)
class ItemInput:
    """One row of the editor: an existing item (pk) or a new one (pk None)."""

    name: str
    max_score: Decimal
    descriptor: str = ""
    pk: int | None = None


def _require(actor) -> None:
    if actor is not None and not has_perm(actor, rules.RUN_REVIEWS):
        raise PermissionDenied("无权管理评价量表。")


def on_step(value: Decimal, step: Decimal) -> bool:
    return value % step == 0


def step_label(step: Decimal) -> str:
    return STEP_LABELS.get(Decimal(step), f"{step} 分")


def parse_points(raw, label: str) -> Decimal:
    """A score or full score typed by a person: '8', '8.5', ' 8.0 '."""
    try:
        value = Decimal(str(raw).strip())
    except (InvalidOperation, ValueError):
        raise ValidationError(f"「{label}」应为数字。") from None
    if not value.is_finite():
        raise ValidationError(f"「{label}」应为数字。")
    return value


# --- the library ---------------------------------------------------------------------------


def rubric_templates() -> QuerySet[Rubric]:
    """The template library; creates the classroom-teaching default when it is empty."""
    templates = Rubric.objects.filter(is_template=True)
    if not templates.exists():
        _create_default()
    return Rubric.objects.filter(is_template=True).prefetch_related("items").order_by("name", "pk")


def _create_default() -> Rubric:
    with transaction.atomic():
        rubric = Rubric.objects.create(
            name=DEFAULT_NAME, step=Decimal("1"), is_template=True,
            description="课堂教学类评比的常用量表，满分 100 分。可复制后按活动要求修改。")
        RubricItem.objects.bulk_create(
            RubricItem(rubric=rubric, name=name, max_score=Decimal(score), descriptor=text,
                       position=i) for i, (name, score, text) in enumerate(DEFAULT_ITEMS))
        audit_record(actor=None, action="review.rubric.default", obj=rubric,
                     after={"items": [[n, s] for n, s, _ in DEFAULT_ITEMS]})
    return rubric


def full_score(rubric: Rubric) -> Decimal:
    return sum((item.max_score for item in rubric.items.all()), Decimal("0"))


def rounds_using(rubric: Rubric) -> QuerySet[Round]:
    return Round.objects.filter(rubric=rubric)


def rubric_locked_reason(rubric: Rubric) -> str:
    """Why this rubric cannot be edited now ("" when it can)."""
    busy = rounds_using(rubric).exclude(status=RoundStatus.SETUP).first()
    if busy is not None:
        return f"轮次「{busy}」已开始评分（{busy.get_status_display()}），其量表不能再修改。"
    return ""


# --- the editor ------------------------------------------------------------------------------


def _check(name: str, step: Decimal, items: list[ItemInput]) -> None:
    errors = []
    if not name.strip():
        errors.append("请填写量表名称。")
    if step not in STEPS:
        errors.append("评分步长只能是 1 分（整数分）或 0.5 分（半分）。")
    if not items:
        errors.append("量表至少要有一个评价项目。")
    seen: set[str] = set()
    for item in items:
        label = item.name.strip()
        if not label:
            errors.append("评价项目名称不能为空。")
        elif label in seen:
            errors.append(f"评价项目「{label}」重复。")
        seen.add(label)
        if item.max_score <= 0:
            errors.append(f"「{label}」的分值应大于 0。")
        elif step in STEPS and not on_step(item.max_score, step):
            errors.append(f"「{label}」的分值 {item.max_score} 不是步长 {step} 的整数倍。")
        if item.max_score >= Decimal("10000"):
            errors.append(f"「{label}」的分值过大。")
    if errors:
        raise ValidationError(errors)


def _write_items(rubric: Rubric, items: list[ItemInput]) -> None:
    """Update items by pk, create new ones, delete the ones left out (two passes, so that
    renaming A→B and B→A in one save does not trip the unique (rubric, name) constraint)."""
    existing = {item.pk: item for item in rubric.items.all()}
    keep = {item.pk for item in items if item.pk in existing}
    RubricItem.objects.filter(rubric=rubric).exclude(pk__in=keep).delete()
    for pk in keep:
        RubricItem.objects.filter(pk=pk).update(name=f"__{pk}")
    for position, item in enumerate(items):
        values = {"name": item.name.strip(), "max_score": item.max_score,
                  "descriptor": item.descriptor.strip(), "position": position}
        if item.pk in keep:
            RubricItem.objects.filter(pk=item.pk).update(**values)
        else:
            RubricItem.objects.create(rubric=rubric, **values)


def _picture(rubric: Rubric) -> dict:
    return {"name": rubric.name, "step": str(rubric.step),
            "items": [[i.name, str(i.max_score)] for i in rubric.items.order_by("position", "pk")]}


def rubric_save(*, actor, rubric: Rubric | None, name: str, step: Decimal,
                description: str = "", items: list[ItemInput]) -> Rubric:
    """Create a template (rubric None) or change a rubric: a template at any time, a round's
    copy only while its rounds are all in SETUP."""
    _require(actor)
    step = Decimal(step)
    _check(name, step, items)
    if rubric is not None:
        if rubric.pk and not rubric.is_template:
            reason = rubric_locked_reason(rubric)
            if reason:
                raise ValidationError(reason)
        own = set(rubric.items.values_list("pk", flat=True))
        if any(i.pk is not None and i.pk not in own for i in items):
            raise ValidationError("评价项目不属于该量表，请刷新后重试。")
    with transaction.atomic():
        before = _picture(rubric) if rubric is not None else None
        if rubric is None:
            rubric = Rubric.objects.create(name=name.strip(), step=step, is_template=True,
                                           description=description.strip(), created_by=actor)
        else:
            Rubric.objects.filter(pk=rubric.pk).update(name=name.strip(), step=step,
                                                       description=description.strip())
            rubric.refresh_from_db()
        _write_items(rubric, items)
        audit_record(actor=actor, action="review.rubric.save", obj=rubric, before=before,
                     after=_picture(rubric))
    return rubric


def rubric_copy(*, actor, rubric: Rubric, name: str = "", is_template: bool = True) -> Rubric:
    """A copy with its items: a new template, or (is_template False) a round's own rubric."""
    _require(actor)
    with transaction.atomic():
        copy = Rubric.objects.create(name=(name or rubric.name)[:100], step=rubric.step,
                                     description=rubric.description, is_template=is_template,
                                     created_by=actor)
        RubricItem.objects.bulk_create(
            RubricItem(rubric=copy, name=i.name, max_score=i.max_score, descriptor=i.descriptor,
                       position=i.position) for i in rubric.items.order_by("position", "pk"))
        if is_template:
            audit_record(actor=actor, action="review.rubric.copy", obj=copy,
                         after={"from": rubric.pk, **_picture(copy)})
    return copy


def rubric_delete(*, actor, rubric: Rubric) -> None:
    """Delete a template (a round's copy goes with its round)."""
    _require(actor)
    if not rubric.is_template:
        raise ValidationError("轮次的量表随轮次保留，不能单独删除。")
    if rounds_using(rubric).exists():
        raise ValidationError("该量表正被轮次使用，不能删除。")
    with transaction.atomic():
        before, pk = _picture(rubric), rubric.pk
        rubric.delete()
        audit_record(actor=actor, action="review.rubric.delete", object_type="review.rubric",
                     object_id=str(pk), object_repr=before["name"], before=before)
