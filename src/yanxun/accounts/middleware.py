from django.shortcuts import redirect
from django.urls import reverse


class PasswordChangeRequiredMiddleware:
    """A user with an initial password may only reach the password page until they change it."""

    allowed_prefixes = ("/static/", "/accounts/logout/", "/accounts/password/", "/api/")

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if (user is not None and user.is_authenticated and user.must_change_password
                and not request.path.startswith(self.allowed_prefixes)):
            return redirect(reverse("accounts:password_change") + "?next=" + request.path)
        return self.get_response(request)
