"""allauth's portal forms with Qilu's labels. Kept apart from identity.forms, which allauth imports
while building these classes (ACCOUNT_SIGNUP_FORM_CLASS)."""

from allauth.account.forms import LoginForm, SignupForm
from allauth.mfa.webauthn.forms import AddWebAuthnForm, SignupWebAuthnForm
from django.utils.translation import gettext_lazy as _


class PortalSignupForm(SignupForm):
    """allauth's signup form with Qilu's labels (allauth sets 'Username' after our base __init__)."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["username"].label = _("居民身份证号码")
        self.fields["phone"].label = _("手机号码")


class PortalLoginForm(LoginForm):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["login"].label = _("居民身份证号码或手机号码")
        self.fields["login"].widget.attrs["placeholder"] = ""


class _PasskeyName:
    """allauth names the field only by its key ("Name", shown in English on a Chinese page)."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["name"].label = _("名称")
        self.fields["name"].help_text = _("可不填；起个好认的名字便于区分，如“我的手机”")


class PasskeyAddForm(_PasskeyName, AddWebAuthnForm):
    pass


class PasskeySignupForm(_PasskeyName, SignupWebAuthnForm):
    pass
