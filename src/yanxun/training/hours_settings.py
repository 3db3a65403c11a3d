"""Writes of the hours settings: the ledger's part of TrainingPolicy (cycle, 学时 ↔ 学分,
presenter multiple, the certificate seal) and the cycle's LedgerRequirements (a category's
annual cap is edited with the category: programs.category_update). Each change is validated
first, written in one transaction and audited."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction

from yanxun.core.audit import audit_record, changed_fields, snapshot
from yanxun.core.permissions import has_perm
from yanxun.training import rules
from yanxun.training.files import CheckedFile
from yanxun.training.models import Category, LedgerRequirement, TrainingPolicy

POLICY_FIELDS = ["cycle_years", "cycle_start_year", "hours_per_credit", "presenter_multiplier"]
REQUIREMENT_FIELDS = ["name", "minimum", "unit", "min_level", "position"]


def _require(actor, perm, message: str) -> None:
    if not has_perm(actor, perm):
        raise PermissionDenied(message)


def hours_policy_save(*, actor, policy: TrainingPolicy, seal: CheckedFile | None = None,
                      remove_seal: bool = False, **values) -> TrainingPolicy:
    _require(actor, rules.MANAGE_POLICY, "只有系统管理员可以修改师干训设置。")
    before = snapshot(policy, [*POLICY_FIELDS, "seal_image"])
    for name in POLICY_FIELDS:
        if name in values:
            setattr(policy, name, values[name])
    policy.full_clean(exclude=["seal_image", "district"])
    old_file = policy.seal_image.name if (seal or remove_seal) and policy.seal_image else ""
    with transaction.atomic():
        if seal is not None:
            content = seal.content_file()
            policy.seal_image.save(content.name, content, save=False)
        elif remove_seal:
            policy.seal_image = ""
        policy.save()
        old, new = changed_fields(before, snapshot(policy, [*POLICY_FIELDS, "seal_image"]))
        if new:
            audit_record(actor=actor, action="hours.policy_update", obj=policy, before=old,
                         after=new)
    if old_file:
        policy.seal_image.storage.delete(old_file)
    return policy


def requirement_save(*, actor, policy: TrainingPolicy, requirement: LedgerRequirement | None,
                     categories: list[Category], **values) -> LedgerRequirement:
    _require(actor, rules.MANAGE_POLICY, "只有系统管理员可以修改周期学时要求。")
    requirement = requirement or LedgerRequirement(policy=policy)
    before = None
    if requirement.pk:
        before = {**snapshot(requirement, REQUIREMENT_FIELDS),
                  "categories": sorted(requirement.categories.values_list("name", flat=True))}
    for name, value in values.items():
        setattr(requirement, name, value)
    requirement.full_clean(exclude=["policy"])
    if requirement.minimum <= 0:
        raise ValidationError({"minimum": "要求应大于 0。"})
    with transaction.atomic():
        requirement.save()
        requirement.categories.set(categories)
        after = {**snapshot(requirement, REQUIREMENT_FIELDS),
                 "categories": sorted(c.name for c in categories)}
        if before is None:
            audit_record(actor=actor, action="hours.requirement_create", obj=requirement,
                         after=after)
        else:
            old, new = changed_fields(before, after)
            if new:
                audit_record(actor=actor, action="hours.requirement_update", obj=requirement,
                             before=old, after=new)
    return requirement


def requirement_delete(*, actor, requirement: LedgerRequirement) -> None:
    _require(actor, rules.MANAGE_POLICY, "只有系统管理员可以修改周期学时要求。")
    with transaction.atomic():
        before = {**snapshot(requirement, REQUIREMENT_FIELDS),
                  "categories": sorted(requirement.categories.values_list("name", flat=True))}
        audit_record(actor=actor, action="hours.requirement_delete", obj=requirement,
                     before=before)
        requirement.delete()

