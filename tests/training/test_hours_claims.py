"""学时申报: submit with evidence, school decision, centre accreditation, every refusal, the
rules table's defaults and the cap shown before accrediting."""

import io
import zipfile
from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from tests.factories import UserFactory, grant
from tests.training.factories_hours import PDF_BYTES, claim_rule, policy, upload
from yanxun.core.enums import Role
from yanxun.core.models import AuditLog
from yanxun.training import claims
from yanxun.training.claims import ClaimInput
from yanxun.training.enums import ClaimKind, ClaimStatus, HourSource, ProgramLevel
from yanxun.training.files import (
    DOCX,
    EVIDENCE_MAX_BYTES,
    JPEG,
    PDF,
    PNG,
    XLSX,
    check_evidence,
    check_seal,
    sniff,
)
from yanxun.training.ledger import claim_cap_preview
from yanxun.training.models import ClaimEvidence, ClaimRule, HourClaim, HourRecord

D = Decimal
S = ClaimStatus
PNG_BYTES = b"\x89PNG\r\n\x1a\n" + b"\x00" * 40
JPEG_BYTES = b"\xff\xd8\xff\xe0" + b"\x00" * 40


def office(main: str) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr(main, "<x/>")
    return buffer.getvalue()


def pdf(name="证明.pdf"):
    return check_evidence([upload(name, PDF_BYTES)])


# --- evidence content -------------------------------------------------------------------------


@pytest.mark.parametrize(("data", "kind"), [
    (PDF_BYTES, PDF), (PNG_BYTES, PNG), (JPEG_BYTES, JPEG),
    (office("word/document.xml"), DOCX), (office("xl/workbook.xml"), XLSX),
    (b"hello", None), (b"PK\x03\x04broken", None), (office("ppt/presentation.xml"), None),
    (b"MZ\x90\x00", None), (b"<html><script>", None),
])
def test_files_are_known_by_their_content(data, kind):
    assert sniff(data) == kind


def test_a_real_xlsx_is_accepted():
    import xlsxwriter

    buffer = io.BytesIO()
    workbook = xlsxwriter.Workbook(buffer, {"in_memory": True})
    workbook.add_worksheet().write(0, 0, "证明")
    workbook.close()
    assert [(f.name, f.content_type) for f in check_evidence([upload("表.xlsx",
                                                                     buffer.getvalue())])] == [
        ("表.xlsx", XLSX)]


def test_the_name_does_not_decide():
    checked = check_evidence([upload("获奖证书.pdf", PNG_BYTES)])
    assert [(f.name, f.content_type, f.content_file().name[-4:]) for f in checked] == [
        ("获奖证书.pdf", PNG, ".png")]
    with pytest.raises(ValidationError) as info:
        check_evidence([upload("证明.pdf", b"#!/bin/sh\nrm -rf /\n")])
    assert info.value.messages == ["「证明.pdf」不是 PDF、JPG、PNG、Word（.docx）或 Excel（.xlsx）"
                                   "文件（按文件内容判断，与扩展名无关）。"]


def test_empty_too_large_and_too_many_files_are_refused():
    with pytest.raises(ValidationError) as info:
        check_evidence([upload("空.pdf", b""),
                        upload("大.pdf", PDF_BYTES + b"0" * EVIDENCE_MAX_BYTES)])
    assert info.value.messages == ["「空.pdf」是空文件。", "「大.pdf」超过 10 MB。"]
    with pytest.raises(ValidationError) as info:
        check_evidence([upload(f"{i}.pdf", PDF_BYTES) for i in range(6)])
    assert info.value.messages == ["一次最多上传 5 个证明材料。"]


def test_the_seal_must_be_a_png_or_jpeg():
    assert check_seal(upload("seal.png", PNG_BYTES)).content_type == PNG
    assert check_seal(upload("seal.jpg", JPEG_BYTES)).content_type == JPEG
    with pytest.raises(ValidationError) as info:
        check_seal(upload("seal.png", PDF_BYTES))
    assert info.value.messages == ["印章图片应为 PNG 或 JPEG 图片（按文件内容判断）。"]


# --- the flow ---------------------------------------------------------------------------------


@pytest.fixture
def rule(db):
    return claim_rule(hours="6", cap="18")


def _data(rule, **values):
    return ClaimInput(**{"rule": rule, "title": "区级公开课《背影》", "happened_on":
                         date(2025, 4, 10), "description": "初二语文", **values})


