from django.db import models


class Stage(models.TextChoices):
    KINDERGARTEN = "kindergarten", "幼儿园"
    PRIMARY = "primary", "小学"
    JUNIOR = "junior", "初中"
    SENIOR = "senior", "高中"
    VOCATIONAL = "vocational", "中职"


class SchoolType(models.TextChoices):
    KINDERGARTEN = "kindergarten", "幼儿园"
    PRIMARY = "primary", "小学"
    JUNIOR = "junior", "初级中学"
    SENIOR = "senior", "高级中学"
    COMPLETE = "complete", "完全中学"
    NINE_YEAR = "nine_year", "九年一贯制学校"
    VOCATIONAL = "vocational", "中等职业学校"


class Location(models.TextChoices):
    CITY = "city", "城区"
    TOWN = "town", "镇区"
    RURAL = "rural", "乡村"


class Gender(models.TextChoices):
    MALE = "male", "男"
    FEMALE = "female", "女"


class ProfessionalTitle(models.TextChoices):
    """职称, in ascending order."""

    NONE = "none", "未定级"
    THIRD = "third", "三级教师"
    SECOND = "second", "二级教师"
    FIRST = "first", "一级教师"
    SENIOR = "senior", "高级教师"
    PROFESSOR = "professor", "正高级教师"


class HonourTier(models.TextChoices):
    """荣誉称号, in ascending order; 特级教师 has no level."""

    NEW_STAR = "new_star", "教坛新秀"
    SKILLED = "skilled", "教学能手"
    BACKBONE = "backbone", "骨干教师"
    LEADER = "leader", "学科带头人"
    SPECIAL = "special", "特级教师"


class HonourLevel(models.TextChoices):
    SCHOOL = "school", "校级"
    DISTRICT = "district", "区级"
    CITY = "city", "市级"
    PROVINCE = "province", "省级"


class TeacherStatus(models.TextChoices):
    ACTIVE = "active", "在职"
    TRANSFERRED = "transferred", "调出"
    RETIRED = "retired", "退休"


class SubjectGroupKind(models.TextChoices):
    RESEARCH = "research", "教研组"
    PREPARATION = "preparation", "备课组"


class StaffKind(models.TextChoices):
    FULL_TIME = "full_time", "专职研训员"
    PART_TIME_RESEARCH = "part_time_teaching", "兼职教研员"
    PART_TIME_SCIENCE = "part_time_research", "兼职科研员"
