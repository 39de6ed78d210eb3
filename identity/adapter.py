"""allauth adapter: how allauth's sign-up, sign-in, one-time codes and phone verification map onto
Qilu's identity model (encrypted numbers found by blind index, real-name checks, the SMS interface).
"""

from __future__ import annotations

import logging

from allauth.account.adapter import DefaultAccountAdapter
from allauth.headless.adapter import DefaultHeadlessAdapter
from allauth.mfa.adapter import DefaultMFAAdapter
from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from core.numbers import normalize_id_number, validate_id_number, validate_phone
from identity import crypto, masking, roles, services
from identity.models import User, id_number_index, phone_indexes
from identity.sms import sms_send

logger = logging.getLogger("qilu.sms")


class MainlandPhoneField(forms.CharField):
    """A mainland mobile number; accepts 13812345678, 138 1234 5678 or +86…, cleans to E.164."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("label", gettext_lazy("手机号码"))
        kwargs.setdefault("widget", forms.TextInput(attrs={"autocomplete": "tel", "type": "tel", "inputmode": "tel"}))
        kwargs.pop("validators", None)
        super().__init__(*args, **kwargs)

    def clean(self, value):
        value = super().clean(value)
        return f"+86{validate_phone(value)}" if value else value


def user_display(user) -> str:
    """How allauth's pages and messages name the signed-in person to themself ("以 张三 成功登录"):
    their name (identity.masking: the holder sees it in full), never the username — a blind index."""
    return getattr(user, "name", "") or masking.person_field(user, "id_number", viewer=masking.Viewer.DISPLAY)


# Where each role lands after signing in (without a ?next=): the first role of the person's that is
# listed here wins, so someone with several roles lands on the busiest console. Citizens: the home page.
ROLE_HOMES: list[tuple[str, str]] = [
    (roles.REVIEWER, "workbench"),
    (roles.CLERK, "verify-console"),
    (roles.DISPATCHER, "cases-dispatch"),
    (roles.CHECKPOINT, "health-checkpoint"),
    (roles.HEALTH_OFFICER, "health-stats"),
    (roles.ITEM_ADMIN, "admin:index"),
    (roles.CREDENTIAL_TYPE_ADMIN, "admin:index"),
    (roles.AUDITOR, "dashboard"),
    (roles.VENUE_MANAGER, "health-venues"),
]
CITIZEN_HOME = "home"


def landing_page(user) -> str:
    """The page ``user`` lands on after signing in (ROLE_HOMES; superusers in admin)."""
    held = set(user.groups.values_list("name", flat=True)) if getattr(user, "pk", None) else set()
    for role, url_name in ROLE_HOMES:
        if role in held:
            return reverse(url_name)
    if getattr(user, "is_superuser", False):
        return reverse("admin:index")
    return reverse(CITIZEN_HOME)


class AccountAdapter(DefaultAccountAdapter):
    def get_user_display(self, user) -> str:
        return masking.name_of(user, viewer=masking.Viewer.OTHERS)

    def get_login_redirect_url(self, request) -> str:
        return landing_page(request.user)

    # --- numbers ---------------------------------------------------------------------------------
    def clean_username(self, username: str, shallow: bool = False) -> str:
        # Only the format here; registration_check (in the form's clean) does the real-name match
        # and then the duplicate check, in that order, so nothing leaks to someone without the pair.
        return validate_id_number(username)

    def _get_login_attempts_cache_key(self, request, **credentials) -> str:
        # Count failed attempts per account whatever the spelling (spaces, lower-case x) and
        # without the plaintext number in the cache key; a phone number counts for its account, so
        # typing the phone instead of the ID number gives no second five tries.
        user = self.get_user_by_phone(credentials["phone"]) if credentials.get("phone") else None
        if user is not None:
            return f"login:{user.id_number_index}"
        login = credentials.get("username") or credentials.get("phone") or ""
        return f"login:{id_number_index(normalize_id_number(login))}"

    def reauthenticate(self, user: User, password: str) -> bool:
        return user.check_password(password)

    def populate_username(self, request, user) -> None:
        """The 'username' is the blind index, set by set_id_number; nothing to generate."""

    def save_user(self, request, user, form, commit=True):
        data = form.cleaned_data
        services.user_prepare_registration(
            user=user,
            id_number=data["username"],
            name=data["name"],
            phone=data.get("phone"),
            password=data.get("password1") or data.get("password"),
        )
        if commit:
            user.save()
            services.user_registered(actor=user)
        return user

    # --- phone ------------------------------------------------------------------------------------
    def phone_form_field(self, **kwargs):
        return MainlandPhoneField(**kwargs)

    def get_user_by_phone(self, phone: str) -> User | None:
        try:
            number = validate_phone(phone)
        except ValidationError:
            return None
        return User.objects.filter(phone_index__in=phone_indexes(number), is_active=True).first()

    def set_phone(self, user: User, phone: str, verified: bool) -> None:
        user.set_phone(phone, verified=verified)
        user.save(update_fields=["phone", "phone_index", "phone_verified"])

    def get_phone(self, user: User) -> tuple[str, bool] | None:
        return (f"+86{user.phone}", user.phone_verified) if user.phone else None

    def set_phone_verified(self, user: User, phone: str) -> None:
        user.phone_verified = True
        user.save(update_fields=["phone_verified"])

    def send_verification_code_sms(self, user, phone: str, code: str, **kwargs) -> None:
        # allauth sends sign-in codes and phone-verification codes through this one method: settings keeps
        # their lifetimes equal (tests/identity), and the text states that lifetime from the setting
        minutes = settings.ACCOUNT_LOGIN_BY_CODE_TIMEOUT // 60
        body = _("【爱山东·齐鲁通】验证码 %(code)s，%(minutes)d分钟内有效。请勿告诉他人。") % {"code": code, "minutes": minutes}
        sms_send(phone=phone, body=body, purpose="one_time_code")

    def get_client_ip(self, request) -> str:
        """The address the rate limits count: the one ``core.middleware`` resolved from the trusted-proxy
        setting (allauth's own reading would believe X-Forwarded-For from any peer)."""
        from core.middleware import client_address

        return getattr(request, "client_ip", None) or client_address(request) or ""

    def send_unknown_account_sms(self, phone: str, **kwargs) -> None:
        """A sign-in code asked for a number no account has: nothing is texted (a stranger's phone is
        never a target), and the answer is allauth's usual one, as for a known number. The known
        number's SMS is written to the outbox and delivered by a task, so both answers take alike."""
        logger.info("sign-in code asked for an unregistered number: not texted")

    def send_account_already_exists_sms(self, phone: str) -> None:
        sms_send(phone=phone, body=_("【爱山东·齐鲁通】此号码已绑定账号，可直接用验证码登录。"), purpose="account_exists")


class HeadlessAdapter(DefaultHeadlessAdapter):
    """The mobile API shows the masked ID number as the username, never the blind index."""

    def user_as_dataclass(self, user):
        data = super().user_as_dataclass(user)
        data.username = masking.person_field(user, "id_number", viewer=masking.Viewer.OTHERS) if user.pk else ""
        data.display = masking.name_of(user, viewer=masking.Viewer.OTHERS)
        return data


class MFAAdapter(DefaultMFAAdapter):
    """Second factors without personal numbers in the clear: the TOTP secret is encrypted at rest, and
    what a passkey or an authenticator app stores on the device names the person by the masked ID
    number (allauth would use the username, which here is the blind index)."""

    def encrypt(self, text: str) -> str:
        return crypto.encrypt(text, context="mfa.totp").hex()

    def decrypt(self, encrypted_text: str) -> str:
        return crypto.decrypt(bytes.fromhex(encrypted_text), context="mfa.totp")

    def _get_user_identifier(self, user) -> str:
        return masking.person_field(user, "id_number", viewer=masking.Viewer.OTHERS)

    def get_public_key_credential_user_entity(self, user) -> dict:
        entity = super().get_public_key_credential_user_entity(user)
        entity["display_name"] = masking.name_of(user, viewer=masking.Viewer.OTHERS)
        return entity
