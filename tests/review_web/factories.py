"""The review models' factories, shared by the tests of every part of 评审与评比: a 2026
district competition open for entries, one group, an accepted entry, the classroom-teaching
rubric (教学目标 10 / 教学内容 15 / 教学过程 25 / 教学方法 30 / 教师素养 20), a round in its
scoring window, judges, assignments and scores. The parts' tests subclass or override."""

from datetime import timedelta
from decimal import Decimal

import factory
from django.utils import timezone

from tests.factories import TeacherFactory, UserFactory
from yanxun.review.enums import (
    CompetitionStatus,
    EntryStatus,
    RoundStatus,
    ScoreStatus,
)
from yanxun.review.models import (
    Assignment,
    Competition,
    CompetitionGroup,
    Entry,
    Round,
    RoundEntry,
    RoundJudge,
    Rubric,
    RubricItem,
    Score,
)

CLASSROOM_ITEMS = [("教学目标", "10"), ("教学内容", "15"), ("教学过程", "25"),
                   ("教学方法", "30"), ("教师素养", "20")]

ENTRY_FIELDS = [
    {"key": "video", "label": "课堂实录链接", "kind": "url", "required": True,
     "identifying": False, "help": ""},
    {"key": "plan", "label": "教学设计", "kind": "file", "required": True,
     "identifying": False, "help": "PDF 或 Word"},
    {"key": "intro", "label": "作者简介", "kind": "textarea", "required": False,
     "identifying": True, "help": ""},
]


class CompetitionFactory(factory.django.DjangoModelFactory):
    """A 2026 district competition open for entries now."""

    class Meta:
        model = Competition

    name = factory.Sequence(lambda n: f"2026 年优质课评比{n + 1}")
    year = 2026
    organiser = "示范区教师发展中心"
    entry_fields = factory.LazyFunction(lambda: [dict(f) for f in ENTRY_FIELDS])
    quota_per_school = 2
    entry_opens = factory.LazyFunction(lambda: timezone.now() - timedelta(days=1))
    entry_closes = factory.LazyFunction(lambda: timezone.now() + timedelta(days=10))
    award_tiers = factory.LazyFunction(lambda: [
        {"name": "一等奖", "share": "0.2"}, {"name": "二等奖", "share": "0.3"},
        {"name": "三等奖", "share": "0.5"}])
    status = CompetitionStatus.OPEN
    created_by = factory.SubFactory(UserFactory, username="competition-owner")


class GroupFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = CompetitionGroup

    competition = factory.SubFactory(CompetitionFactory)
    name = factory.Sequence(lambda n: f"初中数学组{n + 1}")
    stage = "junior"


class EntryFactory(factory.django.DjangoModelFactory):
    """An accepted entry (recommended by its school, passed 形式审查)."""

    class Meta:
        model = Entry

    group = factory.SubFactory(GroupFactory)
    competition = factory.SelfAttribute("group.competition")
    code = factory.Sequence(lambda n: f"A{n + 1:04d}")
    title = factory.Sequence(lambda n: f"参评课例{n + 1}")
    teacher = factory.SubFactory(TeacherFactory)
    school = factory.SelfAttribute("teacher.school")
    form_data = factory.LazyFunction(lambda: {"video": "https://video.example.cn/1",
                                              "intro": "从教十年"})
    status = EntryStatus.ACCEPTED
    submitted_at = factory.LazyFunction(timezone.now)


class RubricFactory(factory.django.DjangoModelFactory):
    """The classroom-teaching rubric, full score 100, whole points."""

    class Meta:
        model = Rubric
        skip_postgeneration_save = True

    name = "课堂教学评价量表"
    step = Decimal("1")

    @factory.post_generation
    def with_items(self, create, extracted, **kwargs):
        if not create or extracted is False:
            return
        items = extracted or CLASSROOM_ITEMS
        for position, (name, max_score) in enumerate(items):
            RubricItem.objects.create(rubric=self, name=name, max_score=Decimal(max_score),
                                      position=position)


class RoundFactory(factory.django.DjangoModelFactory):
    """A blind online round in its scoring window now."""

    class Meta:
        model = Round

    competition = factory.SubFactory(CompetitionFactory, status=CompetitionStatus.REVIEWING)
    name = "初评"
    position = factory.Sequence(lambda n: n + 1)
    rubric = factory.SubFactory(RubricFactory)
    judges_per_entry = 3
    opens_at = factory.LazyFunction(lambda: timezone.now() - timedelta(hours=1))
    closes_at = factory.LazyFunction(lambda: timezone.now() + timedelta(days=7))
    status = RoundStatus.SCORING


class JudgeUserFactory(UserFactory):
    """An outside expert's account holding the judge role."""

    username = factory.Sequence(lambda n: f"judge{n + 1}")
    name = factory.Sequence(lambda n: f"评委{n + 1}")
    must_change_password = False

    @factory.post_generation
    def judge_role(self, create, extracted, **kwargs):
        if create and extracted is not False:
            from yanxun.accounts.models import RoleAssignment
            from yanxun.core.enums import Role

            RoleAssignment.objects.create(user=self, role=Role.JUDGE)


class RoundEntryFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = RoundEntry

    round = factory.SubFactory(RoundFactory)
    entry = factory.SubFactory(EntryFactory, group__competition=factory.SelfAttribute(
        "...round.competition"))


class RoundJudgeFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = RoundJudge

    round = factory.SubFactory(RoundFactory)
    judge = factory.SubFactory(JudgeUserFactory)


class AssignmentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Assignment

    round = factory.SubFactory(RoundFactory)
    judge = factory.SubFactory(JudgeUserFactory)
    entry = factory.SubFactory(EntryFactory, group__competition=factory.SelfAttribute(
        "...round.competition"))


class ScoreFactory(factory.django.DjangoModelFactory):
    """A submitted score: `total` is spread over the rubric's items in proportion."""

    class Meta:
        model = Score

    assignment = factory.SubFactory(AssignmentFactory)
    total = Decimal("85")
    status = ScoreStatus.SUBMITTED
    submitted_at = factory.LazyFunction(timezone.now)

    @factory.lazy_attribute
    def items(self):
        rubric_items = list(self.assignment.round.rubric.items.all())
        full = sum(i.max_score for i in rubric_items) or Decimal("1")
        out, left = {}, Decimal(self.total)
        for i, item in enumerate(rubric_items):
            value = left if i == len(rubric_items) - 1 else (
                Decimal(self.total) * item.max_score / full).quantize(Decimal("1"))
            out[str(item.pk)] = str(value)
            left -= value
        return out


def panel(round_, judges: int = 3, schools=None) -> list:
    """`judges` judges on the round's panel; each a teacher of one of `schools` when given
    (for conflict tests), else an outside expert."""
    users = []
    for n in range(judges):
        if schools:
            teacher = TeacherFactory(school=schools[n % len(schools)])
            user = teacher.user
        else:
            user = JudgeUserFactory()
        RoundJudge.objects.create(round=round_, judge=user)
        users.append(user)
    return users


