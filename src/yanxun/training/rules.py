"""Permissions of 师干训. Programs are public within the district (the menu); enrolments,
attendance, hours and claims follow the teacher's school (school administrators) and the
teacher (their own)."""

from yanxun.core.enums import DataScope as S
from yanxun.core.enums import Role as R
from yanxun.core.permissions import permission

CENTRE = {R.ADMIN: S.ALL, R.TRAINER: S.ALL}

VIEW_PROGRAMS = permission("training.view_programs", "查看培训项目", {
    R.ADMIN: S.ALL, R.LEADER: S.ALL, R.TRAINER: S.ALL, R.SCHOOL_ADMIN: S.ALL,
    R.TEACHER: S.ALL, R.STUDIO_HOST: S.ALL,
})
MANAGE_PROGRAMS = permission("training.manage_programs", "管理培训项目", CENTRE)
ENROL_SELF = permission("training.enrol_self", "本人报名", {
    R.TEACHER: S.SELF, R.STUDIO_HOST: S.SELF,
})
# Enrol others (whole lists), approve or reject a school's applicants.
MANAGE_ENROLMENTS = permission("training.manage_enrolments", "管理报名", {
    **CENTRE, R.SCHOOL_ADMIN: S.UNIT,
})
VIEW_ENROLMENTS = permission("training.view_enrolments", "查看报名", {
    **CENTRE, R.LEADER: S.ALL, R.SCHOOL_ADMIN: S.UNIT, R.TEACHER: S.SELF, R.STUDIO_HOST: S.SELF,
})
# A teacher's own scan or typed 签到码 (the enrolment decides which sessions).
CHECK_IN_SELF = permission("training.check_in_self", "本人签到", {
    R.TEACHER: S.SELF, R.STUDIO_HOST: S.SELF,
})
RUN_CHECK_IN = permission("training.run_check_in", "组织签到与考勤", CENTRE)
VIEW_ATTENDANCE = permission("training.view_attendance", "查看考勤", {
    **CENTRE, R.LEADER: S.ALL, R.SCHOOL_ADMIN: S.UNIT, R.TEACHER: S.SELF, R.STUDIO_HOST: S.SELF,
})
ACCREDIT_HOURS = permission("training.accredit_hours", "学时认定", CENTRE)
VIEW_LEDGER = permission("training.view_ledger", "查看学时档案", {
    **CENTRE, R.LEADER: S.ALL, R.SCHOOL_ADMIN: S.UNIT, R.TEACHER: S.SELF, R.STUDIO_HOST: S.SELF,
})
SUBMIT_CLAIMS = permission("training.submit_claims", "申报学时", {
    R.TEACHER: S.SELF, R.STUDIO_HOST: S.SELF,
})
APPROVE_CLAIMS = permission("training.approve_claims", "学校审核学时申报", {
    R.SCHOOL_ADMIN: S.UNIT,
})
ISSUE_CERTIFICATES = permission("training.issue_certificates", "发放证书", CENTRE)
MANAGE_POLICY = permission("training.manage_policy", "师干训设置", {R.ADMIN: S.ALL})
# Accredited hours for the provincial platform (身份证号 masked unless org.VIEW_PERSONAL_DATA).
EXPORT_HOURS = permission("training.export_hours", "导出学时", {
    **CENTRE, R.SCHOOL_ADMIN: S.UNIT,
})
