"""The knowledge base (知识库) for 智能问答: articles written in plain words, reviewed by a second person
before they are published, the feedback people leave on answers (as GOV.UK collects it: useful? what
was wrong), and the stored search index web workers load. Item guides are not copied here: the index
reads them from the item's current version (``services.ItemVersion``)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from identity.models import User
from services.models import ServiceItem


class Topic(models.TextChoices):
    """What an article is about — the knowledge base's own grouping (the cases app has its own tree)."""

    ITEMS = "items", _("办事指南")
    ACCOUNT = "account", _("账号与登录")
    CREDENTIALS = "credentials", _("电子证照")
    HEALTH = "health", _("健康码")
    PAYMENTS = "payments", _("缴费")
    SOCIAL = "social", _("社保医保")
    OTHER = "other", _("其他")


class GuideSection(models.TextChoices):
    """The part of an item's guide an answer points to (the guide page's sections)."""

    WHO = "who_may_apply", _("申请条件")
    CONDITIONS = "conditions", _("受理条件")
    MATERIALS = "materials", _("申请材料")
    STEPS = "steps", _("办理流程")
    TIME = "time_limit", _("承诺时限")
    FEES = "fees", _("收费标准")
    WINDOW = "window", _("办理地点和时间")


class Article(models.Model):
    """One question answered in plain words. Draft → reviewed (by someone other than its author) →
    published (in the index) → retired; an edit of the words sends it back to draft."""

    class Status(models.TextChoices):
        DRAFT = "draft", _("草稿")
        REVIEWED = "reviewed", _("已审核")
        PUBLISHED = "published", _("已发布")
        RETIRED = "retired", _("已下线")

    slug = models.SlugField(_("标识"), max_length=64, unique=True, help_text=_("用于链接，如 driving-licence-renewal"))
    language = models.CharField(_("语言"), max_length=8, choices=settings.LANGUAGES, default="zh-hans")
    question = models.CharField(_("问题"), max_length=200)
    phrasings = models.TextField(_("其他问法"), blank=True, help_text=_("每行一种群众的说法"))
    answer = models.TextField(_("回答"), help_text=_("用大白话写，先说结论"))
    topic = models.CharField(_("分类"), max_length=16, choices=Topic.choices, default=Topic.ITEMS)
    item = models.ForeignKey(ServiceItem, null=True, blank=True, on_delete=models.PROTECT, related_name="articles", verbose_name=_("关联事项"))
    guide_section = models.CharField(_("指南章节"), max_length=16, choices=GuideSection.choices, blank=True)
    source = models.CharField(_("来源"), max_length=255, help_text=_("依据的文件、指南或答复"))
    status = models.CharField(_("状态"), max_length=12, choices=Status.choices, default=Status.DRAFT)
    author = models.ForeignKey(User, null=True, blank=True, on_delete=models.SET_NULL, related_name="+", verbose_name=_("编写人"))
    reviewer = models.ForeignKey(User, null=True, blank=True, on_delete=models.SET_NULL, related_name="+", verbose_name=_("审核人"))
    reviewed_at = models.DateTimeField(_("审核时间"), null=True, blank=True)
    published_at = models.DateTimeField(_("发布时间"), null=True, blank=True)
    valid_from = models.DateField(_("生效日期"), null=True, blank=True)
    valid_to = models.DateField(_("失效日期"), null=True, blank=True, help_text=_("过了这天不再作为回答"))
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    class Meta:
        verbose_name = _("知识库文章")
        verbose_name_plural = _("知识库文章")
        ordering = ["slug"]
        permissions = [("review_article", _("审核知识库文章")), ("publish_article", _("发布或下线知识库文章"))]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(valid_to__isnull=True) | models.Q(valid_from__isnull=True) | models.Q(valid_to__gte=models.F("valid_from")),
                name="article_valid_to_after_valid_from"),
        ]

    def __str__(self) -> str:
        return self.question

    @property
    def phrasing_list(self) -> list[str]:
        return [line.strip() for line in self.phrasings.splitlines() if line.strip()]

    def in_force(self, today=None) -> bool:
        today = today or timezone.localdate()
        return self.status == self.Status.PUBLISHED and (self.valid_from is None or self.valid_from <= today) and (
            self.valid_to is None or today <= self.valid_to)


class Feedback(models.Model):
    """Was this answer useful, and if not, what was wrong (GOV.UK's "Is this page useful?"). Kept
    without the person: the question asked, the answer shown and the verdict."""

    class Problem(models.TextChoices):
        NOT_RELEVANT = "not_relevant", _("答非所问")
        UNCLEAR = "unclear", _("看不懂")
        OUT_OF_DATE = "out_of_date", _("内容过时或有误")
        INCOMPLETE = "incomplete", _("不完整，缺少我要的信息")
        OTHER = "other", _("其他")

    article = models.ForeignKey(Article, null=True, blank=True, on_delete=models.SET_NULL, related_name="feedback", verbose_name=_("文章"))
    item = models.ForeignKey(ServiceItem, null=True, blank=True, on_delete=models.SET_NULL, related_name="+", verbose_name=_("事项指南"))
    question = models.CharField(_("提问"), max_length=200)
    useful = models.BooleanField(_("有帮助"))
    problem = models.CharField(_("问题所在"), max_length=16, choices=Problem.choices, blank=True)
    comment = models.CharField(_("补充说明"), max_length=500, blank=True)
    language = models.CharField(_("语言"), max_length=8, default="zh-hans")
    created_at = models.DateTimeField(_("时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("回答反馈")
        verbose_name_plural = _("回答反馈")
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["article", "created_at"], name="feedback_by_article")]

    def __str__(self) -> str:
        return self.question


class SearchIndex(models.Model):
    """One built search index (BM25 over segmented tokens, optionally dense vectors), stored whole so a
    web worker loads it with one read and no rebuild. The newest row is in force."""

    built_at = models.DateTimeField(_("生成时间"), default=timezone.now)
    documents = models.PositiveIntegerField(_("文档数"))
    data = models.BinaryField(_("索引数据"))

    class Meta:
        verbose_name = _("检索索引")
        verbose_name_plural = _("检索索引")
        ordering = ["-id"]

    def __str__(self) -> str:
        return f"#{self.pk} ({self.documents})"
