from django.db import models


class DataScope(models.TextChoices):
    """The Chinese admin convention for how far a role's view reaches."""

    ALL = "all", "全部"
    UNIT_TREE = "unit_tree", "本单位及下级"
    UNIT = "unit", "本单位"
    SELF = "self", "仅本人"


class ImportStatus(models.TextChoices):
    PENDING = "pending", "排队中"
    VALIDATING = "validating", "校验中"
    INVALID = "invalid", "校验未通过"
    WRITING = "writing", "写入中"
    DONE = "done", "已完成"
    FAILED = "failed", "出错"


class Role(models.TextChoices):
    ADMIN = "admin", "系统管理员"
    LEADER = "leader", "中心领导"
    TRAINER = "trainer", "研训员"
    SCHOOL_ADMIN = "school_admin", "学校管理员"
    TEACHER = "teacher", "教师"
    JUDGE = "judge", "评委/专家"
    STUDIO_HOST = "studio_host", "工作室主持人"
