"""The yardstick dashboard (bureau and department heads: item admins, auditors) with filters, charts
and CSV/XLSX export, and the public page with the province's headline figures (portal/yardsticks.py)."""

from __future__ import annotations

import csv
import datetime as dt
import io

from django.contrib.auth.decorators import login_required, permission_required
from django.http import HttpResponse
from django.shortcuts import render
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from appeals import scores
from identity.models import Department
from portal import yardsticks
from services.models import Region

LABELS = {
    "online_share_province": _("省级事项网上可办率"), "online_share_city_county": _("市县级事项网上可办率"), "materials_saved_share": _("免提交材料占比"),
    "instant_approval_share": _("秒批占比"), "median_decision_hours": _("办结用时中位数（小时）"), "one_trip_share_top_items": _("高频事项“最多跑一次”覆盖率"),
    "overdue_rate": _("超期率"), "good_rating_rate": _("好评率"), "credentials_issued": _("签发电子证照"), "credentials_verified": _("核验电子证照"),
    "health_checks": _("健康码查验"), "benefits_without_application": _("免申即享发放笔数"),
}
TARGETS = {"online_share_province": 0.9, "online_share_city_county": 0.7, "materials_saved_share": 0.6}


def _date(value: str | None) -> dt.date | None:
    try:
        return dt.date.fromisoformat(value) if value else None
    except ValueError:
        return None


def _filters(request) -> dict:
    params = request.GET
    start, end = _date(params.get("from")), _date(params.get("to"))
    if start and end and start > end:
        start, end = end, start
    return {"department": params.get("department", "")[:32], "region": params.get("region", "")[:6], "start": start, "end": end}


def _departments(figures) -> list[dict]:
    """The per-department rows, each named in the page's language (the figures are cached for every language)."""
    english = get_language() == "en"
    return [{**row, "name": (row.get("name_en") or row["name"]) if english else row["name"]} for row in figures.by_department]


def _rows(figures) -> list[tuple[str, str, object, object]]:
    return [(key, LABELS[key], value, TARGETS.get(key)) for key, value in figures.headline.items()]


@login_required
@permission_required("services.view_yardsticks", raise_exception=True)
def dashboard(request):
    filters = _filters(request)
    figures = yardsticks.cached(**filters)
    export = request.GET.get("export")
    if export in ("csv", "xlsx"):
        return _export(figures, export)
    case_month, case_scores = scores.latest()
    return render(request, "portal/dashboard.html", {
        "case_month": case_month, "case_scores": case_scores,
        "figures": figures, "rows": _rows(figures), "filters": filters, "departments": Department.objects.order_by("code"),
        "regions": Region.objects.order_by("code"), "chart": {"checks": figures.checks_by_day, "departments": _departments(figures),
                                                              "online": figures.items_online}})


def _export(figures, kind: str) -> HttpResponse:
    table = [(str(_("指标")), str(_("值")))] + [(str(label), "" if value is None else value) for _key, label, value, _target in _rows(figures)]
    table += [("", ""), ("部门", "办件", "超期", "已决定", "免提交材料", "材料总数")]
    table += [(d["name"], d["applications"], d["overdue"], d["decided"], d["saved"] or 0, d["required"] or 0) for d in _departments(figures)]
    name = f"yardsticks-{figures.period[0]}-{figures.period[1]}"
    if kind == "csv":
        out = io.StringIO()
        csv.writer(out).writerows(table)
        response = HttpResponse("\ufeff" + out.getvalue(), content_type="text/csv; charset=utf-8")  # BOM: Excel opens it as UTF-8
    else:
        from openpyxl import Workbook

        book = Workbook()
        sheet = book.active
        sheet.title = "政务服务指标"
        for row in table:
            sheet.append(list(row))
        out = io.BytesIO()
        book.save(out)
        response = HttpResponse(out.getvalue(), content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    response["Content-Disposition"] = f'attachment; filename="{name}.{kind}"'
    return response


def public(request):
    """The province's headline figures for the last 30 days, for anyone."""
    figures = yardsticks.cached()
    case_month, case_scores = scores.latest()
    return render(request, "portal/yardsticks.html", {"figures": figures, "rows": _rows(figures), "case_month": case_month, "case_scores": case_scores})
