"""What an ID number says about a person, and masking: one owner, pinned at every boundary."""

import datetime as dt

import pytest

from core import people
from identity import masking
from identity.masking import Viewer

D = dt.date


@pytest.mark.parametrize(("born", "day", "age"), [
    (D(2008, 5, 6), D(2026, 5, 5), 17),   # the day before the 18th birthday
    (D(2008, 5, 6), D(2026, 5, 6), 18),   # on the birthday
    (D(2008, 5, 6), D(2026, 5, 7), 18),
    (D(2008, 5, 6), D(2026, 4, 30), 17),  # an earlier month, a later day
    (D(2008, 2, 29), D(2026, 2, 28), 17),  # born on 29 February: not yet on 28 February …
    (D(2008, 2, 29), D(2026, 3, 1), 18),   # … 18 on 1 March of a common year
    (D(2008, 2, 29), D(2028, 2, 29), 20),  # and on the day itself in a leap year
    (D(2000, 1, 1), D(2000, 1, 1), 0),
])
def test_age_counts_completed_years(born, day, age):
    assert people.age_on(born, day) == age
    assert people.is_minor(born, day) == (age < 18)


def test_birth_date_age_and_gender_from_an_id_number():
    assert people.birth_date("11010519491231002X") == D(1949, 12, 31)
    assert people.age("11010519491231002X", D(2026, 12, 30)) == 76
    assert people.age("11010519491231002X", D(2026, 12, 31)) == 77
    assert people.gender("110101199003071233") == "M"  # 123: odd
    assert people.gender("11010519491231002X") == "F"  # 002: even


@pytest.mark.parametrize(("value", "masked"), [
    ("370102199003071234", "370102********1234"),
    ("12345678901", "123456*8901"),
    ("1234567890", "**********"),  # too short to keep 6 + 4: masked whole
    ("123", "***"),
    ("", ""),
])
def test_id_numbers_keep_the_first_six_and_last_four_only(value, masked):
    assert people.mask_id_number(value) == masked


@pytest.mark.parametrize(("value", "masked"), [("13812345678", "138****5678"), ("12345678", "123****5678"), ("1234567", "*******"), ("", "")])
def test_phones_keep_three_and_four(value, masked):
    assert people.mask_phone(value) == masked


@pytest.mark.parametrize(("value", "masked"), [("张三", "张*"), ("张", "张*"), ("欧阳娜娜", "欧**娜"), ("王小明", "王*明"), ("", "")])
def test_names_keep_the_family_name_and_the_last_character_of_long_names(value, masked):
    assert people.mask_name(value) == masked


@pytest.mark.parametrize(("viewer", "name", "number", "phone"), [
    (Viewer.HOLDER, "王小明", "370102199003071234", "13812345678"),
    (Viewer.REVIEWER, "王*明", "370102********1234", "13812345678"),
    (Viewer.CLERK, "王小明", "370102********1234", "138****5678"),
    (Viewer.AUDITOR, "王*明", "370102********1234", "138****5678"),
    (Viewer.DISPLAY, "王小明", "370102********1234", "138****5678"),
])
def test_the_masking_policy_per_viewer(viewer, name, number, phone):
    assert masking.shown("name", "王小明", viewer=viewer) == name
    assert masking.shown("id_number", "370102199003071234", viewer=viewer) == number
    assert masking.shown("phone", "13812345678", viewer=viewer) == phone
    assert masking.shown("text", "济南市历下区", viewer=viewer) == "济南市历下区"  # kinds without a mask pass
    assert masking.shown("id_number", "", viewer=viewer) == ""


def test_answers_are_labelled_and_masked_by_their_field_type():
    schema = [{"key": "who", "label": "身份证号码", "type": "id_number"}, {"key": "note", "label": "备注", "type": "text"}]
    shown = masking.shown_answers(schema, {"who": "370102199003071234", "note": "x", "extra": "y"}, viewer=Viewer.REVIEWER)
    assert shown == [("who", "身份证号码", "370102********1234"), ("note", "备注", "x"), ("extra", "extra", "y")]
