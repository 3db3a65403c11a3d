import hashlib
import secrets

from django.contrib.auth.models import AbstractUser, UserManager
from django.db import models
from django.db.models import Q

from yanxun.core.enums import Role


class User(AbstractUser):
    """A login. `username` is the district-unique 登录名 (工号 or phone); `name` the real name."""

    name = models.CharField("姓名", max_length=50, blank=True)
    phone = models.CharField("手机号", max_length=11, null=True, blank=True, unique=True)
    must_change_password = models.BooleanField("须修改初始密码", default=True)
    expires_at = models.DateTimeField("账号到期", null=True, blank=True)

    objects = UserManager()
    scope_paths = {"person": "pk"}

    class Meta:
        verbose_name = "用户"
        ordering = ["username"]

    def __str__(self) -> str:
        return self.name or self.username

    def get_full_name(self) -> str:
        return self.name or self.username


class RoleAssignment(models.Model):
    """A role a user holds, anchored on the unit it applies to (a school administrator's
    school, or an education group for a group administrator)."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="role_assignments",
                             verbose_name="用户")
    role = models.CharField("角色", max_length=20, choices=Role.choices)
    school = models.ForeignKey("org.School", null=True, blank=True, on_delete=models.CASCADE,
                               related_name="+", verbose_name="所属学校")
    education_group = models.ForeignKey("org.EducationGroup", null=True, blank=True,
                                        on_delete=models.CASCADE, related_name="+",
                                        verbose_name="所属教育集团")
    expires_at = models.DateTimeField("到期时间", null=True, blank=True)
    created_at = models.DateTimeField("授予时间", auto_now_add=True)

    class Meta:
        verbose_name = "角色授权"
        constraints = [
            models.UniqueConstraint(
                fields=["user", "role"], condition=Q(school__isnull=True,
                                                     education_group__isnull=True),
                name="uniq_role_global",
            ),
            models.UniqueConstraint(fields=["user", "role", "school"],
                                    condition=Q(school__isnull=False), name="uniq_role_school"),
            models.UniqueConstraint(fields=["user", "role", "education_group"],
                                    condition=Q(education_group__isnull=False),
                                    name="uniq_role_group"),
        ]

    def __str__(self) -> str:
        unit = self.school or self.education_group
        return f"{self.get_role_display()}" + (f"（{unit}）" if unit else "")


class LoginLog(models.Model):
    """登录日志: every attempt, successful or not; lockout counts the failures here."""

    at = models.DateTimeField("时间", auto_now_add=True, db_index=True)
    login = models.CharField("登录名", max_length=150, db_index=True)
    user = models.ForeignKey(User, null=True, blank=True, on_delete=models.SET_NULL,
                             related_name="+", verbose_name="用户")
    success = models.BooleanField("成功")
    reason = models.CharField("说明", max_length=100, blank=True)
    ip = models.GenericIPAddressField("IP", null=True, blank=True)
    user_agent = models.CharField("客户端", max_length=300, blank=True)

    class Meta:
        verbose_name = "登录日志"
        ordering = ["-at", "-id"]
        indexes = [models.Index(fields=["login", "success", "at"])]

    def __str__(self) -> str:
        return f"{self.login} {'成功' if self.success else '失败'}"


class ApiToken(models.Model):
    """A bearer token for scripts using the JSON API. Only a hash is stored."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="api_tokens")
    name = models.CharField("用途", max_length=100)
    key_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)
    last_used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = "API 令牌"

    def __str__(self) -> str:
        return f"{self.user} · {self.name}"

    @staticmethod
    def hash_key(key: str) -> str:
        return hashlib.sha256(key.encode()).hexdigest()

    @staticmethod
    def new_key() -> str:
        return "yx_" + secrets.token_urlsafe(32)
