"""Admin for credential-type admins: types and their issuers; issued credentials (masked, read-only
apart from bulk import); signing keys and checks, read-only."""

from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path
from django.utils.translation import gettext_lazy as _

from core.admin_inlines import CheckboxListMixin, code_column
from core.schema_editor import FieldSchemaField
from credentials.claims import reason_label, validate_allowed
from credentials.imports import credentials_import
from credentials.models import FIELD_TYPES as CREDENTIAL_FIELD_TYPES
from credentials.models import (
    Credential,
    CredentialType,
    PresentationRequest,
    RelyingParty,
    SigningKey,
    StatusList,
    Verification,
    issuer_record_index,
)
from identity import masking, services
from identity.admin import ReadOnlyAdmin, UseCaseAdmin
from identity.models import ApiClient
from identity.rows import read_rows_from

MAX_IMPORT_BYTES = 20 * 1024 * 1024


class CredentialTypeForm(forms.ModelForm):
    """A type's fields through the structured editor (core.schema_editor), not a JSON box; what a
    valid schema is stays with the model's validator."""

    class Meta:
        model = CredentialType
        fields = ["name", "name_en", "code", "holder_kind", "department", "type_code", "validity_years", "colour", "field_schema", "issuers", "is_active"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if "field_schema" in self.fields:
            self.fields["field_schema"] = FieldSchemaField(types=CREDENTIAL_FIELD_TYPES, label=_("字段定义"),
                                                           help_text=_("证照上的每一项；字段标识即签发系统推送的键"))


@admin.register(CredentialType)
class CredentialTypeAdmin(CheckboxListMixin, UseCaseAdmin):
    form = CredentialTypeForm
    list_display = ["name", "code_shown", "holder_kind", "department", "validity_years", "is_active"]
    code_shown = code_column("code", _("类型编码"))
    list_filter = ["holder_kind", "is_active", "department"]
    search_fields = ["name", "code", "type_code"]
    fields = ["name", "name_en", "code", "holder_kind", "department", "type_code", "validity_years", "colour", "field_schema", "issuers", "is_active"]


class ImportForm(forms.Form):
    client = forms.ModelChoiceField(ApiClient.objects.filter(is_active=True), label=_("发证系统"))
    file = forms.FileField(
        label=_("文件 (CSV 或 JSON Lines)"), help_text=_("列：type, record_id, holder_number, holder_name, issued_on, expires_on, fields.<字段>")
    )


@admin.register(Credential)
class CredentialAdmin(ReadOnlyAdmin):
    list_display = ["identifier", "type", "masked_holder", "masked_number", "issued_on", "expires_on", "status"]
    list_filter = ["type", "status"]
    search_fields = ["identifier"]
    fields = ["identifier", "type", "masked_holder", "masked_number", "issuer", "issuer_record_id", "issued_on", "expires_on", "status",
              "status_reason", "status_changed_at", "revision", "created_at", "updated_at"]
    readonly_fields = fields
    change_list_template = "admin/credentials/credential/change_list.html"

    def get_search_results(self, request, queryset, search_term):
        """The identifier by substring; an issuer's record number (stored encrypted) exactly, by its blind index."""
        found, duplicates = super().get_search_results(request, queryset, search_term)
        if search_term.strip():
            found |= queryset.filter(issuer_record_index=issuer_record_index(search_term.strip()))
        return found, duplicates

    @admin.display(description=_("持证主体"))
    def masked_holder(self, obj):
        return masking.shown("name", obj.holder_name, viewer=masking.Viewer.AUDITOR) if obj.holder_kind == "person" else obj.holder_name

    @admin.display(description=_("证件号码"))
    def masked_number(self, obj):
        return masking.shown("id_number", obj.holder_number, viewer=masking.Viewer.AUDITOR) if obj.holder_kind == "person" else obj.holder_number

    def has_view_permission(self, request, obj=None):
        return request.user.has_perm("credentials.view_credential")

    def get_urls(self):
        return [path("import/", self.admin_site.admin_view(self.import_view), name="credentials_credential_import"), *super().get_urls()]

    def import_view(self, request):
        """Bulk import (the admin face of `manage.py import_credentials`): good rows kept, bad rows listed."""
        if not request.user.has_perm("credentials.change_credential"):
            raise PermissionDenied
        report = None
        form = ImportForm(request.POST or None, request.FILES or None)
        if request.method == "POST" and form.is_valid():
            upload = form.cleaned_data["file"]
            if upload.size > MAX_IMPORT_BYTES:
                messages.error(request, _("The file is larger than 20 MB; use the command line import."))
                return redirect(request.path)
            try:
                rows = list(read_rows_from(upload.read(), upload.name))
            except UnicodeDecodeError:
                messages.error(request, _("The file must be UTF-8."))
                return redirect(request.path)
            def run(client=form.cleaned_data["client"]):
                report = credentials_import(client=client, rows=rows)  # each row through credential_issue, by the issuing system
                return report, {"new": report.created, "update": report.updated}

            report = services.admin_records_import(actor=request.user, model=Credential, verbs=("change",), run=run)  # and who uploaded it
            level = messages.WARNING if report.errors else messages.SUCCESS
            messages.add_message(request, level, _("Created %(c)d, updated %(u)d, rejected %(r)d.") % {
                "c": report.created, "u": report.updated, "r": len(report.errors)})
        context = {**self.admin_site.each_context(request), "form": form, "report": report, "opts": self.model._meta, "title": _("批量导入电子证照")}
        return TemplateResponse(request, "admin/credentials/credential/import.html", context)


@admin.register(SigningKey)
class SigningKeyAdmin(ReadOnlyAdmin):
    list_display = ["kid", "algorithm", "status", "created_at", "retired_at"]
    fields = ["kid", "algorithm", "public_jwk", "status", "created_at", "retired_at"]
    readonly_fields = fields


class ReasonFilter(admin.SimpleListFilter):
    """The reasons that occur, by their words (credentials.claims), not their codes."""

    title = _("原因")
    parameter_name = "reason"

    def lookups(self, request, model_admin):
        codes = model_admin.get_queryset(request).exclude(reason="").order_by().values_list("reason", flat=True).distinct()
        return sorted(((code, reason_label(code)) for code in codes), key=lambda pair: pair[1])

    def queryset(self, request, queryset):
        return queryset.filter(reason=self.value()) if self.value() else queryset


class ReasonWords:
    @admin.display(description=_("原因"), ordering="reason")
    def reason_words(self, obj) -> str:
        return reason_label(obj.reason) if obj.reason else "—"


@admin.register(Verification)
class VerificationAdmin(ReasonWords, ReadOnlyAdmin):
    list_display = ["created_at", "credential", "verifier", "service_hall", "valid", "reason_words"]
    list_filter = ["valid", ReasonFilter, "service_hall"]
    date_hierarchy = "created_at"


class RelyingPartyForm(forms.ModelForm):
    class Meta:
        model = RelyingParty
        fields = ["client_id", "name", "name_en", "kind", "organisation", "purpose", "purpose_en", "allowed", "members", "api_client", "is_active"]

    def clean_allowed(self):
        validate_allowed(self.cleaned_data["allowed"])
        return self.cleaned_data["allowed"]


@admin.register(RelyingParty)
class RelyingPartyAdmin(CheckboxListMixin, UseCaseAdmin):
    """The verifier register (public at /verifiers/): who may ask Qilu wallets for which fields, and why."""

    form = RelyingPartyForm
    list_display = ["name", "client_id_shown", "kind", "organisation", "is_active", "created_at"]
    client_id_shown = code_column("client_id", "client_id")
    list_filter = ["kind", "is_active"]
    search_fields = ["client_id", "name", "organisation"]


@admin.register(PresentationRequest)
class PresentationRequestAdmin(ReasonWords, ReadOnlyAdmin):
    list_display = ["created_at", "relying_party", "credential_type", "status", "reason_words", "answered_at"]
    list_filter = ["status", ReasonFilter, "relying_party"]
    fields = ["id", "relying_party", "credential_type", "fields", "status", "reason_words", "created_at", "expires_at", "answered_at"]
    readonly_fields = fields
    date_hierarchy = "created_at"


@admin.register(StatusList)
class StatusListAdmin(ReadOnlyAdmin):
    list_display = ["id", "size", "bits", "allocated", "created_at"]
    fields = list_display
    readonly_fields = fields
