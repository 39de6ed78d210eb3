"""What a resident ID number says about a person, and how a person's data is masked: one owner for
birth date, age, gender and masking, used by every app (health-pass guardians, 秒批 age rules,
logs, admin, API and portal)."""

from __future__ import annotations

import datetime as dt

from stdnum.cn import ric


def birth_date(id_number: str) -> dt.date:
    """The birth date in positions 7–14 of a resident ID number (GB 11643), read by python-stdnum."""
    return ric.get_birth_date(id_number)


def age_on(born: dt.date, day: dt.date) -> int:
    """Completed years on ``day``: a person is 18 on their 18th birthday, not a day before. Someone
    born on 29 February has their birthday on 1 March in a common year (the civil-law reading)."""
    years = day.year - born.year
    try:
        birthday = born.replace(year=day.year)
    except ValueError:  # 29 February in a common year
        birthday = dt.date(day.year, 3, 1)
    return years - (day < birthday)


def age(id_number: str, day: dt.date) -> int:
    return age_on(birth_date(id_number), day)


ADULT_AGE = 18  # 《民法典》第十七条: eighteen and over is an adult


def coming_of_age(born: dt.date) -> dt.date:
    """The 18th birthday: the first day someone is an adult, and the day a guardian's rights end
    (family acting). 29 February's child comes of age on 1 March in a common year, as ``age_on`` says."""
    try:
        return born.replace(year=born.year + ADULT_AGE)
    except ValueError:
        return dt.date(born.year + ADULT_AGE, 3, 1)


def is_minor(born: dt.date, day: dt.date) -> bool:
    """The one age rule: under 18 on ``day``, so a minor until the day before their 18th birthday."""
    return day < coming_of_age(born)


def gender(id_number: str) -> str:
    """'M' or 'F' from the parity of the sequence number (position 17)."""
    return "M" if int(id_number[16]) % 2 else "F"


def mask_id_number(number: str) -> str:
    """Keep the first 6 and the last 4: 370102********123X. Anything too short to keep both is
    masked whole, so a fragment never shows more than a full number would."""
    if not number:
        return ""
    if len(number) <= 10:
        return "*" * len(number)
    return number[:6] + "*" * (len(number) - 10) + number[-4:]


def mask_bank_card(number: str) -> str:
    """**** **** **** 1234: a bank card keeps its last four digits only, for everyone (its holder too)."""
    digits = "".join(str(number).split())
    if len(digits) < 8:
        return "*" * len(digits)
    return "**** " + digits[-4:]


def mask_phone(number: str) -> str:
    """138****1234; anything shorter than 8 characters is masked whole."""
    if not number:
        return ""
    if len(number) < 8:
        return "*" * len(number)
    return number[:3] + "****" + number[-4:]


def mask_name(name: str) -> str:
    """张* / 张*三 — the family name and, for names of three or more, the last character."""
    if not name:
        return ""
    if len(name) <= 2:
        return name[0] + "*"
    return name[0] + "*" * (len(name) - 2) + name[-1]
