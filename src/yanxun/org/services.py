"""Writes for the org module. Teachers get their login account here, in one place."""

from datetime import date

from django.core.exceptions import ValidationError
from django.db import transaction

from yanxun.accounts.models import User
from yanxun.accounts.services import role_assign
from yanxun.core.audit import audit_record, changed_fields, snapshot
from yanxun.core.enums import Role
from yanxun.core.validators import id_number_problem, normalise_id_number
from yanxun.org.enums import TeacherStatus
from yanxun.org.models import School, Subject, Teacher, TeacherPosting

TEACHER_AUDIT_FIELDS = ["school", "employee_no", "name", "gender", "id_number", "phone",
                        "stage", "professional_title", "entry_year", "status"]


def login_name_for(*, school: School, employee_no: str, phone: str) -> str:
    """The district-unique 登录名: the 工号 where the district's 工号 are unique, else the phone."""
    if school.district.employee_numbers_unique and employee_no:
        return employee_no
    if not phone:
        raise ValidationError("本区工号不唯一，须填写手机号作为登录名。")
    return phone


def _check_teacher(teacher: Teacher) -> None:
    problem = id_number_problem(teacher.id_number)
    if problem:
        raise ValidationError(f"身份证号{problem}")
    others = User.objects.filter(phone=teacher.phone)
    if teacher.user_id is not None:
        others = others.exclude(pk=teacher.user_id)
    if teacher.phone and others.exists():
        raise ValidationError(f"手机号「{teacher.phone}」已被其他账号使用。")


@transaction.atomic
def teacher_create(*, actor: User | None, school: School, employee_no: str, name: str,
                   gender: str, id_number: str, stage: str, entry_year: int,
                   phone: str = "", professional_title: str = "none",
                   subjects: list[Subject] | None = None, password_hash: str | None = None,
                   start_date: date | None = None) -> Teacher:
    teacher = Teacher(school=school, employee_no=employee_no.strip(), name=name.strip(),
                      gender=gender, id_number=normalise_id_number(id_number), stage=stage,
                      entry_year=entry_year, phone=phone.strip(),
                      professional_title=professional_title)
    _check_teacher(teacher)
    teacher.full_clean(exclude=["user"])
    username = login_name_for(school=school, employee_no=teacher.employee_no, phone=teacher.phone)
    if User.objects.filter(username=username).exists():
        raise ValidationError(f"登录名「{username}」已被占用。")
    user = User(username=username, name=teacher.name, phone=teacher.phone or None,
                must_change_password=True)
    if password_hash:
        user.password = password_hash
    else:
        user.set_unusable_password()
    user.save()
    teacher.user = user
    teacher.save()
    if subjects:
        teacher.subjects.set(subjects)
    TeacherPosting.objects.create(teacher=teacher, school=school,
                                  start_date=start_date or date(entry_year, 9, 1))
    role_assign(actor=None, user=user, role=Role.TEACHER)
    audit_record(actor=actor, action="teacher.create", obj=teacher,
                 after=snapshot(teacher, TEACHER_AUDIT_FIELDS))
    return teacher


@transaction.atomic
def teacher_update(*, actor: User | None, teacher: Teacher, **fields) -> Teacher:
    """Change a teacher's record (not the school: that is a transfer)."""
    if "school" in fields:
        raise ValidationError("调动学校请使用「调动」功能，以保留任职经历。")
    before = snapshot(teacher, TEACHER_AUDIT_FIELDS)
    subjects = fields.pop("subjects", None)
    for name, value in fields.items():
        setattr(teacher, name, value.strip() if isinstance(value, str) else value)
    teacher.id_number = normalise_id_number(teacher.id_number)
    _check_teacher(teacher)
    teacher.full_clean(exclude=["user"])
    teacher.save()
    if subjects is not None:
        teacher.subjects.set(subjects)
    user = teacher.user
    if user is not None and (user.name, user.phone) != (teacher.name, teacher.phone or None):
        user.name, user.phone = teacher.name, teacher.phone or None
        user.save(update_fields=["name", "phone"])
    old, new = changed_fields(before, snapshot(teacher, TEACHER_AUDIT_FIELDS))
    if new:
        audit_record(actor=actor, action="teacher.update", obj=teacher, before=old, after=new)
    return teacher


@transaction.atomic
def teacher_transfer(*, actor: User | None, teacher: Teacher, to_school: School,
                     on: date, note: str = "") -> Teacher:
    """调动: close the current posting, open one at the new school, keep the history."""
    if to_school.pk == teacher.school_id:
        raise ValidationError("调入学校与当前学校相同。")
    current = teacher.postings.filter(end_date__isnull=True).first()
    if current is not None:
        if on <= current.start_date:
            raise ValidationError("调动日期须晚于当前任职的起始日期。")
        current.end_date = on
        current.save(update_fields=["end_date"])
    TeacherPosting.objects.create(teacher=teacher, school=to_school, start_date=on, note=note)
    before = {"school": teacher.school_id}
    teacher.school = to_school
    teacher.status = TeacherStatus.ACTIVE
    teacher.save(update_fields=["school", "status", "updated_at"])
    audit_record(actor=actor, action="teacher.transfer", obj=teacher, before=before,
                 after={"school": to_school.pk}, reason=note)
    return teacher


SCHOOL_AUDIT_FIELDS = ["district", "code", "name", "short_name", "school_type", "location",
                       "is_weak", "address", "is_active"]


def _school_snapshot(school: School) -> dict:
    data = snapshot(school, SCHOOL_AUDIT_FIELDS)
    data["education_groups"] = sorted(school.education_groups.values_list("pk", flat=True))
    data["research_communities"] = sorted(
        school.research_communities.values_list("pk", flat=True))
    return data


def _set_school_units(school: School, education_groups, research_communities) -> None:
    if education_groups is not None:
        school.education_groups.set(education_groups)
    if research_communities is not None:
        school.research_communities.set(research_communities)


@transaction.atomic
def school_create(*, actor: User | None, district, code: str, name: str, school_type: str,
                  location: str, short_name: str = "", is_weak: bool = False,
                  address: str = "", education_groups=None,
                  research_communities=None) -> School:
    school = School(district=district, code=code.strip(), name=name.strip(),
                    short_name=short_name.strip(), school_type=school_type, location=location,
                    is_weak=is_weak, address=address.strip())
    school.full_clean()
    school.save()
    _set_school_units(school, education_groups, research_communities)
    audit_record(actor=actor, action="school.create", obj=school,
                 after=_school_snapshot(school))
    return school


@transaction.atomic
def school_update(*, actor: User | None, school: School, education_groups=None,
                  research_communities=None, **fields) -> School:
    """Change a school's record and its 教育集团 / 教研共同体 memberships."""
    before = _school_snapshot(school)
    for name, value in fields.items():
        setattr(school, name, value.strip() if isinstance(value, str) else value)
    school.full_clean()
    school.save()
    _set_school_units(school, education_groups, research_communities)
    old, new = changed_fields(before, _school_snapshot(school))
    if new:
        audit_record(actor=actor, action="school.update", obj=school, before=old, after=new)
    return school
