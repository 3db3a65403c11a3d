"""Factories for the hours part of 师干训: programs with classes and sessions, enrolments,
attendance, hour records, claim rules and claims. Built directly, without the enrolment or
check-in services (other parts of the module)."""

import itertools
import struct
import zlib
from datetime import date, time
from decimal import Decimal

import factory
from django.core.files.uploadedfile import SimpleUploadedFile

from tests.factories import DistrictFactory, UserFactory
from tests.training import factories as base
from yanxun.training.enums import (
    AttendanceMethod,
    AttendanceStatus,
    ClaimKind,
    EnrolmentStatus,
    HourSource,
    ProgramLevel,
    ProgramStatus,
)
from yanxun.training.models import (
    Attendance,
    Category,
    ClaimRule,
    Enrolment,
    HourRecord,
)
from yanxun.training.policy import policy_for

_sessions = itertools.count()


class ProgramFactory(base.ProgramFactory):
    """A 2025 program, finished: ready for accreditation."""

    name = factory.Sequence(lambda n: f"新课标专题培训{n + 1}")
    year = 2025
    status = ProgramStatus.FINISHED
    enrol_opens = enrol_closes = None
    created_by = factory.SubFactory(UserFactory)


class TrainingClassFactory(base.TrainingClassFactory):
    program = factory.SubFactory(ProgramFactory)
    capacity = 50


class SessionFactory(base.TrainingSessionFactory):
    training_class = factory.SubFactory(TrainingClassFactory)
    date = date(2025, 3, 1)
    starts_at = time(9, 0)
    ends_at = time(11, 0)
    place = ""
    hours = Decimal("2.0")


def enrol(teacher, training_class, status=EnrolmentStatus.ENROLLED) -> Enrolment:
    return Enrolment.objects.create(program=training_class.program,
                                    training_class=training_class, teacher=teacher,
                                    status=status)


def attend(teacher, session, status=AttendanceStatus.PRESENT) -> Attendance:
    return Attendance.objects.create(session=session, teacher=teacher, status=status,
                                     method=AttendanceMethod.MANUAL)


def sessions(training_class, hours: list[str], *, start=date(2025, 3, 2)) -> list:
    """Sessions of the class on consecutive days from `start`, with the given hours."""
    return [SessionFactory(training_class=training_class, hours=Decimal(h),
                           date=date.fromordinal(start.toordinal() + i))
            for i, h in enumerate(hours)]


def record(teacher, hours: str, *, year: int = 2023, on: date | None = None,
           category: Category | None = None, level: str = ProgramLevel.DISTRICT,
           source: str = HourSource.MANUAL, title: str = "校本研修", claim=None,
           program=None) -> HourRecord:
    return HourRecord.objects.create(
        teacher=teacher, year=year, earned_on=on or date(year, 6, 1), hours=Decimal(hours),
        category=category or base.CategoryFactory(), level=level, source=source, title=title,
        claim=claim, program=program)


def claim_rule(*, kind=ClaimKind.OPEN_LESSON, level=ProgramLevel.DISTRICT,
               name="区级公开课", hours="6", cap: str | None = "18", per_day=False,
               category: Category | None = None) -> ClaimRule:
    return ClaimRule.objects.create(kind=kind, level=level, name=name, hours=Decimal(hours),
                                    cycle_cap=Decimal(cap) if cap else None, per_day=per_day,
                                    category=category or base.CategoryFactory(name="实践体验"))


def policy(**values):
    """The demo district's policy (national defaults: 360 in all, 180 at 区培 or above),
    with `values` written over it."""
    current = policy_for(DistrictFactory())
    for name, value in values.items():
        setattr(current, name, value)
    current.save()
    return current


PDF_BYTES = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def upload(name: str, data: bytes) -> SimpleUploadedFile:
    """An uploaded file as a browser sends it (its content type says nothing we trust)."""
    return SimpleUploadedFile(name, data, content_type="application/octet-stream")


def png_bytes() -> bytes:
    """A real 4×4 red PNG, drawn with zlib (no imaging library needed)."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(
            ">I", zlib.crc32(kind + data) & 0xFFFFFFFF)

    rows = b"".join(b"\x00" + b"\xff\x00\x00" * 4 for _ in range(4))
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", 4, 4, 8, 2, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(rows)) + chunk(b"IEND", b""))


def hours_objects(world):
    """What the role matrix needs of the hours part, made once per test and kept on `world`:
    a finished program accredited and certified, claims of teacher A (one submitted with a
    file, one returned), certificates of teachers A and B, a requirement line, a claim rule
    and an export layout."""
    if getattr(world, "hours", None) is not None:
        return world.hours
    from types import SimpleNamespace

    from yanxun.training.certificates import program_certificates_issue
    from yanxun.training.claims import ClaimInput, claim_submit
    from yanxun.training.enums import ClaimStatus
    from yanxun.training.exports import layouts
    from yanxun.training.files import check_evidence
    from yanxun.training.hours import program_accredit
    from yanxun.training.models import HourClaim, LedgerRequirement

    current = policy()
    program = ProgramFactory(name="矩阵测试项目")
    training_class = TrainingClassFactory(program=program, name="一班")
    days = sessions(training_class, ["3"])
    for teacher in (world.teacher_a, world.teacher_b):
        enrol(teacher, training_class)
        attend(teacher, days[0])
    trainer = world.users["trainer"]
    program_accredit(actor=trainer, program=program)
    certificate_a, certificate_b = program_certificates_issue(actor=trainer, program=program)
    rule = claim_rule()
    teacher_user = world.teacher_a.user
    claim = claim_submit(actor=teacher_user, data=ClaimInput(rule, "区级公开课", date(2025, 5, 1)),
                         files=check_evidence([upload("证明.pdf", PDF_BYTES)]))
    returned = claim_submit(actor=teacher_user, data=ClaimInput(rule, "区级示范课",
                                                                 date(2025, 6, 1)),
                            files=check_evidence([upload("证明.pdf", PDF_BYTES)]))
    HourClaim.objects.filter(pk=returned.pk).update(status=ClaimStatus.RETURNED, reason="补充")
    world.hours = SimpleNamespace(
        program=program, training_class=training_class, claim=claim, returned=returned,
        evidence=claim.evidence.get(), certificate_a=certificate_a,
        certificate_b=certificate_b, rule=rule, layout=layouts().get(),
        requirement=LedgerRequirement.objects.filter(policy=current).first())
    return world.hours
