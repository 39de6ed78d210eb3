"""Chinese (and English) words for the third-party models staff see in the admin: allauth's
authenticators and user sessions have no verbose names of their own, so the admin showed
"Authenticators", "User sessions", "Last seen at" on Chinese pages. The labels are set on the models'
options at start-up — ``verbose_name`` only, never ``original_attrs`` or a field's ``_verbose_name``,
which the migration autodetector reads, so no migration is asked of the third-party app."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

NAMES = {
    ("mfa", "Authenticator"): (_("身份验证器"), {"user": _("用户"), "type": _("类型"), "data": _("数据"), "created_at": _("添加时间"),
                                             "last_used_at": _("上次使用时间")}),
    ("usersessions", "UserSession"): (_("登录会话"), {"user": _("用户"), "created_at": _("开始时间"), "ip": _("IP 地址"),
                                                   "last_seen_at": _("上次活动时间"), "user_agent": _("浏览器标识"), "data": _("数据"),
                                                   "session_key": _("会话密钥")}),
}


def name_third_party_models() -> None:
    from django.apps import apps

    for (app_label, model_name), (name, fields) in NAMES.items():
        model = apps.get_model(app_label, model_name)
        model._meta.verbose_name = model._meta.verbose_name_plural = name
        for field, label in fields.items():
            model._meta.get_field(field).verbose_name = label
