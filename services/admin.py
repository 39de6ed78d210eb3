"""Admin for item admins: departments' items with versioned guides (published versions are frozen;
"new version" copies one to edit), materials and forms; spreadsheet import/export of items."""

from __future__ import annotations

from decimal import Decimal

from django import forms
from django.contrib import admin, messages
from django.utils.html import format_html_join
from django.utils.translation import gettext_lazy as _
from import_export import fields, resources
from import_export.widgets import ForeignKeyWidget, ManyToManyWidget

from core.admin_inlines import CheckboxListMixin, LabelledTabularInline, code_column
from core.schema_editor import TYPE_WORDS, Column, EntriesField, EntriesWidget, FieldSchemaField
from credentials.models import CredentialType
from identity.admin import ReadOnlyAdmin, UseCaseAdmin, UseCaseImportExportAdmin
from identity.models import Department
from services.models import (
    RATING_TAGS,
    RULE_KIND_WORDS,
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


class MaterialInline(LabelledTabularInline):
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


OP_WORDS = {"eq": _("等于"), "ne": _("不等于"), "gte": _("不小于"), "lte": _("不大于"), "gt": _("大于"), "lt": _("小于"), "in": _("是以下之一")}
NUMERIC_OPS = ("gte", "lte", "gt", "lt")


def _number(text: str):
    try:
        number = Decimal(text)
    except ArithmeticError:
        return text
    return int(number) if number == number.to_integral_value() else float(number)


class ApprovalRulesWidget(EntriesWidget):
    """秒批 rules: a name, what is checked, and (by kind) the credential type, the form field, the
    comparison and the value. Only the inputs the kind uses are kept."""

    def finish_entry(self, entry: dict) -> dict:
        kind = entry.get("kind")
        keep = {"credential_valid": ("type",), "field": ("field", "op", "value"), "applicant_age": ("op", "value")}.get(kind, ())
        for key in ("type", "field", "op", "value"):
            if key not in keep:
                entry.pop(key, None)
        if "value" in entry:
            op = entry.get("op", "eq")
            if op == "in":
                entry["value"] = [part.strip() for part in str(entry["value"]).replace("，", "、").replace(",", "、").split("、") if part.strip()]
            elif op in NUMERIC_OPS or kind == "applicant_age":
                entry["value"] = _number(entry["value"])
        return entry

    def cell_value(self, column, entry):
        value = entry.get(column.key)
        if column.key == "value" and isinstance(value, list):
            return "、".join(str(v) for v in value)
        return super().cell_value(column, entry)


def approval_rule_columns() -> list[Column]:
    types = tuple(CredentialType.objects.filter(is_active=True).order_by("name").values_list("code", "name"))
    return [
        Column("name", _("规则名称"), help=_("不满足时向审核人员显示")),
        Column("kind", _("检查内容"), kind="select", choices=tuple(RULE_KIND_WORDS.items())),
        Column("type", _("证照类型"), kind="select", choices=(("", "—"), *types), help=_("仅“持有有效证照”需要")),
        Column("field", _("表单项标识"), help=_("仅“表单项满足条件”需要")),
        Column("op", _("比较方式"), kind="select", choices=tuple(OP_WORDS.items())),
        Column("value", _("比较值"), help=_("“是以下之一”时用顿号分隔")),
    ]


DRAFT_FIELDS = ["item", "version", "legal_basis", "who_may_apply", "conditions", "steps", "time_limit_days", "fees", "fee_yuan",
                "fee_per_unit_yuan", "fee_unit_field", "window_address", "window_hours", "form_schema", "approval_rules", "result_credential_type",
                "result_validity_years", "published_at"]
PUBLISHED_FIELDS = ["item", "version", "legal_basis", "who_may_apply", "conditions", "steps", "time_limit_days", "fees", "fee_shown",
                    "fee_per_unit_shown", "fee_unit_field", "window_address", "window_hours", "form_shown", "rules_shown", "result_credential_type",
                    "result_validity_years", "published_at", "created_at"]


class ItemVersionForm(forms.ModelForm):
    """A draft version: the form and the 秒批 rules through the structured editor; fees in 元 (stored
    in 分 as before)."""

    fee_yuan = forms.DecimalField(label=_("收费（元）"), min_value=0, max_digits=10, decimal_places=2, required=False,
                                  help_text=_("固定收费金额，单位为元；0 为不收费"))
    fee_per_unit_yuan = forms.DecimalField(label=_("按件收费（元）"), min_value=0, max_digits=10, decimal_places=2, required=False,
                                           help_text=_("每件收费，乘以下列表单项的数值"))

    class Meta:
        model = ItemVersion
        fields = [name for name in DRAFT_FIELDS if name not in ("fee_yuan", "fee_per_unit_yuan", "published_at")]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if "form_schema" in self.fields:
            self.fields["form_schema"] = FieldSchemaField(label=_("表单字段"), help_text=_("申请人要填写的每一项；留空则无需填表"))
            self.fields["approval_rules"] = EntriesField(
                columns=approval_rule_columns(), widget_class=ApprovalRulesWidget, entry_label=_("第 %(n)d 条规则"), label=_("秒批规则"),
                help_text=_("全部满足即自动批准；为空则人工审核"))
            self.fields["fee_yuan"].initial = Decimal(self.instance.fee_fen or 0) / 100
            self.fields["fee_per_unit_yuan"].initial = Decimal(self.instance.fee_per_unit_fen or 0) / 100

    def clean(self):
        cleaned = super().clean()
        if not self.instance.is_published:
            self.instance.fee_fen = int((cleaned.get("fee_yuan") or Decimal(0)) * 100)
            self.instance.fee_per_unit_fen = int((cleaned.get("fee_per_unit_yuan") or Decimal(0)) * 100)
        return cleaned


@admin.register(ItemVersion)
class ItemVersionAdmin(UseCaseAdmin):
    """Drafts are saved through ``catalogue.item_version_draft_save`` (with their materials), published
    by ``item_version_publish`` and copied by ``item_version_copy``; a published version is view-only."""

    form = ItemVersionForm
    list_display = ["item", "version", "published_at", "time_limit_days"]
    list_filter = ["item__department"]
    search_fields = ["item__name", "item__code"]
    inlines = [MaterialInline]
    actions = ["publish", "new_version"]

    def get_fields(self, request, obj=None):
        return PUBLISHED_FIELDS if obj and obj.is_published else DRAFT_FIELDS

    def has_change_permission(self, request, obj=None):
        return super().has_change_permission(request, obj) and not (obj and obj.is_published)

    def has_delete_permission(self, request, obj=None):
        return super().has_delete_permission(request, obj) and not (obj and obj.is_published)

    def save_through(self, request, record, changed, write):
        catalogue.item_version_draft_save(actor=request.user, version=record, changed=changed, write=write)

    def get_readonly_fields(self, request, obj=None):
        if obj and obj.is_published:
            return PUBLISHED_FIELDS
        return ["published_at"]

    @admin.display(description=_("收费（元）"))
    def fee_shown(self, obj):
        return f"{obj.fee_fen / 100:.2f}"

    @admin.display(description=_("按件收费（元）"))
    def fee_per_unit_shown(self, obj):
        return f"{obj.fee_per_unit_fen / 100:.2f}"

    @admin.display(description=_("表单字段"))
    def form_shown(self, obj):
        return format_html_join("", "<div>{}（{}{}）</div>", ((f.get("label", ""), TYPE_WORDS.get(f.get("type", "text"), ""),
                                                            "" if f.get("required", True) else _("，选填")) for f in obj.form_schema)) or "—"

    @admin.display(description=_("秒批规则"))
    def rules_shown(self, obj):
        return format_html_join("", "<div>{}（{}）</div>", ((r.get("name", ""), RULE_KIND_WORDS.get(r.get("kind"), "")) for r in obj.approval_rules)) or "—"

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
class ServiceItemAdmin(CheckboxListMixin, UseCaseImportExportAdmin):
    resource_classes = [ServiceItemResource]
    list_display = ["name", "code_shown", "name_en", "department", "online", "at_most_one_trip", "high_frequency", "current_version", "is_active"]
    code_shown = code_column("code", _("事项编码"))
    list_filter = ["department", "online", "high_frequency", "categories"]
    search_fields = ["code", "name", "keywords"]
    readonly_fields = ["current_version"]


@admin.register(Region)
class RegionAdmin(UseCaseAdmin):
    list_display = ["name", "code_shown", "level", "parent"]
    code_shown = code_column("code", _("行政区划代码"))
    search_fields = ["code", "name"]


@admin.register(Category)
class CategoryAdmin(UseCaseAdmin):
    list_display = ["name", "name_en", "kind"]
    list_filter = ["kind"]


class TransitionInline(LabelledTabularInline):
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
    fields = ["application", "item", "department", "channel", "level", "tags_shown", "comment", "revises", "created_at"]
    readonly_fields = ["tags_shown"]

    @admin.display(description=_("标签"))
    def tags_shown(self, obj):
        return "、".join(str(RATING_TAGS.get(tag, tag)) for tag in obj.tags or ()) or "—"


@admin.register(Rectification)
class RectificationAdmin(ReadOnlyAdmin):
    """Bad-rating cases; departments handle them in the portal (差评整改), not here."""

    list_display = ["rating", "department", "status", "callback_due", "rectify_due", "overdue"]
    list_filter = ["status", "overdue", "department"]
    fields = ["rating", "department", "status", "callback_due", "rectify_due", "called_back_at", "callback_note", "rectified_at", "reply",
              "handled_by", "overdue", "created_at"]


@admin.register(CalendarOverride)
class CalendarOverrideAdmin(UseCaseAdmin):
    """Next year's holidays and adjusted working days from the State Council's notice, until the
    calendar library carries them (services/workdays.py)."""

    list_display = ["day", "working", "note"]
    list_filter = ["working"]
    date_hierarchy = "day"


class BundlePartInline(LabelledTabularInline):
    model = BundlePart
    fk_name = "bundle"
    extra = 1
    fields = ["position", "item", "after", "field_map"]


@admin.register(Bundle)
class BundleAdmin(UseCaseAdmin):
    """一件事: the items (in order), which part waits for which result, and which questions are the
    same one under another key (field_map: {item key: bundle key})."""

    list_display = ["name", "code_shown", "is_active"]
    code_shown = code_column("code", _("编码"))
    fields = ["code", "name", "name_en", "description", "is_active"]
    inlines = [BundlePartInline]


@admin.register(BundleApplication)
class BundleApplicationAdmin(ReadOnlyAdmin):
    list_display = ["number", "bundle", "status", "created_at", "completed_at"]
    list_filter = ["status", "bundle"]
    fields = ["number", "bundle", "status", "note", "created_at", "completed_at"]
