"""Admin for health officers: rule versions (edit drafts, publish, copy), risk areas, close contacts,
overrides, appeals, trusted issuers, recomputation progress; source data read-only."""

from __future__ import annotations

import datetime as dt

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.html import format_html
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from core.admin_inlines import AreaField, LabelledTabularInline
from core.areas import area_name
from core.errors import DomainError
from core.numbers import validate_id_number
from healthcode import selectors, services
from healthcode.models import (
    Appeal,
    CloseContact,
    Colour,
    DailyCount,
    HealthStatus,
    Override,
    PassCheck,
    RecomputeJob,
    RiskArea,
    Rule,
    RuleSet,
    SelfDeclaration,
    Stay,
    TestResult,
    TrustedIssuer,
    Vaccination,
    Venue,
)
from identity.admin import ReadOnlyAdmin, UseCaseAdmin
from identity.models import id_number_index


class RuleInline(LabelledTabularInline):
    model = Rule
    extra = 0
    fields = ["code", "kind", "colour", "days", "hours", "level", "explanation", "explanation_en"]
    readonly_fields = ["code_shown"]

    def get_fields(self, request, obj=None):
        """A published set's rules are read, not edited: the rule's code shows as code beside its kind's name."""
        return ["code_shown" if name == "code" else name for name in self.fields] if obj and obj.is_published else self.fields

    @admin.display(description=_("规则代码"))
    def code_shown(self, rule):
        return format_html("<code>{}</code>", rule.code)

    def has_change_permission(self, request, obj=None):
        return super().has_change_permission(request, obj) and not (obj and obj.is_published)

    has_add_permission = has_change_permission

    def has_delete_permission(self, request, obj=None):
        return super().has_delete_permission(request, obj) and not (obj and obj.is_published)


@admin.register(RuleSet)
class RuleSetAdmin(UseCaseAdmin):
    list_display = ["version", "note", "in_force", "published_at", "created_by"]
    inlines = [RuleInline]
    actions = ["publish", "copy"]
    fields = ["version", "note", "in_force", "published_at"]
    readonly_fields = ["in_force", "published_at"]

    def get_readonly_fields(self, request, obj=None):
        return [*self.readonly_fields, "version", "note"] if obj and obj.is_published else self.readonly_fields

    def has_delete_permission(self, request, obj=None):
        return super().has_delete_permission(request, obj) and not (obj and obj.is_published)  # codes were given on it

    def save_model(self, request, obj, form, change):
        pass  # saved with its rules in save_related, by the use case

    def save_related(self, request, form, formsets, change):
        # admin's inline rows are written inside the use case, in its transaction and with its audit
        services.ruleset_draft_save(actor=request.user, ruleset=form.instance,
                                    write_rules=lambda: super(RuleSetAdmin, self).save_related(request, form, formsets, change))

    @admin.action(description=_("发布所选版本并重新赋码"))
    def publish(self, request, queryset):
        for ruleset in queryset[:1]:
            try:
                job = services.ruleset_publish(actor=request.user, ruleset=ruleset)
            except (DomainError, ValidationError) as exc:
                self.message_user(request, str(getattr(exc, "detail", None) or exc.messages[0]), messages.ERROR)
            else:
                self.message_user(request, _("v%(v)d is in force; recomputation job #%(job)d started.") % {"v": ruleset.version, "job": job.pk})

    @admin.action(description=_("复制为新草稿版本"))
    def copy(self, request, queryset):
        for ruleset in queryset[:1]:
            draft = services.ruleset_copy(ruleset=ruleset, actor=request.user)
            self.message_user(request, _("Draft v%(v)d created.") % {"v": draft.version})


class RiskAreaForm(forms.ModelForm):
    area_code = AreaField(label=_("地区"), help_text=_("输入地名后从列表中选择，如：济南市历下区"))

    class Meta:
        model = RiskArea
        fields = ["area_code", "name", "level", "starts_at", "ends_at"]


@admin.register(RiskArea)
class RiskAreaAdmin(admin.ModelAdmin):
    form = RiskAreaForm
    list_display = ["name", "area_shown", "level", "starts_at", "ends_at"]

    @admin.display(description=_("地区"), ordering="area_code")
    def area_shown(self, obj):
        return area_name(obj.area_code)
    list_filter = ["level"]
    search_fields = ["name", "area_code"]

    def has_delete_permission(self, request, obj=None):
        return False  # a risk area ends (its end time), it is not deleted: codes were given on it

    def save_model(self, request, obj, form, change):
        job = services.risk_area_save(actor=request.user, area=obj)
        self.message_user(request, _("Recomputation job #%(job)d started for people who stayed there.") % {"job": job.pk})


