"""Synthetic but valid people and organisations for demos, tests and benchmarks.

Area codes are real Shandong county codes (GB/T 2260); check characters are computed by the same
libraries that validate them. None of these people exist.
"""

from __future__ import annotations

import datetime as dt
import random

from stdnum.cn import ric, uscc

# Staff accounts must sign in with a second factor (identity.second_factor). The demo gives each one an
# authenticator app with this published secret: add it to any authenticator app, or print the current
# code with `make demo-code`. Demo data only.
DEMO_TOTP_SECRET = "QILUDEMOSTAFFTOTPSECRETQILUDEMO2"


def totp_code(secret: str) -> str:
    """The code an authenticator app shows now for ``secret`` (allauth's own TOTP, RFC 6238), for the
    demo's staff and the tests. The server takes only the current 30-second code (no tolerance), so in
    a window's last two seconds this waits for the next: a code typed then reaches a loaded server
    after its window has closed."""
    import time

    from allauth.mfa import app_settings
    from allauth.mfa.totp.internal.auth import format_hotp_value, hotp_value

    period = app_settings.TOTP_PERIOD
    if period - time.time() % period < 2:
        time.sleep(period - time.time() % period + 0.05)
    return format_hotp_value(hotp_value(secret, int(time.time()) // period))

SHANDONG_AREAS = {
    "370102": "济南市历下区",
    "370103": "济南市市中区",
    "370112": "济南市历城区",
    "370202": "青岛市市南区",
    "370203": "青岛市市北区",
    "370212": "青岛市崂山区",
    "370302": "淄博市淄川区",
    "370602": "烟台市芝罘区",
    "370702": "潍坊市潍城区",
    "370802": "济宁市任城区",
    "370902": "泰安市泰山区",
    "371002": "威海市环翠区",
    "371302": "临沂市兰山区",
}
FAMILY_NAMES = "王李张刘陈杨赵黄周吴徐孙胡朱高林何郭马罗梁宋郑谢韩唐冯于董萧程曹袁邓许傅沈曾彭吕"
GIVEN_CHARS = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玉兰建国志红海燕鹏飞宇晨欣怡子涵浩然"


def id_number(area: str, birth: dt.date, sequence: int) -> str:
    """A check-valid resident ID number; ``sequence`` 1–999 (odd male, even female)."""
    body = f"{area}{birth:%Y%m%d}{sequence:03d}"
    return body + ric.calc_check_digit(body + "0")  # stdnum drops the last character: pass a placeholder


def credit_code(area: str, serial: int, authority: str = "9", category: str = "1") -> str:
    """A check-valid unified social credit code (organisation code part synthetic)."""
    alphabet = "0123456789ABCDEFGHJKLMNPQRTUWXY"
    org = f"MA{serial:07d}"[:9]
    body = f"{authority}{category}{area}{org}"
    assert all(c in alphabet for c in body)
    return body + uscc.calc_check_digit(body)


def person_name(rng: random.Random) -> str:
    return rng.choice(FAMILY_NAMES) + "".join(rng.choice(GIVEN_CHARS) for _ in range(rng.choice((1, 2))))


def people(count: int, seed: int = 2026) -> list[dict]:
    """``count`` distinct synthetic people as population-record rows."""
    rng = random.Random(seed)
    areas = list(SHANDONG_AREAS)
    rows, seen = [], set()
    while len(rows) < count:
        birth = dt.date(1940, 1, 1) + dt.timedelta(days=rng.randrange(0, 365 * 84))
        number = id_number(rng.choice(areas), birth, rng.randrange(1, 1000))
        if number in seen:
            continue
        seen.add(number)
        rows.append({"id_number": number, "name": person_name(rng)})
    return rows
