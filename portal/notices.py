"""How the message centre names a notice: its kind in words and what its link opens. Apps write
the ``kind`` (a key, never shown) and a portal path; a kind not listed here reads as a plain notice."""

from __future__ import annotations

from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext_lazy as _

from identity.models import Notice
from identity.notices import notice_text

KINDS = {
    "application": (_("办件进度"), _("查看办件")),
    "application_overdue": (_("办件超期"), _("去工作台处理")),
    "bundle_completed": (_("一件事"), _("查看一件事办件")),
    "bundle_stopped": (_("一件事"), _("查看一件事办件")),
    "credential_issued": (_("电子证照"), _("查看证照")),
    "credential_status": (_("电子证照"), _("查看证照")),
    "credential_presented": (_("亮证记录"), _("查看核验记录")),
    "credential_verified": (_("亮证记录"), _("查看核验记录")),
    "health_appeal": (_("健康码申诉"), _("查看健康码")),
    "bad_rating": (_("差评整改"), _("去回访整改")),
    "rating_answered": (_("好差评"), _("查看评价")),
    "case": (_("我的诉求"), _("查看诉求")),
    "case_todo": (_("诉求待办"), _("去办理")),
    "case_reopened": (_("诉求重办"), _("去办理")),
    "case_supervised": (_("诉求督办"), _("去办理")),
    "case_card": (_("诉求黄牌红牌"), _("去办理")),
    "benefit": (_("免申即享"), _("查看待遇")),
    "family": (_("家庭代办"), _("查看家人")),
}
PLAIN = (_("通知"), _("查看详情"))


def describe(notice: Notice, *, host: str) -> Notice:
    """Set ``kind_label``, ``action_label``, ``text`` (title and body in the reader's language) and
    ``link`` (the notice's own-site path, or "" when it has none or it points elsewhere) on the notice,
    for the templates."""
    notice.text = notice_text(notice)
    notice.kind_label, notice.action_label = KINDS.get(notice.kind, PLAIN)
    safe = notice.url.startswith("/") and url_has_allowed_host_and_scheme(notice.url, allowed_hosts={host})
    notice.link = notice.url if safe else ""
    return notice
