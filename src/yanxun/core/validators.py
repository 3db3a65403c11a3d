"""Validators for Chinese identifiers, usable from forms, importers and the API alike."""

import re
from datetime import date

from django.core.exceptions import ValidationError

_ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_ID_CHECK = "10X98765432"
_ID_RE = re.compile(r"^\d{17}[\dX]$")
_PHONE_RE = re.compile(r"^1[3-9]\d{9}$")


def id_number_check_digit(first17: str) -> str:
    """GB 11643-1999 check character for the first 17 digits of a 身份证号."""
    total = sum(int(d) * w for d, w in zip(first17, _ID_WEIGHTS, strict=True))
    return _ID_CHECK[total % 11]


def id_number_problem(value: str) -> str | None:
    """None when the 18-digit 身份证号 is valid, else a Chinese description of what is wrong."""
    if not _ID_RE.match(value):
        return "应为 18 位，前 17 位为数字，最后一位为数字或 X"
    try:
        date(int(value[6:10]), int(value[10:12]), int(value[12:14]))
    except ValueError:
        return "出生日期无效"
    if id_number_check_digit(value[:17]) != value[17]:
        return "校验位错误"
    return None


def normalise_id_number(value: str) -> str:
    return value.strip().upper().replace("x", "X")


def validate_id_number(value: str) -> None:
    problem = id_number_problem(normalise_id_number(value))
    if problem:
        raise ValidationError(f"身份证号{problem}", code="id_number")


def phone_problem(value: str) -> str | None:
    if not _PHONE_RE.match(value):
        return "应为 11 位手机号码"
    return None


def validate_phone(value: str) -> None:
    problem = phone_problem(value)
    if problem:
        raise ValidationError(f"手机号{problem}", code="phone")
