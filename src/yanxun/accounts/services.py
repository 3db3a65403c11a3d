"""Writes for accounts: logins, passwords, roles. Each change to a permission is audited."""

from datetime import datetime, timedelta

from django.conf import settings
from django.contrib.auth import authenticate
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from yanxun.accounts.models import LoginLog, RoleAssignment, User
from yanxun.core.audit import audit_record
from yanxun.core.context import client_ip
from yanxun.core.enums import Role


class LoginRefused(Exception):
    """Raised with a Chinese message the login page shows as it is."""


def login_is_locked(*, login: str, now: datetime | None = None) -> bool:
    now = now or timezone.now()
    since = now - timedelta(minutes=settings.LOGIN_LOCKOUT_MINUTES)
    last_success = (LoginLog.objects.filter(login=login, success=True, at__gte=since)
                    .order_by("-at").values_list("at", flat=True).first())
    failures = LoginLog.objects.filter(login=login, success=False, at__gte=last_success or since)
    return failures.count() >= settings.LOGIN_LOCKOUT_FAILURES


def login_attempt(*, request, login: str, password: str) -> User:
    """Check a login and write the 登录日志; raise LoginRefused with the reason."""
    login = (login or "").strip()
    ip = client_ip(request)
    agent = request.META.get("HTTP_USER_AGENT", "")[:300]
    if login_is_locked(login=login):
        LoginLog.objects.create(login=login, success=False, reason="账号已锁定", ip=ip,
                                user_agent=agent)
        raise LoginRefused(
            f"连续 {settings.LOGIN_LOCKOUT_FAILURES} 次密码错误，账号已锁定 "
            f"{settings.LOGIN_LOCKOUT_MINUTES} 分钟，请稍后再试或联系管理员。"
        )
    user = authenticate(request, username=login, password=password)
    if user is None:
        LoginLog.objects.create(login=login, success=False, reason="用户名或密码错误", ip=ip,
                                user_agent=agent)
        raise LoginRefused("用户名或密码错误。")
    LoginLog.objects.create(login=login, user=user, success=True, ip=ip, user_agent=agent)
    return user


def user_create(*, username: str, name: str, password: str | None = None,
                phone: str | None = None, password_hash: str | None = None,
                must_change_password: bool = True, actor: User | None = None) -> User:
    user = User(username=username, name=name, phone=phone or None,
                must_change_password=must_change_password)
    if password_hash:
        user.password = password_hash
    elif password:
        user.set_password(password)
    else:
        user.set_unusable_password()
    user.full_clean(exclude=["password"])
    user.save()
    if actor is not None:
        audit_record(actor=actor, action="user.create", obj=user, after={"username": username})
    return user


def password_change(*, user: User, old_password: str, new_password: str) -> None:
    if not user.check_password(old_password):
        raise ValidationError("原密码不正确。")
    if old_password == new_password:
        raise ValidationError("新密码不能与原密码相同。")
    validate_password(new_password, user)
    user.set_password(new_password)
    user.must_change_password = False
    user.save(update_fields=["password", "must_change_password"])
    audit_record(actor=user, action="user.password_change", obj=user)


def password_reset(*, actor: User, user: User, new_password: str) -> None:
    """An administrator sets an initial password; the user must change it at next login."""
    from yanxun.accounts.rules import RESET_PASSWORDS
    from yanxun.accounts.selectors import users_visible_for

    if not users_visible_for(actor, RESET_PASSWORDS).filter(pk=user.pk).exists():
        raise PermissionDenied("无权重置该用户的密码。")
    validate_password(new_password, user)
    user.set_password(new_password)
    user.must_change_password = True
    user.save(update_fields=["password", "must_change_password"])
    audit_record(actor=actor, action="user.password_reset", obj=user)


def _assignment_repr(role: str, school_id, group_id) -> dict:
    return {"role": role, "school": school_id, "education_group": group_id}


@transaction.atomic
def role_assign(*, actor: User | None, user: User, role: Role | str, school=None,
                education_group=None, expires_at: datetime | None = None) -> RoleAssignment:
    if role == Role.SCHOOL_ADMIN and school is None and education_group is None:
        raise ValidationError("学校管理员须指定所属学校或教育集团。")
    assignment, created = RoleAssignment.objects.get_or_create(
        user=user, role=role, school=school, education_group=education_group,
        defaults={"expires_at": expires_at},
    )
    if created:
        audit_record(actor=actor, action="role.assign", obj=user,
                     after=_assignment_repr(role, getattr(school, "pk", None),
                                            getattr(education_group, "pk", None)))
    return assignment


@transaction.atomic
def role_revoke(*, actor: User, assignment: RoleAssignment) -> None:
    if assignment.role == Role.ADMIN:
        if assignment.user_id == actor.pk:
            raise ValidationError("不能撤销自己的系统管理员角色，请由另一位系统管理员操作。")
        if RoleAssignment.objects.filter(role=Role.ADMIN, user__is_active=True).count() <= 1:
            raise ValidationError("不能撤销最后一位系统管理员。")
    before = _assignment_repr(assignment.role, assignment.school_id,
                              assignment.education_group_id)
    user = assignment.user
    assignment.delete()
    audit_record(actor=actor, action="role.revoke", obj=user, before=before)


def api_token_create(*, actor: User | None, user: User, name: str) -> str:
    """Create a bearer token for `user`; the key is returned once and only its hash is kept."""
    from yanxun.accounts.models import ApiToken

    key = ApiToken.new_key()
    token = ApiToken.objects.create(user=user, name=name, key_hash=ApiToken.hash_key(key))
    audit_record(actor=actor, action="api_token.create", obj=user, after={"token": token.pk,
                                                                         "name": name})
    return key
