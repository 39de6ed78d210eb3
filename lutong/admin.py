"""Admin for the keepers of the verifier register: 鲁通码 scenarios, readers and their terminals
(a terminal's token is shown once; revoking is setting 吊销时间); reads, read-only."""

from __future__ import annotations

from django import forms
from django.contrib import admin
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from credentials.claims import validate_allowed
from credentials.openid.oid4vp import beyond_registration
from identity.admin import ReadOnlyAdmin, UseCaseAdmin
from lutong.models import Reader, Resolution, Scenario, Terminal


class ScenarioForm(forms.ModelForm):
    class Meta:
        model = Scenario
        fields = ["code", "name", "name_en", "purpose", "purpose_en", "legal_basis", "statutory", "allowed", "position"]

    def clean_allowed(self):
        validate_allowed(self.cleaned_data["allowed"])  # the register's own check: types that exist, fields they have
        return self.cleaned_data["allowed"]


@admin.register(Scenario)
class ScenarioAdmin(UseCaseAdmin):
    """The scenarios of the public 鲁通码 register (/lutong/scenarios/) and what their readers see."""

    form = ScenarioForm
    list_display = ["name", "statutory", "position"]


class ReaderForm(forms.ModelForm):
    class Meta:
        model = Reader
        fields = ["relying_party", "scenario", "transports"]

    def clean(self):
        cleaned = super().clean()
        party, scenario = cleaned.get("relying_party"), cleaned.get("scenario")
        if party and scenario:
            beyond = {code: beyond_registration(party, code, keys) for code, keys in scenario.allowed.items()}
            beyond = {code: keys for code, keys in beyond.items() if keys}
            if beyond:  # the same check as lutong.services.reader_register
                raise ValidationError(_("%(party)s is not registered to see: %(fields)s") % {
                    "party": party.name, "fields": "; ".join(f"{code}: {', '.join(keys)}" for code, keys in sorted(beyond.items()))})
        return cleaned


@admin.register(Reader)
class ReaderAdmin(UseCaseAdmin):
    form = ReaderForm
    list_display = ["relying_party", "scenario", "created_at"]
    list_filter = ["scenario"]


@admin.register(Terminal)
class TerminalAdmin(UseCaseAdmin):
    list_display = ["name", "reader", "key_id", "created_at", "revoked_at"]
    list_filter = ["reader__scenario"]
    readonly_fields = ["key_id", "created_at"]
    fields = ["reader", "name", "key_id", "created_at", "revoked_at"]

    def save_model(self, request, obj, form, change):
        if not change:
            token = obj.set_new_secret()
            self.message_user(request, _("Terminal token (shown once, hand it over securely): %(token)s") % {"token": token})
        super().save_model(request, obj, form, change)


@admin.register(Resolution)
class ResolutionAdmin(ReadOnlyAdmin):
    list_display = ["created_at", "reader", "terminal", "transport", "answered", "reason_words"]
    list_filter = ["answered", "reader__scenario"]
    date_hierarchy = "created_at"
