from __future__ import annotations

from rest_framework import serializers

from lutong.models import REASON_CODES, Transport


class LutongCodeSerializer(serializers.Serializer):
    payload = serializers.CharField(help_text="The code to draw as a QR (alphanumeric mode): a COSE_Sign1/CWT, `QL1:` + base45")
    expires_at = serializers.DateTimeField()
    ttl = serializers.IntegerField(help_text="Seconds the code lives (at most 60): fetch a new one before it ends")
    qr_svg = serializers.CharField(required=False, help_text="The QR picture, with ?qr=svg")


class LutongResolveRequestSerializer(serializers.Serializer):
    code = serializers.CharField(max_length=2000, help_text="The payload the terminal read")
    transport = serializers.ChoiceField(choices=Transport.choices, help_text="How the terminal read it: one of its registered transports")


class LutongFieldSerializer(serializers.Serializer):
    credential_type = serializers.CharField()
    type_name = serializers.CharField()
    key = serializers.CharField()
    label = serializers.CharField()
    value = serializers.CharField(allow_null=True)


class LutongScenarioBriefSerializer(serializers.Serializer):
    code = serializers.CharField()
    name = serializers.CharField(source="local_name")


class LutongAnswerSerializer(serializers.Serializer):
    valid = serializers.BooleanField()
    reason = serializers.ChoiceField(choices=REASON_CODES)
    message = serializers.CharField()
    scenario = LutongScenarioBriefSerializer()
    fields = LutongFieldSerializer(many=True, help_text="Exactly the scenario's fields the holder has (none unless valid)")
    check_id = serializers.UUIDField()


class LutongSeesSerializer(serializers.Serializer):
    credential_type = serializers.CharField()
    name = serializers.CharField()
    fields = serializers.ListField(child=serializers.CharField(), source="keys", help_text="The fields' keys, as a resolve answers them")
    labels = serializers.ListField(child=serializers.CharField(), help_text="The same fields in words, in the request's language")


class LutongReaderSerializer(serializers.Serializer):
    name = serializers.CharField(source="relying_party.local_name")
    organisation = serializers.CharField(source="relying_party.organisation")
    transports = serializers.ListField(child=serializers.ChoiceField(choices=Transport.choices))


class LutongScenarioSerializer(serializers.Serializer):
    code = serializers.CharField()
    name = serializers.CharField(source="local_name")
    purpose = serializers.CharField(source="local_purpose")
    legal_basis = serializers.CharField()
    statutory = serializers.BooleanField(help_text="Required by law: the holder cannot switch it off")
    sees = LutongSeesSerializer(many=True, help_text="Exactly what its readers are answered")
    readers = LutongReaderSerializer(many=True, source="active_readers")


class LutongSwitchSerializer(serializers.Serializer):
    enabled = serializers.BooleanField()


class LutongMyScenarioSerializer(serializers.Serializer):
    code = serializers.CharField()
    name = serializers.CharField(source="local_name")
    statutory = serializers.BooleanField()
    enabled = serializers.BooleanField()
