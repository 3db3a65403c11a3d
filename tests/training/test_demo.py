"""The demo of programs and enrolment: forty programs, every state, the rules kept."""

import random
from datetime import datetime
from types import SimpleNamespace
from zoneinfo import ZoneInfo

import pytest
from django.db import connection
from django.db.models import Count

from yanxun.org.demo import build_demo
from yanxun.org.models import District
from yanxun.training.demo import wipe_training
from yanxun.training.demo_enrol import build_enrol_demo
from yanxun.training.eligibility import audience_of, facts_for, reasons
from yanxun.training.enums import EnrolmentStatus, ProgramStatus
from yanxun.training.models import Enrolment, Program

NOW = datetime(2026, 11, 20, 10, 0, tzinfo=ZoneInfo("Asia/Shanghai"))
S = EnrolmentStatus


@pytest.fixture
def demo(db):
    build_demo(seed=7, teachers=600, schools=12)
    district = District.objects.get()
    wipe_training(SimpleNamespace(district=district))  # the org demo built one already
    built = build_enrol_demo(district, random.Random("enrol-demo"), now=NOW)
    if connection.vendor == "postgresql":  # planner statistics for the rebuilt tables
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
    return built


def _fingerprint():
    return sorted(Enrolment.objects.values_list("program__name", "teacher__employee_no",
                                                "status", "waitlist_position"))


def test_forty_programs_in_every_state(demo):
    assert demo.programs == Program.objects.count() == 40
    statuses = dict(Program.objects.order_by().values_list("status").annotate(n=Count("pk")))
    assert set(statuses) == set(ProgramStatus.values)
    kinds = set(Enrolment.objects.values_list("status", flat=True))
    assert {S.ENROLLED, S.WAITING, S.PENDING, S.WITHDRAWN} <= kinds
    assert Program.objects.filter(status=ProgramStatus.PUBLISHED, enrol_opens__lt=NOW,
                                  enrol_closes__gt=NOW).count() >= 10


def test_the_demo_keeps_the_rules(demo):
    for program in Program.objects.prefetch_related("audience_subjects", "classes"):
        audience = audience_of(program)
        rows = list(Enrolment.objects.filter(program=program).select_related("teacher__school"))
        facts = facts_for([e.teacher for e in rows], on=NOW.date())
        assert all(reasons(facts[e.teacher_id], audience) == [] for e in rows), program.name
        for training_class in program.classes.all():
            mine = [e for e in rows if e.training_class_id == training_class.pk]
            enrolled = sum(e.status == S.ENROLLED for e in mine)
            positions = sorted(e.waitlist_position for e in mine if e.status == S.WAITING)
            assert enrolled <= training_class.capacity
            assert positions == list(range(1, len(positions) + 1))
            assert not positions or enrolled == training_class.capacity
    active_long = (Enrolment.objects.filter(status__in=[S.ENROLLED, S.WAITING, S.PENDING],
                                            program__is_long=True)
                   .exclude(program__status__in=[ProgramStatus.FINISHED,
                                                 ProgramStatus.CANCELLED])
                   .values("teacher").annotate(n=Count("pk")))
    assert max(row["n"] for row in active_long) <= 2


def test_the_demo_is_deterministic(demo):
    first = _fingerprint()
    Program.objects.all().delete()
    build_enrol_demo(District.objects.get(), random.Random("enrol-demo"), now=NOW)
    assert _fingerprint() == first
