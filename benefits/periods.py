"""A benefit's period in words, in the page's language: the stored label (``2026-Q4``, ``2026-12``,
``2026``: ``benefits.matching.period_of``) is a key, never shown. The one place a period is put into
words — pages, 待办 cards, the API's ``period_label``, the evidence a 投诉 case carries."""

from __future__ import annotations

import datetime as dt
import re

from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

QUARTERS = {1: gettext_lazy("第一季度"), 2: gettext_lazy("第二季度"), 3: gettext_lazy("第三季度"), 4: gettext_lazy("第四季度")}
LABEL = re.compile(r"(?P<year>\d{4})(?:-Q(?P<quarter>[1-4])|-(?P<month>0[1-9]|1[0-2]))?")


def period_words(label: str) -> str:
    """2026-Q4 → 2026年第四季度 / Q4 2026; 2026-12 → 2026年12月 / December 2026; 2026 → 2026年 / 2026.
    Anything else (a bench run's label) is returned as it is."""
    found = LABEL.fullmatch(label)
    if found is None:
        return label
    year, quarter, month = found["year"], found["quarter"], found["month"]
    if quarter:
        return _("%(year)s年%(quarter)s") % {"year": year, "quarter": QUARTERS[int(quarter)]}
    if month:
        return date_format(dt.date(int(year), int(month), 1), "YEAR_MONTH_FORMAT")
    return _("%(year)s年") % {"year": year}
