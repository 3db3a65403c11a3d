from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q

from yanxun.org.enums import (
    Gender,
    HonourLevel,
    HonourTier,
    Location,
    ProfessionalTitle,
    SchoolType,
    StaffKind,
    Stage,
    SubjectGroupKind,
    TeacherStatus,
)


class District(models.Model):
    name = models.CharField("名称", max_length=50, unique=True)
    code = models.CharField("行政区划代码", max_length=12, blank=True)
    center_name = models.CharField("研训机构名称", max_length=100, blank=True)
    employee_numbers_unique = models.BooleanField(
        "工号全区唯一", default=True,
        help_text="工号全区唯一时以工号为登录名，否则以手机号为登录名",
    )
    student_data_years = models.PositiveSmallIntegerField(
        "考试学生明细保留年限", default=3,
        validators=[MinValueValidator(1), MaxValueValidator(30)],
        help_text="考试日期早于该年限的考试，删除考生、成绩与小题得分，只保留统计结果",
    )

    class Meta:
        verbose_name = "区县"

    def __str__(self) -> str:
        return self.name


class Subject(models.Model):
    """学科 — a dictionary the center edits."""

    name = models.CharField("学科", max_length=20, unique=True)
    sort_order = models.PositiveSmallIntegerField("排序", default=0)

    class Meta:
        verbose_name = "学科"
        ordering = ["sort_order", "name"]

    def __str__(self) -> str:
        return self.name


class School(models.Model):
    district = models.ForeignKey(District, on_delete=models.PROTECT, related_name="schools",
                                 verbose_name="区县")
    code = models.CharField("学校代码", max_length=20, unique=True)
    name = models.CharField("学校名称", max_length=100, unique=True)
    short_name = models.CharField("简称", max_length=30, blank=True)
    school_type = models.CharField("办学类型", max_length=16, choices=SchoolType.choices)
    location = models.CharField("城乡", max_length=8, choices=Location.choices)
    is_weak = models.BooleanField("薄弱学校", default=False)
    address = models.CharField("地址", max_length=200, blank=True)
    is_active = models.BooleanField("在用", default=True)

    scope_paths = {"school": "pk"}

    class Meta:
        verbose_name = "学校"
        ordering = ["code"]

    def __str__(self) -> str:
        return self.name


