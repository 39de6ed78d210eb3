"""Every admin write goes through a use case: a model admin of our apps (``core.packages.our_apps``)
that can add, change or delete either derives from ``identity.admin.UseCaseAdmin`` (admin's own save
runs inside ``admin_record_save`` / ``admin_record_delete`` or the admin's own use case) or is listed
here with the use cases its own ``save_model`` calls — and then deletes nothing. A spreadsheet import
goes through ``UseCaseImportExportAdmin``. Read-only admins (no add, change or delete) need neither."""

from __future__ import annotations

import pytest
from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.test import RequestFactory
from import_export.admin import ImportMixin

from core.packages import our_apps
from identity.admin import PasswordChangeForm, UseCaseAdmin, UseCaseImportExportAdmin
from identity.models import User

# Admins that save through a use case of their own (called from their save_model or form), with why
# they are not UseCaseAdmin: the use case takes the form's values, not admin's save.
OWN_USE_CASES = {
    "healthcode.RiskAreaAdmin": "save_model calls healthcode.services.risk_area_save (and starts the recomputation)",
    "healthcode.CloseContactAdmin": "save_model calls close_contact_list / close_contact_change with the typed ID number",
    "healthcode.OverrideAdmin": "save_model calls override_set",
    "healthcode.AppealAdmin": "save_model calls appeal_decide",
    "healthcode.TrustedIssuerAdmin": "the form calls trusted_issuer_import and trusted_issuer_set_active; save_model writes nothing",
}


def _superuser_request():
    request = RequestFactory().get("/admin/")
    request.user = User(is_active=True, is_staff=True, is_superuser=True)
    return request


def _ours(model) -> bool:
    return model.__module__.split(".")[0] in our_apps()


def _verbs(model_admin, request) -> set[str]:
    allowed = {"add": model_admin.has_add_permission(request), "change": model_admin.has_change_permission(request),
               "delete": model_admin.has_delete_permission(request)}
    return {verb for verb, yes in allowed.items() if yes}


def _name(model_admin) -> str:
    return f"{model_admin.model._meta.app_label}.{type(model_admin).__name__}"


def _overrides(model_admin, method: str) -> bool:
    return getattr(type(model_admin), method) is not getattr(admin.ModelAdmin, method)


def test_every_writable_admin_of_our_apps_writes_through_a_use_case():
    request = _superuser_request()
    offenders, checked = [], 0
    for model, model_admin in admin.site._registry.items():
        if not _ours(model) or not _verbs(model_admin, request):
            continue
        checked += 1
        name = _name(model_admin)
        if isinstance(model_admin, ImportMixin) and not isinstance(model_admin, UseCaseImportExportAdmin):
            offenders.append(f"{name}: imports spreadsheets outside a use case (derive from UseCaseImportExportAdmin)")
        if isinstance(model_admin, UseCaseAdmin):
            continue
        if name not in OWN_USE_CASES:
            offenders.append(f"{name}: can {'/'.join(sorted(_verbs(model_admin, request)))} but is not a UseCaseAdmin nor listed with a reason")
            continue
        if {"add", "change"} & _verbs(model_admin, request) and not _overrides(model_admin, "save_model"):
            offenders.append(f"{name}: listed, but admin's own save_model writes the row")
        if "delete" in _verbs(model_admin, request):
            offenders.append(f"{name}: listed, but deletes outside a use case")
    assert not offenders, "\n".join(offenders)
    assert checked >= 20  # the walk saw the registry


def test_the_list_names_only_registered_writable_admins():
    request = _superuser_request()
    writable = {_name(a) for m, a in admin.site._registry.items() if _ours(m) and _verbs(a, request) and not isinstance(a, UseCaseAdmin)}
    assert set(OWN_USE_CASES) == writable


def test_roles_and_the_password_form_go_through_the_use_case_too():
    from django.contrib.auth.models import Group

    assert isinstance(admin.site._registry[Group], UseCaseAdmin)
    user_admin = admin.site._registry[User]
    assert isinstance(user_admin, DjangoUserAdmin) and user_admin.change_password_form is PasswordChangeForm


@pytest.mark.parametrize("model_admin", [a for m, a in admin.site._registry.items() if isinstance(a, UseCaseAdmin)], ids=_name)
def test_use_case_admins_keep_the_save_in_the_use_case(model_admin):
    """A UseCaseAdmin's save_related and deletes are the base class's (or call it through save_through);
    one that overrides save_related itself must still reach a use case — only RuleSetAdmin does, by
    healthcode.services.ruleset_draft_save."""
    own_save_related = type(model_admin).save_related is not UseCaseAdmin.save_related
    assert not own_save_related or _name(model_admin) == "healthcode.RuleSetAdmin"
    assert type(model_admin).delete_model is UseCaseAdmin.delete_model
    assert type(model_admin).delete_queryset is UseCaseAdmin.delete_queryset
