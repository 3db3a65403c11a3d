from django.db import models

from yanxun.quality import engine


class ExamKind(models.TextChoices):
    JOINT = "joint", "联考"
    MIDTERM = "midterm", "期中调研"
    FINAL = "final", "期末调研"
    MOCK = "mock", "模拟考"
    PROFICIENCY = "proficiency", "学业水平考试"


class ExamStatus(models.TextChoices):
    """An exam's life: set up → scores imported → analysed. Moves only through
    services.exam_transition."""

    DRAFT = "draft", "待导入成绩"
    IMPORTED = "imported", "成绩已导入"
    ANALYSING = "analysing", "分析中"
    ANALYSED = "analysed", "已分析"
    FAILED = "failed", "分析出错"


class ScoreStatus(models.IntegerChoices):
    """The engine's status codes, stored as they are (quality.engine.STATUS_*)."""

    PRESENT = engine.PRESENT, "有成绩"
    ABSENT = engine.ABSENT, "缺考"
    CHEATING = engine.CHEATING, "作弊"
    VIOLATION = engine.VIOLATION, "违纪"
    EXEMPT = engine.EXEMPT, "免考"
    NOT_TAKEN = engine.NOT_TAKEN, "未选考"


class ResultLevel(models.TextChoices):
    DISTRICT = "district", "全区"
    SCHOOL = "school", "学校"
    CLASS = "class", "班级"
