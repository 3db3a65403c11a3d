"""Account pages: login/logout/password, users and roles, password resets, the two logs."""

import io
from datetime import timedelta

import polars as pl
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from tests.factories import PASSWORD, UserFactory
from yanxun.accounts.models import LoginLog, RoleAssignment, User
from yanxun.core.audit import audit_record
from yanxun.core.enums import Role
from yanxun.core.models import AuditLog


def test_login_logout_and_password_change_still_work(world):
    client = Client()
    response = client.post(reverse("accounts:login"), {"login": "admin", "password": PASSWORD,
                                                       "next": "/org/schools/"})
    assert response["Location"] == "/org/schools/"
    response = client.post(reverse("accounts:password_change"), {
        "old_password": PASSWORD, "new_password": "Better2026x",
        "new_password_again": "Better2026x"})
    assert response.status_code == 302
    assert User.objects.get(username="admin").check_password("Better2026x") is True
    assert client.post(reverse("accounts:logout"))["Location"] == reverse("accounts:login")
    assert client.get(reverse("core:dashboard"))["Location"] == "/accounts/login/?next=/"


def test_user_list_search_and_role_filter(world):
    client = world.client_for(Role.ADMIN)
    response = client.get(reverse("accounts:user_list"), {"role": "school_admin"})
    rows = response.context["table"]["rows"]
    assert [[c["text"] for c in r["cells"]][:4] for r in rows] == [
        ["schooladmin", "钱教务", "", "学校管理员（城东实验学校）"]]
    by_name = client.get(reverse("accounts:user_list"), {"q": "李秋"}).context["table"]["rows"]
    assert [r["cells"][0]["text"] for r in by_name] == ["B0001"]
    in_school = client.get(reverse("accounts:user_list"), {"school": world.school_a.pk})
    assert [r["cells"][0]["text"] for r in in_school.context["table"]["rows"]] == [
        "A0001", "schooladmin"]


def test_user_create_then_role_assign_and_revoke(world):
    client = world.client_for(Role.ADMIN)
    response = client.post(reverse("accounts:user_create"), {
        "username": "wangke", "name": "王科", "phone": "13600001111",
        "new_password": "Start2026x", "new_password_again": "Start2026x"})
    user = User.objects.get(username="wangke")
    assert response["Location"] == reverse("accounts:user_detail", args=[user.pk])
    assert (user.must_change_password, user.check_password("Start2026x")) == (True, True)

    client.post(reverse("accounts:role_assign", args=[user.pk]),
                {"role": "school_admin", "school": world.school_b.pk})
    assignment = RoleAssignment.objects.get(user=user)
    assert (assignment.role, assignment.school) == ("school_admin", world.school_b)
    client.post(reverse("accounts:role_revoke", args=[user.pk, assignment.pk]))
    assert not RoleAssignment.objects.filter(user=user).exists()
    assert list(AuditLog.objects.order_by("id").values_list("action", flat=True)) == [
        "user.create", "role.assign", "role.revoke"]


def test_user_create_refuses_duplicates_and_weak_passwords(world):
    client = world.client_for(Role.ADMIN)
    weak = client.post(reverse("accounts:user_create"), {
        "username": "newone", "name": "新人", "new_password": "abcdefgh",
        "new_password_again": "abcdefgh"})
    assert weak.context["form"].errors == {
        "new_password": ["这个密码太常见了。", "密码须同时包含字母和数字。"]}
    taken = client.post(reverse("accounts:user_create"), {
        "username": "admin", "name": "重复", "new_password": "Start2026x",
        "new_password_again": "Start2026x"})
    assert taken.context["form"].errors == {"username": ["该登录名已被使用，不能重复。"]}
    assert list(User.objects.filter(username__in=["admin", "newone"])
                .values_list("name", flat=True)) == ["系统管理员"]


def test_school_admin_without_school_is_refused_with_a_message(world):
    client = world.client_for(Role.ADMIN)
    judge = world.users[Role.JUDGE]
    response = client.post(reverse("accounts:role_assign", args=[judge.pk]),
                           {"role": "school_admin"}, follow=True)
    assert [str(m) for m in response.context["messages"]] == [
        "授予角色未成功：学校管理员须指定所属学校或教育集团。"]
    assert list(judge.role_assignments.values_list("role", flat=True)) == ["judge"]


