from datetime import date

import pytest
from django.core.exceptions import ValidationError

from tests.factories import SchoolFactory, valid_id_number
from yanxun.accounts.models import RoleAssignment
from yanxun.core.enums import Role
from yanxun.core.models import AuditLog
from yanxun.org import services
from yanxun.org.models import Teacher, TeacherPosting


def _create(school, **overrides):
    fields = dict(actor=None, school=school, employee_no=" 880001 ", name="陈静 ",
                  gender="female", id_number=valid_id_number(7).lower(), stage="junior",
                  entry_year=2021, phone="13800001111")
    fields.update(overrides)
    return services.teacher_create(**fields)


def test_create_makes_account_posting_and_role(db):
    school = SchoolFactory()
    teacher = _create(school)
    assert (teacher.employee_no, teacher.name, teacher.user.username) == ("880001", "陈静", "880001")
    assert teacher.user.must_change_password is True
    assert teacher.user.has_usable_password() is False
    assert list(TeacherPosting.objects.values_list("school_id", "start_date", "end_date")) == [
        (school.pk, date(2021, 9, 1), None)]
    assert RoleAssignment.objects.get(user=teacher.user).role == Role.TEACHER
    assert AuditLog.objects.get(action="teacher.create").after["name"] == "陈静"


def test_login_name_is_the_phone_where_employee_numbers_repeat(db):
    school = SchoolFactory()
    school.district.employee_numbers_unique = False
    school.district.save()
    assert _create(school).user.username == "13800001111"
    with pytest.raises(ValidationError, match="须填写手机号作为登录名"):
        _create(school, employee_no="880002", phone="", id_number=valid_id_number(8))


def test_invalid_id_number_writes_nothing(db):
    school = SchoolFactory()
    bad = valid_id_number(9)[:-1] + ("0" if valid_id_number(9)[-1] != "0" else "1")
    with pytest.raises(ValidationError, match="身份证号校验位错误"):
        _create(school, id_number=bad)
    assert Teacher.objects.count() == 0


def test_transfer_keeps_history(world):
    teacher = world.teacher_a
    TeacherPosting.objects.create(teacher=teacher, school=world.school_a,
                                  start_date=date(2010, 9, 1))
    services.teacher_transfer(actor=world.users[Role.ADMIN], teacher=teacher,
                              to_school=world.school_b, on=date(2025, 8, 20), note="交流轮岗")
    rows = list(teacher.postings.order_by("start_date")
                .values_list("school__name", "start_date", "end_date", "note"))
    assert rows == [("城东实验学校", date(2010, 9, 1), date(2025, 8, 20), ""),
                    ("城西中学", date(2025, 8, 20), None, "交流轮岗")]
    log = AuditLog.objects.get(action="teacher.transfer")
    assert (log.before, log.after, log.reason) == (
        {"school": world.school_a.pk}, {"school": world.school_b.pk}, "交流轮岗")
    with pytest.raises(ValidationError, match="调入学校与当前学校相同。"):
        services.teacher_transfer(actor=None, teacher=teacher, to_school=world.school_b,
                                  on=date(2026, 1, 1))


def test_update_audits_only_changed_fields(world):
    teacher = world.teacher_a
    services.teacher_update(actor=world.users[Role.ADMIN], teacher=teacher,
                            professional_title="first", name="张晓明")
    log = AuditLog.objects.get(action="teacher.update")
    assert (log.before, log.after) == ({"professional_title": "none"},
                                       {"professional_title": "first"})
    with pytest.raises(ValidationError, match="调动学校请使用「调动」功能"):
        services.teacher_update(actor=None, teacher=teacher, school=world.school_b)
