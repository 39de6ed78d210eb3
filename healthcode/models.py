"""Health pass: data sources, rules as versioned data, the current status per person, overrides and
appeals, venues and checkpoint scans, guardians, foreign issuers, recomputation jobs and statistics.

People are referred to by the blind index of their ID number (``person_index``), never by the number:
sources arrive for people with or without an account, and no table here holds a plaintext number.
"""

from __future__ import annotations

import secrets

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from core import limits
from core.areas import area_name
from identity.fields import EncryptedTextField
from identity.models import User


class Colour(models.TextChoices):
    GREEN = "green", _("绿码")
    YELLOW = "yellow", _("黄码")
    RED = "red", _("红码")


# --- data sources -------------------------------------------------------------------------------


class SourceRecord(models.Model):
    """Common columns: whose record, where from, and the source's own id (re-import updates)."""

    person_index = models.CharField(max_length=64, editable=False)
    source = models.CharField(_("数据来源"), max_length=64, default="import")
    external_id = models.CharField(_("来源记录号"), max_length=128)
    created_at = models.DateTimeField(_("入库时间"), auto_now_add=True)

    class Meta:
        abstract = True


class TestResult(SourceRecord):
    class Kind(models.TextChoices):
        NUCLEIC_ACID = "nucleic_acid", _("核酸检测")
        ANTIGEN = "antigen", _("抗原检测")

    class Result(models.TextChoices):
        NEGATIVE = "negative", _("阴性")
        POSITIVE = "positive", _("阳性")

    kind = models.CharField(_("检测类型"), max_length=16, choices=Kind.choices)
    result = models.CharField(_("结果"), max_length=16, choices=Result.choices)
    sampled_at = models.DateTimeField(_("采样时间"))
    reported_at = models.DateTimeField(_("报告时间"))

    class Meta:
        verbose_name = _("检测结果")
        verbose_name_plural = _("检测结果")
        constraints = [models.UniqueConstraint(fields=["source", "external_id"], name="one_test_result_per_source_id")]
        indexes = [
            models.Index(fields=["person_index", "sampled_at"]),
            # The recompute's candidates (evaluation._candidates): the few positive results in a window,
            # read without scanning every negative one.
            models.Index(fields=["sampled_at"], condition=models.Q(result="positive"), name="positive_test_by_sample_time"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.get_result_display()} {self.sampled_at:%Y-%m-%d %H:%M}"


class Vaccination(SourceRecord):
    product = models.CharField(_("疫苗"), max_length=64)
    dose = models.PositiveSmallIntegerField(_("剂次"))
    vaccinated_at = models.DateTimeField(_("接种时间"))

    class Meta:
        verbose_name = _("疫苗接种")
        verbose_name_plural = _("疫苗接种")
        constraints = [models.UniqueConstraint(fields=["source", "external_id"], name="one_vaccination_per_source_id")]
        indexes = [models.Index(fields=["person_index"])]

    def __str__(self) -> str:
        return f"{self.product} #{self.dose}"


class RiskArea(models.Model):
    """A declared risk area (GB/T 2260 code: county, city ``XXXX00`` or province ``XX0000``)."""

    class Level(models.TextChoices):
        HIGH = "high", _("高风险")
        MEDIUM = "medium", _("中风险")

    area_code = models.CharField(_("行政区划代码"), max_length=6, db_index=True)
    name = models.CharField(_("名称"), max_length=128)
    level = models.CharField(_("风险等级"), max_length=8, choices=Level.choices)
    starts_at = models.DateTimeField(_("起始时间"))
    ends_at = models.DateTimeField(_("解除时间"), null=True, blank=True)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    class Meta:
        verbose_name = _("风险区域")
        verbose_name_plural = _("风险区域")
        ordering = ["-starts_at"]

    def __str__(self) -> str:
        return f"{self.name} ({self.get_level_display()})"


class CloseContact(models.Model):
    """Entered by health officers (admin or import)."""

    person_index = models.CharField(max_length=64, db_index=True, editable=False)
    listed_at = models.DateTimeField(_("判定时间"))
    released_at = models.DateTimeField(_("解除时间"), null=True, blank=True)
    note = models.CharField(_("说明"), max_length=255, blank=True)
    entered_by = models.ForeignKey(User, null=True, on_delete=models.SET_NULL, related_name="+", verbose_name=_("录入人"))
    created_at = models.DateTimeField(_("录入时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("密切接触者")
        verbose_name_plural = _("密切接触者")

    def __str__(self) -> str:
        return f"{self.listed_at:%Y-%m-%d}"


def new_venue_code() -> str:
    return secrets.token_urlsafe(12)


class Venue(models.Model):
    """A place with a venue code (场所码): scanning it records a stay there."""

    code = models.CharField(_("场所码"), max_length=32, unique=True, default=new_venue_code, editable=False)
    name = models.CharField(_("场所名称"), max_length=128)
    area_code = models.CharField(_("所在区划代码"), max_length=6)
    address = models.CharField(_("地址"), max_length=255)
    manager = models.ForeignKey(User, on_delete=models.PROTECT, related_name="venues", verbose_name=_("场所管理员"))
    is_active = models.BooleanField(_("启用"), default=True)
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("场所")
        verbose_name_plural = _("场所")

    def __str__(self) -> str:
        return self.name


class Stay(models.Model):
    """Someone was in an area: from a venue-code scan (a moment) or a declared trip (a span)."""

    class Source(models.TextChoices):
        VENUE = "venue", _("场所码")
        DECLARATION = "declaration", _("自主申报")
        IMPORT = "import", _("导入")

    person_index = models.CharField(max_length=64, editable=False)
    area_code = models.CharField(_("区划代码"), max_length=6)
    city_code = models.CharField(max_length=6, editable=False)
    province_code = models.CharField(max_length=6, editable=False)
    arrived_at = models.DateTimeField(_("到达时间"))
    left_at = models.DateTimeField(_("离开时间"))
    source = models.CharField(_("来源"), max_length=16, choices=Source.choices)
    venue = models.ForeignKey(Venue, null=True, blank=True, on_delete=models.SET_NULL, related_name="stays", verbose_name=_("场所"))
    created_at = models.DateTimeField(_("记录时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("行程")
        verbose_name_plural = _("行程")
        indexes = [models.Index(fields=["person_index", "left_at"])]

    def __str__(self) -> str:
        return f"{area_name(self.area_code)} {self.arrived_at:%Y-%m-%d}"

    def save(self, *args, **kwargs):
        self.city_code = self.area_code[:4] + "00"
        self.province_code = self.area_code[:2] + "0000"
        super().save(*args, **kwargs)


class SelfDeclaration(models.Model):
    person_index = models.CharField(max_length=64, db_index=True, editable=False)
    symptoms = models.BooleanField(_("有发热、咳嗽等症状"))
    note = models.CharField(_("说明"), max_length=255, blank=True)
    declared_at = models.DateTimeField(_("申报时间"), default=timezone.now)

    class Meta:
        verbose_name = _("自主申报")
        verbose_name_plural = _("自主申报")
        indexes = [models.Index(fields=["declared_at"], condition=models.Q(symptoms=True), name="symptoms_by_declaration_time")]

    def __str__(self) -> str:
        return f"{self.declared_at:%Y-%m-%d %H:%M}"


# --- rules --------------------------------------------------------------------------------------


class RuleSet(models.Model):
    """A version of the rules. Exactly one is in force; a published version is never edited (an edit
    is a new version), so every status can say which rules produced it."""

    version = models.PositiveIntegerField(_("版本"), unique=True)
    note = models.CharField(_("说明"), max_length=255, blank=True)
    in_force = models.BooleanField(_("生效中"), default=False)
    published_at = models.DateTimeField(_("发布时间"), null=True, blank=True)
    created_by = models.ForeignKey(User, null=True, blank=True, on_delete=models.SET_NULL, related_name="+", verbose_name=_("创建人"))
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("赋码规则版本")
        verbose_name_plural = _("赋码规则版本")
        ordering = ["-version"]
        constraints = [models.UniqueConstraint(fields=["in_force"], condition=models.Q(in_force=True), name="one_ruleset_in_force")]

    def __str__(self) -> str:
        return f"v{self.version}"

    @property
    def is_published(self) -> bool:
        return self.published_at is not None


class Rule(models.Model):
    """One rule: a kind (how it is evaluated) with its parameters, the colour it gives, and the plain
    words a citizen reads. Parameters: ``days`` (window), ``hours`` (test after leaving), ``level``."""

    class Kind(models.TextChoices):
        POSITIVE_TEST = "positive_test", _("阳性检测结果")
        CLOSE_CONTACT = "close_contact", _("密切接触者")
        RISK_AREA_STAY = "risk_area_stay", _("到访风险区域")
        SYMPTOMS = "symptoms", _("申报症状")

    ruleset = models.ForeignKey(RuleSet, on_delete=models.CASCADE, related_name="rules")
    code = models.SlugField(_("规则编码"), max_length=48)
    kind = models.CharField(_("类型"), max_length=24, choices=Kind.choices)
    colour = models.CharField(_("赋码"), max_length=8, choices=[(Colour.YELLOW, Colour.YELLOW.label), (Colour.RED, Colour.RED.label)])
    days = models.PositiveSmallIntegerField(_("时间窗（天）"), default=14)
    hours = models.PositiveSmallIntegerField(_("离开后检测间隔（小时）"), default=72, help_text=_("仅用于到访风险区域"))
    level = models.CharField(_("风险等级"), max_length=8, choices=RiskArea.Level.choices, default=RiskArea.Level.HIGH, help_text=_("仅用于到访风险区域"))
    explanation = models.CharField(_("说明（群众可见）"), max_length=255)
    explanation_en = models.CharField(_("英文说明"), max_length=255, blank=True)

    class Meta:
        verbose_name = _("规则")
        verbose_name_plural = _("规则")
        constraints = [models.UniqueConstraint(fields=["ruleset", "code"], name="one_rule_code_per_version")]

    def __str__(self) -> str:
        return self.get_kind_display()  # in words (the admin shows it on each rule's row); the code is a key


# --- status -------------------------------------------------------------------------------------


class HealthStatus(models.Model):
    """The current status of one person. Written only by set-based upserts (one statement per chunk),
    so a reader sees the old row or the new one, never none and never half."""

    person_index = models.CharField(max_length=64, primary_key=True, editable=False)
    colour = models.CharField(_("颜色"), max_length=8, choices=Colour.choices)
    reasons = models.CharField(_("原因"), max_length=255, blank=True, help_text=_("规则编码，逗号分隔"))
    rule_version = models.PositiveIntegerField(_("规则版本"))
    override = models.ForeignKey("Override", null=True, blank=True, on_delete=models.SET_NULL, related_name="+", verbose_name=_("人工赋码"))
    area_code = models.CharField(_("户籍地区划代码"), max_length=6, db_index=True)
    evaluated_at = models.DateTimeField(_("赋码时间"))
    valid_until = models.DateTimeField(_("需重新评估时间"), db_index=True)

    class Meta:
        verbose_name = _("健康码状态")
        verbose_name_plural = _("健康码状态")

    def __str__(self) -> str:
        return self.get_colour_display()

    @property
    def reason_codes(self) -> list[str]:
        return [code for code in self.reasons.split(",") if code]


class Override(models.Model):
    """A health officer's decision that sets a colour until a time, with a note (from an appeal or not)."""

    person_index = models.CharField(max_length=64, db_index=True, editable=False)
    colour = models.CharField(_("颜色"), max_length=8, choices=Colour.choices)
    note = models.CharField(_("说明"), max_length=255)
    starts_at = models.DateTimeField(_("生效时间"), default=timezone.now)
    expires_at = models.DateTimeField(_("失效时间"))
    officer = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+", verbose_name=_("卫健人员"))
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("人工赋码")
        verbose_name_plural = _("人工赋码")

    def __str__(self) -> str:
        return f"{self.get_colour_display()} → {self.expires_at:%Y-%m-%d %H:%M}"


class Appeal(models.Model):
    class Status(models.TextChoices):
        PENDING = "pending", _("待处理")
        UPHELD = "upheld", _("申诉成立")
        REJECTED = "rejected", _("申诉不成立")

    person_index = models.CharField(max_length=64, db_index=True, editable=False)
    appellant = models.ForeignKey(User, on_delete=models.CASCADE, related_name="health_appeals", verbose_name=_("申诉人"))
    colour_at_appeal = models.CharField(_("申诉时颜色"), max_length=8, choices=Colour.choices)
    reasons_at_appeal = models.CharField(_("申诉时原因"), max_length=255, blank=True)
    reason = models.TextField(_("申诉理由"), max_length=limits.REASON)
    evidence = models.TextField(_("证明材料说明"), max_length=limits.REASON, blank=True)
    status = models.CharField(_("状态"), max_length=16, choices=Status.choices, default=Status.PENDING)
    decided_by = models.ForeignKey(User, null=True, blank=True, on_delete=models.PROTECT, related_name="+", verbose_name=_("处理人"))
    decided_at = models.DateTimeField(_("处理时间"), null=True, blank=True)
    decision_note = models.CharField(_("处理意见"), max_length=255, blank=True)
    override = models.ForeignKey(Override, null=True, blank=True, on_delete=models.SET_NULL, related_name="+", verbose_name=_("人工赋码"))
    created_at = models.DateTimeField(_("申诉时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("健康码申诉")
        verbose_name_plural = _("健康码申诉")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.created_at:%Y-%m-%d} {self.get_status_display()}"

    @property
    def reason_codes(self) -> list[str]:
        return [code for code in self.reasons_at_appeal.split(",") if code]


# --- guardians, checkpoints, trust --------------------------------------------------------------


class Dependant(models.Model):
    """代领: a guardian holds the pass of someone without a phone, with that person's consent recorded."""

    class Consent(models.TextChoices):
        MINOR = "minor", _("未成年人，由监护人代为同意")
        IN_PERSON = "in_person", _("本人当面同意（社区或窗口人员见证）")
        WRITTEN = "written", _("本人书面同意")

    guardian = models.ForeignKey(User, on_delete=models.CASCADE, related_name="dependants", verbose_name=_("代领人"))
    person_index = models.CharField(max_length=64, editable=False)
    id_number = EncryptedTextField(_("居民身份证号码"))
    name = models.CharField(_("姓名"), max_length=64)
    relation = models.CharField(_("关系"), max_length=32)
    consent = models.CharField(_("同意方式"), max_length=16, choices=Consent.choices)
    consent_note = models.CharField(_("同意记录"), max_length=255, blank=True)
    consent_recorded_at = models.DateTimeField(_("同意记录时间"), default=timezone.now)
    revoked_at = models.DateTimeField(_("解除时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("代领关系")
        verbose_name_plural = _("代领关系")
        constraints = [
            models.UniqueConstraint(fields=["guardian", "person_index"], condition=models.Q(revoked_at__isnull=True), name="one_active_dependant_link")
        ]

    def __str__(self) -> str:
        return self.name


class PassCheck(models.Model):
    """A checkpoint scan: who checked whose pass, where, when and what it said."""

    person_index = models.CharField(max_length=64, blank=True, db_index=True, editable=False)
    checker = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+", verbose_name=_("查验人"))
    place = models.CharField(_("查验地点"), max_length=128, blank=True)
    issuer = models.CharField(_("签发方"), max_length=64, blank=True)
    valid = models.BooleanField(_("有效"))
    reason = models.CharField(_("原因"), max_length=32)
    colour = models.CharField(_("颜色"), max_length=8, choices=Colour.choices, blank=True)
    created_at = models.DateTimeField(_("查验时间"), default=timezone.now)
    journal_id = models.UUIDField(null=True, unique=True, editable=False)  # the check journal's record: stored once

    class Meta:
        verbose_name = _("查验记录")
        verbose_name_plural = _("查验记录")
        ordering = ["-created_at"]
        permissions = [("check_pass", _("Can check health passes at a checkpoint"))]

    def __str__(self) -> str:
        return f"{self.created_at:%Y-%m-%d %H:%M} {self.reason}"


class TrustedIssuer(models.Model):
    """Another province's pass issuer, trusted through its published key set between two dates."""

    issuer_id = models.CharField(_("签发方标识 (iss)"), max_length=64, unique=True)
    name = models.CharField(_("名称"), max_length=128)
    jwks = models.JSONField(_("公钥集 (JWKS)"))
    source_url = models.URLField(_("公钥集地址"), blank=True)
    valid_from = models.DateTimeField(_("信任起始"))
    valid_until = models.DateTimeField(_("信任截止"))
    is_active = models.BooleanField(_("启用"), default=True)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    class Meta:
        verbose_name = _("互认签发方")
        verbose_name_plural = _("互认签发方")

    def __str__(self) -> str:
        return f"{self.name} ({self.issuer_id})"


# --- recomputation and statistics ---------------------------------------------------------------


class RecomputeJob(models.Model):
    class State(models.TextChoices):
        QUEUED = "queued", _("排队中")
        RUNNING = "running", _("计算中")
        DONE = "done", _("已完成")
        FAILED = "failed", _("失败")

    reason = models.CharField(_("触发原因"), max_length=255)
    area_code = models.CharField(_("限定区划"), max_length=6, blank=True)
    rule_version = models.PositiveIntegerField(_("规则版本"))
    state = models.CharField(_("状态"), max_length=16, choices=State.choices, default=State.QUEUED)
    first_id = models.BigIntegerField(default=0)
    last_id = models.BigIntegerField(default=0)
    chunk_size = models.PositiveIntegerField(default=20000)
    chunks_total = models.PositiveIntegerField(_("分块数"), null=True, blank=True, help_text=_("分块前为空"))
    chunks_done = models.PositiveIntegerField(_("已完成分块"), default=0)
    total = models.PositiveIntegerField(_("人数"), default=0)
    done = models.PositiveIntegerField(_("已处理"), default=0)
    changed = models.PositiveIntegerField(_("变化"), default=0)
    created_by = models.ForeignKey(User, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    finished_at = models.DateTimeField(_("完成时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("重新赋码任务")
        verbose_name_plural = _("重新赋码任务")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"#{self.pk} {self.reason}"

    @property
    def progress(self) -> int:
        if self.state == self.State.DONE:
            return 100
        return min(99, int(100 * self.chunks_done / self.chunks_total)) if self.chunks_total else 0


class RecomputeChunk(models.Model):
    """One slice of a recompute: the people with ``first_id <= id < next_first_id`` (the last chunk has
    no upper bound, so a person added while the job runs is in it). One Celery task each, on the bulk
    queue; ``done_at`` is set in the transaction that writes the chunk's statuses, so a retried chunk
    finds it done and the job's counter moves once per chunk."""

    job = models.ForeignKey(RecomputeJob, on_delete=models.CASCADE, related_name="chunks")
    number = models.PositiveIntegerField()
    first_id = models.BigIntegerField()
    next_first_id = models.BigIntegerField(null=True, blank=True)
    people = models.PositiveIntegerField(default=0)
    changed = models.PositiveIntegerField(default=0)
    done_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("重新赋码分块")
        verbose_name_plural = _("重新赋码分块")
        constraints = [models.UniqueConstraint(fields=["job", "number"], name="one_chunk_per_job_number")]

    def __str__(self) -> str:
        return f"#{self.job_id}/{self.number}"


class DailyCount(models.Model):
    """Counts by day, area (city level) and colour, snapshot by a set-based GROUP BY."""

    day = models.DateField(_("日期"))
    area_code = models.CharField(_("区划代码"), max_length=6)
    colour = models.CharField(_("颜色"), max_length=8, choices=Colour.choices)
    count = models.PositiveIntegerField(_("人数"))

    class Meta:
        verbose_name = _("赋码统计")
        verbose_name_plural = _("赋码统计")
        constraints = [models.UniqueConstraint(fields=["day", "area_code", "colour"], name="one_count_per_day_area_colour")]

    def __str__(self) -> str:
        return f"{self.day} {area_name(self.area_code)} {self.get_colour_display()} {self.count}"


