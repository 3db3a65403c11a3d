"""证书: 培训证书 (a program's hours) and 学时证明 (a cycle's ledger), as A4 PDFs with the
center's name, its seal, a serial number and a verification code with its QR code.

- Serial numbers are the year and a running number (2026-000001), taken from
  CertificateSerial with one `UPDATE … SET last = last + n`: concurrent issues queue on the
  row and never share a number (and `serial` is unique in the database as well).
- Verification codes are 12 characters drawn by `secrets` from a 31-character alphabet
  without look-alikes (no 0/O, 1/I/L): 31^12 ≈ 8 × 10^17 codes, so guessing one is hopeless even
  without the public page's rate limit (VERIFY_PER_MINUTE lookups per address).
- The public verification page shows only the masked name (张*明), the title, the hours and
  the date — or that the code is unknown or the certificate withdrawn.
- Each teacher gets a 站内消息 when a certificate is issued to them (training.notices).
"""

from __future__ import annotations

import base64
import secrets
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from urllib.parse import urlsplit

from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F
from django.urls import reverse
from django.utils import timezone

from yanxun.core.audit import audit_record
from yanxun.core.context import client_ip
from yanxun.core.pdf import render_pdf
from yanxun.core.permissions import has_perm
from yanxun.org.models import District, Teacher
from yanxun.training import notices, rules
from yanxun.training.enums import CertificateKind, EnrolmentStatus, HourSource
from yanxun.training.ledger import Cycle, credits_of, teacher_ledger
from yanxun.training.models import (
    Certificate,
    CertificateSerial,
    HourRecord,
    Program,
    TrainingClass,
    TrainingPolicy,
)

ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
CODE_LENGTH = 12
VERIFY_PER_MINUTE = 30
LOOPBACK = {"127.0.0.1", "localhost", "::1", "0.0.0.0"}  # noqa: S104  a host name, not a bind


def new_code() -> str:
    return "".join(secrets.choice(ALPHABET) for _ in range(CODE_LENGTH))


def normalise_code(raw: str) -> str | None:
    """The code as stored, or None if it cannot be one (no database lookup needed)."""
    code = "".join(raw.split()).replace("-", "").upper()
    if len(code) != CODE_LENGTH or any(ch not in ALPHABET for ch in code):
        return None
    return code


def mask_name(name: str) -> str:
    """张晓明 → 张*明, 李华 → 李*, 欧阳晓明 → 欧**明."""
    name = name.strip()
    if len(name) <= 1:
        return "*"
    if len(name) == 2:
        return name[0] + "*"
    return name[0] + "*" * (len(name) - 2) + name[-1]


def take_serials(year: int, count: int) -> list[str]:
    """`count` new serial numbers of `year`, in order (call inside the issuing transaction)."""
    with transaction.atomic():
        if not CertificateSerial.objects.filter(year=year).update(last=F("last") + count):
            try:
                with transaction.atomic():
                    CertificateSerial.objects.create(year=year, last=count)
            except IntegrityError:  # created by a concurrent issue a moment ago
                CertificateSerial.objects.filter(year=year).update(last=F("last") + count)
        last = CertificateSerial.objects.values_list("last", flat=True).get(year=year)
    return [f"{year}-{n:06d}" for n in range(last - count + 1, last + 1)]


def _require(actor) -> None:
    if not has_perm(actor, rules.ISSUE_CERTIFICATES):
        raise PermissionDenied("无权发放证书。")


def _issue(actor, items: list[dict], today: date | None = None) -> list[Certificate]:
    today = today or timezone.localdate()
    serials = take_serials(today.year, len(items))
    made = Certificate.objects.bulk_create(
        Certificate(serial=serial, verify_code=new_code(), issued_on=today, issued_by=actor,
                    **item) for serial, item in zip(serials, items, strict=True))
    messages = []
    for certificate in made:
        log = audit_record(actor=actor, action="certificate.issue",
                           object_type="training.certificate", object_id=certificate.serial,
                           object_repr=f"{certificate.serial} {certificate.title}",
                           after={"teacher": certificate.teacher_id, "kind": certificate.kind,
                                  "hours": str(certificate.hours)})
        messages.append(notices.certificate_issued(certificate, log=log))
    notices.send_all(messages)
    return made


def program_certificates_issue(*, actor, program: Program,
                               training_class: TrainingClass | None = None,
                               today: date | None = None) -> list[Certificate]:
    """培训证书 for every teacher who earned the program's hours (of one class, or all):
    new ones where none is valid; where the hours changed since, the old one is withdrawn and
    a new one issued. Returns the valid certificates of those teachers, new and old."""
    _require(actor)
    records = HourRecord.objects.filter(program=program, source=HourSource.PROGRAM,
                                        hours__gt=0)
    if training_class is not None:
        records = records.filter(teacher__enrolments__training_class=training_class,
                                 teacher__enrolments__status=EnrolmentStatus.ENROLLED)
    with transaction.atomic():
        # One issue per program at a time (PostgreSQL row lock; SQLite serialises writers).
        Program.objects.select_for_update().filter(pk=program.pk).first()
        records = list(records.select_related("teacher"))
        valid = {c.teacher_id: c for c in Certificate.objects.select_for_update().filter(
            program=program, kind=CertificateKind.PROGRAM, revoked=False)}
        wanted = []
        for record in records:
            current = valid.get(record.teacher_id)
            if current is not None and current.hours == record.hours:
                continue
            if current is not None:
                certificate_revoke(actor=actor, certificate=current, reason="认定学时已变更",
                                   check=False)
            wanted.append({"kind": CertificateKind.PROGRAM, "teacher": record.teacher,
                           "program": program, "title": program.name, "hours": record.hours})
        if not records:
            raise ValidationError("还没有教师取得该项目的学时，请先认定学时。")
        if wanted:
            _issue(actor, wanted, today)
    teacher_ids = [r.teacher_id for r in records]
    return list(Certificate.objects.filter(program=program, kind=CertificateKind.PROGRAM,
                                           revoked=False, teacher_id__in=teacher_ids)
                .select_related("teacher__school", "program")
                .order_by("teacher__school__code", "teacher__employee_no"))


