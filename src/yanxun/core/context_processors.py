from yanxun.core.navigation import nav_for, nav_html
from yanxun.core.permissions import user_roles


def navigation(request):
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    sections = nav_for(user, request.path)
    return {"nav_sections": sections, "nav_html": nav_html(sections),
            "my_roles": sorted(user_roles(user))}
