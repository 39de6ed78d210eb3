"""诉求 (cases): one model for every channel (app, portal, window, a 12345 import, a bad 好差评) and
every kind (咨询, 求助, 投诉, 举报, 建议, 表扬); the category tree that routes them, the routing rules, the
deadline rules, and each case's timeline. What a case may do next is ``appeals.transitions``; its
deadlines are stored here so overdue lists are index scans (``appeals.deadlines`` computes them)."""

from __future__ import annotations

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from core import limits
from core.models import Bilingual
from identity.fields import EncryptedTextField
from identity.models import Department, User
from services.models import Application, Rating, ServiceItem


class Kind(models.TextChoices):
    CONSULT = "consult", _("咨询")
    HELP = "help", _("求助")
    COMPLAINT = "complaint", _("投诉")
    REPORT = "report", _("举报")
    SUGGESTION = "suggestion", _("建议")
    PRAISE = "praise", _("表扬")


class Channel(models.TextChoices):
    APP = "app", _("掌上（App）")
    PORTAL = "portal", _("网站")
    WINDOW = "window", _("窗口登记")
    HOTLINE = "hotline", _("12345 热线")
    RATING = "rating", _("好差评转办")


class Urgency(models.TextChoices):
    NORMAL = "normal", _("一般")
    URGENT = "urgent", _("紧急")


class Status(models.TextChoices):
    NEW = "new", _("待派单")
    DISPATCHED = "dispatched", _("待签收")
    RETURNED = "returned", _("已退单")
    IN_PROGRESS = "in_progress", _("办理中")
    SUSPENDED = "suspended", _("已挂起")
    REPLIED = "replied", _("已答复，待回访")
    SUPERVISED = "supervised", _("督办中")
    CLOSED = "closed", _("已办结")


class Card(models.TextChoices):
    NONE = "", _("正常")
    YELLOW = "yellow", _("黄牌（将到期）")
    RED = "red", _("红牌（已超期）")


class CaseCategory(Bilingual, models.Model):
    """A node of the category tree (e.g. 交通出行 › 驾驶证); its default department takes a case no
    routing rule routes once a dispatcher confirms the category."""

    name = models.CharField(_("名称"), max_length=64)
    name_en = models.CharField(_("英文名称"), max_length=96, blank=True)
    parent = models.ForeignKey("self", null=True, blank=True, on_delete=models.PROTECT, related_name="children", verbose_name=_("上级分类"))
    default_department = models.ForeignKey(Department, null=True, blank=True, on_delete=models.PROTECT, related_name="+",
                                           verbose_name=_("默认承办部门"))
    keywords = models.CharField(_("关键词"), max_length=255, blank=True, help_text=_("用空格分隔；用于建议分类，派单员确认后才生效"))
    is_active = models.BooleanField(_("启用"), default=True)

    class Meta:
        verbose_name = _("诉求分类")
        verbose_name_plural = _("诉求分类")
        ordering = ["parent_id", "name"]
        constraints = [models.UniqueConstraint(fields=["parent", "name"], name="one_case_category_name_per_parent")]

    def __str__(self) -> str:
        return f"{self.parent} › {self.name}" if self.parent_id else self.name

    def lineage(self) -> list[int]:
        """This category's id and its ancestors' (a rule on a parent covers its children)."""
        ids, node = [], self
        while node is not None and node.pk not in ids:
            ids.append(node.pk)
            node = node.parent
        return ids


class RoutingRule(models.Model):
    """Sends a new case straight to a department. Rules are tried by position; the first whose every
    filled condition holds wins, and the case records it. A blank condition matches anything."""

    position = models.PositiveIntegerField(_("顺序"), default=100)
    name = models.CharField(_("规则名称"), max_length=64)
    category = models.ForeignKey(CaseCategory, null=True, blank=True, on_delete=models.PROTECT, related_name="rules", verbose_name=_("分类"))
    area = models.CharField(_("区域"), max_length=64, blank=True, help_text=_("区域名称，如“历下区”"))
    kind = models.CharField(_("类型"), max_length=16, choices=Kind.choices, blank=True)
    keyword = models.CharField(_("关键词"), max_length=64, blank=True, help_text=_("诉求内容包含此词"))
    department = models.ForeignKey(Department, on_delete=models.PROTECT, related_name="+", verbose_name=_("派往部门"))
    is_active = models.BooleanField(_("启用"), default=True)

    class Meta:
        verbose_name = _("派单规则")
        verbose_name_plural = _("派单规则")
        ordering = ["position", "id"]

    def __str__(self) -> str:
        return self.name


