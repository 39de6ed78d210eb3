"""A timeline step in words (``appeals.transitions.LABELS``), never its key."""

from django import template

from appeals.transitions import LABELS

register = template.Library()


@register.filter
def step_label(action: str) -> str:
    return str(LABELS.get(action, ""))
