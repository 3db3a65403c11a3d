from yanxun.core.enums import DataScope as S
from yanxun.core.enums import Role as R
from yanxun.core.permissions import permission

MANAGE_USERS = permission("accounts.manage_users", "用户与角色管理", {R.ADMIN: S.ALL})
RESET_PASSWORDS = permission("accounts.reset_passwords", "重置密码", {
    R.ADMIN: S.ALL, R.SCHOOL_ADMIN: S.UNIT,
})
VIEW_LOGIN_LOG = permission("accounts.view_login_log", "查看登录日志", {R.ADMIN: S.ALL})
VIEW_AUDIT_LOG = permission("core.view_audit_log", "查看操作日志", {R.ADMIN: S.ALL})
