"""JSON API of the accounts module."""

from ninja import Field, Router, Schema

from yanxun.core.enums import Role
from yanxun.core.permissions import active_assignments

router = Router(tags=["账号"])


class ErrorOut(Schema):
    detail: str = Field(..., description="中文说明")


class RoleOut(Schema):
    role: str = Field(..., description="角色代码")
    label: str = Field(..., description="角色")
    school_id: int | None = Field(None, description="所属学校编号")
    education_group_id: int | None = Field(None, description="所属教育集团编号")
    expires_at: str | None = Field(None, description="到期时间")


class MeOut(Schema):
    id: int
    username: str = Field(..., description="登录名")
    name: str = Field(..., description="姓名")
    phone: str | None = Field(None, description="手机号（本人，完整）")
    roles: list[str] = Field(..., description="角色代码，如 admin、teacher")
    role_assignments: list[RoleOut] = Field(..., description="角色及其所属单位")
    teacher_id: int | None = Field(None, description="本人的教师档案编号；无档案为空")


def _role_out(assignment) -> dict:
    return {"role": assignment.role, "label": Role(assignment.role).label,
            "school_id": assignment.school_id,
            "education_group_id": assignment.education_group_id,
            "expires_at": assignment.expires_at.isoformat() if assignment.expires_at else None}


@router.get("/me", response={200: MeOut, 401: ErrorOut}, summary="当前用户",
            description="当前登录用户（或令牌所属用户）的账号、角色与教师档案编号。")
def me(request):
    from yanxun.org.models import Teacher

    user = request.auth
    assignments = active_assignments(user)
    return {
        "id": user.pk, "username": user.username, "name": user.name, "phone": user.phone,
        "roles": sorted({a.role for a in assignments}),
        "role_assignments": [_role_out(a) for a in assignments],
        "teacher_id": Teacher.objects.filter(user=user).values_list("pk", flat=True).first(),
    }
