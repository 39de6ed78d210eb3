"""Any credential in the wallet as a sealed PDF (盖章版): rendered from an HTML template and signed
with the issuing department's electronic seal (credentials/seals.py), for places that still take
paper or a file rather than a 亮证 code."""

from __future__ import annotations

from django.utils import timezone
from django.utils.translation import gettext as _

from core.errors import Conflict
from core.pdf import render_pdf
from credentials import seals
from credentials.models import Credential


def ensure_presentable_as_document(credential: Credential) -> None:
    """A sealed PDF is a way of presenting: a credential that may not be shown is not sealed either.
    An expired one is (its validity is printed on it), as a lapsed paper licence is still a record."""
    refusal = _("This credential is %(status)s and cannot be shown.") % {"status": credential.get_effective_status_display()}
    if credential.status == Credential.Status.SUPERSEDED:
        raise Conflict(refusal, code="credential_superseded")
    if credential.status == Credential.Status.SUSPENDED:
        raise Conflict(refusal, code="credential_suspended")
    if credential.status == Credential.Status.REVOKED:
        raise Conflict(refusal, code="credential_revoked")


def credential_pdf(credential: Credential) -> bytes:
    """The holder's own document: every field as issued (the holder chooses whom to give it).
    Refuses (409) a superseded, suspended or revoked credential."""
    ensure_presentable_as_document(credential)
    department = credential.type.department
    labels = {spec["key"]: spec.get("label", spec["key"]) for spec in credential.type.field_schema}
    fields = [(labels.get(key, key), value) for key, value in credential.fields.items() if key in labels]
    pdf = render_pdf("documents/credential.html", {"credential": credential, "fields": fields, "department": department,
                                                   "seal_svg": seals.seal_svg(department.name), "today": timezone.localdate()})
    return seals.seal_pdf(pdf, department=department, reason=f"{credential.type.name} 电子证照盖章版 {credential.identifier}")
