from django.db.models import Q, QuerySet

from yanxun.accounts.models import User
from yanxun.core.enums import DataScope
from yanxun.core.permissions import Permission, grants


def users_visible_for(actor: User, perm: Permission) -> QuerySet[User]:
    """Users whose account this actor may act on: everyone for 全部; for 本单位, the teachers
    of the actor's school; for 仅本人, themself."""
    condition = Q(pk__in=[])
    for assignment, scope in grants(actor, perm):
        if scope == DataScope.ALL:
            return User.objects.all()
        if scope in (DataScope.UNIT, DataScope.UNIT_TREE) and assignment.school_id:
            condition |= Q(teacher__school_id=assignment.school_id)
        elif scope in (DataScope.UNIT, DataScope.UNIT_TREE) and assignment.education_group_id:
            condition |= Q(teacher__school__education_groups=assignment.education_group_id)
        elif scope == DataScope.SELF:
            condition |= Q(pk=actor.pk)
    return User.objects.filter(condition).distinct()
