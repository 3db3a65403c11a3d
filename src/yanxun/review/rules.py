"""Permissions of 评审与评比. Competitions and public notices are visible to the whole
district; entries follow their school (school administrators) and their lead author
(teachers); a judge's rights reach only what is assigned to them in an open round (checked by
review services on the Assignment, on top of SCORE_ENTRIES)."""

from yanxun.core.enums import DataScope as S
from yanxun.core.enums import Role as R
from yanxun.core.permissions import permission

CENTRE = {R.ADMIN: S.ALL, R.TRAINER: S.ALL}

VIEW_COMPETITIONS = permission("review.view_competitions", "查看评比活动", {
    R.ADMIN: S.ALL, R.LEADER: S.ALL, R.TRAINER: S.ALL, R.SCHOOL_ADMIN: S.ALL,
    R.TEACHER: S.ALL, R.STUDIO_HOST: S.ALL, R.JUDGE: S.ALL,
})
MANAGE_COMPETITIONS = permission("review.manage_competitions", "管理评比活动", CENTRE)
SUBMIT_ENTRIES = permission("review.submit_entries", "提交参评作品", {
    R.TEACHER: S.SELF, R.STUDIO_HOST: S.SELF,
})
RECOMMEND_ENTRIES = permission("review.recommend_entries", "学校推荐", {R.SCHOOL_ADMIN: S.UNIT})
VIEW_ENTRIES = permission("review.view_entries", "查看参评作品", {
    **CENTRE, R.LEADER: S.ALL, R.SCHOOL_ADMIN: S.UNIT, R.TEACHER: S.SELF, R.STUDIO_HOST: S.SELF,
})
# 形式审查, rounds, panels, relations, pins, assignment, reopening scores.
RUN_REVIEWS = permission("review.run_reviews", "组织评审", CENTRE)
SCORE_ENTRIES = permission("review.score_entries", "评分", {
    R.JUDGE: S.SELF, R.TRAINER: S.SELF, R.ADMIN: S.SELF, R.LEADER: S.SELF,
})
# Finals, ranks, ICC and judge statistics (who scored what, by name).
VIEW_RESULTS = permission("review.view_results", "查看评审结果与一致性", {
    **CENTRE, R.LEADER: S.ALL,
})
PUBLISH_RESULTS = permission("review.publish_results", "确定获奖、公示与发布", CENTRE)
FILE_OBJECTIONS = permission("review.file_objections", "提出异议", {
    R.ADMIN: S.SELF, R.LEADER: S.SELF, R.TRAINER: S.SELF, R.SCHOOL_ADMIN: S.SELF,
    R.TEACHER: S.SELF, R.STUDIO_HOST: S.SELF, R.JUDGE: S.SELF,
})
ANSWER_OBJECTIONS = permission("review.answer_objections", "答复异议", CENTRE)
MANAGE_CALENDAR = permission("review.manage_calendar", "节假日与调休", {R.ADMIN: S.ALL})
