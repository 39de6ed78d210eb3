"""Administrative area names (GB/T 2260) for the 6-digit codes the platform stores: 370100 → 济南市,
370102 → 济南市历下区. From python-stdnum's own table of Chinese area codes (the one its resident ID
check uses), so names and ID-number validation agree. People read names; codes stay in the data."""

from __future__ import annotations

import functools
import re

from stdnum import numdb

_GROUPS = ("市辖区", "县", "省直辖县级行政区划", "自治区直辖县级行政区划", "省直辖县级行政单位")
_PERIOD = re.compile(r"^\[(\d*)-(\d*)\]")


def _current(names: str) -> str:
    """The name in use from a history such as "[-1991]东郊区,[1992-]东丽区" (→ 东丽区): the one whose
    period is open-ended, else the last; "" for an area that no longer exists ("[-2010]崇文区")."""
    parts = names.split(",")
    for part in parts:
        period = _PERIOD.match(part)
        if not period or not period.group(2):
            return _PERIOD.sub("", part)
    return ""


@functools.cache
def _name(code: str) -> str:
    found = numdb.get("cn/loc").info(code)
    if len(found) < 2 or "county" not in found[1][1]:
        return ""
    return _current(found[1][1]["county"]) or re.sub(r"^\[[^\]]*\]", "", found[1][1]["county"].split(",")[-1])


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
    if city in _GROUPS:  # a municipality's districts sit under "市辖区": name them by the municipality
        city = _name(code[:2] + "0000")
    return f"{city}{name}" if city and not name.startswith(city) else name


@functools.cache
def current_areas() -> tuple[tuple[str, str], ...]:
    """Every area in use today as (code, full name), provinces and cities before their counties, for
    a picker of names; the "市辖区"/"县" grouping rows are left out."""
    areas = []
    for _length, _low, province, _info, children in numdb.get("cn/loc").prefixes:
        for _clen, _clow, rest, info, _sub in children:
            name = _current(info.get("county", ""))
            if name and name not in _GROUPS:
                areas.append((province + rest, area_name(province + rest)))
    return tuple(areas)


def area_code_for(text: str) -> str:
    """The code for a name chosen from ``current_areas`` (a 6-digit code is taken as it is); "" when
    the name is not an area's."""
    text = (text or "").strip()
    if re.fullmatch(r"\d{6}", text):
        return text
    return next((code for code, name in current_areas() if name == text), "")
