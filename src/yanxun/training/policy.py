"""The district's training policy, created with the national defaults on first use."""

from __future__ import annotations

from decimal import Decimal

from django.db import transaction

from yanxun.org.models import District
from yanxun.training.enums import ProgramLevel, RequirementUnit
from yanxun.training.models import LedgerRequirement, TrainingPolicy

# National frame: 360 学时 per five-year cycle; Jiangsu: at least half at 区培 or above.
DEFAULT_REQUIREMENTS = [
    ("周期总学时", Decimal("360"), ""),
    ("区级及以上培训学时", Decimal("180"), ProgramLevel.DISTRICT),
]


def current_policy() -> TrainingPolicy:
    """The policy of the deployment's district (the first; a deployment serves one)."""
    district = District.objects.order_by("pk").first()
    if district is None:
        raise LookupError("尚未设置区县，无法读取师干训设置。")
    return policy_for(district)


def policy_for(district: District) -> TrainingPolicy:
    policy = TrainingPolicy.objects.filter(district=district).first()
    if policy is not None:
        return policy
    with transaction.atomic():
        policy, created = TrainingPolicy.objects.get_or_create(district=district)
        if created:
            LedgerRequirement.objects.bulk_create(
                LedgerRequirement(policy=policy, name=name, minimum=minimum,
                                  unit=RequirementUnit.HOURS, min_level=level, position=i)
                for i, (name, minimum, level) in enumerate(DEFAULT_REQUIREMENTS))
    return policy
