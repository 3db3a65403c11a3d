"""Sidebar entries of 师干训 (added by each part as its pages land)."""

from yanxun.core.listing import listable
from yanxun.core.navigation import NavItem, register
from yanxun.training import lists_enrol, rules  # noqa: F401  lists_enrol registers its lists
from yanxun.training.selectors_enrol import PROGRAM_PAGES

register(
    NavItem("师干训", "培训菜单", "training:menu", rules.ENROL_SELF),
    NavItem("师干训", "我的培训", "training:my_training", rules.ENROL_SELF),
    NavItem("师干训", "培训项目", "training:program_list", PROGRAM_PAGES),
    NavItem("师干训", "报名审核", "training:approvals", rules.MANAGE_ENROLMENTS),
    NavItem("师干训", "报名记录", "training:enrolment_list", listable(rules.VIEW_ENROLMENTS)),
    NavItem("师干训", "签到管理", "training:checkin_sessions", rules.RUN_CHECK_IN),
    NavItem("师干训", "签到码签到", "training:checkin_code", rules.CHECK_IN_SELF),
)
