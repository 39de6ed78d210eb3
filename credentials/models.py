"""E-credentials: signing keys, credential types, issued credentials, presentations (亮证) and checks."""

from __future__ import annotations

import datetime as dt
import json
import uuid

from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from core.fields import validate_schema
from core.models import Bilingual
from credentials.signals import holders_written
from identity.fields import EncryptedTextField
from identity.models import ApiClient, Department, ServiceHall, User


class SigningKey(models.Model):
    """One key pair of the one key ring, for one purpose and algorithm (ES256, or SM2 for
    co-signatures). ``private_key`` holds the crypto provider's handle, encrypted under
    QILU_MASTER_KEY (``provider:base64``; keys from before issue 26 hold PKCS#8 PEM, still read);
    ``kid`` is the RFC 7638 thumbprint of the public half. For each purpose and algorithm exactly one
    key is active (signs); verifying keys only verify; retired keys are no longer published and
    anything they signed is refused."""

    class Status(models.TextChoices):
        ACTIVE = "active", _("签名中")
        VERIFYING = "verifying", _("仅验签")
        RETIRED = "retired", _("已退役")

    class Purpose(models.TextChoices):
        CREDENTIALS = "credentials", _("证照签名")  # SD-JWT VCs and the platform's own signed codes (亮证, health passes)
        STATUS_LISTS = "status_lists", _("状态列表签名")
        REQUEST_OBJECTS = "request_objects", _("出示请求签名")
        ACCESS_TOKENS = "access_tokens", _("访问令牌签名")

    kid = models.CharField(_("密钥ID"), max_length=64, unique=True)
    purpose = models.CharField(_("用途"), max_length=16, choices=Purpose.choices, default=Purpose.CREDENTIALS)
    algorithm = models.CharField(_("算法"), max_length=16, default="ES256")
    public_jwk = models.JSONField(_("公钥 (JWK)"))
    private_key = EncryptedTextField(_("私钥 (加密)"))
    status = models.CharField(_("状态"), max_length=16, choices=Status.choices, default=Status.ACTIVE)
    created_at = models.DateTimeField(_("创建时间"), default=timezone.now)
    retired_at = models.DateTimeField(_("退役时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("签名密钥")
        verbose_name_plural = _("签名密钥")
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(fields=["purpose", "algorithm"], condition=models.Q(status="active"),
                                    name="one_active_signing_key_per_purpose_and_algorithm"),
        ]

    def __str__(self) -> str:  # words, not the thumbprint: the kid is a field of its own on the page
        return _("%(purpose)s %(algorithm)s 密钥（%(created)s 创建，%(status)s）") % {
            "purpose": self.get_purpose_display(), "algorithm": self.algorithm,
            "created": timezone.localtime(self.created_at).strftime("%Y-%m-%d %H:%M"), "status": self.get_status_display()}


def issuer_record_index(record_id: str) -> str:
    """The keyed blind index of an issuing system's record number (``Credential.issuer_record_index``)."""
    from identity import crypto

    return crypto.blind_index(str(record_id), purpose="issuer_record")


class HolderKind(models.TextChoices):
    PERSON = "person", _("自然人")
    ORGANISATION = "organisation", _("法人")


FIELD_TYPES = ("text", "date", "number", "id_number", "choice")


def validate_field_schema(schema) -> None:
    """A credential type's fields: a list of {key, label, type, required?, choices?, on_card?, label_en?}."""
    validate_schema(schema, types=FIELD_TYPES, reserved=("holder_number", "photo", "holder_name"), allow_empty=False)


class CredentialType(Bilingual, models.Model):
    """A kind of e-credential (证照类型), defined by a department, with its fields and validity rule."""

    code = models.SlugField(_("类型编码"), max_length=48, unique=True)
    name = models.CharField(_("名称"), max_length=64)
    name_en = models.CharField(_("英文名称"), max_length=96, blank=True)
    holder_kind = models.CharField(_("持证主体"), max_length=16, choices=HolderKind.choices, default=HolderKind.PERSON)
    department = models.ForeignKey(Department, on_delete=models.PROTECT, related_name="credential_types", verbose_name=_("发证部门"))
    type_code = models.CharField(
        _("证照类型代码"), max_length=21, unique=True, help_text=_("定义部门的统一社会信用代码 + 3 位序号（国家电子证照标识）")
    )
    field_schema = models.JSONField(_("字段定义"), validators=[validate_field_schema])
    validity_years = models.PositiveSmallIntegerField(_("有效期（年）"), null=True, blank=True, help_text=_("发证方未给出有效期时使用；空为长期"))
    colour = models.CharField(_("卡面颜色"), max_length=7, default="#1f5fa8")
    issuers = models.ManyToManyField(
        ApiClient, blank=True, related_name="issuable_types", verbose_name=_("可签发的发证系统"), help_text=_("只有这些系统可以推送此类型")
    )
    single_per_holder = models.BooleanField(
        _("每人只持一份"), default=False,
        help_text=_("如驾驶证、身份证：再次签发（换证、补证）时，持证人手中的旧证自动变为“已被新证替代”，不能再出示"),
    )
    is_active = models.BooleanField(_("启用"), default=True)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    class Meta:
        verbose_name = _("证照类型")
        verbose_name_plural = _("证照类型")
        ordering = ["code"]

    def __str__(self) -> str:
        return self.name

    def clean(self):
        from core.numbers import validate_credit_code

        code = (self.type_code or "").upper()
        if len(code) != 21 or not code[18:].isdigit():
            raise ValidationError({"type_code": _("Use the department's credit code followed by 3 digits.")})
        validate_credit_code(code[:18])
        self.type_code = code

    @property
    def fields_by_key(self) -> dict[str, dict]:
        return {item["key"]: item for item in self.field_schema}


class CredentialQuerySet(models.QuerySet):
    """Every bulk write of credentials names the holders it changes to ``credentials.held`` (their
    mirrored stamps; ``bulk_update`` goes through ``update``); ``save()`` and ``delete()`` — a queryset's
    too: its receivers make Django delete row by row — do so through ``credentials.receivers``."""

    def _changed(self, indexes) -> None:
        holders_written.send(sender=Credential, indexes=indexes, using=self.db)

    def update(self, **kwargs):
        indexes = set(self.values_list("holder_index", flat=True)) | {kwargs.get("holder_index")}
        done = super().update(**kwargs)
        self._changed(indexes)
        return done

    def bulk_create(self, objs, *args, **kwargs):
        made = super().bulk_create(objs, *args, **kwargs)
        self._changed({credential.holder_index for credential in made})
        return made


_DAY: list = [None, 0.0, 0.0, None]  # the local date, the timestamps of its first second and of the next day's, the zone


def local_today() -> dt.date:
    """``timezone.localdate()``, converted once per local day (and zone) in a process, not per call: the
    hot paths (亮证, a clerk's scan) ask it on every request."""
    now, zone = timezone.now().timestamp(), timezone.get_current_timezone()
    today, start, end, known = _DAY
    if not (start <= now < end and zone is known):
        today = timezone.localdate()
        start = dt.datetime.combine(today, dt.time.min, tzinfo=zone).timestamp()
        end = dt.datetime.combine(today + dt.timedelta(days=1), dt.time.min, tzinfo=zone).timestamp()
        _DAY[:] = today, start, end, zone
    return today


class Credential(models.Model):
    """One issued e-credential. Holder number, fields and photo are encrypted at rest; the holder is
    found through the blind index of their one number (ID number or credit code)."""

    class Status(models.TextChoices):
        VALID = "valid", _("有效")
        SUSPENDED = "suspended", _("已暂停")
        REVOKED = "revoked", _("已注销")
        SUPERSEDED = "superseded", _("已被新证替代")  # a newer copy of a type held once was issued (换证, 补证)
        EXPIRED = "expired", _("已过期")  # only ever computed from expires_on, never stored

    identifier = models.CharField(_("证照标识"), max_length=96, unique=True)
    type = models.ForeignKey(CredentialType, on_delete=models.PROTECT, related_name="credentials", verbose_name=_("证照类型"))
    holder_kind = models.CharField(_("持证主体"), max_length=16, choices=HolderKind.choices)
    holder_index = models.CharField(max_length=64, db_index=True, editable=False)
    holder_number = EncryptedTextField(_("持证主体代码"))
    holder_name = models.CharField(_("持证主体名称"), max_length=255)
    fields_json = EncryptedTextField(_("字段"))
    photo = EncryptedTextField(_("照片 (JPEG, base64)"), null=True, blank=True)
    issuer = models.ForeignKey(ApiClient, on_delete=models.PROTECT, related_name="issued_credentials", verbose_name=_("发证系统"))
    # The issuing system's own record number can name a person (a case or file number): stored
    # encrypted, found through its keyed blind index (``issuer_record_index``), as holder numbers are.
    issuer_record_id = EncryptedTextField(_("发证方记录号"))
    issuer_record_index = models.CharField(max_length=64, editable=False)
    issued_on = models.DateField(_("发证日期"))
    expires_on = models.DateField(_("有效期至"), null=True, blank=True)
    status = models.CharField(_("状态"), max_length=16, choices=Status.choices, default=Status.VALID)
    status_reason = models.CharField(_("状态原因"), max_length=255, blank=True)
    status_changed_at = models.DateTimeField(_("状态变更时间"), null=True, blank=True)
    revision = models.PositiveIntegerField(_("版本"), default=1)
    superseded_by = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="+", verbose_name=_("替代它的新证")
    )
    hidden = models.BooleanField(_("不在卡包首页显示"), default=False)
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    objects = CredentialQuerySet.as_manager()

    class Meta:
        verbose_name = _("电子证照")
        verbose_name_plural = _("电子证照")
        ordering = ["type__code", "-issued_on"]
        constraints = [models.UniqueConstraint(fields=["issuer", "issuer_record_index"], name="one_credential_per_issuer_record")]
        indexes = [models.Index(fields=["holder_index", "type"])]

    def __str__(self) -> str:
        return f"{self.type.name} {self.identifier}"

    @classmethod
    def from_db(cls, db, field_names, values):
        credential = super().from_db(db, field_names, values)
        credential.held_by = credential.__dict__.get("holder_index")  # a save that moves it changes two holders (credentials.receivers)
        return credential

    @property
    def fields(self) -> dict:
        return json.loads(self.fields_json or "{}")

    @fields.setter
    def fields(self, value: dict) -> None:
        self.fields_json = json.dumps(value, ensure_ascii=False, sort_keys=True)

    def effective_status(self, today=None) -> str:
        return self.status_on(self.status, self.expires_on, today)

    @classmethod
    def status_on(cls, status: str, expires_on, today=None) -> str:
        """The one expiry rule: a valid credential past its expiry date is expired (also applied to
        what a shown code kept in Redis, ``credentials.services._Scanned``, and to a held copy,
        ``credentials.held.HeldCredential``); ``today`` by default the local date now (``local_today``)."""
        if status == cls.Status.VALID and expires_on and expires_on < (today or local_today()):
            return cls.Status.EXPIRED
        return status

    def get_effective_status_display(self) -> str:
        return str(self.Status(self.effective_status()).label)


