"""Cases' API shapes: explicit inputs and outputs. A citizen's view of a case carries public texts
only; staff's adds the internal notes, the routing and the contact (as ``appeals.selectors.contact_for``
lets them see it)."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from appeals import selectors
from appeals.models import Case, CaseEvent, Channel, Kind, Urgency
from appeals.transitions import CALLBACK_ACTIONS, LABELS, TABLE, allowed_actions, may_call_back
from core import limits

SUBMIT_CHANNELS = [(Channel.APP.value, Channel.APP.label), (Channel.PORTAL.value, Channel.PORTAL.label)]


class CandidateSerializer(serializers.Serializer):
    title = serializers.CharField(max_length=200)
    url = serializers.CharField(max_length=500)


class SubmitSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=Kind.choices, help_text="consult 咨询 · help 求助 · complaint 投诉 · report 举报 · suggestion 建议 · praise 表扬")
    title = serializers.CharField(max_length=limits.NAME, required=False, allow_blank=True, default="")
    text = serializers.CharField(max_length=limits.REASON)
    area = serializers.CharField(max_length=64, required=False, allow_blank=True, default="", help_text="Where, by name (e.g. 历下区)")
    urgency = serializers.ChoiceField(choices=Urgency.choices, required=False, default=Urgency.NORMAL)
    category = serializers.IntegerField(required=False, allow_null=True, default=None, help_text="A category id from /cases/categories/")
    item = serializers.CharField(max_length=limits.CODE, required=False, allow_blank=True, default="", help_text="A service item's code")
    application = serializers.CharField(max_length=32, required=False, allow_blank=True, default="", help_text="One of my applications' numbers")
    contact_name = serializers.CharField(max_length=limits.NAME, required=False, allow_blank=True, default="")
    contact_phone = serializers.CharField(max_length=20, required=False, allow_blank=True, default="")
    anonymous = serializers.BooleanField(required=False, default=False, help_text="No account linked; a tracking code is returned once")
    knowledge_candidates = CandidateSerializer(many=True, required=False, default=list,
                                               help_text="The answers the citizen saw before asking a person (转人工)")
    channel = serializers.ChoiceField(choices=SUBMIT_CHANNELS, required=False, default=Channel.APP)


class RecordSerializer(SubmitSerializer):
    contact_phone = serializers.CharField(max_length=20, help_text="The walk-in citizen's mobile number")


class SubmittedSerializer(serializers.Serializer):
    number = serializers.CharField()
    status = serializers.CharField()
    created = serializers.BooleanField(help_text="False when the same complaint was already open: this is that case")
    tracking_code = serializers.CharField(allow_blank=True, help_text="Only for an anonymous report, only now")


class EventSerializer(serializers.ModelSerializer):
    step = serializers.SerializerMethodField()
    actor_label = serializers.CharField(source="actor_words", help_text="Who acted, in the reader's language")
    status = serializers.CharField(source="get_to_status_display")

    class Meta:
        model = CaseEvent
        fields = ["step", "status", "actor_label", "public_text", "created_at"]

    def get_step(self, event) -> str:
        return str(LABELS.get(event.action, event.action))


class StaffEventSerializer(EventSerializer):
    class Meta(EventSerializer.Meta):
        fields = [*EventSerializer.Meta.fields, "action", "internal_note"]


class CitizenCaseOutput(serializers.ModelSerializer):
    """A case as its reporter reads it: public texts only."""

    kind = serializers.CharField(source="get_kind_display")
    status_label = serializers.CharField(source="get_status_display")
    category = serializers.CharField(source="category.local_name", default=None, allow_null=True)
    department = serializers.CharField(source="department.local_name", default=None, allow_null=True)
    timeline = serializers.SerializerMethodField()
    may_call_back = serializers.SerializerMethodField()

    class Meta:
        model = Case
        fields = ["number", "kind", "status", "status_label", "title", "text", "area", "category", "department", "created_at", "reply_due",
                  "reply_public", "replied_at", "solved", "satisfied", "timeline", "may_call_back"]

    @extend_schema_field(EventSerializer(many=True))
    def get_timeline(self, case):
        return EventSerializer(case.timeline.all(), many=True).data

    def get_may_call_back(self, case) -> bool:
        request = self.context.get("request")
        return request is not None and may_call_back(request.user, case)


class ContactSerializer(serializers.Serializer):
    name = serializers.CharField(allow_blank=True)
    phone = serializers.CharField(allow_blank=True)


class StaffCaseOutput(CitizenCaseOutput):
    """A case as a dispatcher or the department sees it."""

    channel = serializers.CharField(source="get_channel_display")
    urgency = serializers.CharField(source="get_urgency_display")
    card = serializers.CharField()
    suggested_category = serializers.CharField(source="suggested_category.local_name", default=None, allow_null=True)
    routing_rule = serializers.CharField(source="routing_rule.name", default=None, allow_null=True)
    contact = serializers.SerializerMethodField()
    actions = serializers.SerializerMethodField()
    sources = serializers.SerializerMethodField()

    class Meta(CitizenCaseOutput.Meta):
        fields = [*CitizenCaseOutput.Meta.fields, "channel", "urgency", "card", "suggested_category", "routing_rule", "return_due", "yellow_at",
                  "extended_days", "reopened", "supervised_at", "reply_internal", "knowledge_candidates", "contact", "actions", "sources"]

    @extend_schema_field(StaffEventSerializer(many=True))
    def get_timeline(self, case):
        return StaffEventSerializer(case.timeline.all(), many=True).data

    @extend_schema_field(ContactSerializer)
    def get_contact(self, case):
        return selectors.contact_for(self.context["request"].user, case)

    def get_actions(self, case) -> list[str]:
        return allowed_actions(self.context["request"].user, case)

    def get_sources(self, case) -> list[str]:
        return [str(source.get_channel_display()) for source in case.sources.all()]


class CaseListOutput(serializers.ModelSerializer):
    kind = serializers.CharField(source="get_kind_display")
    status_label = serializers.CharField(source="get_status_display")
    department = serializers.CharField(source="department.local_name", default=None, allow_null=True)

    class Meta:
        model = Case
        fields = ["number", "kind", "status", "status_label", "title", "department", "created_at", "reply_due", "card"]


class StepSerializer(serializers.Serializer):
    action = serializers.ChoiceField(choices=[a for a in TABLE if a not in CALLBACK_ACTIONS],
                                     help_text="The transition to take (close and reopen follow from a call-back)")
    department = serializers.CharField(max_length=32, required=False, allow_blank=True, default="", help_text="dispatch: the department's code")
    category = serializers.IntegerField(required=False, allow_null=True, default=None, help_text="dispatch: the confirmed category")
    reason = serializers.CharField(max_length=limits.REASON, required=False, allow_blank=True, default="")
    note = serializers.CharField(max_length=limits.REASON, required=False, allow_blank=True, default="")
    days = serializers.IntegerField(required=False, default=0, help_text="extend: working days (1 to the limit, at most 10)")
    public_text = serializers.CharField(max_length=limits.REASON, required=False, allow_blank=True, default="", help_text="reply: what the citizen reads")
    internal_note = serializers.CharField(max_length=limits.REASON, required=False, allow_blank=True, default="")


class CallbackSerializer(serializers.Serializer):
    solved = serializers.BooleanField()
    satisfied = serializers.BooleanField()
    note = serializers.CharField(max_length=limits.REASON, required=False, allow_blank=True, default="")


class TrackSerializer(serializers.Serializer):
    number = serializers.CharField(max_length=24)
    tracking_code = serializers.CharField(max_length=20)


class ImportSerializer(serializers.Serializer):
    tickets = serializers.ListField(child=serializers.DictField(), max_length=5000,
                                    help_text="12345 tickets: external_id, received_at, kind, title, text, area, phone, name, urgency")


class CaseImportReportSerializer(serializers.Serializer):
    created = serializers.IntegerField()
    merged = serializers.IntegerField(help_text="Joined an open case of the same complaint")
    already = serializers.IntegerField(help_text="Imported before: nothing created")
    errors = serializers.ListField(child=serializers.DictField())


class CategorySerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField(source="local_name")
    parent = serializers.IntegerField(source="parent_id", allow_null=True)


class ScoreSerializer(serializers.Serializer):
    department = serializers.CharField()
    month = serializers.DateField()
    dispatched = serializers.IntegerField()
    responded = serializers.IntegerField()
    called_back = serializers.IntegerField()
    solved = serializers.IntegerField()
    satisfied = serializers.IntegerField()
    response_rate = serializers.FloatField(allow_null=True, help_text="响应率")
    solved_rate = serializers.FloatField(allow_null=True, help_text="解决率")
    satisfied_rate = serializers.FloatField(allow_null=True, help_text="满意率")
    score = serializers.FloatField(allow_null=True, help_text="0–100, weighted (QILU_CASE_SCORE_WEIGHTS)")
