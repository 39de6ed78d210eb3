"""What an SD-JWT VC of each credential type is called and holds: its ``vct`` and its claims with
their labels. Read by the issuer, the verifier, the register and the wallet pages alike."""

from __future__ import annotations

from credentials.models import CredentialType


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


def claim_labels(ctype: CredentialType) -> dict[str, str]:
    """Claim name → its label in the request's language."""
    from django.utils.translation import get_language

    english = get_language() == "en"
    return {name: (en if english else zh) for name, zh, en in labelled_claims(ctype)}


