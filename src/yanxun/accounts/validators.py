import re

from django.core.exceptions import ValidationError


class MixedCharactersValidator:
    """A password must mix letters and digits (a 等级保护 reviewer's minimum)."""

    def validate(self, password: str, user=None) -> None:
        if not (re.search(r"[A-Za-z]", password) and re.search(r"\d", password)):
            raise ValidationError("密码须同时包含字母和数字。", code="password_mixed")

    def get_help_text(self) -> str:
        return "密码须同时包含字母和数字。"
