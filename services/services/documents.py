"""The result document of a completed application, as a PDF drawn with Pillow (no extra engine)."""

from __future__ import annotations

import io

from django.utils import timezone
from PIL import Image, ImageDraw

from core.usecases import pure
from credentials.rendering import _font, _seal
from services.models import Application


@pure
def result_pdf(application: Application) -> bytes:
    """Only a completed application has a result notice."""
    if application.status != "completed":
        from django.utils.translation import gettext as _

        from core.errors import Conflict

        raise Conflict(_("There is no result yet."), code="not_completed")
    page = Image.new("RGB", (1240, 1754), "white")  # A4 at 150 dpi
    draw = ImageDraw.Draw(page)
    draw.text((620, 160), application.item.name, font=_font(48, bold=True), fill="black", anchor="mm")
    draw.text((620, 230), "办理结果通知书", font=_font(36), fill="black", anchor="mm")
    decided = timezone.localtime(application.decided_at or timezone.now())
    rows = [
        ("办件编号", application.number),
        ("申请人", application.organisation.name if application.organisation else application.applicant.masked_name),
        ("办理部门", application.department.name),
        ("办理结果", application.get_status_display() if application.status != "completed" else "准予许可（已办结）"),
        ("决定日期", f"{decided:%Y年%m月%d日}"),
        ("指南版本", f"v{application.version.version}"),
    ]
    if application.result_credential_id:
        rows.append(("电子证照", application.result_credential.identifier))
    y = 360
    for label, value in rows:
        draw.text((150, y), label, font=_font(30), fill=(90, 90, 90))
        draw.text((400, y), str(value), font=_font(30), fill="black")
        y += 70
    draw.text((150, y + 40), "电子证照已存入申请人的齐鲁通卡包，可扫码核验。", font=_font(28), fill="black")
    _seal(draw, (1000, 1350), 140, application.department.name)
    draw.text((1000, 1540), f"{decided:%Y年%m月%d日}", font=_font(28), fill="black", anchor="mm")
    out = io.BytesIO()
    page.save(out, "PDF", resolution=150)
    return out.getvalue()
