from django import template

from yanxun.review.competitions import share_percent

register = template.Library()


@register.filter
def percent(share) -> str:
    """An award share as people write it: "0.15" → "15%"; "" when there is none."""
    return share_percent(share)
