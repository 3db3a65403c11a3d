"""Test data of the scoring part: a small round whose conflicts are worked out by hand.

Schools A, B, C, D; A and B form one education group. Entries (codes in brackets):
  e1 [A0001] lead t1 at A        e2 [A0002] lead t2 at B
  e3 [A0003] lead t3 at C, co-author t4 at D
  e4 [A0004] lead t5 at C
Judges:
  jA  a teacher at A           conflicts e1 (同校, 同教育集团), e2 (同教育集团)
  jC  a teacher at C           conflicts e3 (同校), e4 (同校)
  jD  a teacher at D, declared 师徒 with t2: e2 (申报关系), e3 (同校: the co-author's school)
  jX  an outside expert, a PairRule forbid on e4: e4 (指定回避)
  jT  t4 himself (at D)        e3 (同校, 本人作品)
"""

from dataclasses import dataclass

from tests.factories import EducationGroupFactory, SchoolFactory, TeacherFactory
from tests.review_web.factories import (
    EntryFactory,
    GroupFactory,
    JudgeUserFactory,
    RoundFactory,
)
from yanxun.review.enums import PairRuleKind, RelationKind, RoundStatus
from yanxun.review.models import PairRule, Relation, Round, RoundEntry, RoundJudge

CONFLICTS = {
    ("jA", "e1"): ["同校", "同教育集团"], ("jA", "e2"): ["同教育集团"],
    ("jC", "e3"): ["同校"], ("jC", "e4"): ["同校"],
    ("jD", "e2"): ["申报关系"], ("jD", "e3"): ["同校"],
    ("jX", "e4"): ["指定回避"],
    ("jT", "e3"): ["同校", "本人作品"],
}


@dataclass
class ConflictWorld:
    round: Round
    schools: dict
    entries: dict  # e1..e4 -> Entry
    judges: dict  # jA, jC, jD, jX, jT -> User
    teachers: dict  # t1..t5 -> Teacher

    def name_of(self, *, judge=None, entry=None) -> str:
        pool = self.judges if judge is not None else self.entries
        target = judge if judge is not None else entry
        return next(k for k, v in pool.items() if v.pk == target)


def conflict_world(*, k: int = 2, status: str = RoundStatus.SETUP, **round_fields
                   ) -> ConflictWorld:
    schools = {name: SchoolFactory(name=f"{name}校") for name in "ABCD"}
    EducationGroupFactory(name="东区教育集团").schools.set([schools["A"], schools["B"]])
    round_ = RoundFactory(judges_per_entry=k, status=status, **round_fields)
    group = GroupFactory(competition=round_.competition, name="初中数学组")
    teachers = {
        "t1": TeacherFactory(school=schools["A"], name="钱一"),
        "t2": TeacherFactory(school=schools["B"], name="孙二"),
        "t3": TeacherFactory(school=schools["C"], name="李三"),
        "t4": TeacherFactory(school=schools["D"], name="周四"),
        "t5": TeacherFactory(school=schools["C"], name="吴五"),
    }
    entries = {
        "e1": EntryFactory(group=group, code="A0001", teacher=teachers["t1"]),
        "e2": EntryFactory(group=group, code="A0002", teacher=teachers["t2"]),
        "e3": EntryFactory(group=group, code="A0003", teacher=teachers["t3"]),
        "e4": EntryFactory(group=group, code="A0004", teacher=teachers["t5"]),
    }
    entries["e3"].co_authors.add(teachers["t4"])
    judges = {
        "jA": _judge(TeacherFactory(school=schools["A"], name="评委甲").user),
        "jC": _judge(TeacherFactory(school=schools["C"], name="评委丙").user),
        "jD": _judge(TeacherFactory(school=schools["D"], name="评委丁").user),
        "jX": JudgeUserFactory(name="外聘专家"),
        "jT": _judge(teachers["t4"].user),
    }
    for entry in entries.values():
        RoundEntry.objects.create(round=round_, entry=entry)
    for user in judges.values():
        RoundJudge.objects.create(round=round_, judge=user)
    Relation.objects.create(judge=judges["jD"], teacher=teachers["t2"], kind=RelationKind.MENTOR)
    PairRule.objects.create(round=round_, judge=judges["jX"], entry=entries["e4"],
                            kind=PairRuleKind.FORBID)
    return ConflictWorld(round_, schools, entries, judges, teachers)


def _judge(user):
    from tests.factories import grant
    from yanxun.core.enums import Role

    return grant(user, Role.JUDGE)


def scoring_objects(world):
    """What the role matrix needs of the scoring part, made once per test and kept on
    `world`: a blind round in its scoring window with the world's judge (孙评委) on the
    panel and assigned an entry with a file; another judge with a submitted score (so that
    re-running the assignment, removing that judge and deleting the round's copy of the rubric
    are refused for every role alike); a rubric template; a pin in a closed round (deleting
    it is refused)."""
    if getattr(world, "scoring", None) is not None:
        return world.scoring
    from types import SimpleNamespace

    from django.core.files.base import ContentFile

    from tests.review_web.factories import AssignmentFactory, RubricFactory, ScoreFactory
    from yanxun.review.models import EntryFile

    round_ = RoundFactory(name="矩阵初评")
    judge = world.users["judge"]
    RoundJudge.objects.create(round=round_, judge=judge)
    mine = AssignmentFactory(round=round_, judge=judge, entry__teacher=world.teacher_a)
    RoundEntry.objects.create(round=round_, entry=mine.entry)
    upload = EntryFile(entry=mine.entry, field_key="plan", original_name="教学设计.pdf",
                       content_type="application/pdf", size=9, sha256="0" * 64)
    upload.file.save("plan.pdf", ContentFile(b"%PDF-1.4 x"), save=True)
    scored = AssignmentFactory(round=round_, entry=mine.entry)
    RoundJudge.objects.create(round=round_, judge=scored.judge)
    score = ScoreFactory(assignment=scored)
    closed = RoundFactory(competition=round_.competition, name="矩阵复评",
                          status=RoundStatus.CLOSED)
    RoundJudge.objects.create(round=closed, judge=judge)
    rule = PairRule.objects.create(round=closed, judge=judge, entry=mine.entry,
                                   kind=PairRuleKind.FORBID)
    world.scoring = SimpleNamespace(
        round=round_, mine=mine, file=upload, scored_judge=scored.judge, score=score,
        rule=rule, template=RubricFactory(name="矩阵模板", is_template=True),
        rubric=round_.rubric)
    return world.scoring
