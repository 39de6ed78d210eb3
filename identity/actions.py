"""The audit vocabulary: every action an audit event may record and the words a person reads for it
(a zh msgid, its English in ``locale/en``). Zulip's way (``RealmAuditLog`` event types): constants in
code on a plain text column — no ``choices``, so a new action is a line here or a ``declare`` in the
app that writes it, never an identity migration.

- ``Action`` holds the platform's actions; an app may declare its own with ``declare(action, label)``
  beside the use case that writes it.
- ``@use_case(audit=...)`` names the actions each use case writes; ``WRITTEN_OUTSIDE_USE_CASES`` names
  the few written by other paths (sign-in signals, the check journal). A test holds that vocabulary,
  declarations and labels agree (``tests/identity/test_audit_vocabulary.py``).
- ``identity.models.AuditEvent`` refuses an action that is not in the vocabulary.
"""

from __future__ import annotations

from django.db import models
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _


class UnknownAuditAction(ValueError):
    """An audit event named an action nobody declared: a programming error, never data."""


class Action(models.TextChoices):  # an enum of constants with labels; the column itself has no choices
    SIGN_IN = "sign_in", _("登录")
    SIGN_IN_FAILED = "sign_in_failed", _("登录失败")
    SIGN_OUT = "sign_out", _("退出登录")
    SIGN_UP = "sign_up", _("注册")
    REAL_NAME_CHECK = "real_name_check", _("实名核验")
    ORGANISATION_REGISTERED = "organisation_registered", _("法人注册")
    AGENT_AUTHORISED = "agent_authorised", _("授权经办人")
    AGENT_REVOKED = "agent_revoked", _("撤销经办人授权")
    PROFILE_VIEWED = "profile_viewed", _("查看个人信息")
    CREDENTIAL_VERIFIED = "credential_verified", _("核验电子证照")
    APPLICATION_VIEWED = "application_viewed", _("查看办件")
    APPLICATION_SUBMITTED_FOR = "application_submitted_for", _("窗口代为申请")
    HEALTH_PASS_CHECKED = "health_pass_checked", _("查验健康码")
    HEALTH_APPEAL = "health_appeal", _("健康码申诉")
    DATA_EXPORTED = "data_exported", _("导出个人数据")
    NOTICES_READ = "notices_read", _("消息已读")
    BASE_RECORDS_IMPORTED = "base_records_imported", _("导入基础库")
    CREDENTIAL_ISSUED = "credential_issued", _("签发电子证照")
    CREDENTIAL_STATUS_CHANGED = "credential_status_changed", _("变更证照状态")
    CREDENTIAL_HIDDEN = "credential_hidden", _("卡包显示设置")
    CREDENTIAL_PRESENTED = "credential_presented", _("亮证")
    HEALTH_DECLARATION = "health_declaration", _("健康申报")
    VENUE_VISIT = "venue_visit", _("场所扫码")
    VENUE_REGISTERED = "venue_registered", _("登记场所")
    DEPENDANT_ADDED = "dependant_added", _("添加代领人员")
    DEPENDANT_REVOKED = "dependant_revoked", _("解除代领")
    HEALTH_OVERRIDE = "health_override", _("人工设定健康码")
    HEALTH_RULES_CHANGED = "health_rules_changed", _("健康码规则变更")
    HEALTH_DATA_IMPORTED = "health_data_imported", _("导入健康数据")
    TRUSTED_ISSUER_CHANGED = "trusted_issuer_changed", _("互认签发方变更")
    APPLICATION_SUBMITTED = "application_submitted", _("提交办件")
    APPLICATION_STEP = "application_step", _("办件流转")
    MATERIAL_DOWNLOADED = "material_downloaded", _("下载申请材料")
    UPLOAD_STORED = "upload_stored", _("上传材料")
    COUNTER_LOOKUP = "counter_lookup", _("窗口调取信息")
    ITEM_VERSION_CHANGED = "item_version_changed", _("事项版本变更")
    RETENTION_APPLIED = "retention_applied", _("到期记录归档")
    PREFERENCES_CHANGED = "preferences_changed", _("更改显示偏好")
    SECOND_FACTOR_CHANGED = "second_factor_changed", _("更改登录验证方式")
    SERVICE_RATED = "service_rated", _("好差评")
    RECTIFICATION_STEP = "rectification_step", _("差评整改")
    SEAL_CHANGED = "seal_changed", _("电子印章变更")
    PAYMENT = "payment", _("缴费")
    WALLET_OFFER = "wallet_offer", _("添加到数字钱包")
    WALLET_ISSUED = "wallet_issued", _("发放到数字钱包")
    PRESENTATION_REQUESTED = "presentation_requested", _("发起出示请求")
    PRESENTATION_ANSWERED = "presentation_answered", _("向依赖方出示证照")
    PASSWORD_RESET = "password_reset", _("重置密码")
    ADMIN_RECORD_CHANGED = "admin_record_changed", _("后台维护记录")


_LABELS: dict[str, Promise | str] = {action.value: action.label for action in Action}

# Written by paths that are not use cases: Django's and allauth's signals (identity.receivers: sign-in,
# sign-out, a failed sign-in, a second factor added or removed inside allauth's own write).
WRITTEN_OUTSIDE_USE_CASES = frozenset({Action.SIGN_IN, Action.SIGN_IN_FAILED, Action.SIGN_OUT, Action.SECOND_FACTOR_CHANGED})
# No longer written; kept so older rows still read in words.
RETIRED = frozenset({Action.PROFILE_VIEWED})


def declare(action: str, label: Promise | str) -> str:
    """Add ``action`` to the vocabulary with its label (a lazy zh msgid with an English entry in the
    locale); returns the constant to pass to ``@use_case(audit=...)`` and ``audit_record``."""
    if _LABELS.get(action, label) != label:
        raise ValueError(f"audit action {action!r} is already declared with another label")
    _LABELS[action] = label
    return action


def check(action: str) -> str:
    """``action`` if it is in the vocabulary; ``UnknownAuditAction`` otherwise."""
    if action not in _LABELS or action in RETIRED:
        raise UnknownAuditAction(f"audit action {action!r} is not declared (identity.actions)")
    return action


def label(action: str) -> str:
    """The words a person reads for ``action``, in the active language (the raw value if unknown,
    for rows written before an action was retired)."""
    return str(_LABELS.get(action, action))


def vocabulary() -> dict[str, Promise | str]:
    return dict(_LABELS)
