"""免申即享 in admin: policies; versions drafted here (compiled on save: a refused rule is an error on
the form), dry-run and published (by a second person) as admin actions; the runs, entitlements and
payouts read-only; the human queue decided through ``review_decide``."""

from __future__ import annotations

import json

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.html import format_html
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from benefits import matching, rules, services
from benefits.models import Entitlement, MatchRun, Payout, Policy, PolicyVersion, ReviewItem
from benefits.periods import period_words
from core.errors import DomainError
from identity.admin import UseCaseAdmin


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Policy)
class PolicyAdmin(UseCaseAdmin):
    list_display = ["code", "name", "department", "legal_basis"]
    search_fields = ["code", "name"]


class PolicyVersionForm(forms.ModelForm):
    class Meta:
        model = PolicyVersion
        fields = ["policy", "benefit", "benefit_text", "fields", "rule", "monthly_amount", "period", "impact_assessment"]

    def clean(self):
        """The rule compiled now: a refusal is an error on the form, in words."""
        data = super().clean()
        try:
            rules.check(data.get("rule"), fields=data.get("fields") or [])
            if data.get("monthly_amount") is not None:
                rules.check(data["monthly_amount"], fields=data.get("fields") or [], expect=rules.INT)
        except (rules.RuleError, TypeError) as refused:
            raise ValidationError(_("The rule is refused: %(reason)s") % {"reason": refused}) from None
        return data


@admin.register(PolicyVersion)
class PolicyVersionAdmin(UseCaseAdmin):
    form = PolicyVersionForm
    list_display = ["policy", "number", "status", "period", "impact_assessment", "drafted_by", "published_by"]
    list_filter = ["status"]
    fields = ["policy", "benefit", "benefit_text", "fields", "rule", "monthly_amount", "period", "impact_assessment"]
    actions = ["dry_run", "publish"]

    def has_change_permission(self, request, obj=None):
        return False  # a version is drafted anew, never edited; publishing is an action

    def get_fields(self, request, obj=None):
        """A drafted version is read: its fields and rules show as code."""
        return [f"{name}_shown" if name in ("fields", "rule", "monthly_amount") else name for name in self.fields] if obj else self.fields

    @admin.display(description=gettext_lazy("可读取的基础数据字段"))
    def fields_shown(self, version):
        return format_html("<code>{}</code>", json.dumps(version.fields, ensure_ascii=False))

    @admin.display(description=gettext_lazy("资格规则（JsonLogic）"))
    def rule_shown(self, version):
        return format_html("<code>{}</code>", json.dumps(version.rule, ensure_ascii=False))

    @admin.display(description=gettext_lazy("月标准（元，JsonLogic）"))
    def monthly_amount_shown(self, version):
        return format_html("<code>{}</code>", json.dumps(version.monthly_amount, ensure_ascii=False)) if version.monthly_amount is not None else "—"

    def has_delete_permission(self, request, obj=None):
        return False

    def save_through(self, request, record, changed, write):
        try:
            version = services.version_draft(actor=request.user, policy=record.policy, rule=record.rule, fields=record.fields,
                                             benefit_text=record.benefit_text, impact_assessment=record.impact_assessment,
                                             monthly_amount=record.monthly_amount, period=record.period, benefit=record.benefit)
        except DomainError as refused:
            raise ValidationError(refused.message) from None
        record.pk, record.number = version.pk, version.number

    @admin.action(description=gettext_lazy("试运行（只统计，不写入）"))
    def dry_run(self, request, queryset):
        for version in queryset:
            report = matching.dry_run(version, timezone.localdate())
            bands = "、".join(f"{band} 元/月 {count} 人" for band, count in report.by_band)
            diff = "" if report.previous is None else _("；与现行版本相比：新增 %(new)s 人，减少 %(gone)s 人，金额变化 %(changed)s 人") % {
                "new": report.newly_in, "gone": report.dropped, "changed": report.amount_changed}
            messages.info(request, _("%(version)s %(period)s：共 %(total)s 人（%(bands)s），涉及 %(areas)s 个区县%(diff)s") % {
                "version": version, "period": period_words(report.period),
                "total": report.total, "bands": bands or "—", "areas": len(report.by_area), "diff": diff})

    @admin.action(description=gettext_lazy("发布（须由起草人以外的人员）"))
    def publish(self, request, queryset):
        for version in queryset:
            try:
                services.version_publish(actor=request.user, version=version)
                messages.success(request, _("%(version)s 已发布。") % {"version": version})
            except DomainError as refused:
                messages.error(request, refused.message)


class PeriodShown:
    """A run's or an entitlement's period in words (2026年第四季度), not its key."""

    @admin.display(description=gettext_lazy("期次"), ordering="period")
    def period_shown(self, record: MatchRun | Entitlement) -> str:
        return period_words(record.period)


@admin.register(MatchRun)
class MatchRunAdmin(PeriodShown, ReadOnlyAdmin):
    list_display = ["version", "kind", "period_shown", "started_at", "inserted", "revoked", "queued"]


@admin.register(Entitlement)
class EntitlementAdmin(PeriodShown, ReadOnlyAdmin):
    list_display = ["policy", "period_shown", "status", "amount_fen", "created_at"]  # no person: the person's own pages show them
    list_filter = ["status", "policy"]
    fields = ["policy", "version", "period_shown", "status", "amount_fen", "created_at"]
    readonly_fields = ["period_shown"]


@admin.register(Payout)
class PayoutAdmin(ReadOnlyAdmin):
    list_display = ["number", "amount_fen", "status", "trade_no", "paid_at"]


@admin.register(ReviewItem)
class ReviewItemAdmin(UseCaseAdmin):
    """The human queue: a person decides what the machine may not (PIPL Art. 24)."""

    list_display = ["entitlement", "reason", "outcome", "created_at", "decided_at"]
    list_filter = ["reason", "outcome"]
    fields = ["entitlement", "reason", "case", "outcome", "note"]
    readonly_fields = ["entitlement", "reason", "case"]

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def save_through(self, request, record, changed, write):
        try:
            services.review_decide(actor=request.user, item=record, outcome=record.outcome, note=record.note)
        except DomainError as refused:
            raise ValidationError(refused.message) from None


