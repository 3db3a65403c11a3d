"""Sidebar entries of 评审与评比 (added by each part as its pages land)."""

from yanxun.core.listing import listable
from yanxun.core.lists import ACTION_LABELS
from yanxun.core.navigation import NavItem, register
from yanxun.review import lists_entries, lists_scoring, rules  # noqa: F401  (register lists)

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

# Scoring: the judge's own page, then the centre's rounds, rubrics and relations.
register(
    NavItem("评审与评比", "我的评审", "review:my_reviews", rules.SCORE_ENTRIES),
    NavItem("评审与评比", "评审轮次", "review:round_list", rules.RUN_REVIEWS),
    NavItem("评审与评比", "评价量表", "review:rubric_list", rules.RUN_REVIEWS),
    NavItem("评审与评比", "回避关系", "review:relation_list", rules.RUN_REVIEWS),
)

ACTION_LABELS.update({
    "review.rubric.default": "创建默认评价量表",
    "review.rubric.save": "保存评价量表",
    "review.rubric.copy": "复制评价量表",
    "review.rubric.delete": "删除评价量表",
    "review.round.create": "新建评审轮次",
    "review.round.update": "修改评审轮次",
    "review.round.scoring": "开始/重新开放评分",
    "review.round.closed": "结束评分",
    "review.round.setup": "轮次退回准备",
    "review.round.entries": "设置轮次作品",
    "review.panel.add": "添加评委",
    "review.panel.remove": "移出评委",
    "review.expert.create": "新建外聘专家账号",
    "review.relation.declare": "登记回避关系",
    "review.relation.delete": "删除回避关系",
    "review.pair_rule.set": "设置指定/回避",
    "review.pair_rule.delete": "删除指定/回避",
    "review.assignment.run": "运行评审分配",
    "review.assignment.add": "增加评审分配",
    "review.assignment.move": "改派评委",
    "review.assignment.swap": "对调评审分配",
    "review.assignment.remove": "移除评审分配",
    "review.score.save": "保存评分",
    "review.score.submit": "提交评分",
    "review.score.abstain": "评委回避/弃评",
    "review.score.reopen": "重新开放评分",
    "role.extend": "延长角色期限",
})
