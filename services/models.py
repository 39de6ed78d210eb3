"""Handheld services (掌上办): the catalogue with versioned guides and forms, applications with their
materials, uploads and timeline, and the notifications they send."""

from __future__ import annotations

import json
import uuid

from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from core import limits
from core.fields import validate_schema
from core.models import Bilingual
from credentials.models import Credential, CredentialType, HolderKind, Verification
from identity.fields import EncryptedTextField
from identity.models import Department, Organisation, User


class Region(models.Model):
    class Level(models.TextChoices):
        PROVINCE = "province", _("省")
        CITY = "city", _("市")
        COUNTY = "county", _("县（区）")

    code = models.CharField(_("行政区划代码"), max_length=6, unique=True, help_text=_("GB/T 2260"))
    name = models.CharField(_("名称"), max_length=64)
    level = models.CharField(_("层级"), max_length=8, choices=Level.choices)
    parent = models.ForeignKey("self", null=True, blank=True, on_delete=models.PROTECT, related_name="children", verbose_name=_("上级"))

    class Meta:
        verbose_name = _("行政区划")
        verbose_name_plural = _("行政区划")
        ordering = ["code"]

    def __str__(self) -> str:
        return self.name


class Category(Bilingual, models.Model):
    """A theme (主题) or a life event (人生事件) to browse the catalogue by."""

    class Kind(models.TextChoices):
        THEME = "theme", _("主题")
        LIFE_EVENT = "life_event", _("人生事件")

    kind = models.CharField(_("类别"), max_length=16, choices=Kind.choices)
    name = models.CharField(_("名称"), max_length=64)
    name_en = models.CharField(_("英文名称"), max_length=96, blank=True)

    class Meta:
        verbose_name = _("事项分类")
        verbose_name_plural = _("事项分类")
        constraints = [models.UniqueConstraint(fields=["kind", "name"], name="one_category_name_per_kind")]
        ordering = ["kind", "name"]

    def __str__(self) -> str:
        return self.name


class ServiceItem(Bilingual, models.Model):
    """A government service item (政务服务事项). Its guide and form live in versions."""

    code = models.CharField(_("事项编码"), max_length=48, unique=True)
    name = models.CharField(_("事项名称"), max_length=128)
    name_en = models.CharField(_("英文名称"), max_length=192, blank=True)
    department = models.ForeignKey(Department, on_delete=models.PROTECT, related_name="service_items", verbose_name=_("实施部门"))
    region = models.ForeignKey(Region, on_delete=models.PROTECT, related_name="service_items", verbose_name=_("实施区划"))
    categories = models.ManyToManyField(Category, blank=True, related_name="items", verbose_name=_("分类"))
    applicant_kind = models.CharField(_("服务对象"), max_length=16, choices=HolderKind.choices, default=HolderKind.PERSON)
    keywords = models.CharField(_("搜索关键词"), max_length=255, blank=True)
    online = models.BooleanField(_("可网上办理"), default=True)
    at_most_one_trip = models.BooleanField(_("最多跑一次"), default=True)
    high_frequency = models.BooleanField(_("高频事项"), default=False)
    is_active = models.BooleanField(_("在用"), default=True)
    current_version = models.ForeignKey("ItemVersion", null=True, blank=True, on_delete=models.SET_NULL, related_name="+", verbose_name=_("现行版本"))

    class Meta:
        verbose_name = _("政务服务事项")
        verbose_name_plural = _("政务服务事项")
        ordering = ["code"]

    def __str__(self) -> str:
        return self.name


def validate_form_schema(schema) -> None:
    validate_schema(schema)


RULE_KINDS = ("credential_valid", "field", "applicant_age", "all_materials_held")
RULE_KIND_WORDS = {"credential_valid": _("持有有效证照"), "field": _("表单项满足条件"), "applicant_age": _("申请人年龄满足条件"),
                   "all_materials_held": _("所需证照均已在卡包中")}


RULE_NEEDS = {"credential_valid": ("type",), "field": ("field",), "applicant_age": ("value",)}


