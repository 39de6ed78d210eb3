"""What an SD-JWT VC of each credential type is called and holds: its ``vct`` and its claims with
their labels, and the words for a verifier's verdicts. Read by the issuer, the verifier, the register
and the wallet pages alike."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from credentials.models import CredentialType
from identity import masking


def vct_for(base: str, ctype: CredentialType) -> str:
    return f"{base}/vct/{ctype.code}"


def labelled_claims(ctype: CredentialType) -> list[tuple[str, str, str]]:
    """(claim name, Chinese label, English label) for every disclosable claim of a type."""
    labels = [("holder_name", "持证人", "Holder"), ("holder_number", "证件号码", "Holder number"),
              ("issued_on", "发证日期", "Issued on"), ("expires_on", "有效期至", "Valid until")]
    for spec in ctype.field_schema:
        labels.append((spec["key"], spec.get("label", spec["key"]), spec.get("label_en") or spec.get("label", spec["key"])))
    return labels


def claim_names(ctype: CredentialType) -> list[str]:
    return [name for name, _zh, _en in labelled_claims(ctype)]


def validate_allowed(allowed) -> None:
    """What a relying party's registration may name: types that exist, and claims each type has —
    the register is what verifiers are held to."""
    if not isinstance(allowed, dict) or not all(isinstance(keys, list) for keys in allowed.values()):
        raise ValidationError(_('Write {"credential type code": ["field key", …]}.'))
    types = {ctype.code: ctype for ctype in CredentialType.objects.filter(code__in=list(allowed))}
    for code, keys in allowed.items():
        if code not in types:
            raise ValidationError(_("Unknown credential type: %(code)s") % {"code": code})
        unknown = sorted(set(keys) - set(claim_names(types[code])))
        if unknown:
            raise ValidationError(_("%(type)s has no field %(keys)s") % {"type": types[code].name, "keys": ", ".join(unknown)})


def claim_labels(ctype: CredentialType) -> dict[str, str]:
    """Claim name → its label in the request's language."""
    from django.utils.translation import get_language

    english = get_language() == "en"
    return {name: (en if english else zh) for name, zh, en in labelled_claims(ctype)}


# Why an answer was refused, for the console and the API (the codes are stable; the words follow the language).
REASONS = {
    "valid": gettext_lazy("有效"),
    "malformed": gettext_lazy("无法识别的出示内容"),
    "malformed_disclosure": gettext_lazy("披露内容格式错误"),
    "bad_signature": gettext_lazy("发证方签名无效"),
    "unknown_key": gettext_lazy("未知的签名密钥"),
    "unknown_issuer": gettext_lazy("不是本平台签发的证照"),
    "expired": gettext_lazy("证照副本已过期"),
    "not_yet_valid": gettext_lazy("证照副本尚未生效"),
    "unknown_disclosure": gettext_lazy("出示了发证方未签发的字段值"),
    "key_binding_missing": gettext_lazy("缺少持有人设备签名"),
    "key_binding_invalid": gettext_lazy("持有人设备签名无效"),
    "key_binding_stale": gettext_lazy("持有人设备签名已过时"),
    "wrong_nonce": gettext_lazy("不是对本次请求的应答（可能是截图或转发）"),
    "wrong_audience": gettext_lazy("这是出示给其他单位的内容"),
    "wrong_type": gettext_lazy("证照类型不符"),
    "missing_claim": gettext_lazy("未出示请求的全部字段"),
    "status_unavailable": gettext_lazy("无法确认证照状态"),
    "credential_suspended": gettext_lazy("证照已暂停"),
    "credential_revoked": gettext_lazy("证照已注销或已更新"),
    "credential_superseded": gettext_lazy("已被新证替代"),
    "replayed": gettext_lazy("本次请求已有应答"),
    "request_expired": gettext_lazy("请求已过期"),
    "wrong_state": gettext_lazy("应答与请求不匹配"),
    "access_denied": gettext_lazy("对方在手机上拒绝了出示"),
    "wallet_error": gettext_lazy("钱包应用报告了错误"),
}


def reason_label(code: str) -> str:
    """The words for a verdict's reason code: an OpenID4VP answer's, else a 亮证 check's."""
    from credentials.models import Verification

    if code in REASONS:
        return str(REASONS[code])
    return str(Verification.Reason(code).label) if code in Verification.Reason.values else code


# Labels a credential type may give its own issuing-authority field (the office printed on the card).
AUTHORITY_LABELS = {"签发机关", "发证机关", "发证单位", "登记机关"}
AUTHORITY_KEYS = {"issuing_authority", "issuer", "authority", "registry"}


def facts_once(*, holder_name: str, holder_number: str, rows: list[dict], issuer: str) -> list[dict]:
    """The holder, the credential's own fields and its issuing department as ``{"label", "value"}``,
    each fact once: a fixed fact whose value a field already shows (a licence's 证号 that is the ID
    number, masked or in full) is left to the field, whose label is the one printed on the card; the department is named
    apart from a field that is itself the card's issuing authority (an ID card's 签发机关)."""
    values = {str(row["value"]) for row in rows}
    # a number in full also says its masked form (as a card shows it)
    values |= {masking.shown("id_number", value, viewer=masking.Viewer.DISPLAY) for value in values if value.isalnum() and len(value) >= 15}
    facts = [{"label": label, "value": value} for label, value in ((_("持证人"), holder_name), (_("证件号码"), holder_number))
             if value and str(value) not in values]
    facts += [{"label": row["label"], "value": row["value"], "key": row.get("key", "")} for row in rows]
    if issuer and issuer not in values:
        own_authority = any(str(row["label"]) in AUTHORITY_LABELS or row.get("key") in AUTHORITY_KEYS for row in rows)
        facts.append({"label": _("电子证照发证部门") if own_authority else _("发证机关"), "value": issuer})
    return facts
