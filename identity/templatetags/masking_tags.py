"""Masked displays in templates, through the one masking table (identity.masking):
``{{ check.verifier|name_for:"citizen" }}``, ``{{ user|id_number_for:"display" }}``. The argument is a
row of the table (``identity.masking.Viewer``); an unknown row is an error, never a guess."""

from django import template

from identity.masking import Viewer, person_field

register = template.Library()


@register.filter
def name_for(person, viewer: str) -> str:
    return person_field(person, "name", viewer=Viewer(viewer))


@register.filter
def id_number_for(person, viewer: str) -> str:
    return person_field(person, "id_number", viewer=Viewer(viewer))


@register.filter
def phone_for(person, viewer: str) -> str:
    return person_field(person, "phone", viewer=Viewer(viewer))