class EducationGroup(models.Model):
    """教育集团: a lead school and member schools."""

    name = models.CharField("名称", max_length=100, unique=True)
    lead_school = models.ForeignKey(School, null=True, blank=True, on_delete=models.SET_NULL,
                                    related_name="+", verbose_name="牵头学校")
    schools = models.ManyToManyField(School, related_name="education_groups",
                                     verbose_name="成员学校", blank=True)

    class Meta:
        verbose_name = "教育集团"
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class ResearchCommunity(models.Model):
    """教研共同体: schools that research together; a school may also be in a group."""

    name = models.CharField("名称", max_length=100, unique=True)
    lead_school = models.ForeignKey(School, null=True, blank=True, on_delete=models.SET_NULL,
                                    related_name="+", verbose_name="牵头学校")
    schools = models.ManyToManyField(School, related_name="research_communities",
                                     verbose_name="成员学校", blank=True)

    class Meta:
        verbose_name = "教研共同体"
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Teacher(models.Model):
    """A teacher of the district. Identified by 身份证号 across imports."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, null=True, blank=True,
                                on_delete=models.SET_NULL, related_name="teacher",
                                verbose_name="账号")
    school = models.ForeignKey(School, on_delete=models.PROTECT, related_name="teachers",
                               verbose_name="学校")
    employee_no = models.CharField("工号", max_length=30)
    name = models.CharField("姓名", max_length=50, db_index=True)
    gender = models.CharField("性别", max_length=6, choices=Gender.choices)
    id_number = models.CharField("身份证号", max_length=18, unique=True)
    phone = models.CharField("手机号", max_length=11, blank=True)
    stage = models.CharField("学段", max_length=16, choices=Stage.choices)
    subjects = models.ManyToManyField(Subject, related_name="teachers", verbose_name="任教学科",
                                      blank=True)
    professional_title = models.CharField("职称", max_length=12,
                                          choices=ProfessionalTitle.choices,
                                          default=ProfessionalTitle.NONE)
    entry_year = models.PositiveSmallIntegerField("入职年份")
    status = models.CharField("状态", max_length=12, choices=TeacherStatus.choices,
                              default=TeacherStatus.ACTIVE, db_index=True)
    created_at = models.DateTimeField("创建时间", auto_now_add=True)
    updated_at = models.DateTimeField("更新时间", auto_now=True)

    scope_paths = {"school": "school_id", "person": "user_id"}

    class Meta:
        verbose_name = "教师"
        ordering = ["school__code", "employee_no"]
        constraints = [
            models.UniqueConstraint(fields=["school", "employee_no"],
                                    name="uniq_teacher_employee_no_per_school"),
        ]
        # employee_no: the teacher list sorted by 工号 across schools reads a page from the
        # index instead of sorting every teacher (27 ms → 0.4 ms at 10,000 teachers, SQLite).
        indexes = [models.Index(fields=["school", "status"]),
                   models.Index(fields=["stage", "status"]),
                   models.Index(fields=["employee_no"], name="org_teacher_employee_no_idx")]

    def __str__(self) -> str:
        return self.name


class TeacherHonour(models.Model):
    teacher = models.ForeignKey(Teacher, on_delete=models.CASCADE, related_name="honours",
                                verbose_name="教师")
    tier = models.CharField("称号", max_length=12, choices=HonourTier.choices)
    level = models.CharField("级别", max_length=10, choices=HonourLevel.choices, blank=True)
    awarded_on = models.DateField("认定日期")
    expires_on = models.DateField("有效期至", null=True, blank=True)

    scope_paths = {"school": "teacher__school_id", "person": "teacher__user_id"}

    class Meta:
        verbose_name = "荣誉称号"
        ordering = ["-awarded_on"]
        constraints = [
            models.CheckConstraint(
                condition=Q(tier=HonourTier.SPECIAL, level="") | ~Q(tier=HonourTier.SPECIAL) & ~Q(level=""),
                name="honour_level_matches_tier",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_level_display()}{self.get_tier_display()}"


class TeacherPosting(models.Model):
    """A teacher's time at one school: transfers keep their history here."""

    teacher = models.ForeignKey(Teacher, on_delete=models.CASCADE, related_name="postings",
                                verbose_name="教师")
    school = models.ForeignKey(School, on_delete=models.PROTECT, related_name="postings",
                               verbose_name="学校")
    start_date = models.DateField("起始日期")
    end_date = models.DateField("结束日期", null=True, blank=True)
    note = models.CharField("说明", max_length=200, blank=True)

    scope_paths = {"school": "school_id", "person": "teacher__user_id"}

    class Meta:
        verbose_name = "任职经历"
        ordering = ["teacher", "start_date"]
        constraints = [
            models.UniqueConstraint(fields=["teacher"], condition=Q(end_date__isnull=True),
                                    name="one_open_posting_per_teacher"),
        ]

    def __str__(self) -> str:
        return f"{self.teacher} @ {self.school}"


class SubjectGroup(models.Model):
    """教研组 / 备课组 of a school."""

    school = models.ForeignKey(School, on_delete=models.CASCADE, related_name="subject_groups",
                               verbose_name="学校")
    name = models.CharField("名称", max_length=50)
    kind = models.CharField("类型", max_length=12, choices=SubjectGroupKind.choices)
    subject = models.ForeignKey(Subject, null=True, blank=True, on_delete=models.SET_NULL,
                                verbose_name="学科")
    leader = models.ForeignKey(Teacher, null=True, blank=True, on_delete=models.SET_NULL,
                               related_name="+", verbose_name="组长")
    members = models.ManyToManyField(Teacher, related_name="subject_groups", blank=True,
                                     verbose_name="成员")

    scope_paths = {"school": "school_id"}

    class Meta:
        verbose_name = "教研组/备课组"
        ordering = ["school", "name"]
        constraints = [models.UniqueConstraint(fields=["school", "name"],
                                               name="uniq_subject_group_name")]

    def __str__(self) -> str:
        return f"{self.school.short_name or self.school.name}{self.name}"


class StaffMember(models.Model):
    """The center's own staff: 研训员 and 兼职教研员/科研员, with what they cover."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE,
                                related_name="staff_member", verbose_name="账号")
    teacher = models.OneToOneField(Teacher, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="staff_member", verbose_name="教师档案",
                                   help_text="兼职教研员在学校的教师档案")
    kind = models.CharField("类别", max_length=20, choices=StaffKind.choices,
                            default=StaffKind.FULL_TIME)
    department = models.CharField("部门", max_length=50, blank=True)
    subjects = models.ManyToManyField(Subject, related_name="staff_members", blank=True,
                                      verbose_name="负责学科")
    stages = models.JSONField("负责学段", default=list, blank=True)

    scope_paths = {"person": "user_id"}

    class Meta:
        verbose_name = "研训员"
        ordering = ["user__username"]

    def __str__(self) -> str:
        return str(self.user)
