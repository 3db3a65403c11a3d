"""Factories for programs, classes, sessions and enrolments (the enrolment part of training)."""

from datetime import date, timedelta

from tests.training.factories import (  # noqa: F401  re-exported for the enrolment tests
    CategoryFactory,
    ProgramFactory,
    TrainingClassFactory,
    TrainingSessionFactory,
)


def program_with_class(*, capacity: int = 30, sessions: int = 1, **program_fields):
    """A program with one class of `capacity` seats and `sessions` sessions; returns the class."""
    program = ProgramFactory(**program_fields)
    training_class = TrainingClassFactory(program=program, name="1班", capacity=capacity)
    for index in range(sessions):
        TrainingSessionFactory(training_class=training_class,
                               date=date(2026, 12, 5) + timedelta(days=7 * index))
    return training_class


def matrix_training(world):
    """What the role matrix needs: a published program needing school approval, one class of
    one seat taken by 张晓明 (school A), a waiting teacher, a pending applicant in each school,
    and a session with an attendance record (so that deleting it is refused, for every role
    alike)."""
    from types import SimpleNamespace

    from tests.factories import TeacherFactory
    from yanxun.training.enums import AttendanceMethod, AttendanceStatus, EnrolmentStatus
    from yanxun.training.models import Attendance, Enrolment

    program = ProgramFactory(name="矩阵测试项目", needs_school_approval=True,
                             created_by=world.users["trainer"])
    training_class = TrainingClassFactory(program=program, name="1班", capacity=1)
    session = TrainingSessionFactory(training_class=training_class)
    Attendance.objects.create(session=session, teacher=world.teacher_a,
                              status=AttendanceStatus.PRESENT, method=AttendanceMethod.MANUAL)

    def enrol(teacher, status, position=None):
        return Enrolment.objects.create(program=program, training_class=training_class,
                                        teacher=teacher, status=status,
                                        waitlist_position=position)

    return SimpleNamespace(
        program=program, training_class=training_class, session=session,
        category=program.category,
        enrolled=enrol(world.teacher_a, EnrolmentStatus.ENROLLED),
        waiting=enrol(TeacherFactory(school=world.school_a, name="陈候补"),
                      EnrolmentStatus.WAITING, 1),
        pending_a=enrol(TeacherFactory(school=world.school_a, name="王待审"),
                        EnrolmentStatus.PENDING),
        pending_b=enrol(world.teacher_b, EnrolmentStatus.PENDING),
    )
