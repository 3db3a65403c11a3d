"""获奖证书: an A4 PDF per award of a published competition, with the serial number
"<year>-PB<5 digits>", the seal, a verification code and its QR code linking to the public
verification page (which shows the masked name only).

- Serials come from AwardSerial with one `UPDATE … SET last = last + n` (concurrent issues
  queue on the row and never share a number; `serial` is unique in the database too).
- Verification codes, their alphabet and the masking of names are training.certificates'.
- The seal is the competition's own upload, else the training policy's certificate seal.
"""

from __future__ import annotations

import base64
from dataclasses import dataclass
from datetime import date

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F
from django.http import Http404
from django.urls import reverse
from django.utils import timezone

from yanxun.core.audit import audit_record
from yanxun.core.models import AuditLog
from yanxun.core.pdf import render_pdf
from yanxun.core.permissions import has_perm
from yanxun.org.models import District
from yanxun.review import rules
from yanxun.review.enums import CompetitionStatus
from yanxun.review.models import Award, AwardSerial, Competition
from yanxun.training.certificates import mask_name, new_code, normalise_code, public_base
from yanxun.training.files import CheckedFile


def take_award_serials(year: int, count: int) -> list[str]:
    """`count` new serial numbers of `year`, in order (inside the issuing transaction)."""
    with transaction.atomic():
        if not AwardSerial.objects.filter(year=year).update(last=F("last") + count):
            try:
                with transaction.atomic():
                    AwardSerial.objects.create(year=year, last=count)
            except IntegrityError:  # created by a concurrent issue a moment ago
                AwardSerial.objects.filter(year=year).update(last=F("last") + count)
        last = AwardSerial.objects.values_list("last", flat=True).get(year=year)
    return [f"{year}-PB{n:05d}" for n in range(last - count + 1, last + 1)]


def award_certificates_issue(*, actor, competition: Competition,
                             today: date | None = None) -> int:
    """Give every award of a published competition that has none a serial and a code.
    Returns how many were issued now (0 when all had one)."""
    if not has_perm(actor, rules.PUBLISH_RESULTS):
        raise PermissionDenied("无权发放获奖证书。")
    if competition.status != CompetitionStatus.PUBLISHED:
        raise ValidationError("评比结果正式发布后才能发放获奖证书。")
    today = today or timezone.localdate()
    with transaction.atomic():
        awards = list(Award.objects.select_for_update()
                      .filter(competition=competition, revoked=False, serial__isnull=True)
                      .order_by("entry__group__position", "entry__group_id", "tier_order",
                                "rank", "entry__code"))
        if not awards:
            return 0
        for award, serial in zip(awards, take_award_serials(today.year, len(awards)),
                                 strict=True):
            award.serial, award.verify_code, award.certified_on = serial, new_code(), today
        Award.objects.bulk_update(awards, ["serial", "verify_code", "certified_on"])
        AuditLog.objects.bulk_create(
            AuditLog(actor=actor, action="review.certificate.issue", object_type="review.award",
                     object_id=str(a.pk), object_repr=f"{a.serial} {a.tier}",
                     after={"serial": a.serial, "entry": a.entry_id, "tier": a.tier})
            for a in awards)
    return len(awards)


def seal_upload(*, actor, competition: Competition, checked: CheckedFile) -> None:
    if not has_perm(actor, rules.PUBLISH_RESULTS):
        raise PermissionDenied("无权设置证书印章。")
    with transaction.atomic():
        content = checked.content_file()
        competition.seal_image.save(content.name, content, save=False)
        Competition.objects.filter(pk=competition.pk).update(seal_image=competition.seal_image)
        audit_record(actor=actor, action="review.seal.upload", obj=competition,
                     after={"seal": competition.seal_image.name})


# --- who may download ------------------------------------------------------------------------


