"""The national numbers: resident ID number (GB 11643), unified social credit code (GB 32100),
mainland mobile numbers — normalising and validating (masking is ``core.people``).

python-stdnum does the GB 11643 check and birth date; for GB 32100 its format check wrongly refuses
codes whose first characters are letters (``Y1…``), so we check the format ourselves and let stdnum
compute the check character (see ../shared/NOTES.md).
"""

from __future__ import annotations

import re
import unicodedata

from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from stdnum import exceptions as stdnum_errors
from stdnum.cn import ric, uscc

# GB/T 2260 provinces, plus 81/82/83 for Hong Kong, Macao and Taiwan residence permits.
PROVINCE_CODES = frozenset(
    "11 12 13 14 15 21 22 23 31 32 33 34 35 36 37 41 42 43 44 45 46 50 51 52 53 54 61 62 63 64 65 71 81 82 83".split()
)
USCC_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
_USCC_RE = re.compile(rf"^[{USCC_ALPHABET}]{{2}}[0-9]{{6}}[{USCC_ALPHABET}]{{10}}$")
_PHONE_RE = re.compile(r"^1[3-9][0-9]{9}$")


def _compact(value: str) -> str:
    """Full-width characters to ASCII, whitespace and separators removed, upper-cased."""
    value = unicodedata.normalize("NFKC", str(value or ""))
    return re.sub(r"[\s\-]", "", value).upper()


def normalize_id_number(value: str) -> str:
    return _compact(value)


def validate_id_number(value: str) -> str:
    """Return the normalised resident ID number or raise ValidationError with a stable code."""
    number = normalize_id_number(value)
    if len(number) != 18:
        raise ValidationError(_("A resident ID number has 18 characters."), code="id_number_length")
    if not re.fullmatch(r"[1-9][0-9]{16}[0-9X]", number):
        raise ValidationError(_("A resident ID number is 17 digits and a digit or X."), code="id_number_format")
    if number[:2] not in PROVINCE_CODES:
        raise ValidationError(_("This ID number does not start with a province code."), code="id_number_area")
    # Not ric.validate(): it also refuses numbers whose county code was created after the birth
    # year, but numbers are issued where a person lives, so e.g. 370212 (崂山区, 1994) + born 1950 is real.
    if ric.calc_check_digit(number) != number[-1]:
        raise ValidationError(_("The check character of this ID number is wrong."), code="id_number_checksum")
    try:
        birth = ric.get_birth_date(number)
    except stdnum_errors.ValidationError as exc:
        raise ValidationError(_("This ID number has an impossible birth date."), code="id_number_birth_date") from exc
    if birth > timezone.localdate() or birth.year < 1880:
        raise ValidationError(_("This ID number has an impossible birth date."), code="id_number_birth_date")
    return number


def normalize_credit_code(value: str) -> str:
    return _compact(value)


def validate_credit_code(value: str) -> str:
    """Return the normalised unified social credit code or raise ValidationError."""
    code = normalize_credit_code(value)
    if len(code) != 18:
        raise ValidationError(_("A unified social credit code has 18 characters."), code="credit_code_length")
    if not _USCC_RE.fullmatch(code):
        raise ValidationError(_("This unified social credit code has characters in the wrong places."), code="credit_code_format")
    if uscc.calc_check_digit(code) != code[-1]:
        raise ValidationError(_("The check character of this credit code is wrong."), code="credit_code_checksum")
    return code


def normalize_phone(value: str) -> str:
    number = _compact(value).replace("(", "").replace(")", "")
    for prefix in ("+86", "0086"):
        if number.startswith(prefix):
            number = number[len(prefix):]
    return number


def validate_phone(value: str) -> str:
    number = normalize_phone(value)
    if not _PHONE_RE.fullmatch(number):
        raise ValidationError(_("Enter an 11-digit mainland mobile number."), code="phone_format")
    return number
