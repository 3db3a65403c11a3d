"""Query-count guards for the hours pages: as many queries for 1 row as for 30."""

from datetime import date

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from tests.factories import TeacherFactory
from tests.training.factories_hours import (
    ProgramFactory,
    TrainingClassFactory,
    attend,
    claim_rule,
    enrol,
    policy,
    record,
    sessions,
)
from yanxun.core.cache import clear_all
from yanxun.training.certificates import program_certificates_issue
from yanxun.training.hours import program_accredit
from yanxun.training.models import HourClaim


def _count(client, url: str) -> int:
    clear_all()
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
    assert response.status_code == 200
    return len(ctx.captured_queries)


def _records(world, n: int) -> str:
    for i in range(n):
        record(world.teacher_a, "3", year=2022 + i % 4, title=f"培训{i}")
    return reverse("training:teacher_ledger", args=[world.teacher_a.pk]) + "?cycle=2021"


def _claims(world, n: int) -> str:
    rule = claim_rule() if not hasattr(world, "rule") else world.rule
    world.rule = rule
    for i in range(n):
        teacher = TeacherFactory(school=world.school_a)
        HourClaim.objects.create(teacher=teacher, rule=rule, title=f"公开课{i}",
                                 happened_on=date(2025, 3, 1))
    return reverse("training:claim_list") + "?per_page=100"


def _teachers(world, n: int) -> str:
    for _ in range(n):
        record(TeacherFactory(school=world.school_a), "30")
    return reverse("training:compliance") + "?cycle=2021"


def _enrolled(world, n: int) -> str:
    if not hasattr(world, "program"):
        world.program = ProgramFactory()
        world.klass = TrainingClassFactory(program=world.program)
        world.days = sessions(world.klass, ["3", "3"])
    for _ in range(n):
        teacher = TeacherFactory(school=world.school_a)
        enrol(teacher, world.klass)
        for session in world.days:
            attend(teacher, session)
    program_accredit(actor=world.users["trainer"], program=world.program)
    program_certificates_issue(actor=world.users["trainer"], program=world.program)
    return reverse("training:accreditation", args=[world.program.pk])


def _certificates(world, n: int) -> str:
    _enrolled(world, n)
    return reverse("training:certificate_list") + "?per_page=100"


PAGES = [("teacher ledger", _records), ("claim list", _claims), ("compliance", _teachers),
         ("accreditation preview", _enrolled), ("certificate list", _certificates)]


@pytest.mark.parametrize("make", [pytest.param(m, id=label) for label, m in PAGES])
def test_query_count_does_not_grow_with_rows(world, make):
    policy()
    client = world.client_for("trainer")
    url = make(world, 1)
    with_one = _count(client, url)
    make(world, 29)
    assert _count(client, url) == with_one
