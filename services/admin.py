"""Admin for item admins: departments' items with versioned guides (published versions are frozen;
"new version" copies one to edit), materials and forms; spreadsheet import/export of items."""

from __future__ import annotations

from django.contrib import admin, messages
from django.utils.translation import gettext_lazy as _
from import_export import fields, resources
from import_export.admin import ImportExportModelAdmin
from import_export.widgets import ForeignKeyWidget, ManyToManyWidget

from identity.admin import ReadOnlyAdmin
from identity.models import Department
from services.models import (
    Application,
    Bundle,
    BundleApplication,
    BundlePart,
    CalendarOverride,
    Category,
    ItemVersion,
    Material,
    Rating,
    Rectification,
    Region,
    ServiceItem,
    Transition,
)
from services.services import catalogue


class ServiceItemResource(resources.ModelResource):
    """Spreadsheet columns for the catalogue (the guide text lives in versions, edited in admin)."""

    department = fields.Field(attribute="department", column_name="department", widget=ForeignKeyWidget(Department, "code"))
    region = fields.Field(attribute="region", column_name="region", widget=ForeignKeyWidget(Region, "code"))
    categories = fields.Field(attribute="categories", column_name="categories", widget=ManyToManyWidget(Category, separator="|", field="name"))

    class Meta:
        model = ServiceItem
        import_id_fields = ["code"]
        fields = ["code", "name", "name_en", "department", "region", "categories", "applicant_kind", "keywords", "online", "at_most_one_trip",
                  "high_frequency", "is_active"]
        skip_unchanged = True


class MaterialInline(admin.TabularInline):
    model = Material
    extra = 0
    fields = ["name", "kind", "credential_type", "required", "note"]

    def _editable(self, obj):
        return not (obj and obj.is_published)

    def has_add_permission(self, request, obj=None):
        return super().has_add_permission(request, obj) and self._editable(obj)

    def has_change_permission(self, request, obj=None):
        return super().has_change_permission(request, obj) and self._editable(obj)

    def has_delete_permission(self, request, obj=None):
        return super().has_delete_permission(request, obj) and self._editable(obj)


@admin.register(ItemVersion)
class ItemVersionAdmin(admin.ModelAdmin):
    list_display = ["item", "version", "published_at", "time_limit_days"]
    list_filter = ["item__department"]
    search_fields = ["item__name", "item__code"]
    inlines = [MaterialInline]
    actions = ["publish", "new_version"]

    def get_readonly_fields(self, request, obj=None):
        if obj and obj.is_published:
            return [f.name for f in ItemVersion._meta.fields]
        return ["published_at"]

    @admin.action(description=_("发布所选版本（发布后不可修改）"))
    def publish(self, request, queryset):
        for version in queryset.filter(published_at__isnull=True):
            catalogue.item_version_publish(actor=request.user, version=version)
            self.message_user(request, _("%(item)s v%(v)d published.") % {"item": version.item.name, "v": version.version})

    @admin.action(description=_("复制为新版本（草稿）"))
    def new_version(self, request, queryset):
        for version in queryset:
            draft = catalogue.item_version_copy(actor=request.user, version=version)
            self.message_user(request, _("Draft v%(v)d created.") % {"v": draft.version}, messages.SUCCESS)


@admin.register(ServiceItem)
class ServiceItemAdmin(ImportExportModelAdmin):
    resource_classes = [ServiceItemResource]
    list_display = ["code", "name", "name_en", "department", "online", "at_most_one_trip", "high_frequency", "current_version", "is_active"]
    list_filter = ["department", "online", "high_frequency", "categories"]
    search_fields = ["code", "name", "keywords"]
    filter_horizontal = ["categories"]
    readonly_fields = ["current_version"]


@admin.register(Region)
class RegionAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "level", "parent"]
    search_fields = ["code", "name"]


@admin.register(Category)
class CategoryAdmin(admin.ModelAdmin):
    list_display = ["name", "name_en", "kind"]
    list_filter = ["kind"]


class TransitionInline(admin.TabularInline):
    model = Transition
    extra = 0
    fields = ["created_at", "from_status", "to_status", "actor_label", "comment"]
    readonly_fields = fields
    can_delete = False


@admin.register(Application)
class ApplicationAdmin(ReadOnlyAdmin):
    list_display = ["number", "item", "department", "status", "overdue", "created_at"]
    list_filter = ["status", "overdue", "department"]
    search_fields = ["number"]
    fields = ["number", "item", "version", "department", "status", "channel", "materials_total", "materials_saved", "failing_rule", "due_at",
              "overdue", "created_at", "decided_at"]
    inlines = [TransitionInline]


@admin.register(Rating)
class RatingAdmin(ReadOnlyAdmin):
    """好差评 as citizens gave them: nobody edits or deletes one."""

    list_display = ["application", "item", "department", "level", "channel", "created_at"]
    list_filter = ["level", "channel", "department"]
    search_fields = ["application__number"]
    fields = ["application", "item", "department", "channel", "level", "tags", "comment", "revises", "created_at"]


@admin.register(Rectification)
class RectificationAdmin(ReadOnlyAdmin):
    """Bad-rating cases; departments handle them in the portal (差评整改), not here."""

    list_display = ["rating", "department", "status", "callback_due", "rectify_due", "overdue"]
    list_filter = ["status", "overdue", "department"]
    fields = ["rating", "department", "status", "callback_due", "rectify_due", "called_back_at", "callback_note", "rectified_at", "reply",
              "handled_by", "overdue", "created_at"]


@admin.register(CalendarOverride)
class CalendarOverrideAdmin(admin.ModelAdmin):
    """Next year's holidays and adjusted working days from the State Council's notice, until the
    calendar library carries them (services/workdays.py)."""

    list_display = ["day", "working", "note"]
    list_filter = ["working"]
    date_hierarchy = "day"


class BundlePartInline(admin.TabularInline):
    model = BundlePart
    fk_name = "bundle"
    extra = 1
    fields = ["position", "item", "after", "field_map"]
    autocomplete_fields = ["item"]


@admin.register(Bundle)
class BundleAdmin(admin.ModelAdmin):
    """一件事: the items (in order), which part waits for which result, and which questions are the
    same one under another key (field_map: {item key: bundle key})."""

    list_display = ["code", "name", "is_active"]
    fields = ["code", "name", "name_en", "description", "is_active"]
    inlines = [BundlePartInline]


@admin.register(BundleApplication)
class BundleApplicationAdmin(ReadOnlyAdmin):
    list_display = ["number", "bundle", "status", "created_at", "completed_at"]
    list_filter = ["status", "bundle"]
    fields = ["number", "bundle", "status", "note", "created_at", "completed_at"]
