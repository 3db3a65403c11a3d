"""The demo district's year of training: programs with classes, sessions and enrolments
(demo_enrol), attendance of the sessions already held (demo_checkin) and the 学时 records,
claims and certificates that follow (demo_hours).

Dates are placed around the day the demo is built, not the org demo's fixed REFERENCE_DATE:
the 培训菜单 must have programs open for enrolment whenever someone tries the demo. Given that
day and the seed, the data are the same every time."""

from __future__ import annotations

from datetime import datetime

from django.utils import timezone

from yanxun.core import versions
from yanxun.org.demo import DemoContext, demo_step
from yanxun.training.models import (
    Attendance,
    Certificate,
    CertificateSerial,
    ClaimRule,
    Enrolment,
    HourClaim,
    HourRecord,
    Program,
    TrainingPolicy,
)


def wipe_training(ctx: DemoContext) -> None:
    with versions.bulk_writes():  # the data versions change once, not per deleted row
        for model in (Certificate, CertificateSerial, HourRecord, HourClaim, ClaimRule,
                      Attendance, Enrolment):
            model.objects.all().delete()
        Program.objects.all().delete()
        TrainingPolicy.objects.filter(district=ctx.district).delete()


@demo_step("training", order=200, wipe=wipe_training)
def build_training(ctx: DemoContext) -> None:
    build_training_year(ctx, timezone.now())


def build_training_year(ctx: DemoContext, now: datetime) -> dict:
    """The year of training around `now` for the demo district of `ctx` (its org steps
    built); returns the hours demo's summary. The same `now` and seed give the same data."""
    from yanxun.training.demo_checkin import build_checkin_demo
    from yanxun.training.demo_enrol import build_enrol_demo
    from yanxun.training.demo_hours import build_hours_demo

    today = timezone.localdate(now)
    build_enrol_demo(ctx.district, ctx.rng("training.programs"), now=now)
    build_checkin_demo(ctx.district, ctx.rng("training.attendance"), today=today)
    return build_hours_demo(ctx.district, ctx.rng("training.hours"), today=today)
