"""免申即享: policies and their versions (the rule, the declared fields, the legal basis), the runs that
match them against the population base, the entitlements (one per policy, period and person), their
payouts, and the human queue for anything adverse (docs/benefits.md)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from benefits.periods import period_words
from core.models import Bilingual
from identity.fields import EncryptedTextField
from identity.models import Department


class Policy(Bilingual, models.Model):
    """A benefit the state owes by law, pushed without application (免申即享)."""

    code = models.CharField(_("政策编码"), max_length=32, unique=True)
    name = models.CharField(_("政策名称"), max_length=128)
    name_en = models.CharField(_("英文名称"), max_length=192, blank=True)
    department = models.ForeignKey(Department, on_delete=models.PROTECT, related_name="+", verbose_name=_("主管部门"))
    legal_basis = models.CharField(_("法律依据"), max_length=255)
    created_at = models.DateTimeField(_("创建时间"), default=timezone.now)

    class Meta:
        verbose_name = _("免申即享政策")
        verbose_name_plural = _("免申即享政策")
        ordering = ["code"]

    def __str__(self) -> str:
        return self.name


class PolicyVersion(models.Model):
    class Status(models.TextChoices):
        DRAFT = "draft", _("草稿")
        PUBLISHED = "published", _("已发布")
        SUPERSEDED = "superseded", _("已被替代")

    class Benefit(models.TextChoices):
        CASH = "cash", _("现金补贴")
        SERVICE = "service", _("服务")
        CREDENTIAL = "credential", _("证照")

    class Period(models.TextChoices):
        MONTH = "month", _("按月")
        QUARTER = "quarter", _("按季度")
        YEAR = "year", _("按年")

    policy = models.ForeignKey(Policy, on_delete=models.CASCADE, related_name="versions", verbose_name=_("政策"))
    number = models.PositiveIntegerField(_("版本号"))
    status = models.CharField(_("状态"), max_length=16, choices=Status.choices, default=Status.DRAFT)
    benefit = models.CharField(_("待遇类型"), max_length=16, choices=Benefit.choices, default=Benefit.CASH)
    benefit_text = models.CharField(_("待遇说明"), max_length=255)
    fields = models.JSONField(_("可读取的基础数据字段"), default=list)
    rule = models.JSONField(_("资格规则（JsonLogic）"))
    monthly_amount = models.JSONField(_("月标准（元，JsonLogic）"), null=True, blank=True)
    period = models.CharField(_("发放周期"), max_length=16, choices=Period.choices, default=Period.MONTH)
    impact_assessment = models.CharField(_("个人信息保护影响评估编号"), max_length=64)
    drafted_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("起草人"))
    published_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+",
                                     verbose_name=_("发布人"))
    published_at = models.DateTimeField(_("发布时间"), null=True, blank=True)
    created_at = models.DateTimeField(_("创建时间"), default=timezone.now)

    class Meta:
        verbose_name = _("政策版本")
        verbose_name_plural = _("政策版本")
        ordering = ["policy", "-number"]
        constraints = [models.UniqueConstraint(fields=["policy", "number"], name="benefits_one_number_per_policy"),
                       models.UniqueConstraint(fields=["policy"], condition=models.Q(status="published"), name="benefits_one_published_version")]
        permissions = [("publish_policyversion", _("Can publish a policy version (second person)"))]

    def __str__(self) -> str:
        return f"{self.policy} v{self.number}"


class MatchRun(models.Model):
    class Kind(models.TextChoices):
        FULL = "full", _("全量匹配")
        DELTA = "delta", _("每日增量")

    version = models.ForeignKey(PolicyVersion, on_delete=models.PROTECT, related_name="runs", verbose_name=_("政策版本"))
    kind = models.CharField(_("类型"), max_length=8, choices=Kind.choices)
    period = models.CharField(_("期次"), max_length=16)
    started_at = models.DateTimeField(_("开始时间"), default=timezone.now)
    inserted = models.PositiveIntegerField(_("新增享受"), default=0)
    revoked = models.PositiveIntegerField(_("撤销"), default=0)
    queued = models.PositiveIntegerField(_("转人工"), default=0)

    class Meta:
        verbose_name = _("匹配批次")
        verbose_name_plural = _("匹配批次")
        ordering = ["-started_at", "-id"]

    def __str__(self) -> str:
        return f"{self.version} {period_words(self.period)} {self.get_kind_display()}"


class Entitlement(models.Model):
    """One person's benefit for one period: unique per (policy, period, person), so a rerun inserts nothing."""

    class Status(models.TextChoices):
        NOTIFIED = "notified", _("待确认")
        CONFIRMED = "confirmed", _("已确认，待发放")
        PAID = "paid", _("已发放")
        DECLINED = "declined", _("已放弃")
        OBJECTED = "objected", _("异议处理中")
        REVOKED = "revoked", _("已撤销")
        REVIEW = "review", _("人工复核中")

    UNPAID = ("notified", "confirmed", "declined", "objected")

    policy = models.ForeignKey(Policy, on_delete=models.PROTECT, related_name="+", verbose_name=_("政策"))
    version = models.ForeignKey(PolicyVersion, on_delete=models.PROTECT, related_name="+", verbose_name=_("政策版本"))
    run = models.ForeignKey(MatchRun, on_delete=models.PROTECT, related_name="+", verbose_name=_("匹配批次"))
    period = models.CharField(_("期次"), max_length=16)
    person_index = models.CharField(max_length=64, editable=False)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="entitlements",
                             verbose_name=_("享受人"))
    amount_fen = models.PositiveBigIntegerField(_("金额（分）"), default=0)
    status = models.CharField(_("状态"), max_length=16, choices=Status.choices, default=Status.NOTIFIED, db_index=True)
    evidence = EncryptedTextField(_("依据（读取的字段值）"), null=True)
    account_number = EncryptedTextField(_("收款银行卡号"), null=True)
    account_bank = models.CharField(_("开户行"), max_length=64, blank=True)
    created_at = models.DateTimeField(_("创建时间"), default=timezone.now)
    updated_at = models.DateTimeField(_("更新时间"), default=timezone.now)

    class Meta:
        verbose_name = _("享受记录")
        verbose_name_plural = _("享受记录")
        ordering = ["-created_at", "-id"]
        constraints = [models.UniqueConstraint(fields=["policy", "period", "person_index"], name="benefits_one_entitlement_per_period")]
        indexes = [models.Index(fields=["run"]), models.Index(fields=["person_index"])]

    def __str__(self) -> str:
        return f"{self.policy} {period_words(self.period)}"

    @property
    def period_words(self) -> str:
        return period_words(self.period)

    @property
    def yuan(self) -> str:
        return f"{self.amount_fen // 100}.{self.amount_fen % 100:02d}"


