"""Permissions of quality monitoring. 报告到校: a school administrator sees their own school's
figures beside the district's, never another school's. 报告到学科: center staff see every
school. A teacher sees the classes they taught (ClassTeacher)."""

from yanxun.core.enums import DataScope as S
from yanxun.core.enums import Role as R
from yanxun.core.permissions import permission

MANAGE_EXAMS = permission("quality.manage_exams", "管理考试与成绩", {
    R.ADMIN: S.ALL, R.TRAINER: S.ALL,
})
VIEW_REPORTS = permission("quality.view_reports", "查看质量分析报告", {
    R.ADMIN: S.ALL, R.LEADER: S.ALL, R.TRAINER: S.ALL, R.SCHOOL_ADMIN: S.UNIT,
    R.TEACHER: S.SELF, R.STUDIO_HOST: S.SELF,
})
# Students' names and 学籍号: the center's staff, and the student's own school.
VIEW_STUDENT_NAMES = permission("quality.view_student_names", "查看学生姓名", {
    R.ADMIN: S.ALL, R.TRAINER: S.ALL, R.SCHOOL_ADMIN: S.UNIT,
})
# The list of exams (names, dates, status): everyone who gets any report; the figures inside
# are then scoped by VIEW_REPORTS.
LIST_EXAMS = permission("quality.list_exams", "查看考试列表", {
    R.ADMIN: S.ALL, R.LEADER: S.ALL, R.TRAINER: S.ALL, R.SCHOOL_ADMIN: S.ALL,
    R.TEACHER: S.ALL, R.STUDIO_HOST: S.ALL,
})
# The class–subject–teacher table (任课表) of an exam: the center's staff for every school, a
# school administrator for their own school. Who sees the per-teacher figures it produces is
# VIEW_REPORTS (a teacher: their own; a school administrator: their school's teachers).
EDIT_CLASS_TEACHERS = permission("quality.edit_class_teachers", "维护考试任课表", {
    R.ADMIN: S.ALL, R.TRAINER: S.ALL, R.SCHOOL_ADMIN: S.UNIT,
})
# The student-level export of a whole exam without names (考号 replaced by a pseudonym): the
# roles that see every school, for 均衡 and research work.
EXPORT_PSEUDONYMOUS = permission("quality.export_pseudonymous", "导出匿名学生明细", {
    R.ADMIN: S.ALL, R.LEADER: S.ALL, R.TRAINER: S.ALL,
})
# How long students, scores and item scores of an exam are kept (District.student_data_years).
MANAGE_RETENTION = permission("quality.manage_retention", "设置学生数据保留期限", {
    R.ADMIN: S.ALL,
})
