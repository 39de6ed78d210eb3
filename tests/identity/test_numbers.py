"""The national numbers: GB 11643 resident ID numbers and GB 32100 credit codes, with the vectors
from shared/NOTES.md and the python-stdnum traps we found."""

import pytest
from django.core.exceptions import ValidationError
from django.utils import translation
from stdnum.cn import ric

from core.numbers import validate_credit_code, validate_id_number, validate_phone
from core.people import mask_id_number, mask_name, mask_phone
from identity import demo


@pytest.mark.parametrize(
    "raw, expected",
    [
        ("11010519491231002X", "11010519491231002X"),
        ("11010519491231002x", "11010519491231002X"),
        ("110101199003071233", "110101199003071233"),
        ("440304200002290049", "440304200002290049"),  # 29 February 2000
        ("360426199101010071", "360426199101010071"),
        (" 110101 19900307 1233 ", "110101199003071233"),
        ("１１０１０１１９９００３０７１２３３", "110101199003071233"),  # full-width digits
        ("370212195009085155", "370212195009085155"),  # county code created after the birth year
    ],
)
def test_valid_id_numbers_are_normalised(raw, expected):
    assert validate_id_number(raw) == expected


@pytest.mark.parametrize(
    "raw, code",
    [
        ("110101199003071234", "id_number_checksum"),
        ("110101199002301236", "id_number_birth_date"),
        ("11010119900307123", "id_number_length"),
        ("1101011990030712334", "id_number_length"),
        ("11010119900307123Y", "id_number_format"),
        ("990101199003071230", "id_number_area"),
        ("", "id_number_length"),
    ],
)
def test_invalid_id_numbers_are_refused_with_their_reason(raw, code):
    with pytest.raises(ValidationError) as exc:
        validate_id_number(raw)
    assert exc.value.code == code


def test_a_future_birth_date_is_refused():
    number = demo.id_number("370102", __import__("datetime").date(2099, 1, 1), 1)
    with pytest.raises(ValidationError) as exc:
        validate_id_number(number)
    assert exc.value.code == "id_number_birth_date"


def test_stdnum_trap_ric_validate_refuses_a_real_number_we_accept():
    # Guard: if stdnum changes this, our own check can be revisited.
    assert not ric.is_valid("370212195009085155")
    assert validate_id_number("370212195009085155")


def test_stdnum_trap_ric_check_digit_expects_the_check_character_included():
    assert ric.calc_check_digit("11010519491231002") != "X"
    assert ric.calc_check_digit("11010519491231002X") == "X"


@pytest.mark.parametrize(
    "raw",
    ["91110000600037341L", "91110108MA01ABCD5T", "12100000MA01ABCD53", "51440300MA01ABCD56", "92320102MA01ABCD5J",
     "Y1110000MA01ABCD5C", "y1110000ma01abcd5c", "9111 0000 6000 3734 1L"],
)
def test_valid_credit_codes_including_letters_first(raw):
    assert validate_credit_code(raw) == raw.replace(" ", "").upper()


@pytest.mark.parametrize(
    "raw, code",
    [
        ("91110000600037341M", "credit_code_checksum"),
        ("91110000600037341", "credit_code_length"),
        ("9111000060003734IL", "credit_code_format"),  # I is not in the alphabet
        ("911100O0600037341L", "credit_code_format"),  # letter in the area code
    ],
)
def test_invalid_credit_codes(raw, code):
    with pytest.raises(ValidationError) as exc:
        validate_credit_code(raw)
    assert exc.value.code == code


@pytest.mark.parametrize(("validate", "raw", "message"), [
    (validate_credit_code, "91110000600037341", "A unified social credit code has 18 characters."),
    (validate_credit_code, "9111000060003734IL", "This unified social credit code has characters in the wrong places."),
    (validate_credit_code, "91110000600037341M", "The check character of this credit code is wrong."),
    (validate_phone, "12812345678", "Enter an 11-digit mainland mobile number."),
    (validate_id_number, "11010119900307123Y", "A resident ID number is 17 digits and a digit or X."),
    (validate_id_number, "1101011990030712", "A resident ID number has 18 characters."),
    (validate_id_number, "990101199003071230", "This ID number does not start with a province code."),
    (validate_id_number, "110101199003071234", "The check character of this ID number is wrong."),
    (validate_id_number, "110101199002301236", "This ID number has an impossible birth date."),
])
def test_each_refusal_says_why_in_the_readers_language(validate, raw, message):
    with pytest.raises(ValidationError) as exc:
        validate(raw)
    with translation.override("en"):
        assert exc.value.messages == [message]
    with translation.override("zh-hans"):
        assert exc.value.messages[0] != message  # translated, not the English text


@pytest.mark.parametrize("raw", ["13812345678", "+86 138 1234 5678", "138-1234-5678", "008613812345678"])
def test_phone_numbers_are_normalised(raw):
    assert validate_phone(raw) == "13812345678"


@pytest.mark.parametrize("raw", ["12812345678", "1381234567", "phone"])
def test_bad_phone_numbers_are_refused(raw):
    with pytest.raises(ValidationError) as exc:
        validate_phone(raw)
    assert exc.value.code == "phone_format"


def test_masks():
    assert mask_id_number("37010219900307123X") == "370102********123X"
    assert mask_phone("13812341234") == "138****1234"
    assert mask_name("张三") == "张*"
    assert mask_name("欧阳娜娜") == "欧**娜"


def test_demo_generator_makes_valid_numbers():
    rows = demo.people(300)
    assert all(validate_id_number(row["id_number"]) == row["id_number"] for row in rows)
    assert validate_credit_code(demo.credit_code("370202", 42))


def test_birth_date_bounds_someone_born_today_and_in_1880_exist_not_tomorrow_or_in_1879():
    import datetime as dt

    from django.utils import timezone

    from identity import demo

    today = timezone.localdate()
    assert validate_id_number(demo.id_number("370102", today, 1))
    assert validate_id_number(demo.id_number("370102", dt.date(1880, 1, 1), 1))
    for birth in (today + dt.timedelta(days=1), dt.date(1879, 12, 31)):
        with pytest.raises(ValidationError) as exc:
            validate_id_number(demo.id_number("370102", birth, 1))
        assert exc.value.code == "id_number_birth_date"
        with translation.override("en"):
            assert exc.value.messages == ["This ID number has an impossible birth date."]


@pytest.mark.parametrize("raw", ["(+86)13812345678", "(138)1234-5678"])
def test_brackets_in_phone_numbers_are_dropped(raw):
    assert validate_phone(raw) == "13812345678"


def test_nothing_normalises_to_nothing():
    from core.numbers import normalize_id_number

    assert normalize_id_number(None) == "" and normalize_id_number("") == ""
