from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from core import limits
from credentials.claims import reason_label
from credentials.models import Credential, Verification
from credentials.openid.selectors import verifier_metadata
from identity import masking
from identity.api.fields import Shown


class CredentialPushSerializer(serializers.Serializer):
    """One credential pushed by an issuing system. Pushing the same ``record_id`` again updates it."""

    type = serializers.CharField(max_length=48, help_text=_("Credential type code, e.g. driving_licence"))
    record_id = serializers.CharField(max_length=128, help_text=_("The issuer's own record id (idempotency key)"))
    holder_number = serializers.CharField(max_length=24, help_text=_("ID number or unified social credit code"))
    holder_name = serializers.CharField(max_length=255)
    fields = serializers.DictField(child=serializers.CharField(allow_blank=True, max_length=limits.REASON), default=dict)
    issued_on = serializers.DateField()
    expires_on = serializers.DateField(required=False, allow_null=True)
    photo = serializers.CharField(required=False, allow_blank=True, max_length=limits.PHOTO_BASE64,
                                  help_text=_("Holder photo, base64 JPEG or PNG, at most 200 KB"))


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
    type_name = serializers.CharField(source="type.local_name")
    issuer = serializers.CharField(source="type.department.local_name")
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
    qr_svg = serializers.CharField(required=False, help_text=_("With ?qr=svg: the QR as an SVG document"))
    qr_png = serializers.CharField(required=False, help_text=_("With ?qr=png: the QR as a base64-encoded PNG"))


class VerifySerializer(serializers.Serializer):
    payload = serializers.CharField(max_length=8000, trim_whitespace=True)


class DisclosedCredentialSerializer(serializers.Serializer):
    """The signed view of a credential a holder showed: what they chose, ID numbers masked unless chosen."""

    id = serializers.CharField(help_text=_("The credential's identifier"))
    type = serializers.CharField(help_text=_("The credential type's code"))
    type_name = serializers.CharField()
    issuer = serializers.CharField(help_text=_("The issuing department"))
    holder_name = serializers.CharField()
    holder_number = serializers.CharField(help_text=_("Masked unless the holder chose to show it"))
    issued_on = serializers.DateField()
    expires_on = serializers.DateField(allow_null=True)
    fields = serializers.DictField(child=serializers.CharField(allow_blank=True), help_text=_("Field key → value, only the fields shown"))
    photo = serializers.BooleanField(help_text=_("The holder showed their photo: fetch it from photo_url"))


class VerdictRowSerializer(serializers.Serializer):
    key = serializers.CharField()
    label = serializers.CharField()
    value = serializers.CharField(allow_blank=True)


class VerdictSerializer(serializers.Serializer):
    valid = serializers.BooleanField()
    reason = serializers.ChoiceField(choices=Verification.Reason.choices, help_text=_("Why the code is or is not valid"))
    message = serializers.CharField(help_text=_("The reason in words, in the language asked for"))
    # verifying a QR is a hot path: the signed view and its rows are answered as they are (one method
    # call each), the document types them with the serializers above
    credential = serializers.SerializerMethodField(method_name="signed_view", help_text=_("Only when valid"))
    fields = serializers.SerializerMethodField(method_name="disclosed_rows", help_text=_("Disclosed fields with their labels"))
    verification_id = serializers.UUIDField(help_text=_("This check's record; the holder sees it in their data uses"))
    on_behalf = serializers.BooleanField(help_text=_("代亮: a guardian showed the holder's credential for them (family acting); ask who they are"))
    photo_url = serializers.SerializerMethodField()

    @extend_schema_field(DisclosedCredentialSerializer(allow_null=True))
    def signed_view(self, verdict) -> dict | None:
        return verdict.credential

    @extend_schema_field(VerdictRowSerializer(many=True))
    def disclosed_rows(self, verdict) -> list[dict]:
        return verdict.rows

    def get_photo_url(self, verdict) -> str | None:
        if verdict.valid and verdict.credential and verdict.credential.get("photo"):
            return f"/api/v1/verifications/{verdict.verification_id}/photo.jpg"
        return None