class DeadlineRule(models.Model):
    """Working-day limits for a category × kind × urgency (blank: any). Versioned: a new row with a
    later ``valid_from`` replaces an older one for the same key; the most specific key wins first.
    Without a rule, Shandong's 12345 defaults apply (reply 5, extension ≤ 10, return 2)."""

    category = models.ForeignKey(CaseCategory, null=True, blank=True, on_delete=models.PROTECT, related_name="deadline_rules", verbose_name=_("分类"))
    kind = models.CharField(_("类型"), max_length=16, choices=Kind.choices, blank=True)
    urgency = models.CharField(_("紧急程度"), max_length=8, choices=Urgency.choices, blank=True)
    reply_days = models.PositiveSmallIntegerField(_("答复时限（工作日）"), default=5, validators=[MinValueValidator(1)])
    extension_max_days = models.PositiveSmallIntegerField(_("延期上限（工作日）"), default=10, validators=[MaxValueValidator(10)],
                                                          help_text=_("一次延期，最多 10 个工作日"))
    return_days = models.PositiveSmallIntegerField(_("退单时限（工作日）"), default=2, validators=[MinValueValidator(1)])
    valid_from = models.DateTimeField(_("生效时间"), default=timezone.now)

    class Meta:
        verbose_name = _("办理时限")
        verbose_name_plural = _("办理时限")
        ordering = ["-valid_from", "-id"]

    def __str__(self) -> str:
        parts = [str(self.category or _("全部分类")), self.get_kind_display() or str(_("全部类型")), self.get_urgency_display() or str(_("全部紧急程度"))]
        return " × ".join(parts)


class Case(models.Model):
    """One 诉求. The reporter's contact is encrypted; a blind index of the phone finds the same person's
    same complaint arriving by another channel. ``reply_due`` and ``yellow_at`` are stored so the
    overdue sweep and the department's lists are index scans."""

    number = models.CharField(_("诉求编号"), max_length=24, unique=True)
    kind = models.CharField(_("类型"), max_length=16, choices=Kind.choices)
    channel = models.CharField(_("首次来源"), max_length=16, choices=Channel.choices)
    urgency = models.CharField(_("紧急程度"), max_length=8, choices=Urgency.choices, default=Urgency.NORMAL)
    status = models.CharField(_("状态"), max_length=16, choices=Status.choices, default=Status.NEW)
    title = models.CharField(_("标题"), max_length=limits.NAME)
    text = models.TextField(_("诉求内容"), max_length=limits.REASON)
    area = models.CharField(_("区域"), max_length=64, blank=True)
    category = models.ForeignKey(CaseCategory, null=True, blank=True, on_delete=models.PROTECT, related_name="cases", verbose_name=_("分类"))
    suggested_category = models.ForeignKey(CaseCategory, null=True, blank=True, on_delete=models.SET_NULL, related_name="+",
                                           verbose_name=_("建议分类"))
    department = models.ForeignKey(Department, null=True, blank=True, on_delete=models.PROTECT, related_name="cases", verbose_name=_("承办部门"))
    routing_rule = models.ForeignKey(RoutingRule, null=True, blank=True, on_delete=models.SET_NULL, related_name="+", verbose_name=_("派单规则"))
    # optional links
    item = models.ForeignKey(ServiceItem, null=True, blank=True, on_delete=models.SET_NULL, related_name="+", verbose_name=_("相关事项"))
    about_department = models.ForeignKey(Department, null=True, blank=True, on_delete=models.SET_NULL, related_name="+", verbose_name=_("被反映部门"))
    application = models.ForeignKey(Application, null=True, blank=True, on_delete=models.SET_NULL, related_name="+", verbose_name=_("相关办件"))
    rating = models.OneToOneField(Rating, null=True, blank=True, on_delete=models.PROTECT, related_name="case", verbose_name=_("转办的差评"))
    # who asked
    reporter = models.ForeignKey(User, null=True, blank=True, on_delete=models.SET_NULL, related_name="cases", verbose_name=_("诉求人"))
    anonymous = models.BooleanField(_("匿名"), default=False)
    contact_name = EncryptedTextField(_("联系人"), null=True, blank=True)
    contact_phone = EncryptedTextField(_("联系电话"), null=True, blank=True)
    contact_index = models.CharField(max_length=64, blank=True, editable=False, db_index=True)
    duplicate_key = models.CharField(max_length=64, blank=True, editable=False, db_index=True)
    tracking_digest = models.CharField(max_length=64, blank=True, editable=False, db_index=True)
    recorded_by = models.ForeignKey(User, null=True, blank=True, on_delete=models.SET_NULL, related_name="+", verbose_name=_("登记人"))
    knowledge_candidates = models.JSONField(_("提交前看过的答案"), default=list, blank=True)
    # deadlines (working days, services.workdays)
    reply_days = models.PositiveSmallIntegerField(_("答复时限（工作日）"), default=5)
    extension_max_days = models.PositiveSmallIntegerField(_("延期上限（工作日）"), default=10)
    return_days = models.PositiveSmallIntegerField(_("退单时限（工作日）"), default=2)
    deadline_rule = models.ForeignKey(DeadlineRule, null=True, blank=True, on_delete=models.SET_NULL, related_name="+", verbose_name=_("时限规则"))
    dispatched_at = models.DateTimeField(_("派单时间"), null=True, blank=True)
    return_due = models.DateTimeField(_("退单截止"), null=True, blank=True)
    accepted_at = models.DateTimeField(_("签收时间"), null=True, blank=True)
    reply_due = models.DateTimeField(_("答复期限"), null=True, blank=True)
    yellow_at = models.DateTimeField(_("黄牌时间"), null=True, blank=True)
    card = models.CharField(_("督办牌"), max_length=8, choices=Card.choices, default=Card.NONE, blank=True)
    suspended_at = models.DateTimeField(_("挂起时间"), null=True, blank=True)
    extended_days = models.PositiveSmallIntegerField(_("已延期（工作日）"), default=0)
    replied_at = models.DateTimeField(_("答复时间"), null=True, blank=True)
    reply_public = models.TextField(_("答复内容（公开）"), max_length=limits.REASON, blank=True)
    reply_internal = models.TextField(_("内部说明"), max_length=limits.REASON, blank=True)
    reopened = models.PositiveSmallIntegerField(_("重办次数"), default=0)
    supervised_at = models.DateTimeField(_("督办时间"), null=True, blank=True)
    called_back_at = models.DateTimeField(_("回访时间"), null=True, blank=True)
    solved = models.BooleanField(_("已解决"), null=True, blank=True)
    satisfied = models.BooleanField(_("满意"), null=True, blank=True)
    closed_at = models.DateTimeField(_("办结时间"), null=True, blank=True)
    anonymised_at = models.DateTimeField(_("匿名化时间"), null=True, blank=True)
    created_at = models.DateTimeField(_("提交时间"), default=timezone.now, db_index=True)

    class Meta:
        verbose_name = _("诉求")
        verbose_name_plural = _("诉求")
        ordering = ["-created_at"]
        indexes = [
            models.Index(fields=["status", "reply_due"], name="case_status_reply_due"),
            models.Index(fields=["status", "yellow_at"], name="case_status_yellow_at"),
            models.Index(fields=["department", "status", "reply_due"], name="case_department_queue"),
        ]
        permissions = [
            ("dispatch_case", _("Can dispatch cases (12345 dispatcher)")),
            ("handle_case", _("Can handle cases of their department")),
            ("record_case", _("Can record cases for walk-in citizens")),
        ]

    def __str__(self) -> str:
        return self.number