def certified(queryset=None):
    queryset = Award.objects.all() if queryset is None else queryset
    return (queryset.filter(revoked=False, serial__isnull=False,
                            competition__status=CompetitionStatus.PUBLISHED)
            .select_related("competition", "entry__group", "entry__teacher", "entry__school")
            .prefetch_related("entry__co_authors"))


def award_for_download(user, pk: int) -> Award:
    """Staff any certificate; a teacher the certificates of their own entries (lead author or
    co-author); anyone else 404."""
    award = certified().filter(pk=pk).first()
    if award is None:
        raise Http404("未找到该获奖证书。")
    if has_perm(user, rules.PUBLISH_RESULTS) or _is_author(user, award):
        return award
    raise Http404("未找到该获奖证书。")


def _is_author(user, award: Award) -> bool:
    entry = award.entry
    return entry.teacher.user_id == user.pk or entry.co_authors.filter(user=user).exists()


def my_awards(user):
    """The user's awards in published competitions, as lead author or co-author."""
    from django.db.models import Q

    return (Award.objects.filter(Q(entry__teacher__user=user) | Q(entry__co_authors__user=user),
                                 revoked=False, competition__status=CompetitionStatus.PUBLISHED)
            .distinct().select_related("competition", "entry__group")
            .order_by("-competition__year", "-decided_at"))


# --- verification ------------------------------------------------------------------------------


@dataclass
class AwardVerification:
    found: bool
    revoked: bool = False
    masked_name: str = ""
    competition: str = ""
    group: str = ""
    tier: str = ""
    certified_on: date | None = None
    serial: str = ""


def award_verify(raw: str) -> AwardVerification:
    code = normalise_code(raw)
    award = (Award.objects.filter(verify_code=code).select_related(
        "competition", "entry__teacher", "entry__group").first() if code else None)
    if award is None:
        return AwardVerification(found=False)
    return AwardVerification(found=True, revoked=award.revoked,
                             masked_name=mask_name(award.entry.teacher.name),
                             competition=award.competition.name, group=award.entry.group.name,
                             tier=award.tier, certified_on=award.certified_on,
                             serial=award.serial or "")


def verify_url(code: str, request=None) -> str:
    return public_base(request) + reverse("review:award_verify_code", args=[code])


# --- PDF ---------------------------------------------------------------------------------------


def _data_uri(field) -> str:
    if not field:
        return ""
    try:
        with field.open("rb") as handle:
            data = handle.read()
    except OSError:
        return ""
    kind = "image/png" if data.startswith(b"\x89PNG") else "image/jpeg"
    return f"data:{kind};base64,{base64.b64encode(data).decode()}"


def seal_uri(competition: Competition) -> str:
    if competition.seal_image:
        return _data_uri(competition.seal_image)
    from yanxun.training.policy import current_policy

    return _data_uri(current_policy().seal_image)


def certificates_pdf(awards: list[Award], *, request=None) -> bytes:
    """One A4 page per award, in the given order (all of one competition)."""
    import segno

    district = District.objects.order_by("pk").first()
    center = (district.center_name or f"{district.name}教师发展中心") if district else "教师发展中心"
    pages = []
    for award in awards:
        url = verify_url(award.verify_code, request)
        co_authors = [t.name for t in award.entry.co_authors.all()]
        pages.append({"award": award, "entry": award.entry, "url": url,
                      "authors": "、".join([award.entry.teacher.name, *co_authors]),
                      "qr": segno.make(url, error="m").svg_data_uri(scale=4, border=1)})
    seal = seal_uri(awards[0].competition) if awards else ""
    return render_pdf("review/awards/certificate_pdf.html", {
        "pages": pages, "center": center, "seal": seal})


def certificate_filename(awards: list[Award], label: str = "") -> str:
    if len(awards) == 1:
        award = awards[0]
        return f"获奖证书_{award.entry.teacher.name}_{award.serial}.pdf"
    return f"获奖证书_{label}.pdf" if label else "获奖证书.pdf"
