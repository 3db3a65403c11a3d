from django import template

from yanxun.quality.reports import fmt

register = template.Library()


@register.filter
def pct(value) -> str:
    """A fraction as a percentage with two decimals (0.5 → 50.00%); — when undefined."""
    return fmt(value, "pct")