def validate_approval_rules(rules) -> None:
    """Each rule names itself, says what it checks, and carries what that check needs (a credential
    type, a form field, an age): an incomplete rule would otherwise fail only when someone applies."""
    if not isinstance(rules, list):
        raise ValidationError(_("Approval rules must be a list."))
    for rule in rules:
        if not isinstance(rule, dict) or rule.get("kind") not in RULE_KINDS or not rule.get("name"):
            kinds = "、".join(str(words) for words in RULE_KIND_WORDS.values())
            raise ValidationError(_("Each approval rule needs a name and a kind among: %(kinds)s.") % {"kinds": kinds})
        if any(rule.get(need) in (None, "", []) for need in RULE_NEEDS.get(rule["kind"], ())):
            raise ValidationError(_("秒批规则“%(name)s”不完整：%(kind)s需要填写%(what)s。") % {
                "name": rule["name"], "kind": RULE_KIND_WORDS[rule["kind"]],
                "what": {"credential_valid": _("证照类型"), "field": _("表单项标识"), "applicant_age": _("比较值")}[rule["kind"]]})


class ItemVersion(models.Model):
    """One version of an item's guide and form (办事指南). Published versions never change: an edit
    is a new version, and every application keeps the version it was made under."""

    item = models.ForeignKey(ServiceItem, on_delete=models.CASCADE, related_name="versions", verbose_name=_("事项"))
    version = models.PositiveIntegerField(_("版本"))
    legal_basis = models.TextField(_("设定依据"))
    who_may_apply = models.TextField(_("申请条件（对象）"))
    conditions = models.TextField(_("受理条件"), blank=True)
    steps = models.TextField(_("办理流程"), help_text=_("每行一步"))
    time_limit_days = models.PositiveSmallIntegerField(_("承诺时限（工作日）"))
    fees = models.CharField(_("收费标准"), max_length=255, default="不收费")
    fee_fen = models.PositiveIntegerField(_("收费（分）"), default=0, help_text=_("固定收费金额，单位为分；0 为不收费"))
    fee_per_unit_fen = models.PositiveIntegerField(_("按件收费（分）"), default=0, help_text=_("每件收费，乘以下列表单项的数值"))
    fee_unit_field = models.CharField(_("计件表单项"), max_length=64, blank=True, help_text=_("表单中填写件数的字段键"))
    window_address = models.CharField(_("窗口地址"), max_length=255, blank=True)
    window_hours = models.CharField(_("办公时间"), max_length=128, blank=True)
    form_schema = models.JSONField(_("表单定义"), default=list, blank=True, validators=[validate_form_schema])
    approval_rules = models.JSONField(
        _("秒批规则"), default=list, blank=True, validators=[validate_approval_rules], help_text=_("全部满足即自动批准；为空则人工审核")
    )
    result_credential_type = models.ForeignKey(
        CredentialType, null=True, blank=True, on_delete=models.PROTECT, related_name="+", verbose_name=_("办结证照类型")
    )
    result_validity_years = models.PositiveSmallIntegerField(_("结果证照有效期（年）"), null=True, blank=True)
    published_at = models.DateTimeField(_("发布时间"), null=True, blank=True)
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("办事指南版本")
        verbose_name_plural = _("办事指南版本")
        ordering = ["item", "-version"]
        constraints = [models.UniqueConstraint(fields=["item", "version"], name="one_item_version_number")]

    def __str__(self) -> str:
        return f"{self.item.name} v{self.version}"

    def save(self, *args, **kwargs):
        if self.pk and ItemVersion.objects.filter(pk=self.pk, published_at__isnull=False).exists():
            raise ValidationError(_("A published guide cannot change; make a new version."))
        super().save(*args, **kwargs)

    @property
    def is_published(self) -> bool:
        return self.published_at is not None

    @property
    def step_list(self) -> list[str]:
        return [line.strip() for line in self.steps.splitlines() if line.strip()]

    def fee_for(self, answers: dict) -> int:
        """What applying costs, in fen: the fixed fee plus the per-unit fee times the answered count."""
        units = 0
        if self.fee_per_unit_fen and self.fee_unit_field:
            try:
                units = max(0, int(answers.get(self.fee_unit_field) or 0))
            except (TypeError, ValueError):
                units = 0
        return self.fee_fen + self.fee_per_unit_fen * units


