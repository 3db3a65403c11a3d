from yanxun.core.navigation import nav_for
from yanxun.core.permissions import user_roles


def navigation(request):
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    return {"nav_sections": nav_for(user, request.path), "my_roles": sorted(user_roles(user))}
