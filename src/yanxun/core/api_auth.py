from django.utils import timezone
from ninja.security import APIKeyCookie, HttpBearer

from yanxun.accounts.models import ApiToken


def _usable(user) -> bool:
    return bool(user and user.is_active and not user.must_change_password)


class BearerTokenAuth(HttpBearer):
    def authenticate(self, request, token):
        record = (ApiToken.objects.select_related("user")
                  .filter(key_hash=ApiToken.hash_key(token)).first())
        if record is None or not _usable(record.user):
            return None
        if record.user.expires_at and record.user.expires_at <= timezone.now():
            return None
        request.user = record.user
        return record.user


class SessionAuth(APIKeyCookie):
    """Django's session cookie; CSRF is checked on unsafe methods."""

    param_name = "sessionid"

    def _get_key(self, request):
        return request.COOKIES.get(self.param_name)

    def authenticate(self, request, key):
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated and _usable(user):
            return user
        return None
