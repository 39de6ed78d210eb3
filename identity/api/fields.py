"""A serializer field that shows a person's name, ID number or phone through the one masking table
(identity.masking): ``Shown("name", viewer=Viewer.CITIZEN, source="verifier")`` — the source is the
person, the viewer a row of the table."""

from rest_framework import serializers

from identity.masking import Viewer, person_field


class Shown(serializers.CharField):
    def __init__(self, kind: str, *, viewer: Viewer, **kwargs):
        self.kind, self.viewer = kind, viewer
        super().__init__(**kwargs)

    def bind(self, field_name, parent):
        if self.source == field_name:  # Shown("name", source="verifier") on a field named verifier: DRF wants it implicit
            self.source = None
        super().bind(field_name, parent)

    def to_representation(self, person) -> str:
        return person_field(person, self.kind, viewer=self.viewer)