class Payout(models.Model):
    """The transfer to the person's card: ``number`` is the one idempotency key per entitlement."""

    class Status(models.TextChoices):
        SENT = "sent", _("已提交支付平台")
        PAID = "paid", _("已到账")

    entitlement = models.OneToOneField(Entitlement, on_delete=models.PROTECT, related_name="payout", verbose_name=_("享受记录"))
    number = models.CharField(_("代发单号"), max_length=32, unique=True)
    amount_fen = models.PositiveBigIntegerField(_("金额（分）"))
    status = models.CharField(_("状态"), max_length=8, choices=Status.choices, default=Status.SENT)
    trade_no = models.CharField(_("平台交易号"), max_length=64, blank=True)
    notification_id = models.CharField(_("到账通知编号"), max_length=64, blank=True)
    paid_at = models.DateTimeField(_("到账时间"), null=True, blank=True)
    created_at = models.DateTimeField(_("创建时间"), default=timezone.now)

    class Meta:
        verbose_name = _("代发记录")
        verbose_name_plural = _("代发记录")

    def __str__(self) -> str:
        return self.number


class ReviewItem(models.Model):
    """The human queue: nothing adverse is decided by the machine alone (PIPL Art. 24)."""

    class Reason(models.TextChoices):
        PAID_THEN_INELIGIBLE = "paid_then_ineligible", _("已发放后不再符合（如死亡）：是否追回")
        NO_LONGER_ELIGIBLE = "no_longer_eligible", _("基础数据变化后不再符合：是否停止")
        OBJECTION = "objection", _("本人提出异议")

    class Outcome(models.TextChoices):
        OPEN = "", _("待处理")
        UPHELD = "upheld", _("维持")
        REVERSED = "reversed", _("改正")

    entitlement = models.ForeignKey(Entitlement, on_delete=models.PROTECT, related_name="reviews", verbose_name=_("享受记录"))
    reason = models.CharField(_("原因"), max_length=32, choices=Reason.choices)
    case = models.ForeignKey("appeals.Case", null=True, blank=True, on_delete=models.SET_NULL, related_name="+", verbose_name=_("投诉工单"))
    outcome = models.CharField(_("结论"), max_length=16, choices=Outcome.choices, blank=True, default="")
    note = models.TextField(_("处理意见"), blank=True)
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+",
                                   verbose_name=_("处理人"))
    decided_at = models.DateTimeField(_("处理时间"), null=True, blank=True)
    created_at = models.DateTimeField(_("创建时间"), default=timezone.now)

    class Meta:
        verbose_name = _("人工复核")
        verbose_name_plural = _("人工复核队列")
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return f"{self.get_reason_display()} #{self.entitlement_id}"
