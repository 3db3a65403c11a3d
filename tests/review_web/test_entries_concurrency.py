"""Quota and codes under concurrency. On PostgreSQL the calls really run at once, in threads
with their own connections started together by a barrier (tests/training's run_at_once): the
group row's lock makes recommendations count one after another, and the group's counter row
hands out each code once. On SQLite the same calls run one after the other (IMMEDIATE
transactions serialise writers) and the tests check the same outcome."""

import pytest
from django.core.exceptions import ValidationError

from tests.factories import TeacherFactory, UserFactory, grant
from tests.review_web.factories_entries import competition_with_group, school_admin, submitted
from tests.training.test_enrolment_concurrency import run_at_once
from yanxun.core.enums import Role
from yanxun.review.entries import entry_create
from yanxun.review.enums import EntryStatus
from yanxun.review.models import Entry
from yanxun.review.recommend import entry_recommend

E = EntryStatus
QUOTA_MESSAGE = "本校在「初中数学组」已推荐 2 件，达到每校 2 件的上限。"


def _second_admin(world):
    return grant(UserFactory(username="schooladmin2", name="孙教务"), Role.SCHOOL_ADMIN,
                 school=world.school_a)


def _recommend(admin, entry):
    return lambda: entry_recommend(actor=admin, entry=entry)


@pytest.mark.django_db(transaction=True)
def test_two_admins_taking_the_last_slot_at_once_never_exceed_the_quota(world):
    _, group = competition_with_group(quota=2)
    first, second, third = (submitted(TeacherFactory(school=world.school_a), group, f"课例{i}")
                            for i in range(3))
    entry_recommend(actor=school_admin(world), entry=first)
    results = run_at_once([_recommend(school_admin(world), second),
                           _recommend(_second_admin(world), third)])
    refused = [r for r in results if isinstance(r, ValidationError)]
    assert [r.messages for r in refused] == [[QUOTA_MESSAGE]]
    assert Entry.objects.filter(status=E.RECOMMENDED).count() == 2


@pytest.mark.django_db(transaction=True)
def test_a_crowd_of_recommendations_stops_at_the_quota(world):
    _, group = competition_with_group(quota=2)
    entries = [submitted(TeacherFactory(school=world.school_a), group, f"课例{i}")
               for i in range(6)]
    admins = [school_admin(world), _second_admin(world)]
    results = run_at_once([_recommend(admins[i % 2], e) for i, e in enumerate(entries)])
    assert sum(isinstance(r, ValidationError) for r in results) == 4
    assert {tuple(r.messages) for r in results if isinstance(r, ValidationError)} == {
        (QUOTA_MESSAGE,)}
    assert Entry.objects.filter(status=E.RECOMMENDED).count() == 2
    assert Entry.objects.filter(status=E.SUBMITTED).count() == 4


@pytest.mark.django_db(transaction=True)
def test_the_same_entry_recommended_twice_at_once_moves_once(world):
    _, group = competition_with_group(quota=2)
    entry = submitted(world.teacher_a, group)
    results = run_at_once([_recommend(school_admin(world), entry),
                           _recommend(_second_admin(world), entry)])
    assert sum(isinstance(r, ValidationError) for r in results) == 1
    assert Entry.objects.get().status == E.RECOMMENDED


@pytest.mark.django_db(transaction=True)
def test_simultaneous_submissions_get_distinct_codes(world):
    from tests.review_web.factories_entries import full_input

    _, group = competition_with_group()
    teachers = [TeacherFactory(school=world.school_a) for _ in range(6)]
    results = run_at_once([
        lambda t=t: entry_create(actor=t.user, group=group, data=full_input(), submit=True)
        for t in teachers])
    assert not [r for r in results if isinstance(r, ValidationError)]
    codes = sorted(Entry.objects.values_list("code", flat=True))
    assert codes == ["A0001", "A0002", "A0003", "A0004", "A0005", "A0006"]
