"""One number, one account (一号通行): people, organisations, agents, base records and the audit log."""

from __future__ import annotations

import secrets

from django.conf import settings
from django.contrib.auth.base_user import AbstractBaseUser, BaseUserManager
from django.contrib.auth.models import PermissionsMixin
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from core.models import Bilingual
from core.numbers import normalize_id_number, normalize_phone
from identity import blind_indexes, crypto, masking
from identity.actions import Action
from identity.actions import check as check_action
from identity.actions import label as action_label
from identity.fields import EncryptedTextField


def id_number_index(raw: str) -> str:
    """The index written for an ID number (identity.blind_indexes: its algorithm follows QILU_BLIND_INDEX)."""
    return blind_indexes.index(normalize_id_number(raw), purpose="id_number")


def phone_index(raw: str) -> str:
    return blind_indexes.index(normalize_phone(raw), purpose="phone")


def id_number_indexes(raw: str) -> list[str]:
    """What to look an ID number up by: ``id_number_index__in=id_number_indexes(raw)`` (two values while the index migrates)."""
    return blind_indexes.candidates(normalize_id_number(raw), purpose="id_number")


def phone_indexes(raw: str) -> list[str]:
    return blind_indexes.candidates(normalize_phone(raw), purpose="phone")


class Department(Bilingual, models.Model):
    """A government department (部门). Owned here because staff are posted to it; services' items point to it."""

    code = models.CharField(_("部门编码"), max_length=32, unique=True)
    name = models.CharField(_("部门名称"), max_length=128)
    name_en = models.CharField(_("英文名称"), max_length=192, blank=True)
    area_code = models.CharField(_("行政区划代码"), max_length=6, help_text=_("GB/T 2260"))
    credit_code = models.CharField(
        _("统一社会信用代码"), max_length=18, blank=True, help_text=_("用于电子证照标识中的类型代码和签发机构代码")
    )

    class Meta:
        verbose_name = _("部门")
        verbose_name_plural = _("部门")
        ordering = ["code"]

    def __str__(self) -> str:
        return self.name


class ServiceHall(models.Model):
    """A service hall (政务服务大厅窗口) where clerks verify credentials and accept walk-ins."""

    department = models.ForeignKey(Department, on_delete=models.PROTECT, related_name="halls", verbose_name=_("部门"))
    name = models.CharField(_("名称"), max_length=128)
    address = models.CharField(_("地址"), max_length=255, blank=True)

    class Meta:
        verbose_name = _("服务大厅")
        verbose_name_plural = _("服务大厅")

    def __str__(self) -> str:
        return self.name


class UserManager(BaseUserManager):
    use_in_migrations = True

    def get_by_natural_key(self, username: str):
        """Sign-in by resident ID number: the raw number is normalised and looked up by its blind index."""
        return self.get(id_number_index__in=id_number_indexes(username or ""))

    def create_user(self, id_number: str, name: str, password: str | None = None, **extra):
        user = self.model(name=name, **extra)
        user.set_id_number(id_number)
        user.set_password(password) if password else user.set_unusable_password()
        user.save(using=self._db)
        return user

    def create_superuser(self, id_number: str | None = None, password: str | None = None, **extra):
        # `createsuperuser` passes the USERNAME_FIELD by name: it is the raw ID number here.
        id_number = id_number or extra.pop("id_number_index")
        extra.setdefault("name", "管理员")
        extra.update(is_staff=True, is_superuser=True)
        return self.create_user(id_number, password=password, **extra)


