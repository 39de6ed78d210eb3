from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from core import limits
from identity import masking
from identity.api.fields import Shown
from services import permissions
from services.models import RATING_TAGS, Application, ItemVersion, Material, ServiceItem, Transition
from services.services.steps import APPLICANT_ACTIONS, allowed_actions


class ItemListSerializer(serializers.ModelSerializer):
    name = serializers.CharField(source="local_name", help_text=_("In the language asked for (Accept-Language); the official Chinese name is name_zh"))
    name_zh = serializers.CharField(source="name")
    department = serializers.CharField(source="department.local_name")
    region = serializers.CharField(source="region.name")
    time_limit_days = serializers.IntegerField(source="current_version.time_limit_days")
    instant = serializers.SerializerMethodField()

    class Meta:
        model = ServiceItem
        fields = ["code", "name", "name_zh", "department", "region", "applicant_kind", "online", "at_most_one_trip", "high_frequency",
                  "time_limit_days", "instant"]

    def get_instant(self, item) -> bool:
        return bool(item.current_version and item.current_version.approval_rules)


class MaterialSerializer(serializers.ModelSerializer):
    credential_type = serializers.CharField(source="credential_type.code", default=None, allow_null=True,
                                            help_text=_("For a credential material: the type a held credential satisfies it with"))

    class Meta:
        model = Material
        fields = ["id", "name", "kind", "credential_type", "required", "note"]


class GuideSerializer(serializers.ModelSerializer):
    materials = MaterialSerializer(many=True)
    steps = serializers.ListField(source="step_list", child=serializers.CharField())

    class Meta:
        model = ItemVersion
        fields = ["version", "legal_basis", "who_may_apply", "conditions", "steps", "time_limit_days", "fees", "window_address", "window_hours",
                  "materials", "published_at"]


class ItemDetailSerializer(ItemListSerializer):
    guide = GuideSerializer(source="current_version")
    categories = serializers.SlugRelatedField(many=True, read_only=True, slug_field="local_name")

    class Meta(ItemListSerializer.Meta):
        fields = [*ItemListSerializer.Meta.fields, "categories", "guide"]


class ApplySerializer(serializers.Serializer):
    item = serializers.CharField(max_length=48)
    data = serializers.DictField(default=dict)
    uploads = serializers.DictField(child=serializers.CharField(max_length=limits.CODE), default=dict, help_text=_("material id → upload id"))
    organisation = serializers.CharField(max_length=24, required=False, allow_blank=True)


class OnBehalfSerializer(ApplySerializer):
    presentation = serializers.CharField(max_length=8000, help_text=_("The citizen's 亮证 code, shown at the counter: their consent, and all the clerk sees"))


class TransitionSerializer(serializers.ModelSerializer):
    class Meta:
        model = Transition
        fields = ["created_at", "from_status", "to_status", "actor_label", "comment"]


class AppliedMaterialSerializer(serializers.Serializer):
    material = serializers.CharField(help_text=_("The material's name"))
    credential = serializers.CharField(allow_null=True, help_text=_("The held credential that satisfied it (免证办), if any"))
    upload = serializers.UUIDField(allow_null=True, help_text=_("The upload that satisfied it, if any"))


class ApplicationSerializer(serializers.ModelSerializer):
    item = serializers.CharField(source="item.code")
    item_name = serializers.CharField(source="item.local_name")
    version = serializers.IntegerField(source="version.version")
    department = serializers.CharField(source="department.local_name")
    data = serializers.SerializerMethodField(help_text=_("The form's answers, masked by the one masking policy for whoever asks"))
    timeline = TransitionSerializer(many=True, read_only=True)
    materials = serializers.SerializerMethodField()
    result_credential = serializers.CharField(source="result_credential.identifier", default=None, allow_null=True,
                                              help_text=_("The result issued into the wallet, once completed"))
    actions = serializers.SerializerMethodField(help_text=_("What the applicant may do now: pay, cancel, withdraw, resubmit"))

    class Meta:
        model = Application
        fields = ["number", "item", "item_name", "version", "department", "status", "channel", "data", "materials", "materials_total",
                  "materials_saved", "failing_rule", "due_at", "overdue", "created_at", "decided_at", "result_credential", "actions", "timeline"]

    def get_data(self, application) -> dict:
        request = self.context.get("request")
        viewer = permissions.viewer_of(request.user if request else None, application)
        return {key: value for key, _label, value in masking.shown_answers(application.version.form_schema, application.data, viewer=viewer)}

    @extend_schema_field(serializers.ListField(child=serializers.ChoiceField(choices=sorted(APPLICANT_ACTIONS))))
    def get_actions(self, application) -> list[str]:
        request = self.context.get("request")
        if request is None or request.user.pk != application.applicant_id:
            return []
        return sorted(allowed_actions(application))

    @extend_schema_field(AppliedMaterialSerializer(many=True))
    def get_materials(self, application) -> list[dict]:
        return [
            {"material": a.material.name, "credential": a.credential.identifier if a.credential else None,
             "upload": str(a.upload_id) if a.upload_id else None}
            for a in (application.attachments.all() if "attachments" in getattr(application, "_prefetched_objects_cache", {})
                      else application.attachments.select_related("material", "credential"))
        ]


