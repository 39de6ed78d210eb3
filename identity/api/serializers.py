from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from identity import audit
from identity.api.fields import Shown
from identity.masking import Viewer
from identity.models import AgentAuthorisation, AgentScope, AuditEvent, Notice, Organisation, User
from identity.notices import notice_text


class ProfileSerializer(serializers.ModelSerializer):
    id_number = Shown("id_number", viewer=Viewer.DISPLAY, source="*", help_text=_("Masked: first 6 and last 4"))
    phone = Shown("phone", viewer=Viewer.DISPLAY, source="*")
    roles = serializers.SerializerMethodField()

    class Meta:
        model = User
        fields = ["name", "id_number", "phone", "phone_verified", "real_name_verified_at", "date_joined", "roles"]

    def get_roles(self, user) -> list[str]:
        return sorted(user.groups.values_list("name", flat=True))


class OrganisationSerializer(serializers.ModelSerializer):
    is_legal_representative = serializers.SerializerMethodField()

    class Meta:
        model = Organisation
        fields = ["credit_code", "name", "registered_at", "is_legal_representative"]

    def get_is_legal_representative(self, organisation) -> bool:
        return organisation.legal_representative_id == self.context["request"].user.pk


class OrganisationRegisterSerializer(serializers.Serializer):
    credit_code = serializers.CharField(max_length=24)


class AgentSerializer(serializers.ModelSerializer):
    agent_name = Shown("name", viewer=Viewer.OTHERS, source="agent")
    agent_id_number = Shown("id_number", viewer=Viewer.OTHERS, source="agent")
    active = serializers.SerializerMethodField()

    class Meta:
        model = AgentAuthorisation
        fields = ["id", "agent_name", "agent_id_number", "scopes", "valid_from", "valid_until", "revoked_at", "active"]

    def get_active(self, authorisation) -> bool:
        return authorisation.is_active()


class AgentAuthoriseSerializer(serializers.Serializer):
    agent_name = serializers.CharField(max_length=64)
    agent_id_number = serializers.CharField(max_length=24)
    scopes = serializers.ListField(child=serializers.ChoiceField(choices=AgentScope.choices), min_length=1)
    valid_from = serializers.DateTimeField(required=False)
    valid_until = serializers.DateTimeField()


class AuditEventSerializer(serializers.ModelSerializer):
    action_display = serializers.CharField(source="get_action_display")
    actor = serializers.SerializerMethodField(help_text=_("Who: 本人, or the post (department or hall) and masked name, or the system"))
    organisation = serializers.SerializerMethodField()
    purpose = serializers.SerializerMethodField()
    role = serializers.SerializerMethodField()

    class Meta:
        model = AuditEvent
        fields = ["id", "created_at", "action", "action_display", "actor", "role", "organisation", "purpose", "detail"]

    def _use(self, event) -> audit.DataUse:
        return audit.describe(event, viewer=self.context["request"].user)

    def get_actor(self, event) -> str:
        return str(self._use(event).by)

    def get_organisation(self, event) -> str | None:
        return self._use(event).organisation

    def get_role(self, event) -> str:
        return self._use(event).role

    def get_purpose(self, event) -> str:
        return self._use(event).purpose


class BaseRecordsSyncSerializer(serializers.Serializer):
    records = serializers.ListField(child=serializers.JSONField(), max_length=5000)


class NoticeSerializer(serializers.ModelSerializer):
    """A notice with its title and body in the caller's language (``Accept-Language``)."""

    title = serializers.SerializerMethodField()
    body = serializers.SerializerMethodField()

    class Meta:
        model = Notice
        fields = ["id", "kind", "title", "body", "url", "created_at", "read_at"]

    def get_title(self, notice) -> str:
        return notice_text(notice).title

    def get_body(self, notice) -> str:
        return notice_text(notice).body
