"""National-style e-credential identifiers (GB/T 36901–36905 family):

    1.2.156.3005.2.<type code>.<issuer code>.<serial>.<version>.<check>

type code = the defining department's credit code + 3 digits; issuer code = the issuing
department's credit code; version 3 digits; the check character is ISO/IEC 7064 MOD 37,36 (python-stdnum)
over everything after the root with the dots removed.
"""

from __future__ import annotations

import secrets

from stdnum.iso7064 import mod_37_36

ROOT = "1.2.156.3005.2"


def check_character(body: str) -> str:
    return mod_37_36.calc_check_digit(body.replace(".", "").upper())


def make_identifier(*, type_code: str, issuer_code: str, serial: str | None = None, version: int = 1) -> str:
    serial = serial or f"{secrets.randbelow(10**16):016d}"
    body = f"{type_code}.{issuer_code}.{serial}.{version:03d}"
    return f"{ROOT}.{body}.{check_character(body)}"


def is_valid_identifier(identifier: str) -> bool:
    if not identifier.startswith(ROOT + "."):
        return False
    body, _dot, check = identifier[len(ROOT) + 1 :].rpartition(".")
    return bool(body) and len(check) == 1 and check_character(body) == check.upper()
