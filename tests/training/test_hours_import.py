"""学时申报导入: a school administrator's file of claims, all-or-nothing, with row-level
messages; the imported claims wait for the centre."""

from datetime import date, timedelta

import pytest
from django.utils import timezone

from tests.core.import_files import messages, run_import, xlsx
from tests.factories import TeacherFactory
from tests.training.factories_hours import claim_rule
from yanxun.core.enums import ImportStatus
from yanxun.core.models import AuditLog
from yanxun.training.claims import allowed_moves
from yanxun.training.enums import ClaimKind, ClaimStatus, ProgramLevel
from yanxun.training.importers_hours import HourClaimImporter
from yanxun.training.models import HourClaim

HEADERS = [c.header for c in HourClaimImporter.columns]


def row(teacher, rule="区级公开课", title="区级公开课《背影》", on="2025-04-10", days="",
        name=None):
    return [teacher.id_number, name or teacher.name, rule, title, on, days, ""]


@pytest.fixture
def rules(db):
    lesson = claim_rule()
    external = claim_rule(kind=ClaimKind.EXTERNAL, level=ProgramLevel.PROVINCE,
                          name="外出培训（省级，每天）", hours="8", cap=None, per_day=True)
    return lesson, external


def test_a_school_imports_claims_that_wait_for_the_centre(world, rules):
    other = TeacherFactory(school=world.school_a, name="王一鸣")
    job = run_import("hour_claims", xlsx([HEADERS, row(world.teacher_a),
                                          row(other, rule="外出培训（省级，每天）", title="省级培训",
                                              days=3)]),
                     actor=world.users["school_admin"])
    assert job.status == ImportStatus.DONE
    claims = list(HourClaim.objects.order_by("pk"))
    assert [(c.teacher.name, c.rule.name, c.days, c.status, c.school_decided_by)
            for c in claims] == [
        ("张晓明", "区级公开课", None, ClaimStatus.SCHOOL_APPROVED, world.users["school_admin"]),
        ("王一鸣", "外出培训（省级，每天）", 3, ClaimStatus.SCHOOL_APPROVED,
         world.users["school_admin"])]
    assert allowed_moves(world.users["trainer"], claims[0]) == [
        ClaimStatus.ACCREDITED, ClaimStatus.RETURNED, ClaimStatus.REJECTED]
    assert AuditLog.objects.filter(action="hours.claim_import").count() == 2


def test_every_bad_row_is_named_and_nothing_is_written(world, rules):
    future = (timezone.localdate() + timedelta(days=3)).isoformat()
    HourClaim.objects.create(teacher=world.teacher_a, rule=rules[0], title="已有的公开课",
                             happened_on=date(2025, 1, 5))
    data = xlsx([HEADERS,
                 row(world.teacher_a, name="张小明"),
                 row(world.teacher_a, rule="市级讲座"),
                 row(world.teacher_a, rule="外出培训（省级，每天）", title="省培"),
                 row(world.teacher_a, days=2, title="带天数"),
                 row(world.teacher_a, on=future, title="未来"),
                 row(world.teacher_a, title="已有的公开课", on="2025-01-05"),
                 row(world.teacher_b, title="外校"),
                 row(world.teacher_a, title="重复"), row(world.teacher_a, title="重复")])
    job = run_import("hour_claims", data, actor=world.users["school_admin"])
    assert job.status == ImportStatus.INVALID
    assert messages(job) == [
        "第 2 行「姓名」与身份证号对应的教师姓名（张晓明）不一致",
        "第 3 行「申报类型」不在学时申报标准中，或已停用",
        "第 4 行「天数」「外出培训（省级，每天）」按天计学时，请填写天数",
        "第 5 行「天数」「区级公开课」不按天计，天数应留空",
        "第 6 行「日期」日期不能晚于今天",
        "第 7 行「名称」已有相同的申报（同一教师、类型、日期和名称）",
        "第 8 行不在您的管理范围内：只能导入本单位的数据",
        "第 10 行与第 9 行重复",
    ]
    assert HourClaim.objects.count() == 1
