"""Text kept in the language it was written in, marked so for readers and screen readers."""

from django import template
from django.utils.html import format_html

register = template.Library()


@register.filter
def in_chinese(text) -> str:
    """Text written only in Chinese (a law's name, a legal basis) inside an English page: `lang` marked."""
    return format_html('<span lang="zh-Hans">{}</span>', text) if text else ""
