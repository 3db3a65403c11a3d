"""Sidebar entries of 师干训 (added by each part as its pages land)."""

from yanxun.core.navigation import NavItem, register
from yanxun.training import rules

register(
    NavItem("师干训", "签到管理", "training:checkin_sessions", rules.RUN_CHECK_IN),
    NavItem("师干训", "签到码签到", "training:checkin_code", rules.CHECK_IN_SELF),
)
