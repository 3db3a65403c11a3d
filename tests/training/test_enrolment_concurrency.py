"""Seats under concurrency. On PostgreSQL the calls really run at once, in threads with their
own connections, started together by a barrier: the class row lock (select_for_update) makes
them count one after another. SQLite serialises writers by itself (IMMEDIATE transactions),
so there the same calls run one after the other and the test checks the same outcome."""

import threading

import pytest
from django.core.exceptions import ValidationError
from django.db import close_old_connections, connection, connections

from tests.factories import TeacherFactory
from tests.training.factories_enrol import program_with_class
from yanxun.core.enums import Role
from yanxun.core.models import AuditLog
from yanxun.training.enrolment import (
    enrolment_enrol,
    enrolment_promote,
    enrolment_remove,
    enrolment_withdraw,
)
from yanxun.training.enums import EnrolmentSource, EnrolmentStatus, ProgramStatus
from yanxun.training.models import Enrolment

S = EnrolmentStatus
THREADED = connection.vendor == "postgresql"


def run_at_once(calls) -> list[object]:
    """Run each call (in threads on PostgreSQL); a call's result or the exception it raised."""
    results: list[object] = [None] * len(calls)
    if not THREADED:
        for index, call in enumerate(calls):
            results[index] = _outcome(call)
        return results
    barrier = threading.Barrier(len(calls))

    def worker(index, call):
        close_old_connections()
        try:
            barrier.wait()
            results[index] = _outcome(call)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=worker, args=(i, c)) for i, c in enumerate(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    return results


def _outcome(call):
    try:
        return call()
    except ValidationError as exc:
        return exc


def _enrol(teacher, training_class):
    return lambda: enrolment_enrol(actor=teacher.user, teacher=teacher,
                                   training_class=training_class)


def _counts(training_class) -> dict[str, int]:
    rows = Enrolment.objects.filter(training_class=training_class)
    return {status: rows.filter(status=status).count() for status in (S.ENROLLED, S.WAITING)}


def _positions(training_class) -> list[int]:
    return sorted(Enrolment.objects.filter(training_class=training_class, status=S.WAITING)
                  .values_list("waitlist_position", flat=True))


@pytest.mark.django_db(transaction=True)
def test_two_enrolments_for_the_last_seat_give_one_seat_and_one_waiting(world):
    training_class = program_with_class(capacity=2)
    _enrol(TeacherFactory(school=world.school_a), training_class)()
    results = run_at_once([_enrol(world.teacher_a, training_class),
                           _enrol(world.teacher_b, training_class)])
    assert sorted(r.status for r in results) == [S.ENROLLED, S.WAITING]
    assert _counts(training_class) == {S.ENROLLED: 2, S.WAITING: 1}
    assert _positions(training_class) == [1]


@pytest.mark.django_db(transaction=True)
def test_a_crowd_enrolling_at_once_never_overfills(world):
    training_class = program_with_class(capacity=3)
    crowd = [TeacherFactory(school=world.school_a) for _ in range(8)]
    results = run_at_once([_enrol(t, training_class) for t in crowd])
    assert sorted(r.status for r in results) == [S.ENROLLED] * 3 + [S.WAITING] * 5
    assert _counts(training_class) == {S.ENROLLED: 3, S.WAITING: 5}
    assert _positions(training_class) == [1, 2, 3, 4, 5]


@pytest.mark.django_db(transaction=True)
def test_two_seats_freed_at_once_promote_the_first_two_waiting(world):
    training_class = program_with_class(capacity=2)
    teachers = [TeacherFactory(school=world.school_a, name=f"教师{i}") for i in range(5)]
    for teacher in teachers:
        _enrol(teacher, training_class)()
    leaving = [Enrolment.objects.get(teacher=t) for t in teachers[:2]]
    run_at_once([lambda e=e: enrolment_withdraw(actor=e.teacher.user, enrolment=e)
                 for e in leaving])
    states = {e.teacher.name: e.status for e in Enrolment.objects.select_related("teacher")}
    assert states == {"教师0": S.WITHDRAWN, "教师1": S.WITHDRAWN, "教师2": S.ENROLLED,
                      "教师3": S.ENROLLED, "教师4": S.WAITING}
    assert AuditLog.objects.filter(action="training.enrolment.promote").count() == 2


@pytest.mark.django_db(transaction=True)
def test_two_staff_promoting_into_one_free_seat_never_overfill(world):
    training_class = program_with_class(capacity=2)
    trainer = world.users[str(Role.TRAINER)]
    teachers = [TeacherFactory(school=world.school_a) for _ in range(4)]
    for teacher in teachers:
        enrolment_enrol(actor=trainer, teacher=teacher, training_class=training_class,
                        source=EnrolmentSource.STAFF)
    program = training_class.program
    program.status = ProgramStatus.CLOSED
    program.save()
    enrolment_remove(actor=trainer, enrolment=Enrolment.objects.get(teacher=teachers[0]),
                     reason="病假")
    waiting = list(Enrolment.objects.filter(status=S.WAITING).order_by("waitlist_position"))
    admin = world.users[str(Role.ADMIN)]
    results = run_at_once([lambda: enrolment_promote(actor=trainer, enrolment=waiting[0]),
                           lambda: enrolment_promote(actor=admin, enrolment=waiting[1])])
    refused = [r for r in results if isinstance(r, ValidationError)]
    assert len(refused) == 1
    assert refused[0].messages == ["「1班」名额已满（2 人，已录取 2 人），不能转为录取。"]
    assert _counts(training_class) == {S.ENROLLED: 2, S.WAITING: 1}


@pytest.mark.django_db(transaction=True)
def test_the_same_teacher_enrolling_twice_at_once_gets_one_enrolment(world):
    training_class = program_with_class(capacity=5)
    results = run_at_once([_enrol(world.teacher_a, training_class)] * 2)
    assert sum(isinstance(r, ValidationError) for r in results) == 1
    assert Enrolment.objects.count() == 1


@pytest.mark.django_db(transaction=True)
def test_concurrent_enrolments_in_long_programs_respect_the_cap(world):
    programs = [program_with_class(name=f"长期项目{i}", is_long=True) for i in range(3)]
    results = run_at_once([_enrol(world.teacher_a, c) for c in programs])
    assert sum(isinstance(r, ValidationError) for r in results) == 1
    assert Enrolment.objects.filter(status=S.ENROLLED).count() == 2