class CheckSerializer(serializers.ModelSerializer):
    credential = serializers.CharField(source="credential.type.name", default="")
    identifier = serializers.CharField(source="credential.identifier", default="")
    verifier = Shown("name", viewer=masking.Viewer.CITIZEN, source="verifier")
    service_hall = serializers.CharField(source="service_hall.name", default="")
    reason_label = serializers.CharField(source="get_reason_display")

    class Meta:
        model = Verification
        fields = ["id", "created_at", "credential", "identifier", "verifier", "service_hall", "valid", "reason", "reason_label"]


class CredentialTypeFieldSerializer(serializers.Serializer):
    key = serializers.CharField(help_text=_("The key an issuer pushes in `fields` and a holder discloses"))
    label = serializers.CharField(help_text=_("The label in the language asked for (Accept-Language)"))
    label_zh = serializers.CharField()
    label_en = serializers.CharField(allow_blank=True)
    type = serializers.ChoiceField(choices=["text", "textarea", "date", "number", "choice", "id_number", "phone"])
    required = serializers.BooleanField()
    choices = serializers.ListField(child=serializers.CharField(), required=False, help_text=_("Only for type `choice`"))
    on_card = serializers.BooleanField(help_text=_("Shown on the card image"))


class CredentialTypeSerializer(serializers.Serializer):
    """A credential type as an issuing system or a wallet needs it: what to push, what a holder holds."""

    code = serializers.CharField(help_text=_("The type code an issuer pushes as `type`"))
    name = serializers.CharField(help_text=_("The name in the language asked for (Accept-Language)"))
    name_zh = serializers.CharField()
    name_en = serializers.CharField(allow_blank=True)
    type_code = serializers.CharField(help_text=_("National e-credential type code: the defining department's credit code + 3 digits"))
    holder_kind = serializers.ChoiceField(choices=["person", "organisation"])
    department = serializers.CharField(help_text=_("The defining department"))
    validity_years = serializers.IntegerField(allow_null=True, help_text=_("Used when the issuer gives no expiry; null for no expiry"))
    fields = CredentialTypeFieldSerializer(many=True)
    issuers = serializers.ListField(child=serializers.CharField(), help_text=_("The issuing systems that may push this type"))

    def to_representation(self, credential_type):
        english = get_language() == "en"
        return {
            "code": credential_type.code,
            "name": credential_type.local_name,
            "name_zh": credential_type.name,
            "name_en": credential_type.name_en,
            "type_code": credential_type.type_code,
            "holder_kind": credential_type.holder_kind,
            "department": credential_type.department.local_name,
            "validity_years": credential_type.validity_years,
            "fields": [
                {
                    "key": field["key"],
                    "label": (field.get("label_en") or field["label"]) if english else field["label"],
                    "label_zh": field["label"],
                    "label_en": field.get("label_en", ""),
                    "type": field.get("type", "text"),
                    "required": bool(field.get("required", True)),
                    **({"choices": list(field["choices"])} if field.get("type") == "choice" else {}),
                    "on_card": field.get("on_card", True) is not False,
                }
                for field in credential_type.field_schema
            ],
            "issuers": sorted(client.name for client in credential_type.issuers.all() if client.is_active),
        }


class JwkSerializer(serializers.Serializer):
    """One public key (RFC 7517): EC P-256 for ES256."""

    kty = serializers.CharField(help_text=_("Key type: EC"))
    crv = serializers.CharField(help_text=_("Curve: P-256"))
    x = serializers.CharField()
    y = serializers.CharField()
    kid = serializers.CharField(help_text=_("The key id a signed payload names in its header"))
    alg = serializers.CharField(help_text=_("ES256"))
    use = serializers.CharField(help_text=_("sig"))


class JwksSerializer(serializers.Serializer):
    keys = JwkSerializer(many=True)


# --- open standards: wallet offers, the verifier register, presentation requests ----------------


class CredentialOfferSerializer(serializers.Serializer):
    offer_url = serializers.CharField(help_text=_("openid-credential-offer://?credential_offer=… — the URL the QR holds, with the offer in it "
                                                  "(by value; not an OpenID4VCI credential_offer_uri, which points to an offer)"))
    credential_offer = serializers.JSONField(help_text=_("The OpenID4VCI credential offer object"))
    tx_code = serializers.CharField(help_text=_("Six digits to type into the wallet app: shown beside the QR, never inside it"))
    expires_at = serializers.DateTimeField()
    qr_svg = serializers.CharField(required=False)


