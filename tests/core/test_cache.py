"""The in-process TTL cache behind list filter options, and its clearing on org changes."""

import pytest
from django.http import QueryDict

from tests.factories import SchoolFactory
from yanxun.core.cache import TTLCache
from yanxun.core.enums import Role
from yanxun.core.listing import page_of, parse_query, table_context
from yanxun.org.lists import TEACHERS


def test_values_expire_after_their_time():
    now = [100.0]
    cache, calls = TTLCache(seconds=60, size=10, clock=lambda: now[0]), []

    def compute():
        calls.append(now[0])
        return len(calls)

    assert [cache.get("k", compute), cache.get("k", compute)] == [1, 1]
    now[0] = 159.9
    assert cache.get("k", compute) == 1
    now[0] = 160.0
    assert cache.get("k", compute) == 2
    assert calls == [100.0, 160.0]


def test_least_recently_used_goes_first_when_full():
    cache = TTLCache(seconds=60, size=2)
    cache.get("a", lambda: 1)
    cache.get("b", lambda: 2)
    cache.get("a", lambda: 0)  # a is now the most recent
    cache.get("c", lambda: 3)  # evicts b
    assert [cache.get("c", lambda: -3), cache.get("a", lambda: -1)] == [3, 1]
    assert cache.get("b", lambda: -2) == -2  # recomputed: it was evicted


@pytest.mark.django_db
def test_a_new_school_appears_in_the_filter_at_once(world, rf):
    user = world.users[Role.TRAINER]

    def school_options():
        request = rf.get("/org/teachers/")
        request.user = user
        query = parse_query(TEACHERS, QueryDict(""))
        context = table_context(request, page_of(TEACHERS, user, query))
        return next(f["options_html"] for f in context["filters"] if f["key"] == "school")

    before = school_options()
    assert "新开学校" not in before
    SchoolFactory(name="新开学校")
    assert "新开学校" in school_options()