def submitted(world, rule, **values):
    return claims.claim_submit(actor=world.users["teacher"], data=_data(rule, **values),
                               files=pdf())


def test_a_teacher_submits_with_evidence(world, rule):
    claim = submitted(world, rule)
    assert (claim.teacher, claim.status, claim.title, claim.days) == (
        world.teacher_a, S.SUBMITTED, "区级公开课《背影》", None)
    evidence = ClaimEvidence.objects.get(claim=claim)
    assert (evidence.original_name, evidence.content_type, evidence.size) == (
        "证明.pdf", PDF, len(PDF_BYTES))
    assert evidence.file.name.startswith(f"training/claims/{timezone.localdate():%Y}/")
    assert "证明" not in evidence.file.name
    assert evidence.file.read() == PDF_BYTES
    log = AuditLog.objects.get(action="hours.claim_submit")
    assert log.after["files"] == ["证明.pdf"]


@pytest.mark.parametrize(("values", "field", "message"), [
    ({"title": "  "}, "title", "请填写名称。"),
    ({"happened_on": None}, "happened_on", "日期不能晚于今天。"),
    ({"days": 2}, "days", "「区级公开课」不按天计，天数应留空。"),
])
def test_bad_claims_are_refused_and_nothing_written(world, rule, values, field, message):
    if values.get("happened_on", 1) is None:
        values["happened_on"] = timezone.localdate() + timedelta(days=1)
    with pytest.raises(ValidationError) as info:
        submitted(world, rule, **values)
    assert info.value.message_dict == {field: [message]}
    assert HourClaim.objects.count() == 0


def test_per_day_rules_need_days(world):
    external = claim_rule(kind=ClaimKind.EXTERNAL, name="外出培训（省级，每天）", hours="8",
                          cap=None, per_day=True, level=ProgramLevel.PROVINCE)
    with pytest.raises(ValidationError) as info:
        submitted(world, external)
    assert info.value.message_dict == {"days": ["「外出培训（省级，每天）」按天计学时，请填写 1–60 天。"]}
    assert submitted(world, external, days=3).days == 3


def test_an_inactive_rule_and_missing_evidence_are_refused(world, rule):
    rule.is_active = False
    rule.save()
    with pytest.raises(ValidationError) as info:
        submitted(world, rule)
    assert info.value.message_dict == {"rule": ["该申报类型已停用，请选择其他类型。"]}
    rule.is_active = True
    rule.save()
    with pytest.raises(ValidationError) as info:
        claims.claim_submit(actor=world.users["teacher"], data=_data(rule), files=[])
    assert info.value.message_dict == {"files": ["请上传至少一个证明材料。"]}


@pytest.mark.parametrize("role", ["school_admin", "trainer", "admin", "leader"])
def test_only_a_teacher_submits_for_themself(world, rule, role):
    with pytest.raises(PermissionDenied):
        claims.claim_submit(actor=world.users[role], data=_data(rule), files=pdf())


def test_school_approves_and_centre_accredits(world, rule):
    policy()
    claim = submitted(world, rule)
    assert claims.allowed_moves(world.users["school_admin"], claim) == [
        S.SCHOOL_APPROVED, S.RETURNED, S.REJECTED]
    assert claims.allowed_moves(world.users["trainer"], claim) == []
    claims.claim_transition(actor=world.users["school_admin"], claim=claim,
                            to=S.SCHOOL_APPROVED)
    assert claims.allowed_moves(world.users["trainer"], claim) == [
        S.ACCREDITED, S.RETURNED, S.REJECTED]
    claims.claim_transition(actor=world.users["trainer"], claim=claim, to=S.ACCREDITED)
    claim.refresh_from_db()
    assert (claim.status, claim.hours, claim.school_decided_by, claim.center_decided_by) == (
        S.ACCREDITED, D("6.0"), world.users["school_admin"], world.users["trainer"])
    saved = HourRecord.objects.get(claim=claim)
    assert (saved.teacher, saved.hours, saved.year, saved.earned_on, saved.category,
            saved.level, saved.source, saved.title) == (
        world.teacher_a, D("6.0"), 2025, date(2025, 4, 10), rule.category,
        ProgramLevel.DISTRICT, HourSource.CLAIM, "区级公开课《背影》")
    logs = AuditLog.objects.filter(action="hours.claim_transition").order_by("pk")
    assert [(log.before["status"], log.after["status"], log.after["hours"]) for log in logs] == [
        ("submitted", "school_approved", None), ("school_approved", "accredited", "6.0")]


