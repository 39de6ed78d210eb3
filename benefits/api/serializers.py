from __future__ import annotations

from rest_framework import serializers

from benefits.models import Entitlement
from identity.masking import Viewer, shown


class EntitlementSerializer(serializers.ModelSerializer):
    policy = serializers.CharField(source="policy.name", help_text="The policy's name")
    department = serializers.CharField(source="policy.department.name")
    legal_basis = serializers.CharField(source="policy.legal_basis")
    benefit = serializers.CharField(source="version.benefit_text")
    status_label = serializers.CharField(source="get_status_display")
    period_label = serializers.CharField(source="period_words", help_text="The period in words, in the request's language (period is its key: 2026-Q4)")
    amount_yuan = serializers.CharField(source="yuan")
    account = serializers.SerializerMethodField(help_text="The card it is paid to, masked")

    class Meta:
        model = Entitlement
        fields = ["id", "policy", "department", "legal_basis", "benefit", "period", "period_label", "amount_yuan",
                  "status", "status_label", "account", "created_at"]

    def get_account(self, entitlement: Entitlement) -> str:
        return shown("bank_card", entitlement.account_number or "", viewer=Viewer.HOLDER)


class ConfirmSerializer(serializers.Serializer):
    account_number = serializers.CharField(max_length=32, help_text="The bank card number (12–19 digits); kept encrypted")
    account_bank = serializers.CharField(max_length=64, help_text="The bank's name")


class ObjectSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=2000)


class ConditionSerializer(serializers.Serializer):
    condition = serializers.CharField()
    met = serializers.BooleanField()


class FactSerializer(serializers.Serializer):
    field = serializers.CharField()
    value = serializers.CharField()


class WhySerializer(serializers.Serializer):
    policy = serializers.CharField(source="policy.name")
    legal_basis = serializers.CharField()
    eligible = serializers.BooleanField()
    day = serializers.CharField(help_text="The day the rule was evaluated for")
    conditions = serializers.SerializerMethodField()
    facts = serializers.SerializerMethodField()

    def get_conditions(self, why) -> list[dict]:
        return ConditionSerializer([{"condition": text, "met": met} for text, met in why.conditions], many=True).data

    def get_facts(self, why) -> list[dict]:
        return FactSerializer([{"field": label, "value": str(value)} for label, value in why.facts], many=True).data