class Material(models.Model):
    """A required material: an upload, or a credential type the state already holds (免证办)."""

    class Kind(models.TextChoices):
        UPLOAD = "upload", _("上传材料")
        CREDENTIAL = "credential", _("电子证照（免提交）")

    version = models.ForeignKey(ItemVersion, on_delete=models.CASCADE, related_name="materials")
    name = models.CharField(_("材料名称"), max_length=128)
    kind = models.CharField(_("类型"), max_length=16, choices=Kind.choices, default=Kind.UPLOAD)
    credential_type = models.ForeignKey(CredentialType, null=True, blank=True, on_delete=models.PROTECT, related_name="+", verbose_name=_("证照类型"))
    required = models.BooleanField(_("必需"), default=True)
    note = models.CharField(_("说明"), max_length=255, blank=True)

    class Meta:
        verbose_name = _("申请材料")
        verbose_name_plural = _("申请材料")
        ordering = ["id"]

    def __str__(self) -> str:
        return self.name


class Status(models.TextChoices):
    AWAITING_PAYMENT = "awaiting_payment", _("待缴费")
    SUBMITTED = "submitted", _("已提交")
    ACCEPTED = "accepted", _("已受理")
    SUPPLEMENT = "supplement", _("待补正")
    RESUBMITTED = "resubmitted", _("已补正")
    APPROVED = "approved", _("已批准")
    REJECTED = "rejected", _("不予批准")
    COMPLETED = "completed", _("已办结")
    WITHDRAWN = "withdrawn", _("已撤回")


OPEN_STATUSES = (Status.SUBMITTED, Status.ACCEPTED, Status.SUPPLEMENT, Status.RESUBMITTED)


class Application(models.Model):
    """One application (办件). Form answers are encrypted at rest."""

    class Channel(models.TextChoices):
        ONLINE = "online", _("网上/掌上")
        WINDOW = "window", _("窗口代办")

    number = models.CharField(_("办件编号"), max_length=32, unique=True)
    item = models.ForeignKey(ServiceItem, on_delete=models.PROTECT, related_name="applications", verbose_name=_("事项"))
    version = models.ForeignKey(ItemVersion, on_delete=models.PROTECT, related_name="applications", verbose_name=_("指南版本"))
    department = models.ForeignKey(Department, on_delete=models.PROTECT, related_name="applications", verbose_name=_("办理部门"))
    applicant = models.ForeignKey(User, on_delete=models.PROTECT, related_name="applications", verbose_name=_("申请人"))
    organisation = models.ForeignKey(Organisation, null=True, blank=True, on_delete=models.PROTECT, related_name="applications", verbose_name=_("代表法人"))
    submitted_by = models.ForeignKey(User, null=True, blank=True, on_delete=models.PROTECT, related_name="+", verbose_name=_("窗口代办人"))
    channel = models.CharField(_("渠道"), max_length=16, choices=Channel.choices, default=Channel.ONLINE)
    data_json = EncryptedTextField(_("表单内容"))
    status = models.CharField(_("状态"), max_length=16, choices=Status.choices, default=Status.SUBMITTED, db_index=True)
    idempotency_key = models.CharField(max_length=128, blank=True, editable=False)
    idempotency_fingerprint = models.CharField(max_length=64, blank=True, editable=False, help_text="SHA-256 of the request the key made")
    assigned_to = models.ForeignKey(User, null=True, blank=True, on_delete=models.SET_NULL, related_name="+", verbose_name=_("经办人"))
    failing_rule = models.CharField(_("未通过的秒批规则"), max_length=255, blank=True)
    materials_total = models.PositiveSmallIntegerField(_("材料数"), default=0)
    materials_saved = models.PositiveSmallIntegerField(_("免提交材料数"), default=0)
    due_at = models.DateTimeField(_("承诺办结时间"))
    overdue = models.BooleanField(_("已超期"), default=False, db_index=True)
    result_credential = models.ForeignKey(Credential, null=True, blank=True, on_delete=models.SET_NULL, related_name="+", verbose_name=_("结果证照"))
    bundle_application = models.ForeignKey("BundleApplication", null=True, blank=True, on_delete=models.PROTECT, related_name="parts",
                                           verbose_name=_("所属一件事"))
    created_at = models.DateTimeField(_("提交时间"), default=timezone.now, db_index=True)
    decided_at = models.DateTimeField(_("决定时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("办件")
        verbose_name_plural = _("办件")
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["applicant", "idempotency_key"], condition=~models.Q(idempotency_key=""), name="one_application_per_idempotency_key"
            )
        ]
        indexes = [models.Index(fields=["department", "status", "due_at"])]
        permissions = [
            ("review_application", _("Can review applications of their department")),
            ("submit_on_behalf", _("Can submit applications for walk-in citizens")),
            ("view_yardsticks", _("Can view the policy yardstick dashboard")),
        ]

    def __str__(self) -> str:
        return self.number

    @property
    def data(self) -> dict:
        return json.loads(self.data_json or "{}")

    @data.setter
    def data(self, value: dict) -> None:
        self.data_json = json.dumps(value, ensure_ascii=False, sort_keys=True)


