"""我的消息: the user's own messages; opening one marks it read and follows its link."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST

from yanxun.notifications import selectors, services


@login_required
def notification_list(request):
    unread_only = request.GET.get("unread") == "1"
    page = selectors.page_for(request.user, request.GET.get("page"), unread_only=unread_only)
    return render(request, "notifications/list.html", {
        "page_title": "我的消息", "page": page, "unread_only": unread_only,
        "retention_days": services.retention_days()})


@login_required
@require_POST
def notification_open(request, pk: int):
    notification = selectors.own_notification(request.user, pk)
    services.mark_read(request.user, [notification.pk])
    url = notification.url
    if url and url_has_allowed_host_and_scheme(url, allowed_hosts={request.get_host()},
                                               require_https=request.is_secure()):
        return redirect(url)
    return redirect("notifications:list")


@login_required
@require_POST
def read_all(request):
    marked = services.mark_read(request.user, services.ALL)
    messages.success(request, f"已将 {marked} 条消息标为已读。" if marked else "没有未读消息。")
    return redirect("notifications:list")
