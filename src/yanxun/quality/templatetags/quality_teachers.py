from django import template

from yanxun.core.permissions import has_perm
from yanxun.quality import rules

register = template.Library()


@register.filter
def keeps_class_teachers(user) -> bool:
    """May this user keep (some school's) 任课表: for the link on the exam page."""
    return has_perm(user, rules.EDIT_CLASS_TEACHERS)