class User(AbstractBaseUser, PermissionsMixin):
    """A natural person with a real-name-verified account, identified by the resident ID number.

    The number is stored encrypted with a keyed blind index; the index is the login key
    (``USERNAME_FIELD``), so authentication never needs the plaintext in the database.
    """

    id_number = EncryptedTextField(_("居民身份证号码"))
    id_number_index = models.CharField(max_length=64, unique=True, editable=False)
    id_number_index_next = models.CharField(max_length=64, unique=True, null=True, editable=False)  # identity.blind_indexes
    name = models.CharField(_("姓名"), max_length=64)
    phone = EncryptedTextField(_("手机号码"), null=True, blank=True)
    phone_index = models.CharField(max_length=64, unique=True, null=True, blank=True, editable=False)
    phone_index_next = models.CharField(max_length=64, unique=True, null=True, editable=False)
    phone_verified = models.BooleanField(_("手机号已验证"), default=False)
    real_name_verified_at = models.DateTimeField(_("实名核验时间"), null=True, blank=True)
    department = models.ForeignKey(
        Department, null=True, blank=True, on_delete=models.PROTECT, related_name="staff", verbose_name=_("所属部门")
    )
    service_hall = models.ForeignKey(
        ServiceHall, null=True, blank=True, on_delete=models.PROTECT, related_name="clerks", verbose_name=_("服务大厅")
    )
    is_active = models.BooleanField(_("启用"), default=True)
    is_staff = models.BooleanField(_("可登录管理后台"), default=False)
    date_joined = models.DateTimeField(_("注册时间"), default=timezone.now)
    elder_mode = models.BooleanField(_("长辈版"), default=False, help_text=_("大字、高对比、常用事项在首页"))

    objects = UserManager()

    USERNAME_FIELD = "id_number_index"
    REQUIRED_FIELDS: list[str] = []

    class Meta:
        verbose_name = _("用户")
        verbose_name_plural = _("用户")

    def __str__(self) -> str:
        seen = masking.Viewer.AUDITOR  # admin's choice lists and logs
        return f"{masking.shown('name', self.name, viewer=seen)} ({masking.shown('id_number', self.id_number or '', viewer=seen)})"

    def set_id_number(self, raw: str) -> None:
        self.id_number = normalize_id_number(raw)
        self.id_number_index = id_number_index(raw)

    def set_phone(self, raw: str | None, *, verified: bool = False) -> None:
        if raw:
            self.phone = normalize_phone(raw)
            self.phone_index = phone_index(raw)
        else:
            self.phone, self.phone_index = None, None
        self.phone_verified = bool(raw) and verified

    # The masked_* properties name a person as anyone else sees them (identity.masking, the "others"
    # row). Pages, serializers and services ask the table for their own viewer instead.
    @property
    def masked_id_number(self) -> str:
        return masking.shown("id_number", self.id_number or "", viewer=masking.Viewer.OTHERS)

    @property
    def masked_phone(self) -> str:
        return masking.shown("phone", self.phone or "", viewer=masking.Viewer.OTHERS)

    def get_session_auth_hash(self) -> str:
        # Set by IdentityBackend.get_user from its cache, so checking a session needs no password hash.
        return self.__dict__.get("_session_auth_hash") or super().get_session_auth_hash()

    @property
    def masked_name(self) -> str:
        return masking.shown("name", self.name, viewer=masking.Viewer.OTHERS)

    def get_full_name(self) -> str:
        return self.name

    def get_short_name(self) -> str:
        return self.name

    def has_perm(self, perm: str, obj=None) -> bool:
        """Django's answer, without loading and instantiating every backend on each call (two checks per
        staff request on the hot paths): while the one backend is ours — a ``ModelBackend``, whose answer
        for a permission on no object is the user's own ``_perm_cache`` — and that cache is filled (a
        signed-in user is built with it, ``identity.auth_backends``), the cache answers as the backend would."""
        if obj is None and "_perm_cache" in self.__dict__ and settings.AUTHENTICATION_BACKENDS == _OWN_BACKENDS:
            return self.is_active and (self.is_superuser or perm in self._perm_cache)
        return super().has_perm(perm, obj)


OWN_BACKEND = "identity.auth_backends.IdentityBackend"  # the one backend (settings.AUTHENTICATION_BACKENDS; auth_backends.BACKEND)
_OWN_BACKENDS = [OWN_BACKEND]  # a ModelBackend: permissions through groups, no object permissions


class PopulationRecord(models.Model):
    """A row of the population base (人口库), the reference for real-name checks."""

    class Status(models.TextChoices):
        NORMAL = "normal", _("正常")
        CANCELLED = "cancelled", _("已注销")

    id_number = EncryptedTextField(_("居民身份证号码"))
    id_number_index = models.CharField(max_length=64, unique=True, editable=False)
    id_number_index_next = models.CharField(max_length=64, unique=True, null=True, editable=False)  # identity.blind_indexes
    name = models.CharField(_("姓名"), max_length=64)
    gender = models.CharField(_("性别"), max_length=1, choices=[("M", _("男")), ("F", _("女"))])
    birth_date = models.DateField(_("出生日期"))
    area_code = models.CharField(_("户籍地区划代码"), max_length=6)
    status = models.CharField(_("状态"), max_length=16, choices=Status.choices, default=Status.NORMAL)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    class Meta:
        verbose_name = _("人口库记录")
        verbose_name_plural = _("人口库记录")

    def __str__(self) -> str:
        seen = masking.Viewer.AUDITOR
        return f"{masking.shown('name', self.name, viewer=seen)} {masking.shown('id_number', self.id_number or '', viewer=seen)}"


