"""Admin for cases: categories (the tree and each one's default department), routing rules (first
match by position) and deadline rules (versioned) are edited here, every save through a use case
(``UseCaseAdmin``). Cases themselves are handled in the portal; admin lists them read-only, without
the reporter's data."""

from django.contrib import admin

from appeals.models import Case, CaseCategory, DeadlineRule, RoutingRule
from identity.admin import ReadOnlyAdmin, UseCaseAdmin


@admin.register(CaseCategory)
class CaseCategoryAdmin(UseCaseAdmin):
    list_display = ["name", "parent", "default_department", "is_active"]
    list_filter = ["is_active", "parent"]
    search_fields = ["name", "keywords"]
    fields = ["name", "name_en", "parent", "default_department", "keywords", "is_active"]


@admin.register(RoutingRule)
class RoutingRuleAdmin(UseCaseAdmin):
    """Tried in the order of ``position``; the first rule whose filled conditions all hold dispatches."""

    list_display = ["position", "name", "category", "area", "kind", "keyword", "department", "is_active"]
    list_editable = []
    list_filter = ["is_active", "department", "kind"]
    ordering = ["position", "id"]
    fields = ["position", "name", "category", "area", "kind", "keyword", "department", "is_active"]


@admin.register(DeadlineRule)
class DeadlineRuleAdmin(UseCaseAdmin):
    """A new version is a new row with a later 生效时间; the newest in force wins for its key."""

    list_display = ["__str__", "reply_days", "extension_max_days", "return_days", "valid_from"]
    list_filter = ["kind", "urgency", "category"]
    fields = ["category", "kind", "urgency", "reply_days", "extension_max_days", "return_days", "valid_from"]


@admin.register(Case)
class CaseAdmin(ReadOnlyAdmin):
    list_display = ["number", "kind", "channel", "status", "card", "department", "reply_due", "created_at"]
    list_filter = ["status", "card", "kind", "channel", "department"]
    search_fields = ["number"]
    fields = ["number", "kind", "channel", "urgency", "status", "category", "department", "routing_rule", "dispatched_at", "return_due",
              "accepted_at", "reply_due", "card", "extended_days", "reopened", "supervised_at", "replied_at", "called_back_at", "solved",
              "satisfied", "closed_at", "anonymised_at", "created_at"]
