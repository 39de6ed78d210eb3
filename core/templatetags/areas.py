"""``{{ code|area_name }}``: an administrative area's name for its code (core.areas)."""

from django import template

from core import areas

register = template.Library()


@register.filter
def area_name(code) -> str:
    return areas.area_name(str(code or ""))
