"""Django admin for staff: the same second-factor rule as the portal's staff pages
(``identity.second_factor``), since every admin reads other people's data (applications, credentials,
health data, the audit log)."""

from allauth.account.decorators import secure_admin_login
from django.contrib import admin
from django.shortcuts import redirect

from core.admin_inlines import accessible_widgets
from identity import second_factor


class QiluAdminSite(admin.AdminSite):
    site_header = "齐鲁通 · 管理后台"
    site_title = "齐鲁通"

    def login(self, request, extra_context=None):
        """One way in for everyone: allauth's sign-in (ID number or phone, then the second factor),
        never Django's own admin form, which knows no second factor (allauth's secure_admin_login)."""
        return secure_admin_login(super().login)(request, extra_context)

    def register(self, model_or_iterable, admin_class=None, **options):
        """Every model admin gets the accessible widgets (labelled date-and-time inputs)."""
        super().register(model_or_iterable, admin_class, **options)
        for model in [model_or_iterable] if isinstance(model_or_iterable, type) else model_or_iterable:
            if model in self._registry:
                accessible_widgets(self._registry[model])

    def admin_view(self, view, cacheable=False):
        inner = super().admin_view(view, cacheable)

        def gated(request, *args, **kwargs):
            if self.has_permission(request) and not second_factor.verified(request):
                return redirect(second_factor.gate_url(request.get_full_path()))
            return inner(request, *args, **kwargs)

        gated.__dict__.update(inner.__dict__)  # csrf_exempt and friends, as admin_view set them
        return gated
