"""Sidebar entries of 师干训 (added by each part as its pages land)."""

from yanxun.core.listing import listable
from yanxun.core.lists import ACTION_LABELS
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

ACTION_LABELS.update({
    "training.enrolment.keep": "确认保留报名（不符合对象条件）",
    "hours.accredit_program": "认定项目学时",
    "hours.accredit": "认定学时",
    "hours.revoke": "撤销学时",
    "hours.claim_submit": "提交学时申报",
    "hours.claim_import": "导入学时申报",
    "hours.claim_transition": "审核学时申报",
    "hours.rule_create": "新增学时申报标准",
    "hours.rule_update": "修改学时申报标准",
    "hours.category_cap": "修改类别学时上限",  # rows written before the cap moved to the category
    "hours.policy_update": "修改学时设置",
    "hours.requirement_create": "新增周期学时要求",
    "hours.requirement_update": "修改周期学时要求",
    "hours.requirement_delete": "删除周期学时要求",
    "hours.export_layout": "保存学时导出格式",
    "hours.demo": "生成学时演示数据",
    "certificate.issue": "发放证书",
    "certificate.revoke": "作废证书",
})
