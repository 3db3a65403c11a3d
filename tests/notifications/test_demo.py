"""The demo: the demo teacher has messages — a promotion from a waiting list, claim
decisions, hours and certificates — some read, some not, all from the real services."""

import random
import time

import pytest

from yanxun.notifications.demo import build, demo_teacher
from yanxun.notifications.models import Notification
from yanxun.org.demo import build_demo
from yanxun.org.models import District
from yanxun.training.enums import EnrolmentStatus
from yanxun.training.models import Enrolment


@pytest.fixture
def district(db):
    build_demo(seed=7, teachers=600, schools=12)
    return District.objects.get()


def test_the_demo_teacher_has_messages_of_each_kind_and_the_step_is_fast(district):
    teacher = demo_teacher(district)
    assert teacher.user.must_change_password is False
    rows = list(Notification.objects.filter(recipient=teacher.user).order_by("pk"))
    kinds = {n.kind for n in rows}
    assert {"training.promoted", "training.claim_school_approved",
            "training.claim_accredited"} <= kinds
    [promotion] = [n for n in rows if n.kind == "training.promoted"]
    program = promotion.title.removeprefix("候补转正：")
    enrolment = Enrolment.objects.get(teacher=teacher, program__name=program)
    assert (enrolment.status, promotion.url, promotion.read_at) == (
        EnrolmentStatus.ENROLLED, "/training/mine/", None)
    read = {n.kind for n in rows if n.read_at is not None}
    assert read == {"training.claim_school_approved"}
    # Every teacher promoted with the demo teacher was told as well, once.
    promoted = Notification.objects.filter(kind="training.promoted",
                                           title=promotion.title)
    assert promoted.count() == promoted.values("recipient").distinct().count() >= 1
    # The step again (another open program with a waiting list): well under a second.
    before = len(rows)
    started = time.perf_counter()
    summary = build(district, random.Random(1))
    assert time.perf_counter() - started < 1
    assert summary["teacher"] == teacher.employee_no
    assert summary["messages"] == before + 1
    assert summary["promoted"] >= 1
