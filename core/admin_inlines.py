"""Admin pieces every app's admin shares so its pages stay accessible (axe-clean): a tabular inline
whose inputs carry their column's name (a table header alone is no label for a screen reader), and a
checkbox list instead of Django's two-box filter widget (whose script adds ARIA a span may not have)."""

from __future__ import annotations

from django import forms
from django.contrib import admin
from django.contrib.admin import widgets
from django.db import models


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
