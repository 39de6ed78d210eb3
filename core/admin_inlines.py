"""Admin pieces every app's admin shares so its pages stay accessible (axe-clean): a tabular inline
whose inputs carry their column's name (a table header alone is no label for a screen reader), and a
checkbox list instead of Django's two-box filter widget (whose script adds ARIA a span may not have)."""

from __future__ import annotations

from django import forms
from django.contrib import admin


class LabelledTabularInline(admin.TabularInline):
    """Each input of each row (the delete box too) is named by its field's label."""

    def get_formset(self, request, obj=None, **kwargs):
        formset = super().get_formset(request, obj, **kwargs)

        class Labelled(formset):
            def add_fields(self, form, index):
                super().add_fields(form, index)
                for name, field in form.fields.items():
                    if not field.widget.is_hidden:
                        field.widget.attrs.setdefault("aria-label", f"{field.label or name}" + (f" {index + 1}" if index is not None else ""))

        Labelled.__name__ = formset.__name__
        return Labelled


class CheckboxListMixin:
    """Many-to-many fields as a labelled list of checkboxes."""

    def formfield_for_manytomany(self, db_field, request, **kwargs):
        kwargs.setdefault("widget", forms.CheckboxSelectMultiple)
        return super().formfield_for_manytomany(db_field, request, **kwargs)
