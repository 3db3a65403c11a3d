"""Sidebar entries of 师干训 (added by each part as its pages land)."""

from yanxun.core.listing import listable
from yanxun.core.navigation import NavItem, register
from yanxun.training import rules

# Hours (学时): the teacher's own page, then the centre's and school administrators' pages.
register(
    NavItem("师干训", "我的学时", "training:my_hours", rules.SUBMIT_CLAIMS),
    NavItem("师干训", "学时申报审核", "training:claim_list", listable(rules.VIEW_LEDGER)),
    NavItem("师干训", "学时认定", "training:accreditation_list", rules.ACCREDIT_HOURS),
    NavItem("师干训", "学时达标情况", "training:compliance", listable(rules.VIEW_LEDGER)),
    NavItem("师干训", "证书", "training:certificate_list", listable(rules.VIEW_LEDGER)),
    NavItem("师干训", "学时导出", "training:hours_export", rules.EXPORT_HOURS),
    NavItem("师干训", "学时申报标准", "training:claim_rules", rules.ACCREDIT_HOURS),
    NavItem("师干训", "学时设置", "training:hours_policy", rules.MANAGE_POLICY),
)
