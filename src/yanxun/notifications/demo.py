"""Demo 站内消息. Most come on their own: the training demo decides claims, accredits hours and
issues certificates through the real services, and each of those sends its message. Its
enrolments are bulk-written, though, so nobody was ever promoted from a waiting list; this
step adds that story for the demo teacher, again through the real services:

    the demo teacher joins the waiting list of an open program (their own enrolment, no
    message), then a 研训员 raises the class's capacity by the length of its waiting list —
    every waiting teacher is promoted in order and told so (候补转正：<项目名>).

Finally the demo teacher's messages about a school's approval of a claim are marked read, so
that 我的消息 shows read and unread ones.

    from yanxun.notifications.demo import build
    build(district, random.Random("yanxun-demo:2026:notifications"))
"""

from __future__ import annotations

import random
from datetime import datetime

from django.db import transaction
from django.db.models import Count, Q
from django.utils import timezone

from yanxun.accounts.models import User
from yanxun.core.enums import Role
from yanxun.notifications.models import Notification
from yanxun.notifications.services import mark_read
from yanxun.org.demo import DemoContext, demo_step
from yanxun.org.models import District, Teacher
from yanxun.training.enums import EnrolmentStatus, ProgramStatus


@demo_step("notifications", order=300)
def build_notifications(ctx: DemoContext) -> None:
    build(ctx.district, ctx.rng("notifications"))


def demo_teacher(district: District) -> Teacher | None:
    """The demo 教师 login: the teacher of the demo school who needs no new password."""
    from yanxun.training.demo_enrol import _featured_teacher

    teachers = Teacher.objects.filter(school__district=district,
                                      user__must_change_password=False,
                                      user__role_assignments__role=Role.TEACHER)
    school_admin = User.objects.filter(username="schooladmin").first()
    if school_admin is not None:
        schools = school_admin.role_assignments.values("school_id")
        teachers = teachers.filter(school_id__in=schools)
    return teachers.order_by("pk").first() or _featured_teacher(district)


def build(district: District, rng: random.Random, *, now: datetime | None = None) -> dict:
    """The demo teacher's promotion from a waiting list; returns what was done."""
    from yanxun.training.enrolment import enrol_problems, enrolment_enrol
    from yanxun.training.models import Enrolment, TrainingClass
    from yanxun.training.programs import class_update

    now = now or timezone.now()
    teacher = demo_teacher(district)
    trainer = (User.objects.filter(role_assignments__role=Role.TRAINER).order_by("pk").first()
               or User.objects.filter(role_assignments__role=Role.ADMIN).order_by("pk").first())
    if teacher is None or trainer is None:
        return {}
    taken = Enrolment.objects.filter(teacher=teacher).values("program_id")
    classes = list(
        TrainingClass.objects.filter(
            program__status=ProgramStatus.PUBLISHED, program__is_long=False,
            program__needs_school_approval=False, program__enrol_opens__lte=now,
            program__enrol_closes__gt=now)
        .exclude(program_id__in=taken)
        .annotate(waiting=Count("enrolments", filter=Q(enrolments__status=EnrolmentStatus.WAITING)))
        .filter(waiting__gt=0).select_related("program").order_by("program_id", "pk"))
    classes = [c for c in classes if not enrol_problems(teacher=teacher, program=c.program,
                                                        existing=None)]
    if not classes:
        return {}
    target = rng.choice(classes)
    with transaction.atomic():
        enrolment_enrol(actor=teacher.user, teacher=teacher, training_class=target, now=now)
        waiting = Enrolment.objects.filter(training_class=target,
                                           status=EnrolmentStatus.WAITING).count()
        class_update(actor=trainer, training_class=target, capacity=target.capacity + waiting)
        read = list(Notification.objects.filter(recipient=teacher.user,
                                                kind="training.claim_school_approved")
                    .values_list("pk", flat=True))
        mark_read(teacher.user, read, now=now)
    return {"teacher": teacher.employee_no, "program": target.program.name,
            "promoted": waiting,
            "messages": Notification.objects.filter(recipient=teacher.user).count()}
