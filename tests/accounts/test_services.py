from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.test import RequestFactory
from django.utils import timezone

from tests.factories import PASSWORD, UserFactory
from yanxun.accounts import services
from yanxun.accounts.models import LoginLog, RoleAssignment
from yanxun.core.enums import Role
from yanxun.core.models import AuditLog

LOCKED = "连续 5 次密码错误，账号已锁定 10 分钟，请稍后再试或联系管理员。"


def _attempt(login, password):
    request = RequestFactory().post("/accounts/login/", REMOTE_ADDR="10.1.2.3")
    return services.login_attempt(request=request, login=login, password=password)


def test_login_by_login_name_or_phone(db):
    user = UserFactory(username="T000123", phone="13912345678")
    assert _attempt("T000123", PASSWORD) == user
    assert _attempt(" 13912345678 ", PASSWORD) == user
    assert list(LoginLog.objects.values_list("login", "success", "ip")) == [
        ("13912345678", True, "10.1.2.3"), ("T000123", True, "10.1.2.3")]


def test_five_failures_in_ten_minutes_lock_the_login(db):
    UserFactory(username="wang")
    for _ in range(5):
        with pytest.raises(services.LoginRefused, match="用户名或密码错误。"):
            _attempt("wang", "wrong-password1")
    with pytest.raises(services.LoginRefused) as refused:
        _attempt("wang", PASSWORD)  # even the right password is refused while locked
    assert str(refused.value) == LOCKED
    assert LoginLog.objects.filter(login="wang", success=False).count() == 6


def test_old_failures_expire(db):
    user = UserFactory(username="li")
    for _ in range(5):
        LoginLog.objects.create(login="li", success=False)
    LoginLog.objects.update(at=timezone.now() - timedelta(minutes=11))
    assert _attempt("li", PASSWORD) == user


def test_expired_temporary_account_cannot_log_in(db):
    UserFactory(username="judge1", expires_at=timezone.now() - timedelta(days=1))
    with pytest.raises(services.LoginRefused, match="用户名或密码错误。"):
        _attempt("judge1", PASSWORD)


def test_password_change_enforces_policy_and_clears_the_flag(db):
    user = UserFactory(username="zhao", must_change_password=True)
    with pytest.raises(ValidationError) as weak:
        services.password_change(user=user, old_password=PASSWORD, new_password="qwzkplmnrt")
    assert weak.value.messages == ["密码须同时包含字母和数字。"]
    with pytest.raises(ValidationError, match="原密码不正确。"):
        services.password_change(user=user, old_password="nope", new_password="Better2026x")
    services.password_change(user=user, old_password=PASSWORD, new_password="Better2026x")
    user.refresh_from_db()
    assert user.must_change_password is False
    assert user.check_password("Better2026x")
    assert AuditLog.objects.filter(action="user.password_change", object_id=str(user.pk)).count() == 1


def test_school_admin_resets_only_own_school_teachers(world):
    school_admin = world.users[Role.SCHOOL_ADMIN]
    services.password_reset(actor=school_admin, user=world.teacher_a.user,
                            new_password="Reset2026ab")
    world.teacher_a.user.refresh_from_db()
    assert world.teacher_a.user.must_change_password is True
    with pytest.raises(PermissionDenied, match="无权重置该用户的密码。"):
        services.password_reset(actor=school_admin, user=world.teacher_b.user,
                                new_password="Reset2026ab")
    world.teacher_b.user.refresh_from_db()
    assert world.teacher_b.user.check_password(PASSWORD)


def test_role_changes_are_audited(world):
    admin = world.users[Role.ADMIN]
    user = UserFactory(username="newstaff")
    assignment = services.role_assign(actor=admin, user=user, role=Role.TRAINER)
    services.role_revoke(actor=admin, assignment=assignment)
    log = list(AuditLog.objects.filter(object_id=str(user.pk)).order_by("id")
               .values_list("action", "before", "after", "actor__username"))
    expected = {"role": "trainer", "school": None, "education_group": None}
    assert log == [("role.assign", None, expected, "admin"),
                   ("role.revoke", expected, None, "admin")]
    assert RoleAssignment.objects.filter(user=user).count() == 0


def test_school_admin_role_needs_a_unit(world):
    with pytest.raises(ValidationError, match="学校管理员须指定所属学校或教育集团。"):
        services.role_assign(actor=None, user=UserFactory(username="x"), role=Role.SCHOOL_ADMIN)


def test_an_admin_cannot_revoke_their_own_admin_role(world):
    admin = world.users[Role.ADMIN]
    own = RoleAssignment.objects.get(user=admin, role=Role.ADMIN)
    with pytest.raises(ValidationError, match="不能撤销自己的系统管理员角色"):
        services.role_revoke(actor=admin, assignment=own)
    assert RoleAssignment.objects.filter(user=admin, role=Role.ADMIN).count() == 1


def test_the_last_admin_cannot_be_revoked(world):
    other = UserFactory(username="admin2")
    services.role_assign(actor=world.users[Role.ADMIN], user=other, role=Role.ADMIN)
    first = RoleAssignment.objects.get(user=world.users[Role.ADMIN], role=Role.ADMIN)
    services.role_revoke(actor=other, assignment=first)
    second = RoleAssignment.objects.get(user=other, role=Role.ADMIN)
    with pytest.raises(ValidationError, match="不能撤销自己的系统管理员角色"):
        services.role_revoke(actor=other, assignment=second)
    assert RoleAssignment.objects.filter(role=Role.ADMIN).count() == 1
