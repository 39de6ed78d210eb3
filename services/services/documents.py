"""The result notice of a completed application: an HTML template rendered to PDF (WeasyPrint) and
signed with the department's electronic seal (PAdES, credentials/seals.py), so a recipient verifies
it with any PDF reader that trusts the seal root."""

from __future__ import annotations

from django.utils import timezone
from django.utils.translation import gettext as _

from core.errors import Conflict
from core.pdf import render_pdf
from core.usecases import pure
from credentials import seals
from services.models import Application


@pure
def result_pdf(application: Application) -> bytes:
    """Only a completed application has a result notice."""
    if application.status != "completed":
        raise Conflict(_("There is no result yet."), code="not_completed")
    decided = timezone.localtime(application.decided_at or timezone.now())
    rows = [
        ("办件编号", application.number),
        ("申请人", application.organisation.name if application.organisation else application.applicant.masked_name),
        ("办理部门", application.department.name),
        ("办理结果", "准予许可（已办结）"),
        ("决定日期", f"{decided:%Y年%m月%d日}"),
        ("指南版本", f"v{application.version.version}"),
    ]
    if application.result_credential_id:
        rows.append(("电子证照", application.result_credential.identifier))
    pdf = render_pdf("documents/result_notice.html", {"application": application, "rows": rows, "decided": decided,
                                                      "seal_svg": seals.seal_svg(application.department.name)})
    return seals.seal_pdf(pdf, department=application.department, reason=f"办理结果通知书 {application.number}")