class PersonForm(forms.ModelForm):
    """Officers type the ID number; only its blind index is stored (by the use case the admin calls)."""

    id_number = forms.CharField(label=_("居民身份证号码"), max_length=24)

    def clean_id_number(self):
        return validate_id_number(self.cleaned_data["id_number"])

    def save(self, commit=True):
        obj = super().save(commit=False)
        obj.person_index = id_number_index(self.cleaned_data["id_number"])
        return obj  # never saved here: the admin's save_model calls the use case


class CloseContactForm(PersonForm):
    class Meta:
        model = CloseContact
        fields = ["id_number", "listed_at", "released_at", "note"]


@admin.register(CloseContact)
class CloseContactAdmin(admin.ModelAdmin):
    form = CloseContactForm
    list_display = ["listed_at", "released_at", "note", "entered_by"]

    def get_form(self, request, obj=None, **kwargs):
        if obj is not None:  # after creation only the release time and note change
            kwargs["fields"] = ["released_at", "note"]
            return forms.modelform_factory(CloseContact, fields=["released_at", "note"])
        return super().get_form(request, obj, **kwargs)

    def has_delete_permission(self, request, obj=None):
        return False  # released (its release time), not deleted: the person's code was given on it

    def save_model(self, request, obj, form, change):
        data = form.cleaned_data
        if change:
            services.close_contact_change(actor=request.user, contact=obj, released_at=data.get("released_at"), note=data.get("note", ""))
        else:
            listed = services.close_contact_list(actor=request.user, id_number=data["id_number"], listed_at=data["listed_at"],
                                                 released_at=data.get("released_at"), note=data.get("note", ""))
            obj.pk, obj.entered_by, obj.created_at = listed.pk, listed.entered_by, listed.created_at  # admin's log and redirect use obj


class OverrideForm(PersonForm):
    class Meta:
        model = Override
        fields = ["id_number", "colour", "expires_at", "note"]


@admin.register(Override)
class OverrideAdmin(admin.ModelAdmin):
    form = OverrideForm
    list_display = ["colour", "starts_at", "expires_at", "note", "officer"]

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False  # an override ends when it expires (or another replaces it): a code was given on it

    def save_model(self, request, obj, form, change):
        services.override_set(actor=request.user, person_index=obj.person_index, colour=obj.colour, expires_at=obj.expires_at, note=obj.note)


class AppealDecisionForm(forms.ModelForm):
    decision = forms.ChoiceField(label=_("处理"), choices=[("uphold", _("申诉成立：人工赋码")), ("reject", _("申诉不成立"))])
    override_colour = forms.ChoiceField(label=_("人工赋码颜色"), choices=Colour.choices, initial=Colour.GREEN)
    override_until = forms.DateTimeField(label=_("人工赋码失效时间"), initial=lambda: timezone.now() + dt.timedelta(days=7))

    class Meta:
        model = Appeal
        fields = ["decision_note"]


@admin.register(Appeal)
class AppealAdmin(admin.ModelAdmin):
    list_display = ["created_at", "appellant", "colour_at_appeal", "status", "decided_by", "decided_at"]
    list_filter = ["status"]
    form = AppealDecisionForm
    readonly_fields = ["appellant", "colour_at_appeal", "reasons_shown", "reason", "evidence", "status", "decided_by", "decided_at", "override"]

    @admin.display(description=_("申诉时原因"))
    def reasons_shown(self, obj):
        return "；".join(selectors.reason_texts(obj.reason_codes, language=get_language())) or "—"

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False  # a person's appeal is decided, never deleted

    def get_fields(self, request, obj=None):
        fields = list(self.readonly_fields)
        if obj and obj.status == Appeal.Status.PENDING:
            fields += ["decision", "override_colour", "override_until", "decision_note"]
        else:
            fields += ["decision_note"]
        return fields

    def get_readonly_fields(self, request, obj=None):
        return self.readonly_fields if obj and obj.status == Appeal.Status.PENDING else [*self.readonly_fields, "decision_note"]

    def save_model(self, request, obj, form, change):
        data = form.cleaned_data
        try:
            services.appeal_decide(actor=request.user, appeal=Appeal.objects.get(pk=obj.pk), uphold=data["decision"] == "uphold",
                                   note=data["decision_note"], colour=data["override_colour"], expires_at=data["override_until"])
        except (DomainError, ValidationError) as exc:
            self.message_user(request, str(getattr(exc, "detail", None) or exc.messages[0]), messages.ERROR)


