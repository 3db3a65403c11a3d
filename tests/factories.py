"""factory_boy factories for the whole suite. Valid 身份证号 are generated with their check digit."""

import itertools

import factory
from django.contrib.auth.hashers import make_password

from yanxun.accounts.models import RoleAssignment, User
from yanxun.core.enums import Role
from yanxun.core.validators import id_number_check_digit
from yanxun.org.enums import Gender, Location, SchoolType, Stage
from yanxun.org.models import District, EducationGroup, School, Subject, Teacher

PASSWORD = "Yanxun2026"
_seq = itertools.count(1)


def valid_id_number(n: int, birth: str = "19850312") -> str:
    first17 = f"320102{birth}{n % 1000:03d}"
    return first17 + id_number_check_digit(first17)


class DistrictFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = District
        django_get_or_create = ("name",)

    name = "示范区"
    center_name = "示范区教师发展中心"


class SubjectFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Subject
        django_get_or_create = ("name",)

    name = "语文"


class SchoolFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = School

    district = factory.SubFactory(DistrictFactory)
    code = factory.Sequence(lambda n: f"S{n + 1:04d}")
    name = factory.Sequence(lambda n: f"示范区第{n + 1}实验学校")
    school_type = SchoolType.JUNIOR
    location = Location.CITY


class EducationGroupFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = EducationGroup

    name = factory.Sequence(lambda n: f"第{n + 1}教育集团")


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        django_get_or_create = ("username",)

    username = factory.Sequence(lambda n: f"user{n + 1}")
    name = factory.Sequence(lambda n: f"用户{n + 1}")
    password = factory.LazyFunction(lambda: make_password(PASSWORD))
    must_change_password = False


class TeacherFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Teacher
        skip_postgeneration_save = True

    school = factory.SubFactory(SchoolFactory)
    employee_no = factory.Sequence(lambda n: f"T{n + 1:06d}")
    name = factory.Sequence(lambda n: f"教师{n + 1}")
    gender = Gender.FEMALE
    id_number = factory.LazyFunction(lambda: valid_id_number(next(_seq),
                                                             birth=f"1985{next(_seq) % 12 + 1:02d}15"))
    phone = factory.Sequence(lambda n: f"139{n + 1:08d}")
    stage = Stage.JUNIOR
    entry_year = 2010
    user = factory.SubFactory(UserFactory, username=factory.SelfAttribute("..employee_no"),
                              name=factory.SelfAttribute("..name"))

    @factory.post_generation
    def teacher_role(obj, create, extracted, **kwargs):
        if create and obj.user_id:
            RoleAssignment.objects.get_or_create(user=obj.user, role=Role.TEACHER)


def grant(user: User, role: Role, *, school: School | None = None,
          education_group: EducationGroup | None = None) -> User:
    RoleAssignment.objects.get_or_create(user=user, role=role, school=school,
                                         education_group=education_group)
    user.__dict__.pop("_yanxun_assignments", None)
    return user
