"""A structured editor for the list-of-objects JSON that admins define (a service item's form, a
credential type's fields, 秒批 rules): one labelled group of inputs per entry, blank groups to add
new ones and a "remove" box on each, so nobody types JSON. It needs no script (the admin's strict
Content-Security-Policy holds) and fits a narrow screen. Keys the editor does not show (a field's
prefill source, its pattern …) ride along unchanged in a hidden input, so an edit never loses them.

What a valid entry is stays with the validators (``core.fields.validate_schema`` for forms): the
editor only turns inputs into the list and back."""

from __future__ import annotations

import json
from dataclasses import dataclass, field

from django import forms
from django.template.loader import render_to_string
from django.utils.translation import gettext_lazy as _

from core.fields import FIELD_TYPES


@dataclass(frozen=True)
class Column:
    """One input of an entry: ``text``, ``select`` (with choices), ``checkbox`` or ``list`` (a list of
    words entered one per line)."""

    key: str
    label: str
    kind: str = "text"
    choices: tuple = ()
    help: str = ""
    default: object = None
    wide: bool = False


@dataclass
class Row:
    number: int
    cells: list = field(default_factory=list)
    extra: str = ""


class EntriesWidget(forms.Widget):
    """Renders ``[{…}, …]`` as groups of inputs named ``<name>-<i>-<column>`` (plus ``<name>-count``)."""

    template = "admin/widgets/entries.html"

    class Media:
        css = {"all": ["css/admin-entries.css"]}
    blank_rows = 2
    entry_label = _("第 %(n)d 项")

    def __init__(self, columns: list[Column], *, entry_label=None, attrs=None):
        super().__init__(attrs)
        self.columns = columns
        if entry_label is not None:
            self.entry_label = entry_label

    # reading the inputs -----------------------------------------------------------------------
    def value_from_datadict(self, data, files, name):
        if f"{name}-count" not in data:  # a client posting the JSON itself (API-style tests, scripts)
            raw = data.get(name)
            try:
                return json.loads(raw) if isinstance(raw, str) else raw
            except ValueError:
                return raw
        try:
            count = min(int(data.get(f"{name}-count", 0)), 500)
        except ValueError:
            count = 0
        entries = []
        for i in range(count):
            prefix = f"{name}-{i}-"
            if data.get(prefix + "DELETE"):
                continue
            entry = self.read_entry(data, prefix)
            if entry is not None:
                entries.append(entry)
        return entries

    def read_entry(self, data, prefix: str) -> dict | None:
        """One group's inputs as an entry, or None when the group was left blank."""
        try:
            entry = json.loads(data.get(prefix + "extra") or "{}")
        except ValueError:
            entry = {}
        entry = entry if isinstance(entry, dict) else {}
        filled = False
        for column in self.columns:
            raw = data.get(prefix + column.key, "")
            if column.kind == "checkbox":
                entry[column.key] = bool(raw)
                continue
            value = [line.strip() for line in str(raw).replace("、", "\n").splitlines() if line.strip()] if column.kind == "list" else str(raw).strip()
            entry.pop(column.key, None)
            if value:
                entry[column.key] = value
                filled = filled or column.kind != "select"  # a select always has a value: it alone fills nothing
        if not filled:
            return None
        return self.finish_entry(entry)

    def finish_entry(self, entry: dict) -> dict:
        """A hook to tidy an entry (defaults dropped, numbers typed)."""
        return entry

    # showing the entries ----------------------------------------------------------------------
    def cell_value(self, column: Column, entry: dict):
        value = entry.get(column.key, column.default)
        if column.kind == "list":
            return "\n".join(str(v) for v in value) if isinstance(value, list) else ("" if value is None else str(value))
        if column.kind == "checkbox":
            return bool(value)
        return "" if value is None else str(value)

    def render(self, name, value, attrs=None, renderer=None):
        entries = value if isinstance(value, list) else []
        if isinstance(value, str):
            try:
                parsed = json.loads(value)
                entries = parsed if isinstance(parsed, list) else []
            except ValueError:
                entries = []
        base_id = (attrs or {}).get("id") or f"id_{name}"
        shown = {column.key for column in self.columns}
        rows = []
        for i, entry in enumerate([*entries, *([{}] * self.blank_rows)]):
            entry = entry if isinstance(entry, dict) else {}
            cells = [{"column": column, "name": f"{name}-{i}-{column.key}", "id": f"{base_id}-{i}-{column.key}",
                      "value": self.cell_value(column, entry),
                      "options": [(str(k), v) for k, v in column.choices]} for column in self.columns]
            extra = {k: v for k, v in entry.items() if k not in shown}
            rows.append({"number": i + 1, "index": i, "cells": cells, "extra": json.dumps(extra, ensure_ascii=False) if extra else "",
                         "blank": not entry, "legend": self.entry_label % {"n": i + 1}, "delete_id": f"{base_id}-{i}-DELETE",
                         "delete_name": f"{name}-{i}-DELETE", "extra_name": f"{name}-{i}-extra"})
        return render_to_string(self.template, {"name": name, "id": base_id, "rows": rows, "count": len(rows)})


