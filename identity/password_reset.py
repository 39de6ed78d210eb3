"""忘记密码 in the portal: the person's ID number or mobile number → a code texted to the account's
verified phone → a new password → every session ends → sign in again. No e-mail anywhere (sign-up
never collects one). The use cases are ``identity.services.password_reset_*``; the app's API calls the
same ones (``identity.api.views``). Rate limits are allauth's, per address and per number, as for
sign-in codes."""

from __future__ import annotations

from allauth.core import ratelimit
from django import forms
from django.contrib import messages
from django.contrib.auth import logout
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from core.errors import DomainError
from core.numbers import normalize_id_number, normalize_phone
from identity import services
from identity.ratelimits import wait_message, wait_seconds

SESSION_TICKET = "qilu_password_reset_ticket"
RATE_ACTION = "reset_password"


class ResetRequestForm(forms.Form):
    login = forms.CharField(label=gettext_lazy("居民身份证号码或手机号码"), max_length=32,
                            widget=forms.TextInput(attrs={"autocomplete": "username", "maxlength": "32"}))


class ResetCodeForm(forms.Form):
    code = forms.CharField(label=gettext_lazy("短信验证码"), max_length=6, min_length=6,
                           widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "inputmode": "numeric", "maxlength": "6"}))
    password1 = forms.CharField(label=gettext_lazy("新密码"), strip=False, widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}))
    password2 = forms.CharField(label=gettext_lazy("再次输入新密码"), strip=False, widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}))

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("password1") and cleaned.get("password2") and cleaned["password1"] != cleaned["password2"]:
            self.add_error("password2", _("两次输入的密码不一致。"))
        return cleaned


def rate_key(login: str) -> str:
    """One key per account whatever the spelling (spaces, lower-case x, +86)."""
    phone = normalize_phone(login or "")
    return f"phone:{phone}" if phone.isdigit() and len(phone) == 11 else f"id:{normalize_id_number(login or '')}"


def rate_limited(request, login: str) -> int:
    """0 when this request may send a code (and counts it); else the seconds to wait."""
    key = rate_key(login)
    if ratelimit.consume(request, action=RATE_ACTION, key=key):
        return 0
    return wait_seconds(request, action=RATE_ACTION, key=key)


def reset_request(request):
    """Step 1: whose password. A signed-in person (e.g. after signing in by SMS code) resets their own."""
    own = request.user.is_authenticated
    form = ResetRequestForm(request.POST or None) if not own else None
    if request.method == "POST" and (own or form.is_valid()):
        login = request.user.id_number if own else form.cleaned_data["login"]
        wait = rate_limited(request, login)
        if wait:
            messages.error(request, wait_message(wait))
            return render(request, "identity/password_reset.html", {"form": form, "own": own}, status=429)
        request.session[SESSION_TICKET] = services.password_reset_code_send(actor=request.user if own else None, login=login)
        messages.info(request, _("如该号码已注册并验证了手机，验证码已发送到其手机。"))
        return redirect("password-reset-code")
    return render(request, "identity/password_reset.html", {"form": form, "own": own})


def reset_code(request):
    """Step 2: the texted code and the new password; then every session ends and the person signs in."""
    ticket = request.session.get(SESSION_TICKET)
    if not ticket:
        return redirect("account_reset_password")
    form = ResetCodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.password_reset_complete(actor=request.user if request.user.is_authenticated else None, ticket=ticket,
                                             code=form.cleaned_data["code"], password=form.cleaned_data["password1"])
        except DomainError as exc:
            field = "password1" if exc.code == "invalid_password" else "code"
            for message in exc.errors.get("password" if field == "password1" else "code", [exc.message]):
                form.add_error(field, message)
        else:
            if request.user.is_authenticated:
                logout(request)
            request.session.pop(SESSION_TICKET, None)
            messages.success(request, _("密码已重置，所有设备已退出登录。请用新密码登录。"))
            return redirect("account_login")
    return render(request, "identity/password_reset_code.html", {"form": form})