class Upload(models.Model):
    """A file a citizen uploaded, stored under a generated name, served only to those allowed."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    owner = models.ForeignKey(User, on_delete=models.CASCADE, related_name="uploads")
    original_name = models.CharField(max_length=255)
    content_type = models.CharField(max_length=64)
    size = models.PositiveIntegerField()
    sha256 = models.CharField(max_length=64)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("上传文件")
        verbose_name_plural = _("上传文件")

    def __str__(self) -> str:
        return self.original_name


class AttachedMaterial(models.Model):
    application = models.ForeignKey(Application, on_delete=models.CASCADE, related_name="attachments")
    material = models.ForeignKey(Material, on_delete=models.PROTECT, related_name="+")
    credential = models.ForeignKey(Credential, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    upload = models.ForeignKey(Upload, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    attached_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("已附材料")
        verbose_name_plural = _("已附材料")

    def __str__(self) -> str:
        return self.material.name


class Transition(models.Model):
    """One step on the application's timeline. ``notified_at`` makes notification exactly-once."""

    application = models.ForeignKey(Application, on_delete=models.CASCADE, related_name="timeline")
    from_status = models.CharField(_("原状态"), max_length=16, choices=Status.choices, blank=True)
    to_status = models.CharField(_("新状态"), max_length=16, choices=Status.choices)
    actor = models.ForeignKey(User, null=True, blank=True, on_delete=models.SET_NULL, related_name="+", verbose_name=_("办理人"))
    actor_label = models.CharField(_("办理人"), max_length=64)
    comment = models.TextField(_("意见"), max_length=limits.REASON, blank=True)
    created_at = models.DateTimeField(_("时间"), default=timezone.now)
    notified_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("办理记录")
        verbose_name_plural = _("办理记录")
        ordering = ["created_at", "id"]
        # 秒批 submissions whose task has not run yet (its "submitted" step unnotified): the sweep's rows, few at any time
        indexes = [models.Index(fields=["created_at"], name="transition_unsent_submission",
                                condition=models.Q(notified_at__isnull=True, from_status="submitted", to_status="submitted"))]

    def __str__(self) -> str:
        return f"{self.application.number} → {self.get_to_status_display()}"


class CalendarOverride(models.Model):
    """A day the State Council's annual holiday notice makes different from what the calendar library
    knows yet (a holiday, or an adjusted working day — 调休 — on a weekend). Admin enters next year's
    schedule here when the notice appears, before a library release carries it."""

    day = models.DateField(_("日期"), unique=True)
    working = models.BooleanField(_("是否工作日"))
    note = models.CharField(_("说明"), max_length=64, blank=True)

    class Meta:
        verbose_name = _("工作日调整")
        verbose_name_plural = _("工作日调整")
        ordering = ["day"]

    def __str__(self) -> str:
        return f"{self.day} {'工作日' if self.working else '休息日'}"


class RatingLevel(models.IntegerChoices):
    """好差评's five levels (GB/T 39735-2020 政务服务评价工作指南)."""

    VERY_SATISFIED = 5, _("非常满意")
    SATISFIED = 4, _("满意")
    BASIC = 3, _("基本满意")
    DISSATISFIED = 2, _("不满意")
    VERY_DISSATISFIED = 1, _("非常不满意")


BAD_LEVELS = (RatingLevel.DISSATISFIED, RatingLevel.VERY_DISSATISFIED)
RATING_TAGS = {
    "fast": _("办理快捷"), "clear_guide": _("指南清楚"), "no_trip": _("不用跑腿"), "courteous": _("态度热情"),
    "slow": _("办理慢"), "unclear_guide": _("指南不清楚"), "extra_materials": _("要求额外材料"), "many_trips": _("多次跑腿"),
    "discourteous": _("态度不好"),
}


class RatingQuerySet(models.QuerySet):
    def effective(self):
        """The ratings that count: a re-rated application or visit by its re-rating, the first kept on record."""
        return self.filter(revision__isnull=True)


