from yanxun.core.navigation import NavItem, register
from yanxun.quality import rules

register(NavItem("教学质量监测", "考试与质量分析", "quality:exam_list", rules.LIST_EXAMS))
register(NavItem("教学质量监测", "学生数据保留期限", "quality:retention", rules.MANAGE_RETENTION))
