"""Certificates: serial numbers (unique, also under concurrency), verification codes, the
masked public verification, issuing for a class, the 学时证明, withdrawal and the PDF."""

import threading
from datetime import date
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, connection, connections, transaction
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from tests.core.pdf_text import read_pdf
from tests.factories import TeacherFactory
from tests.training.factories_hours import (
    ProgramFactory,
    TrainingClassFactory,
    attend,
    enrol,
    png_bytes,
    policy,
    record,
    sessions,
    upload,
)
from yanxun.core.models import AuditLog
from yanxun.training import certificates as certs
from yanxun.training.enums import CertificateKind
from yanxun.training.files import check_seal
from yanxun.training.hours import program_accredit
from yanxun.training.hours_settings import hours_policy_save
from yanxun.training.ledger import Cycle
from yanxun.training.models import Certificate, CertificateSerial, HourRecord

D = Decimal
YEAR = timezone.localdate().year


@pytest.mark.parametrize(("name", "masked"), [("张晓明", "张*明"), ("李华", "李*"),
                                              ("欧阳晓明", "欧**明"), ("王", "*"),
                                              (" 赵钱孙李周 ", "赵***周")])
def test_names_are_masked(name, masked):
    assert certs.mask_name(name) == masked


def test_codes_are_long_random_and_unambiguous():
    codes = {certs.new_code() for _ in range(2000)}
    assert len(codes) == 2000
    assert all(len(c) == 12 and set(c) <= set(certs.ALPHABET) for c in codes)
    assert not set("01ILO") & set(certs.ALPHABET)
    assert len(certs.ALPHABET) ** 12 > 10**17
    assert certs.normalise_code(" abcd-efgh-jkmn ") == "ABCDEFGHJKMN"
    assert certs.normalise_code("ABCDEFGHJKM0") is None  # 0 is not in the alphabet
    assert certs.normalise_code("SHORT") is None


def test_serials_run_on_within_a_year(db):
    assert certs.take_serials(2026, 2) == ["2026-000001", "2026-000002"]
    assert certs.take_serials(2026, 1) == ["2026-000003"]
    assert certs.take_serials(2027, 1) == ["2027-000001"]
    assert list(CertificateSerial.objects.order_by("year").values_list("year", "last")) == [
        (2026, 3), (2027, 1)]


def test_a_serial_is_taken_with_one_update(db):
    certs.take_serials(2026, 1)
    with CaptureQueriesContext(connection) as queries:
        certs.take_serials(2026, 5)
    update = [q["sql"] for q in queries.captured_queries if q["sql"].startswith("UPDATE")]
    assert len(update) == 1
    assert '"last" = (' in update[0] and "+ 5" in update[0]


def test_the_database_refuses_a_repeated_serial(world):
    certificate = Certificate(kind=CertificateKind.HOURS, serial="2026-000001",
                              verify_code="ABCDEFGHJKMN", teacher=world.teacher_a, title="x",
                              hours=D("1"), issued_on=date(2026, 1, 1),
                              issued_by=world.users["admin"])
    certificate.save()
    certificate.pk, certificate.verify_code = None, "ABCDEFGHJKMP"
    with pytest.raises(IntegrityError), transaction.atomic():
        certificate.save()