class HolderStamp(models.Model):
    """The version of one holder's credentials (``credentials.held``): moved by a trigger in the same
    transaction as any insert, update or delete of a credential of theirs (migration 0014)."""

    holder_index = models.CharField(max_length=64, primary_key=True)
    version = models.BigIntegerField(default=0)

    class Meta:
        verbose_name = _("持证主体版本")
        verbose_name_plural = _("持证主体版本")

    def __str__(self) -> str:
        return f"{self.holder_index[:8]}… v{self.version}"


class Presentation(models.Model):
    """A signed, short-lived, one-time showing of one credential (亮证). The id is the nonce (``jti``)."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    credential = models.ForeignKey(Credential, on_delete=models.CASCADE, related_name="presentations")
    presenter = models.ForeignKey(User, on_delete=models.CASCADE, related_name="+", verbose_name=_("出示人"))
    on_behalf = models.BooleanField(_("代亮"), default=False)  # 家庭代办: a guardian showed a family member's credential
    disclosed = models.JSONField(_("披露字段"), default=list)
    created_at = models.DateTimeField(_("创建时间"), default=timezone.now)
    expires_at = models.DateTimeField(_("失效时间"), db_index=True)
    used_at = models.DateTimeField(_("核验时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("亮证记录")
        verbose_name_plural = _("亮证记录")

    def __str__(self) -> str:
        return f"{self.credential_id} {self.created_at:%Y-%m-%d %H:%M:%S}"


class Verification(models.Model):
    """One check of a presented credential by a clerk: who, where, when, and the verdict."""

    class Reason(models.TextChoices):
        VALID = "valid", _("有效")
        MALFORMED = "malformed", _("无法识别的二维码")
        BAD_SIGNATURE = "bad_signature", _("签名无效")
        UNKNOWN_KEY = "unknown_key", _("未知的签名密钥")
        RETIRED_KEY = "retired_key", _("签名密钥已退役")
        WRONG_KIND = "wrong_kind", _("不是电子证照亮证码")
        EXPIRED = "expired", _("亮证码已过期")
        ALREADY_USED = "already_used", _("亮证码已被使用")
        UNKNOWN_PRESENTATION = "unknown_presentation", _("亮证记录不存在")
        CREDENTIAL_SUSPENDED = "credential_suspended", _("证照已暂停")
        CREDENTIAL_REVOKED = "credential_revoked", _("证照已注销")
        CREDENTIAL_SUPERSEDED = "credential_superseded", _("已被新证替代")
        CREDENTIAL_EXPIRED = "credential_expired", _("证照已过期")

    credential = models.ForeignKey(
        Credential, null=True, blank=True, on_delete=models.SET_NULL, related_name="verifications", verbose_name=_("证照")
    )
    # No database constraint: presentations are partitioned by month (core/partitions.py), and no
    # foreign key can point into a partitioned table.
    presentation = models.ForeignKey(Presentation, null=True, blank=True, on_delete=models.SET_NULL, related_name="+", db_constraint=False,
                                     verbose_name=_("亮证记录"))
    verifier = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+", verbose_name=_("核验人"))
    service_hall = models.ForeignKey(ServiceHall, null=True, blank=True, on_delete=models.SET_NULL, verbose_name=_("服务大厅"))
    valid = models.BooleanField(_("核验结果"))
    reason = models.CharField(_("原因"), max_length=32, choices=Reason.choices)
    created_at = models.DateTimeField(_("核验时间"), default=timezone.now)
    journal_id = models.UUIDField(null=True, unique=True, editable=False)  # the check journal's record: stored once

    class Meta:
        verbose_name = _("核验记录")
        verbose_name_plural = _("核验记录")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["credential", "-created_at"])]
        permissions = [("verify_credential", _("Can verify presented credentials"))]

    def __str__(self) -> str:
        return f"{self.created_at:%Y-%m-%d %H:%M} {self.get_reason_display()}"


class SealCertificate(models.Model):
    """An X.509 certificate with its private key (encrypted at rest): a department's electronic seal
    (电子印章), or one of the authorities behind the seals — the root, the seal CA that issues them,
    and the timestamp authority. Production loads the province's seal CA certificates and each
    department's seal from its files (``manage.py seal_import``); development and tests create a local
    hierarchy (``manage.py seal_authority``)."""

    class Kind(models.TextChoices):
        ROOT = "root", _("根证书")
        SEAL_CA = "seal_ca", _("印章CA")
        TSA = "tsa", _("时间戳服务")
        SEAL = "seal", _("部门电子印章")

    kind = models.CharField(_("类别"), max_length=16, choices=Kind.choices)
    department = models.ForeignKey(Department, null=True, blank=True, on_delete=models.PROTECT, related_name="seals", verbose_name=_("部门"))
    subject = models.CharField(_("主体"), max_length=255)
    certificate_pem = models.TextField(_("证书"))
    private_key = EncryptedTextField(_("私钥 (加密)"), null=True, blank=True, help_text="Empty for a trust anchor known only by its certificate")
    not_after = models.DateTimeField(_("有效期至"))
    created_at = models.DateTimeField(_("创建时间"), default=timezone.now)

    class Meta:
        verbose_name = _("电子印章证书")
        verbose_name_plural = _("电子印章证书")
        ordering = ["kind", "-created_at"]
        constraints = [
            models.UniqueConstraint(fields=["department"], condition=models.Q(kind="seal"), name="one_seal_per_department"),
            models.UniqueConstraint(fields=["kind"], condition=models.Q(kind__in=["seal_ca", "tsa"]), name="one_seal_ca_and_one_tsa"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.subject}"


# --- open standards: SD-JWT VC over OpenID4VCI, OpenID4VP, Token Status List ----------------------


class StatusList(models.Model):
    """One IETF Token Status List (draft-ietf-oauth-status-list): 2 bits for each issued SD-JWT VC
    copy (0 valid, 1 invalid, 2 suspended, 3 superseded: the draft's application-specific value),
    published signed at ``/status-lists/<id>``. Slots are
    handed out at random across the list, so neighbours in a list are not neighbours in time."""

    SIZE = 1 << 17  # 131,072 slots: 32 KiB raw, a few hundred bytes compressed while mostly valid
    BITS = 2
    FILL = 0.5  # a new list opens when half the slots are taken, so a random pick rarely collides

    size = models.PositiveIntegerField(_("容量"), default=SIZE)
    bits = models.PositiveSmallIntegerField(_("每项位数"), default=BITS)
    allocated = models.PositiveIntegerField(_("已分配"), default=0)
    created_at = models.DateTimeField(_("创建时间"), default=timezone.now)

    class Meta:
        verbose_name = _("状态列表")
        verbose_name_plural = _("状态列表")
        ordering = ["id"]

    def __str__(self) -> str:
        return f"status list {self.pk} ({self.allocated}/{self.size})"


class StatusSlot(models.Model):
    """One SD-JWT VC copy handed to a holder's device: its place in a status list, the credential's
    revision it carries, and its ``cnf`` key's thumbprint (never the key's owner in the clear)."""

    status_list = models.ForeignKey(StatusList, on_delete=models.PROTECT, related_name="slots")
    index = models.PositiveIntegerField()
    credential = models.ForeignKey(Credential, on_delete=models.CASCADE, related_name="status_slots")
    revision = models.PositiveIntegerField()
    holder_key = models.CharField(max_length=64)  # RFC 7638 thumbprint of the device key in ``cnf``
    issued_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("状态列表位置")
        verbose_name_plural = _("状态列表位置")
        constraints = [models.UniqueConstraint(fields=["status_list", "index"], name="one_copy_per_status_slot")]
        indexes = [models.Index(fields=["credential"])]

    def __str__(self) -> str:
        return f"{self.status_list_id}#{self.index}"


class CredentialOffer(models.Model):
    """An OpenID4VCI credential offer with a pre-authorized code, made by the holder for their own
    device. Only hashes of the code and of the transaction code are kept; both work once, for ten
    minutes, and five wrong transaction codes end the offer."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    holder = models.ForeignKey(User, on_delete=models.CASCADE, related_name="+")
    credential = models.ForeignKey(Credential, on_delete=models.CASCADE, related_name="+")
    code_hash = models.CharField(max_length=64, unique=True)
    tx_code_hash = models.CharField(max_length=64, blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField(db_index=True)
    redeemed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("证照领取邀请")
        verbose_name_plural = _("证照领取邀请")

    def __str__(self) -> str:
        return f"offer {self.pk}"


class RelyingParty(Bilingual, models.Model):
    """The verifier register: who may ask a holder for which fields of which credential type, and
    why. Public (``/verifiers/``, ``/api/v1/relying-parties/``); a request for more than this allows
    is refused before the holder sees it."""

    class Kind(models.TextChoices):
        WINDOW = "window", _("政务服务窗口")
        CHECKPOINT = "checkpoint", _("查验点")
        THIRD_PARTY = "third_party", _("第三方机构")

    client_id = models.SlugField(_("客户端标识"), max_length=64, unique=True, help_text=_("查验方软件在出示请求中使用的标识，须预先登记"))
    name = models.CharField(_("名称"), max_length=128)
    name_en = models.CharField(_("英文名称"), max_length=160, blank=True)
    kind = models.CharField(_("类别"), max_length=16, choices=Kind.choices)
    organisation = models.CharField(_("所属单位"), max_length=128)
    purpose = models.CharField(_("用途"), max_length=255)
    purpose_en = models.CharField(_("英文用途"), max_length=255, blank=True)
    allowed = models.JSONField(_("可请求字段"), default=dict, help_text=_('{"credential type code": ["field key", …]}'))
    members = models.ManyToManyField(User, blank=True, related_name="relying_parties", verbose_name=_("可代表其发起请求的工作人员"))
    api_client = models.ForeignKey(ApiClient, null=True, blank=True, on_delete=models.PROTECT, related_name="+", verbose_name=_("系统接入"))
    is_active = models.BooleanField(_("启用"), default=True)
    created_at = models.DateTimeField(_("登记时间"), default=timezone.now)

    class Meta:
        verbose_name = _("依赖方登记")
        verbose_name_plural = _("依赖方登记")
        ordering = ["kind", "client_id"]

    def __str__(self) -> str:
        return f"{self.name} ({self.client_id})"

    @property
    def local_purpose(self) -> str:
        from django.utils.translation import get_language

        return (self.purpose_en or self.purpose) if get_language() == "en" else self.purpose


class PresentationRequest(models.Model):
    """One OpenID4VP request by a registered relying party, and its answer. The holder is known only
    once they answer (through the status slot of the copy they presented)."""

    class Status(models.TextChoices):
        PENDING = "pending", _("等待出示")
        VERIFIED = "verified", _("已核验")
        REFUSED = "refused", _("核验未通过")

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    relying_party = models.ForeignKey(RelyingParty, on_delete=models.PROTECT, related_name="requests", verbose_name=_("依赖方"))
    requested_by = models.ForeignKey(User, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    credential_type = models.ForeignKey(CredentialType, on_delete=models.PROTECT, related_name="+", verbose_name=_("证照类型"))
    fields = models.JSONField(_("请求字段"), default=list)
    nonce = models.CharField(max_length=64)
    state = models.CharField(max_length=64)
    status = models.CharField(_("状态"), max_length=16, choices=Status.choices, default=Status.PENDING)
    reason = models.CharField(_("原因"), max_length=40, blank=True)
    attempts = models.PositiveSmallIntegerField(_("未通过的应答次数"), default=0)
    credential = models.ForeignKey(Credential, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    holder_index = models.CharField(max_length=64, blank=True, db_index=True, editable=False)
    disclosed_json = EncryptedTextField(null=True, blank=True)
    created_at = models.DateTimeField(_("请求时间"), default=timezone.now)
    expires_at = models.DateTimeField()
    answered_at = models.DateTimeField(_("出示时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("出示请求")
        verbose_name_plural = _("出示请求")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.relying_party_id} {self.created_at:%Y-%m-%d %H:%M}"

    @property
    def disclosed(self) -> dict:
        return json.loads(self.disclosed_json or "{}")
