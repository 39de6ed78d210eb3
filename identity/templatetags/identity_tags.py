"""Template filters for identity pages."""

from django import template

from identity.sessions import device_label

register = template.Library()


@register.filter
def device(user_agent: str) -> str:
    """``{{ session.user_agent|device }}`` → "iPhone · Safari"."""
    return device_label(user_agent)
