"""Sidebar entries of 评审与评比 (each part of the review engine adds its own)."""

from yanxun.core.lists import ACTION_LABELS
from yanxun.core.navigation import NavItem, register
from yanxun.review import lists_scoring, rules  # noqa: F401  lists_scoring registers its list

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