@pytest.mark.django_db(transaction=True)
def test_concurrent_issues_never_share_a_serial():
    """Four threads take numbers at once. On PostgreSQL they really run together (the row is
    locked by the first UPDATE until its transaction ends). The SQLite test database is
    in-memory with a shared cache, which cannot hold two writers at all ("table is locked"),
    so there the threads take turns — as the embedded SQLite file does by its busy timeout."""
    taken, errors = [], []
    turn = threading.Lock() if connection.vendor == "sqlite" else None

    def issue():
        try:
            for _ in range(5):
                if turn:
                    with turn:
                        taken.extend(certs.take_serials(2030, 3))
                else:
                    taken.extend(certs.take_serials(2030, 3))
        except Exception as exc:  # noqa: BLE001 - reported below
            errors.append(repr(exc))
        finally:
            connections.close_all()

    threads = [threading.Thread(target=issue) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert sorted(taken) == [f"2030-{n:06d}" for n in range(1, 61)]


@pytest.fixture
def accredited(world):
    policy()
    program = ProgramFactory(name="新教师岗前培训")
    class_a = TrainingClassFactory(program=program, name="一班")
    class_b = TrainingClassFactory(program=program, name="二班")
    days_a, days_b = sessions(class_a, ["3", "3"]), sessions(class_b, ["3", "3"])
    teachers = []
    for name, training_class, days in (("张晓明", class_a, days_a), ("欧阳晓明", class_a, days_a),
                                       ("李秋实", class_b, days_b)):
        teacher = TeacherFactory(name=name, school=world.school_a)
        enrol(teacher, training_class)
        for session in days:
            attend(teacher, session)
        teachers.append(teacher)
    absent = TeacherFactory(name="缺席者", school=world.school_a)
    enrol(absent, class_a)
    program_accredit(actor=world.users["trainer"], program=program)
    return program, class_a, class_b, teachers


def test_certificates_for_a_class_go_to_those_who_earned_hours(world, accredited):
    program, class_a, _, teachers = accredited
    issued = certs.program_certificates_issue(actor=world.users["trainer"], program=program,
                                              training_class=class_a)
    assert [(c.teacher.name, c.hours, c.title, c.serial) for c in issued] == [
        ("张晓明", D("6.0"), "新教师岗前培训", f"{YEAR}-000001"),
        ("欧阳晓明", D("6.0"), "新教师岗前培训", f"{YEAR}-000002")]
    again = certs.program_certificates_issue(actor=world.users["trainer"], program=program)
    assert [(c.teacher.name, c.serial) for c in again] == [
        ("张晓明", f"{YEAR}-000001"), ("欧阳晓明", f"{YEAR}-000002"),
        ("李秋实", f"{YEAR}-000003")]
    assert AuditLog.objects.filter(action="certificate.issue").count() == 3


def test_changed_hours_withdraw_and_reissue(world, accredited):
    program, _, _, teachers = accredited
    certs.program_certificates_issue(actor=world.users["trainer"], program=program)
    first = Certificate.objects.get(teacher=teachers[0])
    HourRecord.objects.filter(teacher=teachers[0], program=program).update(hours=D("5"))
    certs.program_certificates_issue(actor=world.users["trainer"], program=program)
    first.refresh_from_db()
    current = Certificate.objects.get(teacher=teachers[0], revoked=False)
    assert (first.revoked, current.hours, current.serial) == (True, D("5.0"), f"{YEAR}-000004")


def test_a_withdrawn_accreditation_withdraws_the_certificate(world, accredited):
    program, _, _, teachers = accredited
    certs.program_certificates_issue(actor=world.users["trainer"], program=program)
    teachers[2].enrolments.update(status="withdrawn")
    program_accredit(actor=world.users["trainer"], program=program)
    assert list(Certificate.objects.filter(revoked=True).values_list("teacher__name",
                                                                     flat=True)) == ["李秋实"]
    assert AuditLog.objects.get(action="certificate.revoke").reason == "学时认定已撤销"


def test_no_certificates_before_accreditation(world):
    program = ProgramFactory()
    with pytest.raises(ValidationError) as info:
        certs.program_certificates_issue(actor=world.users["trainer"], program=program)
    assert info.value.messages == ["还没有教师取得该项目的学时，请先认定学时。"]
    with pytest.raises(PermissionDenied):
        certs.program_certificates_issue(actor=world.users["school_admin"], program=program)


def test_hours_certificate_states_the_cycles_counted_hours(world):
    current = policy()
    record(world.teacher_a, "120", year=2022)
    record(world.teacher_a, "15.5", year=2024)
    certificate = certs.hours_certificate_issue(actor=world.users["admin"],
                                                teacher=world.teacher_a,
                                                cycle=Cycle(2021, 5), policy=current)
    assert (certificate.kind, certificate.title, certificate.hours, certificate.program) == (
        CertificateKind.HOURS, "2021—2025 年周期继续教育学时", D("135.5"), None)
    with pytest.raises(ValidationError) as info:
        certs.hours_certificate_issue(actor=world.users["admin"], teacher=world.teacher_b,
                                      cycle=Cycle(2021, 5), policy=current)
    assert info.value.messages == ["李秋华在 2021—2025 年周期内没有计入的学时。"]


def test_verification_shows_only_the_masked_name_title_hours_and_date(world, accredited):
    program, _, _, teachers = accredited
    certificate = certs.program_certificates_issue(actor=world.users["trainer"],
                                                   program=program)[1]
    result = certs.certificate_verify(certificate.verify_code.lower())
    assert (result.found, result.revoked, result.masked_name, result.title, result.hours,
            result.issued_on) == (True, False, "欧**明", "新教师岗前培训", D("6.0"),
                                  timezone.localdate())
    certs.certificate_revoke(actor=world.users["trainer"], certificate=certificate,
                             reason="信息有误")
    assert certs.certificate_verify(certificate.verify_code).revoked is True
    assert certs.certificate_verify("ABCDEFGHJKMN").found is False


def test_the_public_page_needs_no_login_and_hides_the_rest(client, world, accredited):
    program, _, _, teachers = accredited
    certificate = certs.program_certificates_issue(actor=world.users["trainer"],
                                                   program=program)[0]
    url = reverse("training:certificate_verify_code", args=[certificate.verify_code])
    page = client.get(url)
    text = page.content.decode()
    assert page.status_code == 200
    assert page.context["result"].masked_name == "张*明"
    assert "张*明" in text and "新教师岗前培训" in text and "6.0 学时" in text
    for hidden in ("张晓明", teachers[0].school.name, teachers[0].employee_no,
                   certificate.serial):
        assert hidden not in text
    missing = client.get(reverse("training:certificate_verify_code", args=["ZZZZZZZZZZZZ"]))
    assert "未找到该证书" in missing.content.decode()
    typed = client.get(reverse("training:certificate_verify") + "?code=" +
                       certificate.verify_code.lower())
    assert typed["Location"] == url


def test_the_public_page_is_rate_limited(client, world, settings):
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache",
                                   "LOCATION": "verify-limit"}}
    url = reverse("training:certificate_verify_code", args=["ABCDEFGHJKMN"])
    statuses = [client.get(url).status_code for _ in range(certs.VERIFY_PER_MINUTE + 1)]
    assert statuses == [200] * certs.VERIFY_PER_MINUTE + [429]
    assert "查询过于频繁" in client.get(url).content.decode()


