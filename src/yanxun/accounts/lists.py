"""Lists of the accounts module (users, 登录日志) on the shared list mechanism."""

from django.db.models import Exists, OuterRef, Prefetch, Q
from django.urls import reverse

from yanxun.accounts import rules
from yanxun.accounts.models import LoginLog, RoleAssignment, User
from yanxun.core.enums import Role
from yanxun.core.listing import Column, Filter, ListSpec, register_spec, scoped_for
from yanxun.core.masking import mask_phone

YES_NO = (("1", "是"), ("0", "否"))


def roles_text(user: User) -> str:
    return "、".join(str(a) for a in user.role_assignments.all())


def user_queryset(user):
    assignments = RoleAssignment.objects.select_related("school", "education_group")
    queryset = User.objects.prefetch_related(Prefetch("role_assignments", queryset=assignments))
    return scoped_for(queryset, user, rules.MANAGE_USERS)


def _has_role(queryset, value: str):
    return queryset.filter(Exists(RoleAssignment.objects.filter(user=OuterRef("pk"), role=value)))


def _in_school(queryset, value: str):
    assigned = RoleAssignment.objects.filter(user=OuterRef("pk"), school_id=value)
    return queryset.filter(Q(teacher__school_id=value) | Q(Exists(assigned)))


def _school_choices(user):
    from yanxun.org.models import School

    return School.objects.filter(is_active=True).values_list("pk", "name")


def _active(queryset, value: str):
    return queryset.filter(is_active=value == "1")


USERS = register_spec(ListSpec(
    name="users",
    title="用户",
    columns=(
        Column("username", "登录名", "username", sort="username", link=True, width=16),
        Column("name", "姓名", "name", sort="name", width=10),
        Column("phone", "手机号", "phone", personal=mask_phone, width=14),
        Column("roles", "角色", roles_text, width=36),
        Column("is_active", "启用", "is_active", sort="is_active", width=6),
        Column("must_change_password", "须改初始密码", "must_change_password", width=12),
        Column("last_login", "最近登录", "last_login", sort="last_login", width=20),
        Column("expires_at", "账号到期", "expires_at", sort="expires_at", width=20),
    ),
    base_queryset=user_queryset,
    search_fields=("username__icontains", "name__icontains", "phone"),
    search_label="登录名 / 姓名 / 手机号",
    filters=(
        Filter("role", "角色", choices=Role.choices, apply=_has_role),
        Filter("school", "学校", choices=_school_choices, integer=True, apply=_in_school),
        Filter("active", "启用", choices=YES_NO, apply=_active),
    ),
    default_sort="username",
    view_perm=rules.MANAGE_USERS,
    export_perm=rules.MANAGE_USERS,
    personal_perm=rules.MANAGE_USERS,
    personal_data=True,
    detail_url=lambda u: reverse("accounts:user_detail", args=[u.pk]),
))


def login_log_queryset(user):
    return scoped_for(LoginLog.objects.select_related("user"), user, rules.VIEW_LOGIN_LOG)


def _login_like(queryset, value: str):
    return queryset.filter(Q(login__icontains=value) | Q(user__name__icontains=value))


def _success(queryset, value: str):
    return queryset.filter(success=value == "1")


LOGIN_LOG = register_spec(ListSpec(
    name="login_log",
    title="登录日志",
    columns=(
        Column("at", "时间", "at", sort="at", width=20),
        Column("login", "登录名", "login", sort="login", width=16),
        Column("user", "姓名", "user.name", width=10),
        Column("success", "结果", lambda log: "成功" if log.success else "失败", sort="success",
               width=8),
        Column("reason", "说明", "reason", width=20),
        Column("ip", "IP", "ip", sort="ip", width=16),
        Column("user_agent", "客户端", "user_agent", width=40, page=False),
    ),
    base_queryset=login_log_queryset,
    search_fields=("login__icontains", "ip__icontains"),
    search_label="登录名 / IP",
    filters=(
        Filter("date_from", "起始日期", "at__date", kind="date_from"),
        Filter("date_to", "截止日期", "at__date", kind="date_to"),
        Filter("user", "用户", kind="text", apply=_login_like),
        Filter("success", "结果", choices=(("1", "成功"), ("0", "失败")), apply=_success),
    ),
    default_sort="-at",
    view_perm=rules.VIEW_LOGIN_LOG,
    export_perm=rules.VIEW_LOGIN_LOG,
    personal_data=True,
))
