"""Django admin for identity. Numbers are shown masked; audit events are read-only for everyone."""

import contextvars

from django import forms
from django.contrib import admin
from django.contrib.auth.admin import GroupAdmin as DjangoGroupAdmin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.contrib.auth.forms import AdminPasswordChangeForm
from django.contrib.auth.models import Group
from django.utils.translation import gettext, pgettext, pgettext_lazy
from django.utils.translation import gettext_lazy as _
from import_export.admin import ImportExportModelAdmin

from core.numbers import validate_id_number, validate_phone
from identity import actions, masking, services
from identity.models import (
    AgentAuthorisation,
    ApiClient,
    AuditEvent,
    Department,
    LegalEntityRecord,
    Organisation,
    PopulationRecord,
    ServiceHall,
    SmsMessage,
    User,
    id_number_indexes,
)


class ReadOnlyAdmin(admin.ModelAdmin):
    """For records nobody edits by hand: audit events, signing keys, checks."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class UseCaseAdmin(admin.ModelAdmin):
    """Saves and deletes through use cases, by default ``identity.services.admin_record_save`` and
    ``admin_record_delete``: admin's own save (the form, inline rows, many-to-many fields such as a
    person's roles) runs inside the use case, beside its audit event. An admin whose records have a
    use case of their own (an item version's draft) overrides ``save_through``; an admin that needs
    its own ``save_model`` (a new API client's secret) prepares ``obj`` there and calls super: the row
    is written in ``save_related``, inside the use case.

    Every writable model admin of our apps is one of these or says why not
    (``tests/core/test_admin_writes.py``)."""

    def save_model(self, request, obj, form, change):
        pass  # saved with its related rows in save_related, inside the use case

    def save_related(self, request, form, formsets, change):
        def write():
            super(UseCaseAdmin, self).save_model(request, form.instance, form, change)
            super(UseCaseAdmin, self).save_related(request, form, formsets, change)

        self.save_through(request, form.instance, form.changed_data, write)

    def save_through(self, request, record, changed, write):
        """Run ``write`` (admin's save of ``record`` and its related rows) inside a use case."""
        services.admin_record_save(actor=request.user, record=record, changed=changed, write=write)

    def delete_model(self, request, obj):
        services.admin_record_delete(actor=request.user, record=obj)

    def delete_queryset(self, request, queryset):
        for obj in queryset:
            self.delete_model(request, obj)


class UseCaseImportExportAdmin(ImportExportModelAdmin, UseCaseAdmin):
    """django-import-export's spreadsheet import, through the use case ``identity.services.
    admin_records_import``: the confirmed import runs in its transaction with one audit event (rows
    added, changed, deleted). The preview (a dry run, rolled back) and the export write nothing."""

    def process_dataset(self, dataset, form, request, **kwargs):
        def run():
            result = super(UseCaseImportExportAdmin, self).process_dataset(dataset, form, request, **kwargs)
            failed = result.has_errors() or (kwargs.get("rollback_on_validation_errors") and result.has_validation_errors())
            counts = {} if failed else {kind: result.totals.get(kind, 0) for kind in ("new", "update", "delete")}  # a failed import rolled back
            return result, counts

        return services.admin_records_import(actor=request.user, model=self.model, run=run)


class StaffCreationForm(forms.ModelForm):
    """Create a staff or citizen account in admin with the real ID number (stored encrypted)."""

    id_number_input = forms.CharField(label=_("居民身份证号码"), max_length=24)
    phone_input = forms.CharField(label=_("手机号码"), max_length=20, required=False)
    password = forms.CharField(label=_("初始密码"), widget=forms.PasswordInput, min_length=8)

    class Meta:
        model = User
        fields = ["name", "department", "service_hall", "is_staff"]

    def clean_id_number_input(self):
        number = validate_id_number(self.cleaned_data["id_number_input"])
        if User.objects.filter(id_number_index__in=id_number_indexes(number)).exists():
            raise forms.ValidationError(_("An account already exists for this ID number."), code="already_registered")
        return number

    def clean_phone_input(self):
        value = self.cleaned_data["phone_input"]
        return validate_phone(value) if value else ""

    def save(self, commit=True):
        user = super().save(commit=False)
        user.set_id_number(self.cleaned_data["id_number_input"])
        user.set_phone(self.cleaned_data["phone_input"] or None, verified=bool(self.cleaned_data["phone_input"]))
        user.set_password(self.cleaned_data["password"])
        if commit:
            user.save()
        return user


_password_changer: contextvars.ContextVar[User | None] = contextvars.ContextVar("admin_password_changer", default=None)


class PasswordChangeForm(AdminPasswordChangeForm):
    """Admin's "change password" form, saved through ``admin_record_save`` by the signed-in admin
    (``UserAdmin.user_change_password`` names them: Django's view gives the form no request)."""

    def save(self, commit=True):
        actor = _password_changer.get()
        if actor is None:
            raise RuntimeError("an admin password change needs its acting admin (UserAdmin.user_change_password)")
        services.admin_record_save(actor=actor, record=self.user, changed=["password"], write=lambda: super(PasswordChangeForm, self).save(commit=True))
        return self.user


@admin.register(User)
class UserAdmin(UseCaseAdmin, DjangoUserAdmin):
    add_form = StaffCreationForm
    change_password_form = PasswordChangeForm
    add_fieldsets = ((None, {"fields": ["name", "id_number_input", "phone_input", "password", "department", "service_hall", "is_staff"]}),)
    fieldsets = (
        (None, {"fields": ["name", "masked_id", "masked_mobile", "phone_verified", "real_name_verified_at"]}),
        (_("岗位"), {"fields": ["department", "service_hall"]}),
        (_("权限"), {"fields": ["is_active", "is_staff", "is_superuser", "groups"]}),
        (_("时间"), {"fields": ["last_login", "date_joined"]}),
    )
    readonly_fields = ["masked_id", "masked_mobile", "real_name_verified_at", "last_login", "date_joined"]
    list_display = ["masked_name", "masked_id", "department", "service_hall", "is_staff", "is_active"]
    list_filter = ["is_staff", "is_active", "groups", "department"]
    search_fields = ["name"]
    ordering = ["-date_joined"]
    filter_horizontal = ["groups"]

    @admin.display(description=_("居民身份证号码"))
    def masked_id(self, obj):
        return masking.shown("id_number", obj.id_number or "", viewer=masking.Viewer.AUDITOR)

    @admin.display(description=_("手机号码"))
    def masked_mobile(self, obj):
        return masking.shown("phone", obj.phone or "", viewer=masking.Viewer.AUDITOR)

    @admin.display(description=_("姓名"))
    def masked_name(self, obj):
        return masking.shown("name", obj.name, viewer=masking.Viewer.AUDITOR)

    def user_change_password(self, request, id, form_url=""):
        token = _password_changer.set(request.user)
        try:
            return super().user_change_password(request, id, form_url)
        finally:
            _password_changer.reset(token)


admin.site.unregister(Group)


# Django names its built-in permissions "Can add <model>" in English when it creates them, so a role's
# picker read "掌上办 | 办件 | Can add 办件". Named here in the page's language from the codename instead;
# the project's own permissions are named by their msgid, translated when shown.
BUILT_IN_ACTIONS = {
    "add": pgettext_lazy("a permission's action", "新增"),
    "change": pgettext_lazy("a permission's action", "修改"),
    "delete": pgettext_lazy("a permission's action", "删除"),
    "view": pgettext_lazy("a permission's action", "查看"),
}


def permission_label(permission) -> str:
    content_type = permission.content_type
    model = content_type.model_class()
    action, _sep, model_name = permission.codename.partition("_")
    if model is not None and action in BUILT_IN_ACTIONS and model_name == model._meta.model_name:
        name = pgettext("a permission: action and model", "%(action)s%(model)s") % {"action": BUILT_IN_ACTIONS[action], "model": model._meta.verbose_name}
    else:
        name = gettext(permission.name)
    return f"{content_type} | {name}"


class PermissionsField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj):
        return permission_label(obj)


@admin.register(Group)
class GroupAdmin(UseCaseAdmin, DjangoGroupAdmin):
    """Roles (Django's groups and their permissions), changed through the use case like every record."""

    def formfield_for_manytomany(self, db_field, request=None, **kwargs):
        if db_field.name == "permissions":
            kwargs["form_class"] = PermissionsField
        return super().formfield_for_manytomany(db_field, request=request, **kwargs)


class AuditActionFilter(admin.SimpleListFilter):
    """Filter by action, in words (the column has no choices: the vocabulary is in identity.actions)."""

    title = _("事件")
    parameter_name = "action"

    def lookups(self, request, model_admin):
        return sorted(((action, actions.label(action)) for action in actions.vocabulary()), key=lambda pair: pair[1])

    def queryset(self, request, queryset):
        return queryset.filter(action=self.value()) if self.value() else queryset


@admin.register(AuditEvent)
class AuditEventAdmin(ReadOnlyAdmin):
    """Auditors search every event; nobody adds, edits or deletes one."""

    list_display = ["created_at", "action_label", "actor", "actor_organisation", "subject", "source_ip"]
    list_filter = [AuditActionFilter, "created_at"]
    search_fields = ["actor__name", "subject__name", "actor_organisation__name", "source_ip"]
    date_hierarchy = "created_at"
    readonly_fields = [f.name for f in AuditEvent._meta.fields]

    @admin.display(description=_("事件"), ordering="action")
    def action_label(self, event: AuditEvent) -> str:
        return event.get_action_display()


@admin.register(SmsMessage)
class SmsMessageAdmin(admin.ModelAdmin):
    list_display = ["created_at", "phone_masked", "purpose", "backend", "sent_at"]
    fields = ["created_at", "phone_masked", "purpose", "body", "backend", "sent_at"]
    readonly_fields = fields
    list_filter = ["purpose", "backend"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False  # the outbox is a record of what was sent


@admin.register(PopulationRecord)
class PopulationRecordAdmin(UseCaseAdmin):
    list_display = ["__str__", "gender", "birth_date", "area_code", "status", "updated_at"]
    list_filter = ["status", "gender"]
    readonly_fields = ["masked", "gender", "birth_date", "area_code", "updated_at"]
    fields = ["masked", "name", "gender", "birth_date", "area_code", "status", "updated_at"]

    @admin.display(description=_("居民身份证号码"))
    def masked(self, obj):
        return masking.shown("id_number", obj.id_number or "", viewer=masking.Viewer.AUDITOR)

    def has_add_permission(self, request):
        return False  # records come from the base system: `manage.py load_base_records` or the sync API


@admin.register(LegalEntityRecord)
class LegalEntityRecordAdmin(UseCaseAdmin):
    list_display = ["credit_code", "name", "legal_representative_name", "status", "area_code"]
    search_fields = ["credit_code", "name"]
    list_filter = ["status"]
    exclude = ["legal_representative_id_number"]
    readonly_fields = ["updated_at"]  # the representative's blind index is never shown

    def has_add_permission(self, request):
        return False


class AgentInline(admin.TabularInline):
    model = AgentAuthorisation
    fk_name = "organisation"
    extra = 0
    fields = ["agent", "scopes", "valid_from", "valid_until", "revoked_at"]
    readonly_fields = fields
    can_delete = False


@admin.register(Organisation)
class OrganisationAdmin(UseCaseAdmin):
    list_display = ["credit_code", "name", "legal_representative", "registered_at"]
    search_fields = ["credit_code", "name"]
    readonly_fields = ["credit_code", "name", "legal_representative", "registered_at"]
    inlines = [AgentInline]


@admin.register(Department)
class DepartmentAdmin(UseCaseAdmin):
    list_display = ["code", "name", "name_en", "area_code"]
    search_fields = ["code", "name"]


@admin.register(ServiceHall)
class ServiceHallAdmin(UseCaseAdmin):
    list_display = ["name", "department", "address"]
    list_filter = ["department"]


@admin.register(ApiClient)
class ApiClientAdmin(UseCaseAdmin):
    list_display = ["name", "key_id", "department", "is_active", "created_at"]
    readonly_fields = ["key_id", "created_at"]
    fields = ["name", "key_id", "scopes", "department", "is_active", "created_at"]

    def save_model(self, request, obj, form, change):
        if not change:
            token = obj.set_new_secret()
            self.message_user(request, _("Client token (shown once, hand it over securely): %(token)s") % {"token": token})
        super().save_model(request, obj, form, change)