class TrustedIssuerForm(forms.ModelForm):
    jwks_file = forms.FileField(label=_("公钥集文件（JSON）"), required=False)
    source_url = forms.URLField(label=_("公钥集地址"), required=False, assume_scheme="https")

    class Meta:
        model = TrustedIssuer
        fields = ["issuer_id", "name", "source_url", "jwks_file", "valid_from", "valid_until", "is_active"]

    def clean(self):
        data = super().clean()
        upload = data.get("jwks_file")
        try:
            self.imported = services.trusted_issuer_import(
                actor=self.officer, issuer_id=data.get("issuer_id", ""), name=data.get("name", ""),
                valid_from=data.get("valid_from"), valid_until=data.get("valid_until"),
                jwks=upload.read().decode() if upload else None, url=data.get("source_url", ""),
            ) if not self.errors else None
        except ValidationError as exc:  # the use case names its own fields: show them on this form's
            fields = {"url": "source_url", "jwks": "jwks_file"}
            raise ValidationError({fields.get(key, key): value for key, value in exc.message_dict.items()}) from exc
        except (ValueError, OSError) as exc:
            raise ValidationError(_("Could not read the key set: %(error)s") % {"error": exc}) from exc
        return data

    def validate_unique(self):
        pass  # clean() ran the use case, which upserts by issuer_id: the row it wrote is this one, not a duplicate

    def save(self, commit=True):
        return services.trusted_issuer_set_active(actor=self.officer, issuer=self.imported, active=self.cleaned_data["is_active"])


@admin.register(TrustedIssuer)
class TrustedIssuerAdmin(admin.ModelAdmin):
    form = TrustedIssuerForm

    def get_form(self, request, obj=None, change=False, **kwargs):
        form = super().get_form(request, obj, change=change, **kwargs)
        return type(form.__name__, (form,), {"officer": request.user})  # the acting officer, for the use case

    def has_delete_permission(self, request, obj=None):
        return False  # trust ends by deactivating (audited), not by deleting the row

    def save_model(self, request, obj, form, change):
        pass  # the form's save ran the use cases (trusted_issuer_import, trusted_issuer_set_active)

    def save_related(self, request, form, formsets, change):
        pass  # no related rows: nothing is written outside the use cases
    list_display = ["name", "issuer_id", "valid_from", "valid_until", "is_active", "updated_at"]


@admin.register(RecomputeJob)
class RecomputeJobAdmin(ReadOnlyAdmin):
    list_display = ["pk", "reason", "state", "progress_display", "chunks_display", "changed", "created_at", "finished_at"]

    @admin.display(description=_("进度"))
    def progress_display(self, obj):
        return f"{obj.progress}% ({obj.done}/{obj.total})"

    @admin.display(description=_("已完成分块"))
    def chunks_display(self, obj):
        return f"{obj.chunks_done}/{obj.chunks_total}" if obj.chunks_total is not None else "—"


class SourceDataAdmin(ReadOnlyAdmin):
    """Source data and derived rows, read-only: a place shows by name, its code beside it as code."""

    list_display = ["__str__"]

    SOURCES = {"import": _("批量导入"), "demo": _("演示数据")}

    def get_fields(self, request, obj=None):
        fields = [f for f in super().get_fields(request, obj) if f not in ("area_shown", "source_shown")]
        return [{"area_code": "area_shown", "source": "source_shown"}.get(f, f) for f in fields]

    def get_readonly_fields(self, request, obj=None):
        return [*super().get_readonly_fields(request, obj), "area_shown", "source_shown"]

    @admin.display(description=_("数据来源"))
    def source_shown(self, obj):
        """In words: a choice's label, or one of ours; an API client's key id as code."""
        source = getattr(obj, "source", "")
        if hasattr(obj, "get_source_display"):
            return obj.get_source_display()
        return self.SOURCES[source] if source in self.SOURCES else format_html("<code>{}</code>", source) if source else "—"

    @admin.display(description=_("地区"))
    def area_shown(self, obj):
        code = getattr(obj, "area_code", "")
        return format_html("{} <code>{}</code>", area_name(code), code) if code else "—"


for model in (TestResult, Vaccination, Stay, SelfDeclaration, PassCheck, HealthStatus, DailyCount, Venue):
    admin.site.register(model, type(f"{model.__name__}Admin", (SourceDataAdmin,), {}))
