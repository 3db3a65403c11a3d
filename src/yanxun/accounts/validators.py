import re

from django.contrib.auth import password_validation
from django.core.exceptions import ValidationError


class MixedCharactersValidator:
    """A password must mix letters and digits (a 等级保护 reviewer's minimum)."""

    def validate(self, password: str, user=None) -> None:
        if not (re.search(r"[A-Za-z]", password) and re.search(r"\d", password)):
            raise ValidationError("密码须同时包含字母和数字。", code="password_mixed")

    def get_help_text(self) -> str:
        return "密码须同时包含字母和数字。"


class MinimumLengthValidator(password_validation.MinimumLengthValidator):
    """Django's, with a Chinese message (Django 5.2's zh_Hans catalogue lacks this one)."""

    def get_error_message(self) -> str:
        return f"密码太短，至少需要 {self.min_length} 个字符。"

    def get_help_text(self) -> str:
        return f"密码至少需要 {self.min_length} 个字符。"
