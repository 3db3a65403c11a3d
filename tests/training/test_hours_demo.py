"""The hours demo: every ledger state, claims in every state through the real services,
certificates, and the same records again from the same seed."""

import random
import time

from tests.factories import TeacherFactory
from yanxun.training.demo_hours import build_hours_demo
from yanxun.training.enums import ClaimStatus
from yanxun.training.ledger import LedgerState
from yanxun.training.models import Certificate, ClaimEvidence, HourClaim, HourRecord


def _district(world):
    for i in range(60):
        TeacherFactory(school=world.school_a if i % 2 else world.school_b, entry_year=2005)
    return world.school_a.district


def _records():
    return sorted(HourRecord.objects.filter(claim__isnull=True).values_list(
        "teacher__employee_no", "year", "earned_on", "title", "hours", "level",
        "category__name"))


def test_the_demo_has_every_state_every_claim_status_and_certificates(world):
    district = _district(world)
    started = time.perf_counter()
    summary = build_hours_demo(district, random.Random("yanxun-demo:2026:training.hours"))
    assert time.perf_counter() - started < 20
    assert summary["cycle"] == "2022—2026 年"
    assert set(summary["states"]) == set(LedgerState.LABELS)
    assert sum(summary["states"].values()) == 62
    statuses = set(HourClaim.objects.values_list("status", flat=True))
    assert statuses == set(ClaimStatus.values)
    assert ClaimEvidence.objects.count() == HourClaim.objects.count()
    assert summary["certificates"] == Certificate.objects.count() > 0
    # The demo teacher (the first of the school administrator's school who needs no new
    # password) has four 区级公开课 accredited: 24 学时, of which 18 count.
    lessons = HourRecord.objects.filter(teacher=world.teacher_a, claim__rule__name="区级公开课/示范课")
    assert sorted(lessons.values_list("hours", flat=True)) == [6, 6, 6, 6]


def test_the_same_seed_gives_the_same_records(world):
    district = _district(world)
    build_hours_demo(district, random.Random(7))
    first = _records()
    HourRecord.objects.all().delete()
    build_hours_demo(district, random.Random(7))
    assert _records() == first
    assert len(first) > 300