class Rating(models.Model):
    """A citizen's rating of one decided application (online or at a counter). Append-only: nobody
    edits or deletes one; a re-rating after a rectification is a new row pointing at the first."""

    class Channel(models.TextChoices):
        ONLINE = "online", _("网上")
        WINDOW = "window", _("窗口")

    application = models.ForeignKey(Application, null=True, blank=True, on_delete=models.PROTECT, related_name="ratings", verbose_name=_("办件"))
    # a counter visit that made no application: the clerk's check of the citizen's 亮证 code (no database
    # constraint: verifications are partitioned by month, core/partitions.py)
    visit = models.ForeignKey(Verification, null=True, blank=True, on_delete=models.DO_NOTHING, db_constraint=False, related_name="+",
                              verbose_name=_("窗口服务"))
    rater = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+", verbose_name=_("评价人"))
    item = models.ForeignKey(ServiceItem, null=True, blank=True, on_delete=models.PROTECT, related_name="ratings", verbose_name=_("事项"))
    department = models.ForeignKey(Department, on_delete=models.PROTECT, related_name="ratings", verbose_name=_("部门"))
    channel = models.CharField(_("渠道"), max_length=8, choices=Channel.choices)
    level = models.PositiveSmallIntegerField(_("评价等级"), choices=RatingLevel.choices)
    tags = models.JSONField(_("标签"), default=list, blank=True)
    comment = models.TextField(_("评价内容"), max_length=limits.COMMENT, blank=True)
    revises = models.OneToOneField("self", null=True, blank=True, on_delete=models.PROTECT, related_name="revision", verbose_name=_("追评对象"))
    created_at = models.DateTimeField(_("评价时间"), default=timezone.now, db_index=True)

    objects = RatingQuerySet.as_manager()

    class Meta:
        verbose_name = _("好差评")
        verbose_name_plural = _("好差评")
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(fields=["application"], condition=models.Q(revises__isnull=True), name="one_first_rating_per_application"),
            models.UniqueConstraint(fields=["visit"], condition=models.Q(revises__isnull=True, visit__isnull=False), name="one_first_rating_per_visit"),
        ]
        indexes = [models.Index(fields=["item", "level"]), models.Index(fields=["department", "level"])]

    def __str__(self) -> str:
        return f"{self.reference} {self.get_level_display()}"


    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise ValidationError(_("A rating cannot be changed."))
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise ValidationError(_("A rating cannot be deleted."))

    @property
    def bad(self) -> bool:
        return self.level in BAD_LEVELS

    @property
    def reference(self) -> str:
        """The application number, or for a counter visit the hall and the day."""
        if self.application_id:
            return self.application.number
        hall = self.visit.service_hall if self.visit_id and self.visit else None
        return f"{hall or _('窗口')} {timezone.localtime(self.created_at):%Y-%m-%d}"

    @property
    def subject_label(self) -> str:
        return self.item.local_name if self.item_id else str(_("窗口服务"))


class Rectification(models.Model):
    """What a bad rating opens for the department: a call-back to the citizen within 1 working day,
    rectification within 15, and a reply the citizen reads (and may re-rate once)."""

    class Status(models.TextChoices):
        OPEN = "open", _("待回访")
        CALLED_BACK = "called_back", _("已回访，整改中")
        RECTIFIED = "rectified", _("已整改")

    rating = models.OneToOneField(Rating, on_delete=models.PROTECT, related_name="rectification", verbose_name=_("差评"))
    department = models.ForeignKey(Department, on_delete=models.PROTECT, related_name="rectifications", verbose_name=_("部门"))
    status = models.CharField(_("状态"), max_length=16, choices=Status.choices, default=Status.OPEN, db_index=True)
    callback_due = models.DateTimeField(_("回访期限"))
    rectify_due = models.DateTimeField(_("整改期限"))
    called_back_at = models.DateTimeField(_("回访时间"), null=True, blank=True)
    callback_note = models.TextField(_("回访记录"), max_length=limits.REASON, blank=True)
    rectified_at = models.DateTimeField(_("整改完成时间"), null=True, blank=True)
    reply = models.TextField(_("整改答复"), max_length=limits.REASON, blank=True)
    handled_by = models.ForeignKey(User, null=True, blank=True, on_delete=models.SET_NULL, related_name="+", verbose_name=_("经办人"))
    overdue = models.BooleanField(_("已超期"), default=False, db_index=True)
    created_at = models.DateTimeField(_("创建时间"), default=timezone.now)

    class Meta:
        verbose_name = _("差评整改")
        verbose_name_plural = _("差评整改")
        ordering = ["callback_due"]

    def __str__(self) -> str:
        return f"{self.rating.application_id} {self.get_status_display()}"


