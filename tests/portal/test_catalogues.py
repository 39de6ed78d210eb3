"""The translation catalogues are complete: every message in the Chinese (zh-Hans) and English
catalogues has a translation — none empty, none fuzzy — so no page shows a bare msgid such as
"System (秒批)" to a Chinese reader. Parsed by hand (the .po format is simple; no polib needed)."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

LOCALE = Path(__file__).resolve().parents[2] / "locale"
CATALOGUES = [LOCALE / "zh_Hans" / "LC_MESSAGES" / "django.po", LOCALE / "en" / "LC_MESSAGES" / "django.po",
              *sorted(path for path in LOCALE.glob("*/LC_MESSAGES/*.po") if path.name != "django.po")]  # djangojs: the scripts' own


def po_entries(path: Path) -> list[dict]:
    """Each entry as {"msgid", "msgstr" (and msgstr[n]), "flags", "line"}; the header is left out."""
    entries, entry, field, flags = [], None, None, []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines() + [""], start=1):
        if not line.strip():
            if entry and entry.get("msgid"):
                entries.append(entry)
            entry, field = None, None
            continue
        if line.startswith("#,"):
            flags = [flag.strip() for flag in line[2:].split(",")]
        elif line.startswith("#"):
            continue
        elif match := re.match(r"(msgctxt|msgid_plural|msgid|msgstr(?:\[\d+\])?)\s+(\".*\")$", line):
            if entry is None:
                entry, flags = {"flags": flags, "line": number}, []
            field = match.group(1)
            entry[field] = ast.literal_eval(match.group(2))
        elif line.startswith('"') and entry is not None and field:
            entry[field] += ast.literal_eval(line)
    return entries


def test_the_parser_reads_what_it_should():
    entries = po_entries(CATALOGUES[0])
    assert len(entries) > 1000
    assert {"msgid": "System (秒批)", "msgstr": "系统（秒批）"}.items() <= next(e for e in entries if e["msgid"] == "System (秒批)").items()


@pytest.mark.parametrize("path", CATALOGUES, ids=lambda path: f"{path.parts[-3]}-{path.stem}")
def test_no_message_is_untranslated_or_fuzzy(path):
    entries = po_entries(path)
    empty = [f'{path.name}:{e["line"]} {e["msgid"]!r}' for e in entries if any(value == "" for key, value in e.items() if key.startswith("msgstr"))]
    fuzzy = [f'{path.name}:{e["line"]} {e["msgid"]!r}' for e in entries if "fuzzy" in e["flags"]]
    assert empty == [] and fuzzy == [], (empty + fuzzy)[:40]


def test_the_compiled_catalogues_are_there():
    for path in CATALOGUES:
        compiled = path.with_suffix(".mo")
        assert compiled.exists() and compiled.stat().st_size > 500, compiled