class EntriesField(forms.Field):
    """The list the editor produced; validity is the model field's validators' business."""

    def __init__(self, *, columns: list[Column], widget_class=EntriesWidget, entry_label=None, **kwargs):
        kwargs.setdefault("required", False)
        super().__init__(widget=widget_class(columns, entry_label=entry_label), **kwargs)

    def to_python(self, value):
        return [] if value in (None, "") else value

    def has_changed(self, initial, data):
        return (initial or []) != (self.to_python(data) or [])


TYPE_WORDS = {"text": _("单行文字"), "textarea": _("多行文字"), "date": _("日期"), "number": _("数字"), "choice": _("选项（下拉选择）"),
              "id_number": _("身份证号码"), "phone": _("手机号码")}


class FieldSchemaWidget(EntriesWidget):
    def value_from_datadict(self, data, files, name):
        """A field added without a key gets one (``field_<n>``): admins name fields, not keys."""
        entries = super().value_from_datadict(data, files, name)
        if f"{name}-count" in data and isinstance(entries, list):
            taken = {entry.get("key") for entry in entries}
            for n, entry in enumerate(entries, start=1):
                if not entry.get("key") and entry.get("label"):
                    key = next(f"field_{m}" for m in range(n, n + len(entries) + 2) if f"field_{m}" not in taken)
                    entry["key"] = key
                    taken.add(key)
        return entries

    def finish_entry(self, entry: dict) -> dict:
        if entry.get("required") is True:
            entry.pop("required")  # a field is required unless it says otherwise
        if entry.get("type") != "choice":
            entry.pop("choices", None)
        entry.setdefault("type", "text")
        return entry


def field_schema_columns(types: tuple[str, ...] = FIELD_TYPES) -> list[Column]:
    return [
        Column("label", _("名称（中文）")),
        Column("label_en", _("名称（英文）")),
        Column("key", _("字段标识"), help=_("可不填，自动生成；填写时用字母、数字或下划线，同一表单内不重复")),
        Column("type", _("填写方式"), kind="select", choices=tuple((t, TYPE_WORDS.get(t, t)) for t in types), default="text"),
        Column("required", _("必填"), kind="checkbox", default=True),
        Column("choices", _("可选项（每行一项）"), kind="list", help=_("仅“选项”类需要")),
        Column("help", _("填写说明（中文）"), wide=True),
        Column("help_en", _("填写说明（英文）"), wide=True),
    ]


class FieldSchemaField(EntriesField):
    def __init__(self, *, types: tuple[str, ...] = FIELD_TYPES, **kwargs):
        super().__init__(columns=field_schema_columns(types), widget_class=FieldSchemaWidget, entry_label=_("第 %(n)d 个字段"), **kwargs)
