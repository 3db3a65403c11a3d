from ninja import Router, Schema

router = Router(tags=["账号"])


class MeOut(Schema):
    id: int
    username: str
    name: str
    roles: list[str]


@router.get("/me", response=MeOut, summary="当前用户")
def me(request):
    from yanxun.core.permissions import user_roles

    user = request.auth
    return {"id": user.pk, "username": user.username, "name": user.name,
            "roles": sorted(user_roles(user))}
