"""Sidebar entries and audit-log labels of the results part of 评审与评比 (results, objections,
awards, the work calendar). Kept apart from review/navigation.py so the parts merge easily."""

from yanxun.core.lists import ACTION_LABELS
from yanxun.core.navigation import NavItem, register
from yanxun.review import rules

register(
    NavItem("评审与评比", "评审结果", "review:results_index", rules.VIEW_RESULTS),
    NavItem("评审与评比", "异议处理", "review:objection_list", rules.ANSWER_OBJECTIONS),
    NavItem("评审与评比", "我的获奖", "review:my_awards", rules.SUBMIT_ENTRIES),
    # Teachers object most; anyone else who filed one reaches it from the objection's page.
    NavItem("评审与评比", "我的异议", "review:my_objections", rules.SUBMIT_ENTRIES),
    NavItem("系统管理", "节假日与调休", "review:calendar", rules.MANAGE_CALENDAR),
)

ACTION_LABELS.update({
    "review.flag.acknowledge": "处理评审结果预警",
    "review.round.finalise": "确定评审结果",
    "review.round.unfinalise": "撤销评审结果确定",
    "review.awards.confirm": "确定获奖名单",
    "review.awards.replace": "替换获奖名单",
    "review.award.decide": "确定获奖",
    "review.notice.publish": "发布公示",
    "review.notice.withdraw": "撤回公示",
    "review.notice.close": "公示期满",
    "review.objection.file": "提出异议",
    "review.objection.answer": "答复异议",
    "review.certificate.issue": "发放获奖证书",
    "review.seal.upload": "上传证书印章",
    "review.results.export": "导出评审结果",
    "review.results_demo": "生成评审结果演示数据",
    "calendar.day_add": "新增节假日/调休",
    "calendar.day_remove": "删除节假日/调休",
    "calendar.day_import": "导入节假日/调休",
})