def hours_certificate_issue(*, actor, teacher: Teacher, cycle: Cycle,
                            policy: TrainingPolicy, today: date | None = None) -> Certificate:
    """学时证明: the hours the teacher's ledger counts in the cycle, as of today."""
    _require(actor)
    ledger = teacher_ledger(teacher, cycle, policy=policy, today=today)
    if not ledger.counted:
        raise ValidationError(f"{teacher.name}在 {cycle.label}周期内没有计入的学时。")
    with transaction.atomic():
        return _issue(actor, [{"kind": CertificateKind.HOURS, "teacher": teacher,
                               "program": None, "title": f"{cycle.label}周期继续教育学时",
                               "hours": ledger.counted}], today)[0]


def certificate_revoke(*, actor, certificate: Certificate, reason: str,
                       check: bool = True) -> Certificate:
    if check:
        _require(actor)
    reason = reason.strip()
    if not reason:
        raise ValidationError({"reason": "请填写作废原因。"})
    with transaction.atomic():
        if not Certificate.objects.filter(pk=certificate.pk, revoked=False).update(revoked=True):
            raise ValidationError("该证书已作废。")
        certificate.revoked = True
        audit_record(actor=actor, action="certificate.revoke", obj=certificate,
                     before={"revoked": False}, after={"revoked": True}, reason=reason[:200])
    return certificate


# --- verification ----------------------------------------------------------------------------


@dataclass
class Verification:
    found: bool
    revoked: bool = False
    masked_name: str = ""
    title: str = ""
    hours: Decimal | None = None
    issued_on: date | None = None
    kind_label: str = ""


def certificate_verify(raw: str) -> Verification:
    code = normalise_code(raw)
    certificate = (Certificate.objects.filter(verify_code=code).select_related("teacher")
                   .first() if code else None)
    if certificate is None:
        return Verification(found=False)
    return Verification(found=True, revoked=certificate.revoked,
                        masked_name=mask_name(certificate.teacher.name),
                        title=certificate.title, hours=certificate.hours,
                        issued_on=certificate.issued_on,
                        kind_label=CertificateKind(certificate.kind).label)


def verify_allowed(request) -> bool:
    """At most VERIFY_PER_MINUTE lookups a minute from one client address (the cache
    counts; core.context.client_ip: behind a trusted proxy, the address it forwarded)."""
    address = client_ip(request) or "unknown"
    key = f"yx:cert-verify:{address}:{int(timezone.now().timestamp() // 60)}"
    cache.add(key, 0, timeout=90)
    try:
        count = cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.set(key, 1, timeout=90)
        count = 1
    return count <= VERIFY_PER_MINUTE


def public_base(request=None) -> str:
    """Where the public reaches this site: YANXUN_PUBLIC_URL when it names a real address;
    when it is left at a loopback default, the address of the request at hand."""
    configured = getattr(settings, "PUBLIC_URL", "")
    host = urlsplit(configured).hostname if configured else None
    if request is not None and (not configured or host in LOOPBACK):
        return request.build_absolute_uri("/").rstrip("/")
    return configured.rstrip("/")


def verify_url(code: str, request=None) -> str:
    return public_base(request) + reverse("training:certificate_verify_code", args=[code])


# --- PDF -------------------------------------------------------------------------------------


def _seal_uri(policy: TrainingPolicy) -> str:
    if not policy.seal_image:
        return ""
    try:
        with policy.seal_image.open("rb") as handle:
            data = handle.read()
    except OSError:
        return ""
    kind = "image/png" if data.startswith(b"\x89PNG") else "image/jpeg"
    return f"data:{kind};base64,{base64.b64encode(data).decode()}"


def certificates_pdf(certificates: list[Certificate], *, policy: TrainingPolicy,
                     request=None) -> bytes:
    """One A4 page per certificate, in the given order."""
    import segno

    district = District.objects.order_by("pk").first()
    center = (district.center_name or f"{district.name}教师发展中心") if district else "教师发展中心"
    pages = []
    for certificate in certificates:
        url = verify_url(certificate.verify_code, request)
        pages.append({
            "certificate": certificate, "teacher": certificate.teacher,
            "school": certificate.teacher.school.name, "url": url,
            "qr": segno.make(url, error="m").svg_data_uri(scale=4, border=1),
            "credits": credits_of(certificate.hours, policy.hours_per_credit),
            "is_program": certificate.kind == CertificateKind.PROGRAM,
        })
    return render_pdf("training/hours/certificate_pdf.html", {
        "pages": pages, "center": center, "seal": _seal_uri(policy)})


def certificate_filename(certificates: list[Certificate], label: str = "") -> str:
    if len(certificates) == 1:
        c = certificates[0]
        return f"{CertificateKind(c.kind).label}_{c.teacher.name}_{c.serial}.pdf"
    return f"证书_{label}.pdf" if label else f"证书_{timezone.localdate():%Y%m%d}.pdf"
