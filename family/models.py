"""家庭代办: one relationship between a guardian and a dependant, for every act a family member may
do for another (apply, pay, rate, track, hold and 亮证 credentials, see the health pass).

Two kinds: a parent of a minor (the population base carries no parents, so the declared relationship
is checked by a clerk against the 户口簿 or 出生医学证明), and a person an adult authorised (requested
by the guardian, confirmed by the adult in their app or by reading out an SMS code). Whether a link
lets someone act now is answered in one place: ``family.permissions.may_act``.
"""

from __future__ import annotations

import datetime as dt

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from identity.models import User

ACTS = ("services.apply", "services.pay", "services.rate", "services.track", "credentials.present", "health.view")


class FamilyLink(models.Model):
    class Kind(models.TextChoices):
        MINOR = "minor", _("未成年子女")
        ADULT = "adult", _("成年家人授权")

    class Status(models.TextChoices):
        PENDING = "pending", _("待确认")
        ACTIVE = "active", _("有效")
        REVOKED = "revoked", _("已解除")

    class Channel(models.TextChoices):
        APP = "app", _("本人在应用内确认")
        SMS = "sms", _("本人短信验证码确认")
        CLERK = "clerk", _("窗口人员核验户口簿")

    guardian = models.ForeignKey(User, on_delete=models.CASCADE, related_name="family_dependants", verbose_name=_("代办人"))
    dependant = models.ForeignKey(User, on_delete=models.CASCADE, related_name="family_guardians", verbose_name=_("被代办人"))
    kind = models.CharField(_("类型"), max_length=8, choices=Kind.choices)
    relation = models.CharField(_("关系"), max_length=32)
    dependant_born = models.DateField(_("被代办人出生日期"))  # from the population base: the 18th birthday ends a minor link
    acts = models.JSONField(_("代办范围"), default=list)
    status = models.CharField(_("状态"), max_length=8, choices=Status.choices, default=Status.PENDING, db_index=True)
    requested_at = models.DateTimeField(_("申请时间"), default=timezone.now)
    valid_until = models.DateTimeField(_("失效时间"), null=True, blank=True)  # an adult's authorisation; a minor's ends at 18
    confirmed_at = models.DateTimeField(_("确认时间"), null=True, blank=True)
    confirmed_by = models.ForeignKey(User, null=True, blank=True, on_delete=models.SET_NULL, related_name="+", verbose_name=_("确认人"))
    channel = models.CharField(_("确认方式"), max_length=8, choices=Channel.choices, blank=True)
    code_digest = models.CharField(max_length=64, blank=True, editable=False)  # the SMS code's MAC while it may be used
    code_expires_at = models.DateTimeField(null=True, blank=True, editable=False)
    revoked_at = models.DateTimeField(_("解除时间"), null=True, blank=True)
    revoked_by = models.ForeignKey(User, null=True, blank=True, on_delete=models.SET_NULL, related_name="+", verbose_name=_("解除人"))

    class Meta:
        verbose_name = _("家庭代办关系")
        verbose_name_plural = _("家庭代办关系")
        ordering = ["-requested_at"]
        constraints = [
            models.UniqueConstraint(fields=["guardian", "dependant"], condition=models.Q(status__in=["pending", "active"]),
                                    name="one_open_family_link"),
            models.CheckConstraint(condition=~models.Q(guardian=models.F("dependant")), name="family_link_not_self"),
        ]
        permissions = [("verify_familylink", _("Can check a declared parent–child relationship at the window"))]

    def __str__(self) -> str:
        return f"{self.guardian} → {self.dependant} ({self.relation})"

    def ends_at(self) -> dt.datetime | None:
        """When the rights end by themselves: the authorisation's end, or a minor's 18th birthday."""
        from core import people

        if self.kind == self.Kind.MINOR:
            return timezone.make_aware(dt.datetime.combine(people.coming_of_age(self.dependant_born), dt.time.min))
        return self.valid_until