class CaseSource(models.Model):
    """Each time a case arrived (the first time and every repeat of the same complaint by another
    channel). A 12345 ticket's external id is unique: a re-import finds it and creates nothing."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="sources", verbose_name=_("诉求"))
    channel = models.CharField(_("来源"), max_length=16, choices=Channel.choices)
    external_id = models.CharField(_("外部编号"), max_length=64, blank=True)
    received_at = models.DateTimeField(_("收到时间"), default=timezone.now)

    class Meta:
        verbose_name = _("诉求来源")
        verbose_name_plural = _("诉求来源")
        ordering = ["received_at", "id"]
        constraints = [models.UniqueConstraint(fields=["channel", "external_id"], condition=~models.Q(external_id=""),
                                               name="one_case_source_per_external_id")]

    def __str__(self) -> str:
        return f"{self.case} ← {self.get_channel_display()}"


class CaseEvent(models.Model):
    """One step on a case's timeline. The citizen reads ``public_text`` only; ``internal_note`` is staff's."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="timeline", verbose_name=_("诉求"))
    action = models.CharField(_("操作"), max_length=16)
    from_status = models.CharField(_("原状态"), max_length=16, choices=Status.choices, blank=True)
    to_status = models.CharField(_("新状态"), max_length=16, choices=Status.choices)
    actor = models.ForeignKey(User, null=True, blank=True, on_delete=models.SET_NULL, related_name="+", verbose_name=_("操作人"))
    actor_label = models.CharField(_("操作方"), max_length=128)
    public_text = models.TextField(_("公开说明"), max_length=limits.REASON, blank=True)
    internal_note = models.TextField(_("内部说明"), max_length=limits.REASON, blank=True)
    created_at = models.DateTimeField(_("时间"), default=timezone.now)

    class Meta:
        verbose_name = _("诉求办理记录")
        verbose_name_plural = _("诉求办理记录")
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return f"{self.case} {self.action}"

    @property
    def actor_words(self) -> str:
        """``actor_label`` in the reader's language: it is stored in the catalogue's own words (Chinese) whatever
        language the person who acted used; a department's name and a masked name stay as they are."""
        return gettext(self.actor_label)
