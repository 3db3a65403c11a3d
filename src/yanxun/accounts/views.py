from django.contrib import messages
from django.contrib.auth import login, logout, update_session_auth_hash
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST

from yanxun.accounts import lists, rules, services
from yanxun.accounts.forms import (
    LoginForm,
    PasswordChangeForm,
    PasswordResetForm,
    RoleAssignForm,
    UserCreateForm,
)
from yanxun.accounts.models import RoleAssignment, User
from yanxun.accounts.selectors import users_visible_for
from yanxun.core.listing import render_list
from yanxun.core.navigation import NavItem, register
from yanxun.core.permissions import has_perm

register(
    NavItem("系统管理", "用户与角色", "accounts:user_list", rules.MANAGE_USERS),
    NavItem("系统管理", "登录日志", "accounts:login_log", rules.VIEW_LOGIN_LOG),
)


def _safe_next(request, default: str = "/") -> str:
    target = request.POST.get("next") or request.GET.get("next") or default
    if url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        return target
    return default


def login_view(request):
    form = LoginForm(request.POST or None)
    error = None
    if request.method == "POST" and form.is_valid():
        try:
            user = services.login_attempt(request=request, login=form.cleaned_data["login"],
                                          password=form.cleaned_data["password"])
        except services.LoginRefused as refused:
            error = str(refused)
        else:
            login(request, user)
            return redirect(_safe_next(request))
    return render(request, "accounts/login.html", {"form": form, "error": error,
                                                   "next": request.GET.get("next", "")})


@require_POST
def logout_view(request):
    logout(request)
    return redirect("accounts:login")


@login_required
def password_change_view(request):
    form = PasswordChangeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.password_change(user=request.user,
                                     old_password=form.cleaned_data["old_password"],
                                     new_password=form.cleaned_data["new_password"])
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            update_session_auth_hash(request, request.user)
            messages.success(request, "密码已修改。")
            return redirect(_safe_next(request))
    return render(request, "accounts/password_change.html", {
        "form": form, "page_title": "修改密码",
        "forced": request.user.must_change_password,
    })


# --- user and role management (系统管理员), password resets, 登录日志 -----------------------


def _require(user, perm, message: str) -> None:
    if not has_perm(user, perm):
        raise PermissionDenied(message)


def _user_for_admin(request, pk: int) -> User:
    _require(request.user, rules.MANAGE_USERS, "无权管理用户。")
    return get_object_or_404(User, pk=pk)


@login_required
def user_list(request):
    actions = [{"label": "新增用户", "url": reverse("accounts:user_create"), "primary": True}]
    return render_list(request, lists.USERS, context={"actions": actions})


@login_required
def login_log(request):
    return render_list(request, lists.LOGIN_LOG)


@login_required
def user_detail(request, pk: int):
    user = _user_for_admin(request, pk)
    assignments = user.role_assignments.select_related("school", "education_group")
    return render(request, "accounts/user_detail.html", {
        "account": user, "page_title": f"用户：{user.get_full_name()}",
        "assignments": assignments.order_by("created_at", "pk"),
        "role_form": RoleAssignForm(), "teacher": getattr(user, "teacher", None),
    })


@login_required
def user_create(request):
    _require(request.user, rules.MANAGE_USERS, "无权管理用户。")
    form = UserCreateForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            user = services.user_create(actor=request.user, username=data["username"].strip(),
                                        name=data["name"].strip(), phone=data["phone"],
                                        password=data["new_password"])
        except ValidationError as exc:
            form.add_service_error(exc, User)
        else:
            messages.success(request, f"已新增用户「{user.username}」，请为其授予角色。")
            return redirect("accounts:user_detail", pk=user.pk)
    return render(request, "form_page.html", {"narrow": True,
        "form": form, "page_title": "新增用户", "cancel_url": reverse("accounts:user_list"),
    })


@login_required
@require_POST
def role_assign(request, pk: int):
    user = _user_for_admin(request, pk)
    form = RoleAssignForm(request.POST)
    if form.is_valid():
        try:
            services.role_assign(actor=request.user, user=user, **form.cleaned_data)
        except ValidationError as exc:
            form.add_service_error(exc)
    if form.errors:
        messages.error(request, "授予角色未成功：" + "；".join(
            str(e) for errors in form.errors.values() for e in errors))
    else:
        messages.success(request, "已授予角色。")
    return redirect("accounts:user_detail", pk=user.pk)


@login_required
@require_POST
def role_revoke(request, pk: int, assignment_pk: int):
    user = _user_for_admin(request, pk)
    assignment = get_object_or_404(RoleAssignment, pk=assignment_pk, user=user)
    services.role_revoke(actor=request.user, assignment=assignment)
    messages.success(request, f"已撤销角色「{assignment}」。")
    return redirect("accounts:user_detail", pk=user.pk)


@login_required
def password_reset(request, pk: int):
    """An administrator, or a school administrator for their own school's teachers, sets
    a new initial password; the user must change it at their next login."""
    _require(request.user, rules.RESET_PASSWORDS, "无权重置密码。")
    target = get_object_or_404(users_visible_for(request.user, rules.RESET_PASSWORDS), pk=pk)
    form = PasswordResetForm(request.POST or None)
    back = _safe_next(request, default=reverse("core:dashboard"))
    if request.method == "POST" and form.is_valid():
        try:
            services.password_reset(actor=request.user, user=target,
                                    new_password=form.cleaned_data["new_password"])
        except ValidationError as exc:
            form.add_service_error(exc)
        else:
            messages.success(request, f"已重置「{target.get_full_name()}」的密码，"
                                      "其下次登录时须修改。")
            return redirect(back)
    return render(request, "form_page.html", {"narrow": True,
        "form": form, "page_title": f"重置密码：{target.get_full_name()}",
        "cancel_url": back, "next": back,
        "intro": f"为登录名「{target.username}」设置新的初始密码。",
    })
