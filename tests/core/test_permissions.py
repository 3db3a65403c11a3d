from yanxun.core.enums import Role
from yanxun.core.permissions import best_scope, has_perm, scoped
from yanxun.org import rules
from yanxun.org.models import Teacher


def _visible_names(world, role):
    qs = scoped(Teacher.objects.order_by("name"), world.users[role], rules.VIEW_TEACHERS)
    return list(qs.values_list("name", flat=True))


def test_each_role_sees_teachers_within_its_scope(world):
    assert _visible_names(world, Role.ADMIN) == ["张晓明", "李秋华"]
    assert _visible_names(world, Role.LEADER) == ["张晓明", "李秋华"]
    assert _visible_names(world, Role.TRAINER) == ["张晓明", "李秋华"]
    assert _visible_names(world, Role.SCHOOL_ADMIN) == ["张晓明"]
    assert _visible_names(world, Role.TEACHER) == ["张晓明"]
    assert _visible_names(world, Role.JUDGE) == []


def test_scope_labels(world):
    assert best_scope(world.users[Role.ADMIN], rules.VIEW_TEACHERS) == "all"
    assert best_scope(world.users[Role.SCHOOL_ADMIN], rules.VIEW_TEACHERS) == "unit"
    assert best_scope(world.users[Role.TEACHER], rules.VIEW_TEACHERS) == "self"
    assert best_scope(world.users[Role.JUDGE], rules.VIEW_TEACHERS) is None
    assert has_perm(world.users[Role.JUDGE], rules.VIEW_TEACHERS) is False
