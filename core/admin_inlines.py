"""Admin pieces every app's admin shares so its pages stay accessible (axe-clean): a tabular inline
whose inputs carry their column's name (a table header alone is no label for a screen reader), and a
checkbox list instead of Django's two-box filter widget (whose script adds ARIA a span may not have)."""

from __future__ import annotations

from django import forms
from django.contrib import admin
from django.contrib.admin import widgets
from django.db import models
from django.utils.html import format_html


class LabelledTabularInline(admin.TabularInline):
    """Each input of each row (the delete box too) is named by its field's label."""

    def get_formset(self, request, obj=None, **kwargs):
        formset = super().get_formset(request, obj, **kwargs)

        class Labelled(formset):
            def add_fields(self, form, index):
                super().add_fields(form, index)
                for name, field in form.fields.items():
                    widget = getattr(field.widget, "widget", field.widget)  # inside the admin's related-object wrapper
                    if not widget.is_hidden:
                        widget.attrs.setdefault("aria-label", f"{field.label or name}" + (f" {index + 1}" if index is not None else ""))

        Labelled.__name__ = formset.__name__
        return Labelled


class CheckboxListMixin:
    """Many-to-many fields as a labelled list of checkboxes."""

    def formfield_for_manytomany(self, db_field, request, **kwargs):
        kwargs.setdefault("widget", forms.CheckboxSelectMultiple)
        return super().formfield_for_manytomany(db_field, request, **kwargs)


class LabelledSplitDateTime(widgets.AdminSplitDateTime):
    """Django's date-and-time pair with labels: the field's own label names the date input (Django 5
    points it at nothing for a two-input widget) and the time input is named by its own word ("时间")."""

    def id_for_label(self, id_):
        return f"{id_}_0" if id_ else id_

    def get_context(self, name, value, attrs):
        context = super().get_context(name, value, attrs)
        _date, time = context["widget"]["subwidgets"]
        time["attrs"]["aria-label"] = str(context["time_label"]).rstrip(":：")
        return context


def accessible_widgets(model_admin) -> None:
    """Give a registered model admin the labelled date-and-time widget (``QiluAdminSite.register``)."""
    model_admin.formfield_overrides.setdefault(models.DateTimeField, {})["widget"] = LabelledSplitDateTime


def code_column(field: str, description):
    """A list column for an identifier staff need to see (an item code, a region code): shown in
    ``<code>``, the one place codes belong on staff pages."""

    @admin.display(description=description, ordering=field)
    def shown(_admin, obj):  # looked up by name on the model admin: called as a method
        value = getattr(obj, field)
        return format_html("<code>{}</code>", value) if value else "—"

    shown.__name__ = f"{field}_code"
    return shown


class AreaInput(forms.TextInput):
    """A place typed by name, with every GB/T 2260 name offered in a datalist."""

    def render(self, name, value, attrs=None, renderer=None):
        from django.utils.html import format_html_join

        from core.areas import area_name, current_areas

        attrs = {**(attrs or {}), "list": f"{name}-areas", "autocomplete": "off"}
        shown = area_name(value) if value else value
        options = format_html_join("", '<option value="{}"></option>', ((area,) for _code, area in current_areas()))
        return format_html('{}<datalist id="{}-areas">{}</datalist>', super().render(name, shown, attrs, renderer), name, options)


class AreaField(forms.CharField):
    """An area chosen by name (济南市历下区); cleaned to its 6-digit code, which is what is stored."""

    widget = AreaInput

    def clean(self, value):
        from django.core.exceptions import ValidationError
        from django.utils.translation import gettext as _

        from core.areas import area_code_for

        value = super().clean(value)
        code = area_code_for(value)
        if value and not code:
            raise ValidationError(_("请从列表中选择地区。"))
        return code
