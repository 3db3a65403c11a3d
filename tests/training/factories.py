"""The training models' factories, shared by the tests of every part of 师干训: a published
2026 program whose enrolment window is open now, its classes and sessions, enrolments. The
parts' own factory modules subclass them where their tests need other defaults."""

from datetime import date, time, timedelta
from decimal import Decimal

import factory
from django.utils import timezone

from tests.factories import UserFactory
from yanxun.training.enums import EnrolmentStatus, ProgramLevel, ProgramStatus
from yanxun.training.models import Category, Enrolment, Program, TrainingClass, TrainingSession


class CategoryFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Category
        django_get_or_create = ("name",)

    name = "知识技能"


class ProgramFactory(factory.django.DjangoModelFactory):
    """A published program of 2026 whose enrolment window is open now."""

    class Meta:
        model = Program

    name = factory.Sequence(lambda n: f"培训项目{n + 1}")
    year = 2026
    level = ProgramLevel.DISTRICT
    category = factory.SubFactory(CategoryFactory)
    organiser = "示范区教师发展中心"
    status = ProgramStatus.PUBLISHED
    enrol_opens = factory.LazyFunction(lambda: timezone.now() - timedelta(days=1))
    enrol_closes = factory.LazyFunction(lambda: timezone.now() + timedelta(days=10))
    created_by = factory.SubFactory(UserFactory, username="program-owner")


class TrainingClassFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = TrainingClass

    program = factory.SubFactory(ProgramFactory)
    name = factory.Sequence(lambda n: f"{n + 1}班")
    capacity = 30


class TrainingSessionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = TrainingSession

    training_class = factory.SubFactory(TrainingClassFactory)
    title = factory.Sequence(lambda n: f"专题讲座{n + 1}")
    date = date(2026, 12, 5)
    starts_at = time(8, 30)
    ends_at = time(11, 30)
    place = "教师发展中心报告厅"
    hours = Decimal("3")


class EnrolmentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Enrolment

    training_class = factory.SubFactory(TrainingClassFactory)
    program = factory.SelfAttribute("training_class.program")
    status = EnrolmentStatus.ENROLLED