class LegalEntityRecord(models.Model):
    """A row of the legal-entity base (法人库). Credit codes and entity names are public information."""

    class Status(models.TextChoices):
        ACTIVE = "active", _("存续")
        REVOKED = "revoked", _("吊销")
        DEREGISTERED = "deregistered", _("注销")

    credit_code = models.CharField(_("统一社会信用代码"), max_length=18, unique=True)
    name = models.CharField(_("名称"), max_length=255)
    kind = models.CharField(_("类型"), max_length=64, blank=True)
    legal_representative_name = models.CharField(_("法定代表人姓名"), max_length=64)
    legal_representative_id_number = EncryptedTextField(_("法定代表人身份证号码"))
    legal_representative_index = models.CharField(max_length=64, db_index=True, editable=False)
    area_code = models.CharField(_("登记地区划代码"), max_length=6)
    registered_on = models.DateField(_("成立日期"), null=True, blank=True)
    status = models.CharField(_("状态"), max_length=16, choices=Status.choices, default=Status.ACTIVE)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    class Meta:
        verbose_name = _("法人库记录")
        verbose_name_plural = _("法人库记录")

    def __str__(self) -> str:
        return f"{self.name} ({self.credit_code})"


class Organisation(models.Model):
    """An organisation registered on the platform, bound to its legal representative's account."""

    credit_code = models.CharField(_("统一社会信用代码"), max_length=18, unique=True)
    name = models.CharField(_("名称"), max_length=255)
    legal_representative = models.ForeignKey(
        User, on_delete=models.PROTECT, related_name="represented_organisations", verbose_name=_("法定代表人")
    )
    registered_at = models.DateTimeField(_("注册时间"), default=timezone.now)

    class Meta:
        verbose_name = _("法人账户")
        verbose_name_plural = _("法人账户")

    def __str__(self) -> str:
        return f"{self.name} ({self.credit_code})"


class AgentScope(models.TextChoices):
    """What an agent (经办人) may do for an organisation."""

    APPLY = "services.apply", _("办理政务服务事项")
    VIEW_CREDENTIALS = "credentials.view", _("查看电子证照")
    PRESENT_CREDENTIALS = "credentials.present", _("出示电子证照")


class AgentAuthorisation(models.Model):
    """The legal representative's authorisation of a person to act for the organisation."""

    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="agents", verbose_name=_("法人"))
    agent = models.ForeignKey(User, on_delete=models.CASCADE, related_name="agent_authorisations", verbose_name=_("经办人"))
    scopes = models.JSONField(_("授权范围"), default=list)
    valid_from = models.DateTimeField(_("生效时间"), default=timezone.now)
    valid_until = models.DateTimeField(_("失效时间"))
    granted_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+", verbose_name=_("授权人"))
    granted_at = models.DateTimeField(_("授权时间"), auto_now_add=True)
    revoked_at = models.DateTimeField(_("撤销时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("经办人授权")
        verbose_name_plural = _("经办人授权")
        indexes = [models.Index(fields=["agent", "organisation"])]

    def __str__(self) -> str:
        return f"{self.agent} → {self.organisation}"

    def is_active(self, at=None) -> bool:
        at = at or timezone.now()
        return self.revoked_at is None and self.valid_from <= at < self.valid_until


class AuditEvent(models.Model):
    """An append-only record of a security event or of someone using a person's data.

    Never holds a plaintext ID or phone number: subjects are references, details are masked.
    """

    Action = Action  # the vocabulary (identity.actions), kept here for the call sites' AuditEvent.Action.X

    created_at = models.DateTimeField(_("时间"), default=timezone.now, db_index=True)
    action = models.CharField(_("事件"), max_length=40)  # identity.actions: constants in code, no DB choices
    actor = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.SET_NULL, related_name="+", verbose_name=_("操作人")
    )
    actor_organisation = models.ForeignKey(
        Organisation, null=True, blank=True, on_delete=models.SET_NULL, related_name="+", verbose_name=_("代表法人")
    )
    actor_description = models.CharField(_("操作方"), max_length=255, blank=True)
    subject = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.SET_NULL, related_name="audit_events", verbose_name=_("数据主体")
    )
    subject_organisation = models.ForeignKey(
        Organisation, null=True, blank=True, on_delete=models.SET_NULL, related_name="audit_events", verbose_name=_("法人主体")
    )
    detail = models.JSONField(_("详情"), default=dict, blank=True)
    source_ip = models.GenericIPAddressField(_("来源IP"), null=True, blank=True)

    class Meta:
        verbose_name = _("审计事件")
        verbose_name_plural = _("审计事件")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["subject", "-created_at"])]

    def __str__(self) -> str:
        return f"{self.created_at:%Y-%m-%d %H:%M} {self.get_action_display()}"

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise PermissionError("audit events are append-only")
        check_action(self.action)
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise PermissionError("audit events are append-only")

    def get_action_display(self) -> str:
        return action_label(self.action)


