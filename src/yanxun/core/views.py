from django.contrib.auth.decorators import login_required
from django.shortcuts import render

from yanxun.core import selectors


@login_required
def dashboard(request):
    return render(request, "core/dashboard.html", {
        "page_title": "工作台",
        "cards": selectors.dashboard_cards(request.user),
    })
