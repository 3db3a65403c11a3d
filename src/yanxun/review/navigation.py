"""Sidebar entries of 评审与评比 (added by each part as its pages land)."""

from yanxun.core.listing import listable
from yanxun.core.lists import ACTION_LABELS
from yanxun.core.navigation import NavItem, register
from yanxun.review import lists_entries, rules  # noqa: F401  lists_entries registers its lists

# Competitions and entries: the teacher's page first, then the lists.
register(
    NavItem("评审与评比", "参加评比", "review:my_entries", rules.SUBMIT_ENTRIES),
    NavItem("评审与评比", "评比活动", "review:competition_list", rules.VIEW_COMPETITIONS),
    NavItem("评审与评比", "参评作品", "review:entry_list", listable(rules.VIEW_ENTRIES)),
)

ACTION_LABELS.update({
    "review.competition.create": "新建评比活动",
    "review.competition.update": "修改评比活动",
    "review.competition.entry_fields": "修改参评材料要求",
    "review.competition.transition": "评比活动状态变更",
    "review.group.create": "新增组别",
    "review.group.update": "修改组别",
    "review.group.delete": "删除组别",
    "review.entry.save": "保存作品",
    "review.entry.submit": "提交作品",
    "review.entry.withdraw": "撤回作品",
    "review.entry.restore": "恢复为草稿",
    "review.entry.recommend": "学校推荐",
    "review.entry.not_recommend": "学校不推荐",
    "review.entry.unrecommend": "撤销推荐",
    "review.entry.return": "退回修改",
    "review.entry.accept": "形式审查通过",
    "review.entry.reject": "形式审查不通过",
    "review.entry.reopen_check": "撤销审查结论",
    "review.entries.demo": "生成评比演示数据",
})