class SmsMessage(models.Model):
    """The SMS outbox: every message the platform sends, whatever the backend."""

    phone = EncryptedTextField(_("手机号码"))
    phone_masked = models.CharField(_("手机号码"), max_length=16)
    phone_index = models.CharField(max_length=64, db_index=True, editable=False)
    body = models.TextField(_("内容"))
    purpose = models.CharField(_("用途"), max_length=32)
    created_at = models.DateTimeField(_("时间"), auto_now_add=True)
    sent_at = models.DateTimeField(_("发送时间"), null=True, blank=True)
    backend = models.CharField(_("通道"), max_length=64)

    class Meta:
        verbose_name = _("短信")
        verbose_name_plural = _("短信发件箱")
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.phone_masked} {self.purpose}"


class ApiClient(models.Model):
    """A system (not a person) calling the API: the data-sharing platform, an issuing department.

    Authenticates with ``Authorization: Bearer <key_id>.<secret>``; only a hash of the secret is stored.
    """

    name = models.CharField(_("名称"), max_length=128)
    key_id = models.CharField(_("客户端ID"), max_length=32, unique=True, editable=False)
    secret_hash = models.CharField(max_length=255, editable=False)
    scopes = models.JSONField(_("授权范围"), default=list, help_text=_("例如 base_records.sync"))
    department = models.ForeignKey(Department, null=True, blank=True, on_delete=models.PROTECT, verbose_name=_("部门"))
    is_active = models.BooleanField(_("启用"), default=True)
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("系统接入客户端")
        verbose_name_plural = _("系统接入客户端")

    def __str__(self) -> str:
        return self.name

    @property
    def is_authenticated(self) -> bool:  # lets DRF treat the client as request.user
        return True

    def set_new_secret(self) -> str:
        """Create a fresh key id (if needed) and secret; returns the token to hand over once."""
        self.key_id = self.key_id or secrets.token_hex(8)
        secret = secrets.token_urlsafe(32)
        # 256 random bits need no slow password hash; a digest (SHA-256 or SM3, identity.crypto) keeps the hot path cheap.
        self.secret_hash = crypto.secret_digest(secret)
        return f"{self.key_id}.{secret}"

    def check_secret(self, secret: str) -> bool:
        return crypto.secret_matches(secret, self.secret_hash)


class Notice(models.Model):
    """An in-app notice (站内信) to one person: a check of their credential, a change to an application."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="notices", verbose_name=_("接收人"))
    kind = models.CharField(_("类别"), max_length=40)
    title = models.CharField(_("标题"), max_length=200)
    body = models.TextField(_("内容"), blank=True)
    # the untranslated title and body (identity.notices): shown in the reader's language; {} for notices sent before it was kept
    message = models.JSONField(_("消息原文"), default=dict, blank=True, editable=False)
    url = models.CharField(_("链接"), max_length=300, blank=True)
    created_at = models.DateTimeField(_("时间"), default=timezone.now)
    read_at = models.DateTimeField(_("已读时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("站内消息")
        verbose_name_plural = _("站内消息")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["user", "-created_at"])]

    def __str__(self) -> str:
        return self.title
