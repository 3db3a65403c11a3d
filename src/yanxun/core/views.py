from django.contrib.auth.decorators import login_required
from django.shortcuts import render

from yanxun.accounts.rules import VIEW_AUDIT_LOG
from yanxun.core import lists, selectors
from yanxun.core.enums import Role
from yanxun.core.listing import render_list
from yanxun.core.navigation import NavItem, register
from yanxun.core.permissions import has_perm, user_roles
from yanxun.org import selectors as org_selectors

register(
    NavItem("工作台", "首页", "core:dashboard"),
    NavItem("系统管理", "操作日志", "core:audit_log", VIEW_AUDIT_LOG),
)
RECENT = 8


@login_required
def dashboard(request):
    user = request.user
    recent = []
    if has_perm(user, VIEW_AUDIT_LOG):
        recent = [{"at": log.at, "actor": str(log.actor) if log.actor else "系统",
                   "action": lists.action_label(log.action), "object": log.object_repr}
                  for log in lists.audit_queryset(user)[:RECENT]]
    roles = [Role(r).label for r in sorted(user_roles(user)) if r in Role.values]
    cards = selectors.dashboard_cards(user)
    weak = org_selectors.weak_school_count(user)
    if weak is not None:
        cards.append({"label": "薄弱学校", "value": weak, "unit": "所"})
    return render(request, "core/dashboard.html", {
        "page_title": "工作台",
        "cards": cards,
        "overview": org_selectors.teacher_overview(user),
        "recent": recent,
        "roles": roles,
        "is_teacher": hasattr(user, "teacher"),
    })


@login_required
def audit_log(request):
    return render_list(request, lists.AUDIT_LOG)
