"""Portal forms. ``RealNameSignupForm`` is allauth's signup base class (ACCOUNT_SIGNUP_FORM_CLASS):
the portal and the headless API both use it, so both do the same real-name check."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from identity import selectors
from identity.models import AgentScope


class RealNameSignupForm(forms.Form):
    name = forms.CharField(label=_("姓名"), max_length=64, widget=forms.TextInput(attrs={"autocomplete": "name"}))

    field_order = ["name", "username", "phone", "password1", "password2"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if "username" in self.fields:
            field = self.fields["username"]
            field.label = _("居民身份证号码")
            field.help_text = _("18位，末位可以是 X")
            field.widget.attrs.update({"placeholder": "", "autocomplete": "off", "maxlength": "24"})

    def clean(self):
        cleaned = super().clean()
        number, name = cleaned.get("username"), cleaned.get("name")
        if number and name:
            selectors.registration_check(id_number=number, name=name)
        return cleaned

    def signup(self, request, user):
        """allauth hook; everything is done in the adapter's save_user."""


class RegisterOrganisationForm(forms.Form):
    credit_code = forms.CharField(label=_("统一社会信用代码"), max_length=24)


class AgentAuthoriseForm(forms.Form):
    agent_name = forms.CharField(label=_("经办人姓名"), max_length=64)
    agent_id_number = forms.CharField(label=_("经办人身份证号码"), max_length=24)
    scopes = forms.MultipleChoiceField(label=_("授权范围"), choices=AgentScope.choices, widget=forms.CheckboxSelectMultiple)
    valid_until = forms.DateField(label=_("授权截止日期"), widget=forms.DateInput(attrs={"type": "date"}))