class ReviewSerializer(serializers.Serializer):
    comment = serializers.CharField(required=False, allow_blank=True, default="", max_length=limits.REASON)


class ResubmitSerializer(serializers.Serializer):
    data = serializers.DictField(required=False)
    uploads = serializers.DictField(child=serializers.CharField(max_length=limits.CODE), default=dict)


class FormFieldSerializer(serializers.Serializer):
    """One question of an item's form, as the admin defined it, with the value the state already holds."""

    key = serializers.CharField(help_text=_("The key to answer under in `data`"))
    label = serializers.CharField()
    type = serializers.ChoiceField(choices=["text", "textarea", "date", "number", "choice", "id_number", "phone"])
    required = serializers.BooleanField(default=True)
    choices = serializers.ListField(child=serializers.CharField(), required=False, help_text=_("Only for type `choice`"))
    min = serializers.FloatField(required=False, help_text=_("Only for type `number`"))
    max = serializers.FloatField(required=False, help_text=_("Only for type `number`"))
    max_length = serializers.IntegerField(required=False)
    pattern = serializers.CharField(required=False, help_text=_("A regular expression the answer must match"))
    pattern_message = serializers.CharField(required=False)
    help = serializers.CharField(required=False, help_text=_("A hint to show under the question"))
    prefill = serializers.CharField(required=False, help_text=_("Where the value comes from: `identity.<field>` or `credential:<type>.<field>`"))
    value = serializers.CharField(allow_blank=True, help_text=_("Pre-filled from the applicant's identity and wallet; empty if not held"))


class HeldCredentialSerializer(serializers.Serializer):
    identifier = serializers.CharField()
    type_name = serializers.CharField()


class FormMaterialSerializer(serializers.Serializer):
    id = serializers.IntegerField(help_text=_("Use as the key in `uploads` when it is not held"))
    name = serializers.CharField()
    kind = serializers.ChoiceField(choices=Material.Kind.choices)
    required = serializers.BooleanField()
    held = serializers.BooleanField(help_text=_("Already in the wallet: nothing to upload (免证办)"))
    credential = HeldCredentialSerializer(allow_null=True)


class ItemFormSerializer(serializers.Serializer):
    item = serializers.CharField()
    version = serializers.IntegerField(help_text=_("The guide version the answers will be checked against"))
    fields = FormFieldSerializer(many=True)
    materials = FormMaterialSerializer(many=True)


class UploadSerializer(serializers.Serializer):
    id = serializers.UUIDField(help_text=_("Use as the value in an application's `uploads`"))
    name = serializers.CharField()
    content_type = serializers.CharField()
    size = serializers.IntegerField(help_text=_("Bytes"))


class RatingRequestSerializer(serializers.Serializer):
    level = serializers.IntegerField(min_value=1, max_value=5, help_text="5 非常满意 · 4 满意 · 3 基本满意 · 2 不满意 · 1 非常不满意")
    tags = serializers.ListField(child=serializers.ChoiceField(choices=sorted(RATING_TAGS)), required=False, default=list,
                                 help_text="Any of the fixed tags")
    comment = serializers.CharField(required=False, allow_blank=True, max_length=limits.COMMENT, default="")


class RectificationPublicSerializer(serializers.Serializer):
    """What the citizen sees of the case their bad rating opened."""

    status = serializers.CharField()
    callback_due = serializers.DateTimeField(help_text="Close of the 1st working day after the rating")
    rectify_due = serializers.DateTimeField(help_text="Close of the 15th working day after the rating")
    called_back_at = serializers.DateTimeField(allow_null=True)
    rectified_at = serializers.DateTimeField(allow_null=True)
    reply = serializers.CharField(help_text="The department's answer; empty until rectified")
    overdue = serializers.BooleanField()


class RatingBodySerializer(serializers.Serializer):
    level = serializers.IntegerField()
    level_label = serializers.CharField(source="get_level_display")
    tags = serializers.ListField(child=serializers.CharField())
    comment = serializers.CharField()
    channel = serializers.CharField()
    created_at = serializers.DateTimeField()


