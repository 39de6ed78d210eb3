"""``{% lutong_reads %}``: who read my 鲁通码, for the 谁查验了我的证照 page (credentials imports nothing of lutong)."""

from django import template

from lutong import selectors

register = template.Library()


@register.inclusion_tag("lutong/_reads.html", takes_context=True)
def lutong_reads(context, limit: int = 20):
    return {"reads": selectors.reads_of(context["request"].user)[:limit]}