def test_per_day_claims_earn_hours_times_days(world):
    external = claim_rule(kind=ClaimKind.EXTERNAL, name="外出培训（省级，每天）", hours="8",
                          cap=None, per_day=True, level=ProgramLevel.PROVINCE)
    claim = submitted(world, external, days=3)
    claims.claim_transition(actor=world.users["school_admin"], claim=claim,
                            to=S.SCHOOL_APPROVED)
    claims.claim_transition(actor=world.users["admin"], claim=claim, to=S.ACCREDITED)
    assert HourRecord.objects.get(claim=claim).hours == D("24.0")


def test_returned_claims_need_a_reason_and_come_back_corrected(world, rule):
    claim = submitted(world, rule)
    with pytest.raises(ValidationError) as info:
        claims.claim_transition(actor=world.users["school_admin"], claim=claim,
                                to=S.RETURNED, reason=" ")
    assert info.value.message_dict == {"reason": ["退回或不予认定时请填写理由。"]}
    claims.claim_transition(actor=world.users["school_admin"], claim=claim, to=S.RETURNED,
                            reason="请补充听课记录")
    assert claims.allowed_moves(world.users["teacher"], claim) == [S.SUBMITTED]
    first = claim.evidence.get()
    claims.claim_resubmit(actor=world.users["teacher"], claim=claim,
                          data=_data(rule, title="区级公开课《背影》（补充）"),
                          files=check_evidence([upload("听课记录.png", PNG_BYTES)]),
                          remove=[first.pk])
    claim.refresh_from_db()
    assert (claim.status, claim.title, claim.reason) == (S.SUBMITTED, "区级公开课《背影》（补充）",
                                                         "")
    assert list(claim.evidence.values_list("original_name", flat=True)) == ["听课记录.png"]


def test_a_claim_that_was_not_returned_cannot_be_resubmitted(world, rule):
    claim = submitted(world, rule)
    with pytest.raises(PermissionDenied):
        claims.claim_resubmit(actor=world.users["teacher"], claim=claim, data=_data(rule),
                              files=pdf())


@pytest.mark.parametrize(("start", "to", "role", "error", "message"), [
    (S.SUBMITTED, S.ACCREDITED, "trainer", ValidationError, "申报当前为「待学校审核」，不能改为「已认定」。"),
    (S.SUBMITTED, S.SCHOOL_APPROVED, "trainer", PermissionDenied, "只有该教师所在学校的学校管理员可以审核。"),
    (S.SUBMITTED, S.SCHOOL_APPROVED, "teacher", PermissionDenied, "只有该教师所在学校的学校管理员可以审核。"),
    (S.SCHOOL_APPROVED, S.ACCREDITED, "school_admin", PermissionDenied, "只有中心可以认定学时。"),
    (S.SCHOOL_APPROVED, S.ACCREDITED, "leader", PermissionDenied, "只有中心可以认定学时。"),
    (S.REJECTED, S.SUBMITTED, "teacher", ValidationError, "申报当前为「不予认定」，不能改为「待学校审核」。"),
    (S.RETURNED, S.SUBMITTED, "school_admin", PermissionDenied, "只有申报教师本人可以重新提交。"),
    (S.ACCREDITED, S.SCHOOL_APPROVED, "trainer", ValidationError, "申报当前为「已认定」，不能改为「待中心认定」。"),
])
def test_each_refused_move(world, rule, start, to, role, error, message):
    claim = submitted(world, rule)
    HourClaim.objects.filter(pk=claim.pk).update(status=start)
    claim.refresh_from_db()
    with pytest.raises(error) as info:
        claims.claim_transition(actor=world.users[role], claim=claim, to=to)
    assert (info.value.messages if error is ValidationError else str(info.value)) == (
        [message] if error is ValidationError else message)
    claim.refresh_from_db()
    assert claim.status == start
    assert HourRecord.objects.count() == 0


def test_another_schools_administrator_cannot_decide(world, rule):
    other = grant(UserFactory(username="otheradmin"), Role.SCHOOL_ADMIN, school=world.school_b)
    claim = submitted(world, rule)
    with pytest.raises(PermissionDenied):
        claims.claim_transition(actor=other, claim=claim, to=S.SCHOOL_APPROVED)
    assert claims.claims_visible_to(other).count() == 0
    assert claims.claims_visible_to(world.users["school_admin"]).count() == 1


