"""Who may do what, and how far their data reaches — in one place.

Each domain app declares its permissions in its rules.py with `permission(...)`, giving per
role the data scope that role gets for it. Pages, the API, exports and reports all ask the
same two questions:

    has_perm(user, perm)            may this user do this at all?
    scoped(queryset, user, perm)    which rows may they do it on?

A model says how its rows hang on the organisation with a `scope_paths` class attribute:
{"school": "<lookup to the School pk>", "person": "<lookup to the User pk>"};; a missing key means that level does not apply.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from django.apps import apps
from django.db.models import Q, QuerySet
from django.utils import timezone

from yanxun.core.enums import DataScope, Role

if TYPE_CHECKING:
    from yanxun.accounts.models import RoleAssignment


@dataclass(frozen=True)
class Permission:
    code: str
    label: str
    scopes: dict[str, str] = field(default_factory=dict)  # role -> DataScope

    def __str__(self) -> str:
        return self.code


REGISTRY: dict[str, Permission] = {}


def permission(code: str, label: str, scopes: dict[Role, DataScope]) -> Permission:
    perm = Permission(code, label, {str(r): str(s) for r, s in scopes.items()})
    REGISTRY[code] = perm
    return perm


def active_assignments(user) -> list[RoleAssignment]:
    """The user's role assignments that have not expired, cached on the user object."""
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return []
    cached = getattr(user, "_yanxun_assignments", None)
    if cached is None:
        now = timezone.now()
        cached = [
            a for a in user.role_assignments.all()
            if a.expires_at is None or a.expires_at > now
        ]
        user._yanxun_assignments = cached
    return cached


def scope_key(user) -> tuple:
    """What a user's data scope is made of (role, school, education group of each active
    assignment): two users with the same key see the same rows wherever scope is by unit."""
    return tuple(sorted((a.role, a.school_id or 0, a.education_group_id or 0)
                        for a in active_assignments(user)))


def user_roles(user) -> set[str]:
    return {a.role for a in active_assignments(user)}


def grants(user, perm: Permission) -> list[tuple[RoleAssignment, str]]:
    """(assignment, scope) for each of the user's roles that carries the permission."""
    return [(a, perm.scopes[a.role]) for a in active_assignments(user) if a.role in perm.scopes]


def has_perm(user, perm: Permission) -> bool:
    return bool(grants(user, perm))


def best_scope(user, perm: Permission) -> str | None:
    order = [DataScope.ALL, DataScope.UNIT_TREE, DataScope.UNIT, DataScope.SELF]
    scopes = {s for _, s in grants(user, perm)}
    return next((str(s) for s in order if s in scopes), None)


def scope_filter(model, user, perm: Permission) -> Q | None:
    """The Q selecting the rows of `model` this user may reach through `perm`;
    None means everything, Q(pk__in=[]) nothing."""
    paths: dict[str, str] = getattr(model, "scope_paths", {})
    q = Q(pk__in=[])
    for assignment, scope in grants(user, perm):
        if scope == DataScope.ALL:
            return None
        if scope in (DataScope.UNIT, DataScope.UNIT_TREE):
            q |= _unit_filter(paths, assignment)
        elif scope == DataScope.SELF and "person" in paths:
            q |= Q(**{paths["person"]: user.pk})
    return q


def _unit_filter(paths: dict[str, str], assignment: RoleAssignment) -> Q:
    """本单位 is the assignment's school; an assignment anchored on an education group (a
    group's administrator) reaches the group's schools, which is 本单位及下级."""
    if "school" not in paths:
        return Q(pk__in=[])
    if assignment.school_id:
        return Q(**{paths["school"]: assignment.school_id})
    if assignment.education_group_id:
        school_model = apps.get_model("org", "School")
        in_group = school_model.objects.filter(education_groups=assignment.education_group_id)
        return Q(**{f"{paths['school']}__in": in_group.values("pk")})
    return Q(pk__in=[])


def scoped(queryset: QuerySet, user, perm: Permission) -> QuerySet:
    condition = scope_filter(queryset.model, user, perm)
    if condition is None:
        return queryset
    return queryset.filter(condition)
