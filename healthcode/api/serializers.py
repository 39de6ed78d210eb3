from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from healthcode.models import Appeal, Colour, Dependant, PassCheck, Venue
from identity import masking
from identity.api.fields import Shown


class PassReasonSerializer(serializers.Serializer):
    code = serializers.CharField(help_text=_("The rule's code (`none` when no rule applies, `override` after a review)"))
    text = serializers.CharField(help_text=_("The rule in plain words, in the language asked for"))


class PassSerializer(serializers.Serializer):
    colour = serializers.CharField(source="status.colour")
    colour_label = serializers.SerializerMethodField()
    masked_name = serializers.SerializerMethodField()
    reasons = serializers.SerializerMethodField()
    rule_version = serializers.IntegerField(source="status.rule_version")
    evaluated_at = serializers.DateTimeField(source="status.evaluated_at")
    payload = serializers.CharField(source="token", help_text=_("Put this in the QR code; it expires in a minute"))
    expires_at = serializers.SerializerMethodField()

    def get_colour_label(self, shown) -> str:
        return str(Colour(shown.status["colour"]).label)

    def get_masked_name(self, shown) -> str:
        return shown.claims["hp"]["n"]

    @extend_schema_field(PassReasonSerializer(many=True))
    def get_reasons(self, shown) -> list[dict]:
        from django.utils.translation import get_language

        from healthcode.selectors import explain

        return explain(shown.status, language=get_language())

    def get_expires_at(self, shown) -> int:
        return shown.claims["exp"]


class CheckRequestSerializer(serializers.Serializer):
    payload = serializers.CharField(max_length=4000)
    place = serializers.CharField(max_length=128, required=False, allow_blank=True, default="")


class PassVerdictSerializer(serializers.Serializer):
    valid = serializers.BooleanField()
    reason = serializers.CharField()
    message = serializers.SerializerMethodField()
    colour = serializers.CharField(allow_null=True)
    masked_name = serializers.CharField(allow_null=True)
    issuer = serializers.CharField(allow_null=True)
    expires_at = serializers.DateTimeField(allow_null=True)

    def get_message(self, verdict) -> str:
        from healthcode.services import REASONS

        return str(REASONS.get(verdict.reason, verdict.reason))


class PassCheckSerializer(serializers.ModelSerializer):
    checker = Shown("name", viewer=masking.Viewer.CITIZEN, source="checker")

    class Meta:
        model = PassCheck
        fields = ["created_at", "place", "checker", "valid", "reason", "colour"]


class TripSerializer(serializers.Serializer):
    area_code = serializers.CharField(max_length=6)
    arrived_at = serializers.DateTimeField()
    left_at = serializers.DateTimeField()


class DeclarationSerializer(serializers.Serializer):
    symptoms = serializers.BooleanField()
    note = serializers.CharField(max_length=255, required=False, allow_blank=True, default="")
    travel = TripSerializer(many=True, required=False, default=list)


class VisitSerializer(serializers.Serializer):
    venue_code = serializers.CharField(max_length=64)


class VenueSerializer(serializers.ModelSerializer):
    area_name = serializers.SerializerMethodField(help_text=_("The area's name (GB/T 2260), e.g. 济南市历下区"))

    class Meta:
        model = Venue
        fields = ["code", "name", "area_code", "area_name", "address", "is_active", "created_at"]
        read_only_fields = ["code", "is_active", "created_at"]


    def get_area_name(self, venue) -> str:
        from core.areas import area_name

        return area_name(venue.area_code)


class AppealSerializer(serializers.ModelSerializer):
    class Meta:
        model = Appeal
        fields = ["id", "created_at", "colour_at_appeal", "reason", "evidence", "status", "decided_at", "decision_note"]
        read_only_fields = ["id", "created_at", "colour_at_appeal", "status", "decided_at", "decision_note"]


class DependantSerializer(serializers.ModelSerializer):
    id_number = serializers.CharField(write_only=True, max_length=24)
    masked_id_number = serializers.SerializerMethodField()

    class Meta:
        model = Dependant
        fields = ["id", "name", "relation", "id_number", "masked_id_number", "consent", "consent_note", "consent_recorded_at"]
        read_only_fields = ["id", "consent_recorded_at"]

    def get_masked_id_number(self, dependant) -> str:
        return masking.shown("id_number", dependant.id_number, viewer=masking.Viewer.DISPLAY)


class HealthImportSerializer(serializers.Serializer):
    rows = serializers.ListField(child=serializers.DictField(), max_length=5000)
