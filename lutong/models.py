"""鲁通码: one rotating code per person; what a reader sees depends on the scenario it is registered for.

- ``Scenario``: a kind of reading (metro gate, hospital registration, government window …) with the
  fields its readers are answered, written like a relying party's registration (``{"credential type
  code": ["field key", …]}``, checked by ``credentials.claims.validate_allowed``), whether it is
  statutory (the holder cannot switch it off) and its legal basis.
- ``Reader``: a relying party of the verifier register (``credentials.RelyingParty``) registered for one
  scenario, with the one attribute the register lacks: the transports it may use.
- ``Terminal``: one device of a reader, with its own key (``<key id>.<secret>``, only a digest stored),
  revocable one by one.
- ``OptOut``: a holder's "not for this scenario" (optional scenarios only).
- ``Resolution``: one read of a code, written by the check journal (``lutong.journal``).
"""

from __future__ import annotations

import secrets

from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from core.models import Bilingual
from credentials.models import RelyingParty
from identity import crypto
from identity.models import User

# What a reader is told about a code (the codes are stable; the words follow the language).
REASONS = {
    "valid": _("有效"),
    "malformed": _("不是鲁通码"),
    "bad_signature": _("签名无效"),
    "unknown_key": _("未知的签名密钥"),
    "retired_key": _("签名密钥已停用"),
    "wrong_kind": _("不是鲁通码"),
    "expired": _("码已过期，请刷新"),
    "replayed": _("码已被读取过（可能是截图）"),
    "switched_off": _("持码人已关闭此场景"),
}
REASON_CODES = list(REASONS)


class Transport(models.TextChoices):
    QR = "qr", _("扫描手机上的二维码")
    NFC = "nfc", _("手机碰一碰 (NFC)")
    NETWORK = "network", _("联网核验接口")


def validate_transports(value) -> None:
    if not isinstance(value, list) or not value or set(value) - set(Transport.values):
        raise ValidationError(_("Name one or more of: %(keys)s") % {"keys": ", ".join(Transport.values)})


class Scenario(Bilingual, models.Model):
    code = models.SlugField(_("场景编码"), max_length=48, unique=True)
    name = models.CharField(_("场景"), max_length=64)
    name_en = models.CharField(_("英文名称"), max_length=96, blank=True)
    purpose = models.CharField(_("用途"), max_length=255)
    purpose_en = models.CharField(_("英文用途"), max_length=255, blank=True)
    legal_basis = models.CharField(_("依据"), max_length=255, blank=True)
    statutory = models.BooleanField(_("法定场景（不可关闭）"), default=False)
    allowed = models.JSONField(_("读码方可见字段"), default=dict, blank=True, help_text=_('{"credential type code": ["field key", …]}'))
    position = models.PositiveSmallIntegerField(_("排序"), default=0)

    class Meta:
        verbose_name = _("鲁通码场景")
        verbose_name_plural = _("鲁通码场景")
        ordering = ["position", "code"]

    def __str__(self) -> str:
        return self.name

    @property
    def local_purpose(self) -> str:
        from django.utils.translation import get_language

        return (self.purpose_en or self.purpose) if get_language() == "en" else self.purpose


class Reader(models.Model):
    relying_party = models.OneToOneField(RelyingParty, on_delete=models.PROTECT, related_name="lutong_reader", verbose_name=_("依赖方"))
    scenario = models.ForeignKey(Scenario, on_delete=models.PROTECT, related_name="readers", verbose_name=_("场景"))
    transports = models.JSONField(_("可用读码方式"), default=list, validators=[validate_transports])
    created_at = models.DateTimeField(_("登记时间"), default=timezone.now)

    class Meta:
        verbose_name = _("鲁通码读码方")
        verbose_name_plural = _("鲁通码读码方")
        ordering = ["scenario__position", "relying_party__client_id"]

    def __str__(self) -> str:
        return self.relying_party.name


class Terminal(models.Model):
    """One reading device. Authenticates with ``Authorization: Bearer <key id>.<secret>``."""

    reader = models.ForeignKey(Reader, on_delete=models.CASCADE, related_name="terminals", verbose_name=_("读码方"))
    name = models.CharField(_("终端名称"), max_length=128)
    key_id = models.CharField(_("终端ID"), max_length=32, unique=True, editable=False)
    secret_hash = models.CharField(max_length=255, editable=False)
    created_at = models.DateTimeField(_("登记时间"), default=timezone.now)
    revoked_at = models.DateTimeField(_("吊销时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("读码终端")
        verbose_name_plural = _("读码终端")

    def __str__(self) -> str:
        return self.name

    # what the use-case contract asks of an actor (core.usecases.Actor)
    is_authenticated = True

    def has_perm(self, perm: str) -> bool:
        return False

    def set_new_secret(self) -> str:
        """A fresh key id (if needed) and secret; returns the token to hand over once."""
        self.key_id = self.key_id or secrets.token_hex(8)
        secret = secrets.token_urlsafe(32)
        self.secret_hash = crypto.secret_digest(secret)
        return f"{self.key_id}.{secret}"

    def check_secret(self, secret: str) -> bool:
        return crypto.secret_matches(secret, self.secret_hash)


class OptOut(models.Model):
    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="+")
    scenario = models.ForeignKey(Scenario, on_delete=models.CASCADE, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("鲁通码场景停用")
        verbose_name_plural = _("鲁通码场景停用")
        constraints = [models.UniqueConstraint(fields=["user", "scenario"], name="lutong_optout_once")]

    def __str__(self) -> str:
        return f"{self.user_id} {self.scenario_id}"


class UsedCode(models.Model):
    """A code's one-time nonce once read, when the check journal is inline (in production Redis decides)."""

    nonce = models.CharField(max_length=32, unique=True)
    expires_at = models.DateTimeField(db_index=True)

    class Meta:
        verbose_name = _("已读取的鲁通码")
        verbose_name_plural = _("已读取的鲁通码")

    def __str__(self) -> str:
        return self.nonce


class Resolution(models.Model):
    reader = models.ForeignKey(Reader, on_delete=models.PROTECT, related_name="+", verbose_name=_("读码方"))
    terminal = models.ForeignKey(Terminal, on_delete=models.PROTECT, related_name="+", verbose_name=_("终端"))
    person_index = models.CharField(max_length=64, blank=True, db_index=True, editable=False)
    transport = models.CharField(_("读码方式"), max_length=16, choices=Transport.choices)
    answered = models.BooleanField(_("已答复"))
    reason = models.CharField(_("结果"), max_length=32)
    fields = models.JSONField(_("答复字段"), default=list)
    created_at = models.DateTimeField(_("时间"), default=timezone.now)
    journal_id = models.UUIDField(null=True, unique=True, editable=False)

    class Meta:
        verbose_name = _("鲁通码读取记录")
        verbose_name_plural = _("鲁通码读取记录")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.reader_id} {self.created_at:%Y-%m-%d %H:%M}"

    @property
    def reason_words(self) -> str:
        return str(REASONS.get(self.reason, self.reason))
