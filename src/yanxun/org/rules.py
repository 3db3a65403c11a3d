"""Permissions of the org module: who may see and change schools, teachers and staff."""

from yanxun.core.enums import DataScope as S
from yanxun.core.enums import Role as R
from yanxun.core.permissions import permission

VIEW_SCHOOLS = permission("org.view_schools", "查看学校", {
    R.ADMIN: S.ALL, R.LEADER: S.ALL, R.TRAINER: S.ALL, R.SCHOOL_ADMIN: S.UNIT,
})
MANAGE_SCHOOLS = permission("org.manage_schools", "维护学校", {R.ADMIN: S.ALL})
VIEW_TEACHERS = permission("org.view_teachers", "查看教师", {
    R.ADMIN: S.ALL, R.LEADER: S.ALL, R.TRAINER: S.ALL, R.SCHOOL_ADMIN: S.UNIT,
    R.TEACHER: S.SELF, R.STUDIO_HOST: S.SELF,
})
MANAGE_TEACHERS = permission("org.manage_teachers", "维护教师", {
    R.ADMIN: S.ALL, R.SCHOOL_ADMIN: S.UNIT,
})
# Full 身份证号 and phone: the people who keep the roster, and the teacher themself.
VIEW_PERSONAL_DATA = permission("org.view_personal_data", "查看完整个人信息", {
    R.ADMIN: S.ALL, R.SCHOOL_ADMIN: S.UNIT, R.TEACHER: S.SELF, R.STUDIO_HOST: S.SELF,
})
EXPORT_TEACHERS = permission("org.export_teachers", "导出教师", {
    R.ADMIN: S.ALL, R.LEADER: S.ALL, R.TRAINER: S.ALL, R.SCHOOL_ADMIN: S.UNIT,
})
IMPORT_TEACHERS = permission("org.import_teachers", "导入教师", {
    R.ADMIN: S.ALL, R.SCHOOL_ADMIN: S.UNIT,
})
VIEW_STAFF = permission("org.view_staff", "查看研训员", {
    R.ADMIN: S.ALL, R.LEADER: S.ALL, R.TRAINER: S.ALL, R.SCHOOL_ADMIN: S.ALL,
})
MANAGE_STAFF = permission("org.manage_staff", "维护研训员", {R.ADMIN: S.ALL})
