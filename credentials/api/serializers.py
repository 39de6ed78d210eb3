from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from credentials.models import Credential, Verification
from identity import masking


class CredentialPushSerializer(serializers.Serializer):
    """One credential pushed by an issuing system. Pushing the same ``record_id`` again updates it."""

    type = serializers.CharField(max_length=48, help_text=_("Credential type code, e.g. driving_licence"))
    record_id = serializers.CharField(max_length=128, help_text=_("The issuer's own record id (idempotency key)"))
    holder_number = serializers.CharField(max_length=24, help_text=_("ID number or unified social credit code"))
    holder_name = serializers.CharField(max_length=255)
    fields = serializers.DictField(child=serializers.CharField(allow_blank=True), default=dict)
    issued_on = serializers.DateField()
    expires_on = serializers.DateField(required=False, allow_null=True)
    photo = serializers.CharField(required=False, allow_blank=True, help_text=_("Holder photo, base64 JPEG or PNG, at most 200 KB"))


class CredentialStatusSerializer(serializers.Serializer):
    status = serializers.ChoiceField(choices=[Credential.Status.VALID, Credential.Status.SUSPENDED, Credential.Status.REVOKED])
    reason = serializers.CharField(max_length=255, required=False, allow_blank=True, default="")


class IssuedCredentialSerializer(serializers.ModelSerializer):
    type = serializers.CharField(source="type.code")
    record_id = serializers.CharField(source="issuer_record_id")
    effective_status = serializers.CharField()

    class Meta:
        model = Credential
        fields = ["identifier", "type", "record_id", "status", "effective_status", "issued_on", "expires_on", "revision", "updated_at"]


class WalletCredentialSerializer(serializers.ModelSerializer):
    """A credential as its holder sees it: ID numbers masked, fields labelled."""

    type = serializers.CharField(source="type.code")
    type_name = serializers.CharField(source="type.name")
    issuer = serializers.CharField(source="type.department.name")
    holder_number = serializers.SerializerMethodField()
    status = serializers.CharField(source="effective_status")
    fields = serializers.SerializerMethodField(method_name="field_list")
    has_photo = serializers.SerializerMethodField()
    card_url = serializers.SerializerMethodField()

    class Meta:
        model = Credential
        fields = [
            "identifier", "type", "type_name", "issuer", "holder_name", "holder_number", "status", "issued_on", "expires_on",
            "hidden", "fields", "has_photo", "card_url",
        ]

    def get_holder_number(self, credential) -> str:
        from credentials.services import disclosed_view

        return disclosed_view(credential, ())["holder_number"]

    def field_list(self, credential) -> list[dict]:
        values = credential.fields
        return [
            {
                "key": spec["key"],
                "label": spec["label"],
                "type": spec.get("type", "text"),
                "value": masking.shown(spec.get("type", "text"), values[spec["key"]], viewer=masking.Viewer.DISPLAY),
            }
            for spec in credential.type.field_schema
            if spec["key"] in values
        ]

    def get_has_photo(self, credential) -> bool:
        return bool(credential.photo)

    def get_card_url(self, credential) -> str:
        return f"/api/v1/wallet/{credential.identifier}/card.png"


class WalletUpdateSerializer(serializers.Serializer):
    hidden = serializers.BooleanField()


class PresentationCreateSerializer(serializers.Serializer):
    disclose = serializers.ListField(
        child=serializers.CharField(max_length=48), default=list, help_text=_("Field keys to show in full; also holder_number and photo")
    )
    ttl_seconds = serializers.IntegerField(min_value=15, max_value=600, required=False)


class PresentationSerializer(serializers.Serializer):
    id = serializers.UUIDField(source="presentation.id")
    payload = serializers.CharField(source="token", help_text=_("Put this string in the QR code"))
    expires_at = serializers.DateTimeField(source="presentation.expires_at")
    disclosed = serializers.ListField(source="presentation.disclosed", child=serializers.CharField())


class VerifySerializer(serializers.Serializer):
    payload = serializers.CharField(max_length=8000, trim_whitespace=True)


class VerdictSerializer(serializers.Serializer):
    valid = serializers.BooleanField()
    reason = serializers.CharField()
    message = serializers.CharField()
    credential = serializers.DictField(allow_null=True)
    fields = serializers.ListField(source="rows", child=serializers.DictField(), help_text=_("Disclosed fields with their labels"))
    verification_id = serializers.UUIDField(help_text=_("This check's record; the holder sees it in their data uses"))
    photo_url = serializers.SerializerMethodField()

    def get_photo_url(self, verdict) -> str | None:
        if verdict.valid and verdict.credential and verdict.credential.get("photo"):
            return f"/api/v1/verifications/{verdict.verification_id}/photo.jpg"
        return None


class CheckSerializer(serializers.ModelSerializer):
    credential = serializers.CharField(source="credential.type.name", default="")
    identifier = serializers.CharField(source="credential.identifier", default="")
    verifier = serializers.CharField(source="verifier.masked_name")
    service_hall = serializers.CharField(source="service_hall.name", default="")
    reason_label = serializers.CharField(source="get_reason_display")

    class Meta:
        model = Verification
        fields = ["id", "created_at", "credential", "identifier", "verifier", "service_hall", "valid", "reason", "reason_label"]