def test_two_decisions_at_once_only_one_wins(world, rule):
    claim = submitted(world, rule)
    stale = HourClaim.objects.get(pk=claim.pk)
    claims.claim_transition(actor=world.users["school_admin"], claim=claim, to=S.REJECTED,
                            reason="材料不符")
    with pytest.raises(ValidationError) as info:
        claims.claim_transition(actor=world.users["school_admin"], claim=stale,
                                to=S.SCHOOL_APPROVED)
    assert info.value.messages == ["该申报的状态刚被他人改变，请刷新后重试。"]
    claim.refresh_from_db()
    assert claim.status == S.REJECTED


def test_the_centre_withdraws_an_accreditation(world, rule):
    claim = submitted(world, rule)
    claims.claim_transition(actor=world.users["school_admin"], claim=claim,
                            to=S.SCHOOL_APPROVED)
    claims.claim_transition(actor=world.users["trainer"], claim=claim, to=S.ACCREDITED)
    claims.claim_transition(actor=world.users["trainer"], claim=claim, to=S.REJECTED,
                            reason="重复申报")
    claim.refresh_from_db()
    assert (claim.status, claim.hours, claim.reason) == (S.REJECTED, None, "重复申报")
    assert HourRecord.objects.count() == 0
    revoke = AuditLog.objects.get(action="hours.revoke")
    assert (revoke.before["hours"], revoke.reason) == ("6.0", "重复申报")


def test_the_cap_is_shown_before_accrediting(world, rule):
    current = policy()
    for month in (1, 2):
        claim = submitted(world, rule, happened_on=date(2024, month, 5))
        claims.claim_transition(actor=world.users["school_admin"], claim=claim,
                                to=S.SCHOOL_APPROVED)
        claims.claim_transition(actor=world.users["trainer"], claim=claim, to=S.ACCREDITED)
    preview = claim_cap_preview(teacher=world.teacher_a, rule=rule, hours=D("6"),
                                on=date(2025, 3, 1), policy=current)
    assert (preview.cap, preview.used, preview.excess) == (D("18.0"), D("12.0"), D("0"))
    preview = claim_cap_preview(teacher=world.teacher_a, rule=rule, hours=D("9"),
                                on=date(2025, 3, 1), policy=current)
    assert preview.excess == D("3.0")
    # The next cycle starts afresh.
    assert claim_cap_preview(teacher=world.teacher_a, rule=rule, hours=D("9"),
                             on=date(2026, 3, 1), policy=current).used == D("0")


def test_the_rules_table_is_seeded_once_with_editable_defaults(db):
    assert claims.claim_rules_seed() == 24
    assert claims.claim_rules_seed() == 0
    lesson = ClaimRule.objects.get(name="区级公开课/示范课")
    assert (lesson.kind, lesson.level, lesson.hours, lesson.cycle_cap, lesson.category.name) == (
        ClaimKind.OPEN_LESSON, ProgramLevel.DISTRICT, D("6"), D("18"), "实践体验")
    assert ClaimRule.objects.get(name="市级公开课/示范课").hours == D("9")
    external = ClaimRule.objects.get(name="外出培训（省级，每天）")
    assert (external.per_day, external.cycle_cap) == (True, None)
    assert ClaimRule.objects.filter(kind=ClaimKind.PAPER, level=ProgramLevel.CITY).count() == 2


def test_rule_edits_are_audited_and_duplicates_refused(world):
    claims.claim_rules_seed()
    lesson = ClaimRule.objects.get(name="区级公开课/示范课")
    claims.claim_rule_save(actor=world.users["trainer"], rule=lesson, hours=D("8"),
                           cycle_cap=D("24"))
    log = AuditLog.objects.get(action="hours.rule_update")
    assert (log.before, log.after) == ({"hours": "6.0", "cycle_cap": "18.0"},
                                       {"hours": "8", "cycle_cap": "24"})
    with pytest.raises(ValidationError) as info:
        claims.claim_rule_save(actor=world.users["trainer"], kind=lesson.kind,
                               level=lesson.level, name=lesson.name, hours=D("3"),
                               category=lesson.category)
    assert info.value.messages == ["已有同类型、同层级、同名称的在用标准。"]
    with pytest.raises(PermissionDenied):
        claims.claim_rule_save(actor=world.users["school_admin"], rule=lesson, hours=D("1"))