def test_the_verification_url_uses_the_public_address(rf, settings):
    settings.PUBLIC_URL = "https://yanxun.example.edu.cn"
    assert certs.verify_url("ABCDEFGHJKMN", rf.get("/")) == \
        "https://yanxun.example.edu.cn/training/verify/ABCDEFGHJKMN/"
    settings.PUBLIC_URL = "http://127.0.0.1:8000"  # the default: take the request's address
    request = rf.get("/", HTTP_HOST="192.168.1.20:8000")
    assert certs.verify_url("ABCDEFGHJKMN", request) == \
        "http://192.168.1.20:8000/training/verify/ABCDEFGHJKMN/"


def test_class_pdf_has_a_page_per_teacher_with_seal_serial_and_code(world, accredited):
    program, class_a, _, _ = accredited
    current = policy()
    hours_policy_save(actor=world.users["admin"], policy=current,
                      seal=check_seal(upload("seal.png", png_bytes())))
    issued = certs.program_certificates_issue(actor=world.users["trainer"], program=program,
                                              training_class=class_a)
    pdf = certs.certificates_pdf(issued, policy=current)
    facts = read_pdf(pdf)
    text = "\n".join(facts.runs)
    assert facts.pages == 2
    assert "培训证书" in text and "张晓明" in text and "欧阳晓明" in text
    assert f"{YEAR}-000001" in text and issued[1].verify_code in text
    assert "示范区教师发展中心" in text
    assert b"/Subtype /Image" in pdf



def test_the_rate_limit_counts_each_client_behind_the_proxy(client, world, settings):
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache",
                                   "LOCATION": "verify-limit-proxy"}}
    url = reverse("training:certificate_verify_code", args=["ABCDEFGHJKMN"])
    via_proxy = {"REMOTE_ADDR": "127.0.0.1"}
    first = [client.get(url, HTTP_X_FORWARDED_FOR="10.0.0.1", **via_proxy).status_code
             for _ in range(certs.VERIFY_PER_MINUTE + 1)]
    assert first == [200] * certs.VERIFY_PER_MINUTE + [429]
    # Another client behind the same nginx has its own budget …
    assert client.get(url, HTTP_X_FORWARDED_FOR="10.0.0.2", **via_proxy).status_code == 200
    # … and the limited one cannot escape by sending a header of its own.
    assert client.get(url, HTTP_X_FORWARDED_FOR="8.8.8.8, 10.0.0.1",
                      **via_proxy).status_code == 429
    direct = [client.get(url, REMOTE_ADDR="10.0.0.3", HTTP_X_FORWARDED_FOR=f"8.8.8.{i}")
              .status_code for i in range(certs.VERIFY_PER_MINUTE + 1)]
    # A header from a client that is no proxy changes nothing: one budget for 10.0.0.3.
    assert direct == [200] * certs.VERIFY_PER_MINUTE + [429]
