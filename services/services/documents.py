"""The result notice of a completed application: an HTML template rendered to PDF (WeasyPrint) and
signed with the department's electronic seal (PAdES, credentials/seals.py), so a recipient verifies
it with any PDF reader that trusts the seal root."""

from __future__ import annotations

from django.conf import settings
from django.core import signing
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from core.errors import Conflict
from core.pdf import render_pdf
from core.usecases import pure
from credentials import rendering, seals
from services.models import Application

NOTICE_SALT = "qilu.result-notice"


@pure
def notice_check_url(application: Application, base: str) -> str:
    """What the notice's QR holds: a public page that confirms this notice (its number signed with the
    site's key, so numbers cannot be walked) and says whether its credential is still valid."""
    signed = signing.Signer(salt=NOTICE_SALT).sign(application.number)
    return base.rstrip("/") + reverse("notice-check", args=[signed])


@pure
def notice_number(signed: str) -> str | None:
    """The application number a notice QR names, or None when the signature does not hold."""
    try:
        return signing.Signer(salt=NOTICE_SALT).unsign(signed)
    except signing.BadSignature:
        return None


@pure
def result_pdf(application: Application, *, base: str = "") -> bytes:
    """Only a completed application has a result notice. It names the applicant in full (it is their
    own document) and carries a QR of its check page (``notice_check_url``) on ``base``."""
    if application.status != "completed":
        raise Conflict(_("There is no result yet."), code="not_completed")
    decided = timezone.localtime(application.decided_at or timezone.now())
    rows = [
        ("办件编号", application.number),
        ("申请人", application.organisation.name if application.organisation else application.applicant.name),
        ("办理部门", application.department.name),
        ("办理结果", "准予许可（已办结）"),
        ("决定日期", f"{decided:%Y年%m月%d日}"),
        ("指南版本", f"v{application.version.version}"),
    ]
    if application.result_credential_id:
        rows.append(("电子证照", application.result_credential.identifier))
    check_url = notice_check_url(application, base or settings.QILU_PUBLIC_URL or "http://127.0.0.1:8000")
    pdf = render_pdf("documents/result_notice.html", {"application": application, "rows": rows, "decided": decided,
                                                      "seal_svg": seals.seal_svg(application.department.name),
                                                      "check_qr": rendering.qr_svg(check_url), "check_url": check_url})
    return seals.seal_pdf(pdf, department=application.department, reason=f"办理结果通知书 {application.number}")
