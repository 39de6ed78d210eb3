"""Administrative area names (GB/T 2260) for the 6-digit codes the platform stores: 370100 → 济南市,
370102 → 济南市历下区. From python-stdnum's own table of Chinese area codes (the one its resident ID
check uses), so names and ID-number validation agree. People read names; codes stay in the data."""

from __future__ import annotations

import functools
import re

from stdnum import numdb


@functools.cache
def _name(code: str) -> str:
    found = numdb.get("cn/loc").info(code)
    if len(found) < 2 or "county" not in found[1][1]:
        return ""
    return re.sub(r"^\[[^\]]*\]", "", found[1][1]["county"])  # "[1983-]历下区" → "历下区"


def area_name(code: str) -> str:
    """The area's name with its city (济南市历下区), the city's or province's own (济南市, 山东省), or
    the code itself when the table does not know it."""
    code = (code or "").strip()
    if not re.fullmatch(r"\d{6}", code):
        return code
    name = _name(code)
    if not name:
        return code
    if code.endswith("0000") or code.endswith("00"):
        return name
    city = _name(code[:4] + "00")
    return f"{city}{name}" if city and not name.startswith(city) else name
