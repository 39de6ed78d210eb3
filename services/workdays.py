"""Working days (工作日) in mainland China: the one owner of legal time limits.

Legal time limits for administrative decisions and for handling complaints are counted in working
days (行政许可法 §82): weekends and statutory holidays do not count, and the adjusted working days
(调休) — weekend days the State Council's annual notice makes working days — do. The `holidays`
library (python-holidays, maintained, with China's statutory holidays and adjusted working days) is the
calendar; ``CalendarOverride`` rows entered in admin win over it, for a year the library does not know
yet. A limit of N working days runs from the day after the start and ends at the close of the Nth
working day, local time (Asia/Shanghai).

The library is cross-checked against `chinese-calendar` for every day of 2026 in the tests.

What the library answers for ``TABLE_YEARS`` is kept in ``workdays-cn.json`` (the weekdays off and the
weekend days worked; ``write_table`` writes it, a test checks it is still the library's
answer for every day): a process that counts a deadline reads ~400 dates instead of importing the
library and building its calendar (~17 MiB in each web worker, issue 25). Other years ask the library.
"""

from __future__ import annotations

import datetime as dt
import functools
import json
from pathlib import Path
from typing import TYPE_CHECKING

from django.utils import timezone

from core.public_cache import Stamp
from services.models import CalendarOverride

if TYPE_CHECKING:
    import holidays

CALENDAR = Stamp("calendar")
CALENDAR.watch(CalendarOverride)
TABLE = Path(__file__).with_name("workdays-cn.json")
TABLE_YEARS = (2020, 2040)


@functools.lru_cache(maxsize=64)
def _library(year: int) -> holidays.HolidayBase:
    import holidays  # only for a year outside the table

    return holidays.China(years=year)


@functools.cache
def _table() -> tuple[range, frozenset[dt.date], frozenset[dt.date]]:
    """(the years it covers, weekdays off, weekend days worked)."""
    data = json.loads(TABLE.read_text())
    return (range(data["years"][0], data["years"][1] + 1), frozenset(map(dt.date.fromisoformat, data["off"])),
            frozenset(map(dt.date.fromisoformat, data["on"])))


def library_table(first: int, last: int) -> dict:
    """The library's answer for every day of ``first``..``last``, as the table keeps it."""
    off, on, day = [], [], dt.date(first, 1, 1)
    while day.year <= last:
        working = _library(day.year).is_working_day(day)
        if day.weekday() < 5 and not working:
            off.append(day.isoformat())
        elif day.weekday() >= 5 and working:
            on.append(day.isoformat())
        day += dt.timedelta(days=1)
    return {"years": [first, last], "off": off, "on": on}


@functools.lru_cache(maxsize=4)
def _overrides(version: int) -> dict[dt.date, bool]:
    return dict(CalendarOverride.objects.values_list("day", "working"))


def _override(day: dt.date) -> bool | None:
    return _overrides(CALENDAR.current()).get(day)


def is_working_day(day: dt.date) -> bool:
    override = _override(day)
    if override is not None:
        return override
    years, off, on = _table()
    if day.year in years:
        return day in on if day.weekday() >= 5 else day not in off
    return _library(day.year).is_working_day(day)


def add_working_days(start: dt.date, count: int) -> dt.date:
    """The ``count``-th working day after ``start`` (``start`` itself never counts)."""
    day = start
    while count > 0:
        day += dt.timedelta(days=1)
        if is_working_day(day):
            count -= 1
    return day


def deadline(start: dt.datetime, count: int) -> dt.datetime:
    """The close (23:59:59.999999 local time) of the ``count``-th working day after ``start``'s day."""
    local = timezone.localtime(start)
    last = add_working_days(local.date(), count)
    return timezone.make_aware(dt.datetime.combine(last, dt.time.max), timezone.get_current_timezone())


def working_days_between(start: dt.date, end: dt.date) -> int:
    """How many working days lie after ``start`` up to and including ``end``."""
    count, day = 0, start
    while day < end:
        day += dt.timedelta(days=1)
        count += is_working_day(day)
    return count



def write_table() -> None:
    """``manage.py shell -c "from services import workdays; workdays.write_table()"``: the table from the library."""
    TABLE.write_text(json.dumps(library_table(*TABLE_YEARS), indent=0) + "\n")
