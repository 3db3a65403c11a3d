import pytest
from django.core.exceptions import ValidationError
from hypothesis import given
from hypothesis import strategies as st

from yanxun.core.masking import mask_id_number, mask_phone
from yanxun.core.validators import (
    id_number_check_digit,
    id_number_problem,
    normalise_id_number,
    validate_id_number,
)


def test_check_digit_of_the_gb11643_worked_example():
    # GB 11643-1999 appendix example: 11010519491231002 → check character X.
    assert id_number_check_digit("11010519491231002") == "X"
    assert id_number_problem("11010519491231002X") is None


def test_problems_are_named_in_chinese():
    assert id_number_problem("110105194912310021") == "校验位错误"
    assert id_number_problem("110105194913310028") == "出生日期无效"
    assert id_number_problem("1101051949123100") == "应为 18 位，前 17 位为数字，最后一位为数字或 X"
    with pytest.raises(ValidationError, match="身份证号校验位错误"):
        validate_id_number("110105194912310021")


def test_lowercase_x_is_normalised():
    assert normalise_id_number(" 11010519491231002x ") == "11010519491231002X"


@given(st.from_regex(r"\A[1-6]\d{5}(19[5-9]\d|200\d)(0[1-9]|1[0-2])(0[1-9]|1\d|2[0-8])\d{3}\Z"))
def test_every_number_with_its_check_digit_is_valid(first17):
    assert id_number_problem(first17 + id_number_check_digit(first17)) is None


def test_masks():
    assert mask_id_number("320102198503121234") == "3201**********1234"
    assert mask_phone("13912345678") == "139****5678"
    assert mask_id_number("") == ""
    assert mask_phone(None) == ""
