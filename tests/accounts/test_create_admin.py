import pytest
from django.core.management import CommandError, call_command

from yanxun.accounts.models import User
from yanxun.core.permissions import user_roles


def test_creates_an_admin_from_the_environment(db, monkeypatch):
    monkeypatch.setenv("YANXUN_ADMIN_PASSWORD", "Guanli2026x")
    call_command("create_admin", "itadmin", "--name", "信息中心")
    user = User.objects.get(username="itadmin")
    assert (user.name, user.must_change_password, user.check_password("Guanli2026x")) == (
        "信息中心", False, True)
    assert user_roles(user) == {"admin"}


def test_weak_password_and_duplicates_are_refused(db, monkeypatch):
    monkeypatch.setenv("YANXUN_ADMIN_PASSWORD", "short1")
    with pytest.raises(CommandError, match="密码"):
        call_command("create_admin", "itadmin")
    assert User.objects.count() == 0
    monkeypatch.setenv("YANXUN_ADMIN_PASSWORD", "Guanli2026x")
    call_command("create_admin", "itadmin")
    with pytest.raises(CommandError, match="登录名「itadmin」已存在。"):
        call_command("create_admin", "itadmin")