class RatingSerializer(RatingBodySerializer):
    """My rating of an application: the first one (never changed), the department's case if it was
    bad, and my one re-rating after their answer."""

    application = serializers.CharField(source="reference", help_text="The application number, or the hall and day of a counter visit")
    rectification = serializers.SerializerMethodField()
    revision = serializers.SerializerMethodField()

    @extend_schema_field(RectificationPublicSerializer(allow_null=True))
    def get_rectification(self, rating):
        case = getattr(rating, "rectification", None) if rating.revises_id is None else None
        return RectificationPublicSerializer(case).data if case else None

    @extend_schema_field(RatingBodySerializer(allow_null=True))
    def get_revision(self, rating):
        revision = getattr(rating, "revision", None) if rating.revises_id is None else None
        return RatingBodySerializer(revision).data if revision else None


class RectificationSerializer(RectificationPublicSerializer):
    """A bad-rating case in the department's queue (the applicant's name masked)."""

    id = serializers.IntegerField()
    application = serializers.CharField(source="rating.reference", help_text="The application number, or the hall and day of a counter visit")
    item = serializers.CharField(source="rating.subject_label")
    applicant = Shown("name", viewer=masking.Viewer.REVIEWER, source="rating.rater")
    rating = RatingBodySerializer()
    callback_note = serializers.CharField()


class RectificationStepSerializer(serializers.Serializer):
    note = serializers.CharField(required=False, allow_blank=True, default="", max_length=limits.REASON, help_text="callback: what the call-back found")
    reply = serializers.CharField(required=False, allow_blank=True, default="", max_length=limits.REASON,
                                  help_text="reply: what was rectified (the citizen reads it)")


class ItemScoreSerializer(serializers.Serializer):
    code = serializers.CharField()
    name = serializers.CharField()
    name_en = serializers.CharField()
    ratings = serializers.IntegerField()
    bad = serializers.IntegerField(help_text="不满意 or 非常不满意")
    average = serializers.FloatField(help_text="1–5")


class DepartmentScoreSerializer(ItemScoreSerializer):
    bad_rate = serializers.FloatField(help_text="bad ÷ ratings; the ranking's order, lowest first")


class BundlePartSerializer(serializers.Serializer):
    item = serializers.CharField(source="item.code")
    name = serializers.CharField(source="item.local_name")
    department = serializers.CharField(source="item.department.local_name")
    waits_for = serializers.CharField(source="after.item.code", allow_null=True, default=None, help_text="Applied for once this part completes")


class BundleSerializer(serializers.Serializer):
    code = serializers.CharField()
    name = serializers.CharField(source="local_name")
    description = serializers.CharField()
    parts = BundlePartSerializer(many=True, source="ordered_parts")


class BundleFieldSerializer(serializers.Serializer):
    key = serializers.CharField()
    label = serializers.CharField()
    type = serializers.CharField()
    required = serializers.BooleanField(default=False)
    value = serializers.JSONField(help_text="Pre-filled from the wallet (免证办), or empty")
    parts = serializers.ListField(child=serializers.CharField(), help_text="The items that ask it")


class BundleMaterialSerializer(serializers.Serializer):
    key = serializers.CharField(help_text="credential:<type> or upload:<name>; uploads are given under this key")
    name = serializers.CharField()
    kind = serializers.CharField()
    required = serializers.BooleanField()
    held = serializers.BooleanField(help_text="Already in the wallet: nothing to give")
    parts = serializers.ListField(child=serializers.CharField())


class BundleFormSerializer(serializers.Serializer):
    fields = BundleFieldSerializer(many=True)
    material_list = BundleMaterialSerializer(many=True, help_text="Each material once, with the items that need it")
    questions = serializers.IntegerField(help_text="Questions asked here")
    questions_separately = serializers.IntegerField(help_text="Questions the items would ask if applied for one by one")
    materials = serializers.IntegerField(help_text="Materials asked here")
    materials_separately = serializers.IntegerField()
    window_visits = serializers.IntegerField()
    window_visits_separately = serializers.IntegerField()


class BundleApplyRequestSerializer(serializers.Serializer):
    bundle = serializers.CharField(max_length=limits.CODE, help_text="The bundle's code")
    data = serializers.DictField(help_text="Answers by the form's keys (each question once)")
    uploads = serializers.DictField(child=serializers.UUIDField(), required=False, default=dict, help_text="Material key → upload id")


class BundleLineSerializer(serializers.Serializer):
    item = serializers.CharField()
    name = serializers.CharField()
    department = serializers.CharField()
    waits_for = serializers.CharField(allow_null=True)
    application = serializers.CharField(allow_null=True, help_text="The part's application number, once made")
    status = serializers.CharField(help_text="The part's application status, or `waiting` for an earlier part's result")
    status_label = serializers.CharField()


class BundleApplicationSerializer(serializers.Serializer):
    number = serializers.CharField()
    bundle = serializers.CharField(source="bundle.code")
    status = serializers.CharField(help_text="in_progress, completed or stopped")
    note = serializers.CharField(help_text="When stopped: which part, the department's reason, and what to do")
    created_at = serializers.DateTimeField()
    completed_at = serializers.DateTimeField(allow_null=True)
    parts = BundleLineSerializer(many=True, source="lines")