def test_school_admin_resets_own_teachers_password_only(world):
    client = world.client_for(Role.SCHOOL_ADMIN)
    target = world.teacher_a.user
    url = reverse("accounts:password_reset", args=[target.pk])
    response = client.post(url + "?next=/org/teachers/", {
        "new_password": "Reset2026x", "new_password_again": "Reset2026x"})
    assert response["Location"] == "/org/teachers/"
    target.refresh_from_db()
    assert (target.check_password("Reset2026x"), target.must_change_password) == (True, True)
    log = AuditLog.objects.get(action="user.password_reset")
    assert (log.actor, log.object_id) == (world.users[Role.SCHOOL_ADMIN], str(target.pk))
    other = reverse("accounts:password_reset", args=[world.teacher_b.user_id])
    assert client.post(other, {"new_password": "Reset2026x",
                               "new_password_again": "Reset2026x"}).status_code == 404


def test_password_reset_form_messages(world):
    client = world.client_for(Role.ADMIN)
    url = reverse("accounts:password_reset", args=[world.teacher_a.user_id])
    mismatch = client.post(url, {"new_password": "Reset2026x", "new_password_again": "x"})
    assert mismatch.context["form"].errors == {"new_password_again": ["两次输入的密码不一致。"]}
    short = client.post(url, {"new_password": "a1", "new_password_again": "a1"})
    assert short.context["form"].errors == {"new_password": ["密码太短，至少需要 8 个字符。"]}


def test_login_log_filters_and_export(world):
    now = timezone.now()
    old = LoginLog.objects.create(login="admin", user=world.users[Role.ADMIN], success=True,
                                  ip="10.0.0.1")
    LoginLog.objects.filter(pk=old.pk).update(at=now - timedelta(days=40))
    LoginLog.objects.create(login="admin", success=False, reason="用户名或密码错误", ip="10.0.0.2")
    LoginLog.objects.create(login="judge", user=world.users[Role.JUDGE], success=True,
                            ip="10.0.0.3")
    client = world.client_for(Role.ADMIN)
    since = (now - timedelta(days=1)).date().isoformat()
    response = client.get(reverse("accounts:login_log"),
                          {"date_from": since, "user": "admin", "success": "0"})
    rows = response.context["table"]["rows"]
    assert [[c["text"] for c in r["cells"]][1:] for r in rows] == [
        ["admin", "", "失败", "用户名或密码错误", "10.0.0.2"]]
    export = client.get(reverse("accounts:login_log"), {"date_from": since, "format": "xlsx"})
    frame = pl.read_excel(io.BytesIO(export.content), engine="calamine",
                          read_options={"dtypes": "string"})
    assert frame.select("登录名", "结果", "IP").rows() == [("judge", "成功", "10.0.0.3"),
                                                          ("admin", "失败", "10.0.0.2")]
    assert AuditLog.objects.get(action="export.personal_data").after["list"] == "login_log"


def test_audit_log_filters_and_change_summary(world):
    admin = world.users[Role.ADMIN]
    audit_record(actor=admin, action="teacher.update", obj=world.teacher_a,
                 before={"professional_title": "none"}, after={"professional_title": "first"})
    audit_record(actor=world.users[Role.SCHOOL_ADMIN], action="teacher.update",
                 obj=world.teacher_b, before={"entry_year": 2010}, after={"entry_year": 2011})
    audit_record(actor=admin, action="role.assign", obj=world.users[Role.JUDGE],
                 after={"role": "judge"})
    client = world.client_for(Role.ADMIN)
    response = client.get(reverse("core:audit_log"), {"action": "teacher.update",
                                                      "user": "admin"})
    rows = [[c["text"] for c in r["cells"]][1:5] for r in response.context["table"]["rows"]]
    assert rows == [["钱教务", "修改教师", "李秋华", "入职年份：2010 → 2011"],
                    ["系统管理员", "修改教师", "张晓明", "职称：none → first"]]
    export = client.get(reverse("core:audit_log"), {"q": "孙评委", "format": "xlsx"})
    frame = pl.read_excel(io.BytesIO(export.content), engine="calamine",
                          read_options={"dtypes": "string"})
    assert frame.select("操作", "对象", "修改前", "修改后").rows() == [
        ("授予角色", "孙评委", "", '{"role": "judge"}')]


def test_new_user_needs_a_role_to_see_anything(world):
    UserFactory(username="nobody")
    client = Client()
    client.force_login(User.objects.get(username="nobody"))
    response = client.get(reverse("core:dashboard"))
    assert response.context["roles"] == []
    assert "尚未授予角色" in response.content.decode()
