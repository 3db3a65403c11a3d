from django.contrib.auth.backends import ModelBackend
from django.db.models import Q

from yanxun.accounts.models import User


class LoginNameOrPhoneBackend(ModelBackend):
    """Log in with the 登录名 or the phone number."""

    def authenticate(self, request, username=None, password=None, **kwargs):
        if not username or not password:
            return None
        login = username.strip()
        user = User.objects.filter(Q(username=login) | Q(phone=login)).first()
        if user is None:
            User().set_password(password)  # same time as a real check: no user enumeration
            return None
        if user.check_password(password) and self.user_can_authenticate(user):
            return user
        return None

    def user_can_authenticate(self, user) -> bool:
        from django.utils import timezone

        if user.expires_at is not None and user.expires_at <= timezone.now():
            return False
        return super().user_can_authenticate(user)