class Bundle(Bilingual, models.Model):
    """一件事: several departments' items a citizen applies for at once, answering each question once."""

    code = models.SlugField(_("编码"), max_length=48, unique=True)
    name = models.CharField(_("名称"), max_length=64)
    name_en = models.CharField(_("英文名称"), max_length=96, blank=True)
    description = models.TextField(_("说明"), blank=True)
    is_active = models.BooleanField(_("启用"), default=True)

    class Meta:
        verbose_name = _("一件事")
        verbose_name_plural = _("一件事")
        ordering = ["code"]

    def __str__(self) -> str:
        return self.name


class BundlePart(models.Model):
    """One item of a bundle. ``after``: the part whose result it needs (it is applied for once that one
    completes, so the result is in the wallet to fill it). ``field_map``: this item's form keys that
    ask a question the bundle names differently ({item key: bundle key}); same keys are the same question."""

    bundle = models.ForeignKey(Bundle, on_delete=models.CASCADE, related_name="parts", verbose_name=_("一件事"))
    item = models.ForeignKey(ServiceItem, on_delete=models.PROTECT, related_name="bundle_parts", verbose_name=_("事项"))
    position = models.PositiveSmallIntegerField(_("顺序"), default=0)
    after = models.ForeignKey("self", null=True, blank=True, on_delete=models.PROTECT, related_name="next_parts", verbose_name=_("前序事项"))
    field_map = models.JSONField(_("字段对应"), default=dict, blank=True)

    class Meta:
        verbose_name = _("一件事事项")
        verbose_name_plural = _("一件事事项")
        ordering = ["bundle", "position"]
        constraints = [models.UniqueConstraint(fields=["bundle", "item"], name="one_part_per_item_in_a_bundle")]

    def __str__(self) -> str:
        return f"{self.bundle} · {self.item}"

    def clean(self):
        if self.after_id and (self.after.bundle_id != self.bundle_id or self.after.position >= self.position):
            raise ValidationError({"after": _("A part can wait only for an earlier part of the same bundle.")})


class BundleApplication(models.Model):
    """One application for a bundle: its answers (encrypted, as an application's), and its parts."""

    class Status(models.TextChoices):
        IN_PROGRESS = "in_progress", _("办理中")
        COMPLETED = "completed", _("已办结")
        STOPPED = "stopped", _("未能办结")

    number = models.CharField(_("编号"), max_length=32, unique=True)
    bundle = models.ForeignKey(Bundle, on_delete=models.PROTECT, related_name="applications", verbose_name=_("一件事"))
    applicant = models.ForeignKey(User, on_delete=models.PROTECT, related_name="bundle_applications", verbose_name=_("申请人"))
    status = models.CharField(_("状态"), max_length=16, choices=Status.choices, default=Status.IN_PROGRESS)
    data_json = EncryptedTextField(_("表单内容"))
    uploads = models.JSONField(_("上传材料"), default=dict, blank=True)
    note = models.TextField(_("说明"), max_length=limits.REASON, blank=True)
    idempotency_key = models.CharField(max_length=128, blank=True, editable=False)
    idempotency_fingerprint = models.CharField(max_length=64, blank=True, editable=False, help_text="SHA-256 of the request the key made")
    created_at = models.DateTimeField(_("提交时间"), default=timezone.now)
    completed_at = models.DateTimeField(_("办结时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("一件事办件")
        verbose_name_plural = _("一件事办件")
        ordering = ["-created_at"]
        constraints = [models.UniqueConstraint(fields=["applicant", "idempotency_key"], condition=~models.Q(idempotency_key=""),
                                               name="one_bundle_application_per_idempotency_key")]

    def __str__(self) -> str:
        return self.number

    @property
    def data(self) -> dict:
        return json.loads(self.data_json or "{}")

    @data.setter
    def data(self, value: dict) -> None:
        self.data_json = json.dumps(value, ensure_ascii=False, sort_keys=True)