class RegisteredFieldSerializer(serializers.Serializer):
    key = serializers.CharField()
    label = serializers.CharField()


class RegisteredTypeSerializer(serializers.Serializer):
    credential_type = serializers.CharField()
    name = serializers.CharField()
    fields = RegisteredFieldSerializer(many=True)


class RelyingPartySerializer(serializers.Serializer):
    client_id = serializers.CharField(help_text=_("Its OpenID4VP client_id (pre-registered)"))
    name = serializers.CharField(source="local_name")
    kind = serializers.CharField()
    kind_label = serializers.CharField(source="get_kind_display")
    organisation = serializers.CharField()
    purpose = serializers.CharField(source="local_purpose")
    may_ask = RegisteredTypeSerializer(many=True, help_text=_("What it may ask for: beyond this, a request is refused"))
    registered_at = serializers.DateTimeField(source="created_at")
    metadata = serializers.SerializerMethodField(help_text=_("What a wallet knows of this pre-registered verifier: its name, the keys "
                                                             "(JWKS) that sign its request objects, their algorithm and its formats"))

    @extend_schema_field({"type": "object", "additionalProperties": True})
    def get_metadata(self, party) -> dict:
        return verifier_metadata(party)


class PresentationRequestCreateSerializer(serializers.Serializer):
    client_id = serializers.CharField(max_length=64, help_text=_("The registered relying party this request is made for"))
    credential_type = serializers.CharField(max_length=48)
    fields = serializers.ListField(child=serializers.CharField(max_length=64), min_length=1, max_length=32)


class DisclosedRowSerializer(serializers.Serializer):
    key = serializers.CharField()
    label = serializers.CharField()
    value = serializers.CharField()


class PresentationRequestSerializer(serializers.Serializer):
    id = serializers.UUIDField()
    client_id = serializers.CharField(source="relying_party.client_id")
    credential_type = serializers.CharField(source="credential_type.code")
    fields = serializers.ListField(child=serializers.CharField())
    status = serializers.CharField(help_text=_("pending, verified or refused"))
    reason = serializers.CharField(help_text=_("valid, or why it was refused: wrong_nonce, wrong_audience, missing_claim, "
                                               "unknown_disclosure, credential_revoked, credential_suspended, credential_superseded, …"))
    reason_label = serializers.SerializerMethodField(help_text=_("The reason in words, in the request's language"))
    attempts = serializers.IntegerField(help_text=_("Answers refused so far; while pending, reason is the last one's. The third refusal closes the request"))
    created_at = serializers.DateTimeField()
    expires_at = serializers.DateTimeField()
    answered_at = serializers.DateTimeField(allow_null=True)
    wallet_uri = serializers.CharField(required=False, help_text=_("openid4vp://… — what the QR holds"))
    request_uri = serializers.CharField(required=False)
    qr_svg = serializers.CharField(required=False)
    disclosed = serializers.SerializerMethodField(help_text=_("What the holder disclosed, once verified, with labels"))

    def get_reason_label(self, request) -> str:
        return reason_label(request.reason)

    @extend_schema_field(DisclosedRowSerializer(many=True))
    def get_disclosed(self, request) -> list:
        from credentials.selectors import disclosed_rows

        return disclosed_rows(request)


class SharedSerializer(serializers.Serializer):
    """One presentation of mine to a registered relying party (who asked for what, and why)."""

    id = serializers.UUIDField()
    relying_party = serializers.CharField(source="relying_party.local_name")
    client_id = serializers.CharField(source="relying_party.client_id")
    purpose = serializers.CharField(source="relying_party.local_purpose")
    credential = serializers.CharField(source="credential_type.local_name")
    fields = serializers.ListField(child=serializers.CharField())
    valid = serializers.SerializerMethodField()
    reason = serializers.CharField()
    answered_at = serializers.DateTimeField()

    def get_valid(self, request) -> bool:
        return request.status == "verified"
