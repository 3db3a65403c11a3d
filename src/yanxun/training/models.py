"""师干训: programs and their classes and sessions, enrolments with waiting lists, attendance,
学时 records (the record the ledger is computed from), claims for learning outside Yanxun,
certificates, and the district's training policy.

Derived numbers are never stored: a program's hours are the sum of its sessions' hours, a
teacher's ledger is computed from their HourRecords, "absent" is an enrolled teacher with no
attendance record when the session has ended."""

from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q

from yanxun.training.enums import (
    AttendanceMethod,
    AttendanceStatus,
    CertificateKind,
    ClaimKind,
    ClaimStatus,
    EnrolmentSource,
    EnrolmentStatus,
    HourSource,
    ProgramLevel,
    ProgramStatus,
    RequirementUnit,
)

SHARE = [MinValueValidator(Decimal("0")), MaxValueValidator(Decimal("1"))]
POSITIVE = [MinValueValidator(Decimal("0"))]


def _hours(label: str, **kwargs) -> models.DecimalField:
    return models.DecimalField(label, max_digits=7, decimal_places=1, validators=POSITIVE,
                               **kwargs)


class TrainingPolicy(models.Model):
    """The district's rules for training, all editable by its administrator (one row per
    district). Defaults follow the national frame and Jintan's 2024 plan."""

    district = models.OneToOneField("org.District", on_delete=models.CASCADE,
                                    related_name="training_policy")
    max_long_programs = models.PositiveSmallIntegerField(
        "同时参加团队/长期项目上限", default=2,
        help_text="一名教师同时参加的工作室、团队或长期项目不超过该数（金坛：2）")
    cycle_years = models.PositiveSmallIntegerField(
        "学时周期（年）", default=5, validators=[MinValueValidator(1), MaxValueValidator(10)])
    cycle_start_year = models.PositiveSmallIntegerField("首个周期起始年份", default=2021)
    hours_per_credit = models.DecimalField(
        "每学分折合学时", max_digits=5, decimal_places=2, default=Decimal("10"),
        validators=[MinValueValidator(Decimal("0.01"))])
    presenter_multiplier = models.DecimalField(
        "授课教师学时倍数", max_digits=4, decimal_places=2, default=Decimal("2"),
        validators=[MinValueValidator(Decimal("1"))])
    # Check-in
    token_seconds = models.PositiveSmallIntegerField(
        "签到二维码有效期（秒）", default=15, validators=[MinValueValidator(5)])
    qr_refresh_seconds = models.PositiveSmallIntegerField(
        "签到二维码刷新间隔（秒）", default=5, validators=[MinValueValidator(2)])
    login_grace_minutes = models.PositiveSmallIntegerField(
        "扫码后登录完成签到时限（分钟）", default=10)
    code_tries_per_minute = models.PositiveSmallIntegerField("签到码每分钟尝试次数", default=5)
    seal_image = models.FileField("证书印章图片", upload_to="training/seal/", blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = verbose_name_plural = "师干训设置"

    def __str__(self) -> str:
        return f"{self.district} 师干训设置"


class LedgerRequirement(models.Model):
    """One line of what a cycle requires: at least `minimum` hours (or credits) from records
    in `categories` (none: every category) at `min_level` or above (empty: any level).
    National frame: 360 学时 in all; Jiangsu: 180 of them at 区培 or above; Shanghai-style
    credit splits are one line per category and level."""

    policy = models.ForeignKey(TrainingPolicy, on_delete=models.CASCADE,
                               related_name="requirements")
    name = models.CharField("要求", max_length=50)
    minimum = models.DecimalField("不少于", max_digits=7, decimal_places=1, validators=POSITIVE)
    unit = models.CharField("单位", max_length=8, choices=RequirementUnit.choices,
                            default=RequirementUnit.HOURS)
    categories = models.ManyToManyField("Category", blank=True, related_name="+",
                                        verbose_name="限定类别")
    min_level = models.CharField("最低层级", max_length=12, choices=ProgramLevel.choices,
                                 blank=True)
    position = models.PositiveSmallIntegerField("顺序", default=0)

    class Meta:
        ordering = ["policy", "position", "pk"]
        verbose_name = verbose_name_plural = "周期学时要求"

    def __str__(self) -> str:
        return self.name


class Category(models.Model):
    """培训类别 (师德师风, 知识技能, 实践体验, 信息技术 …): a dictionary the center edits."""

    name = models.CharField("类别", max_length=30, unique=True)
    annual_cap = _hours("每年计入上限（学时）", null=True, blank=True,
                        help_text="为空表示不设上限")
    sort_order = models.PositiveSmallIntegerField("顺序", default=0)
    is_active = models.BooleanField("在用", default=True)

    class Meta:
        ordering = ["sort_order", "name"]
        verbose_name = verbose_name_plural = "培训类别"

    def __str__(self) -> str:
        return self.name


class Program(models.Model):
    """培训项目. Its target audience is a set of rules (empty = no restriction); a teacher
    who fails one is told which (selectors.eligibility)."""

    name = models.CharField("项目名称", max_length=100)
    year = models.PositiveSmallIntegerField("年度")
    level = models.CharField("层级", max_length=12, choices=ProgramLevel.choices)
    category = models.ForeignKey(Category, on_delete=models.PROTECT, related_name="programs",
                                 verbose_name="类别")
    organiser = models.CharField("主办单位", max_length=100)
    description = models.TextField("项目简介", blank=True)
    budget_line = models.CharField("经费科目", max_length=100, blank=True)
    budget_planned = models.DecimalField("预算（元）", max_digits=12, decimal_places=2,
                                         default=Decimal("0"), validators=POSITIVE)
    budget_spent = models.DecimalField("已支出（元）", max_digits=12, decimal_places=2,
                                       default=Decimal("0"), validators=POSITIVE)
    # Target audience
    audience_stages = models.JSONField("面向学段", default=list, blank=True)
    audience_subjects = models.ManyToManyField("org.Subject", blank=True, related_name="+",
                                               verbose_name="面向学科")
    audience_honours = models.JSONField("面向荣誉层次", default=list, blank=True)
    audience_max_years = models.PositiveSmallIntegerField(
        "入职不超过（年）", null=True, blank=True, help_text="新教师：3（入职当年为第 1 年）")
    audience_min_years = models.PositiveSmallIntegerField("入职不少于（年）", null=True,
                                                          blank=True)
    audience_locations = models.JSONField("面向城乡", default=list, blank=True)
    audience_weak_schools = models.BooleanField("仅面向薄弱学校", default=False)
    # Enrolment
    is_long = models.BooleanField("团队/长期项目", default=False,
                                  help_text="计入“同时参加团队/长期项目上限”")
    needs_school_approval = models.BooleanField("需学校审核", default=False)
    enrol_opens = models.DateTimeField("报名开始", null=True, blank=True)
    enrol_closes = models.DateTimeField("报名截止", null=True, blank=True)
    withdraw_deadline = models.DateTimeField("退出截止", null=True, blank=True)
    # Hours
    min_attendance_share = models.DecimalField(
        "最低出勤比例", max_digits=4, decimal_places=3, default=Decimal("0.8"),
        validators=SHARE, help_text="出勤（含迟到）学时占全部日程学时的比例")
    pro_rata = models.BooleanField("按出勤比例计学时", default=False,
                                   help_text="不勾选：达到最低比例即计全部学时")
    # Check-in windows, in minutes relative to a session's start
    checkin_opens_before = models.PositiveSmallIntegerField("提前开放签到（分钟）", default=30)
    on_time_until = models.PositiveSmallIntegerField("开始后仍算准时（分钟）", default=5)
    late_until = models.PositiveSmallIntegerField("开始后可迟到签到（分钟）", default=30)
    status = models.CharField("状态", max_length=12, choices=ProgramStatus.choices,
                              default=ProgramStatus.DRAFT)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                                   related_name="+", verbose_name="创建人")
    created_at = models.DateTimeField("创建时间", auto_now_add=True)

    class Meta:
        ordering = ["-year", "name"]
        verbose_name = verbose_name_plural = "培训项目"
        constraints = [
            models.UniqueConstraint(fields=["year", "name"], name="training_program_unique_name"),
            models.CheckConstraint(
                condition=Q(enrol_opens__isnull=True) | Q(enrol_closes__isnull=True)
                | Q(enrol_opens__lt=models.F("enrol_closes")),
                name="training_program_window_order"),
        ]

    def __str__(self) -> str:
        return self.name


class TrainingClass(models.Model):
    """班次: a group of a program with its own capacity and schedule."""

    program = models.ForeignKey(Program, on_delete=models.CASCADE, related_name="classes")
    name = models.CharField("班次", max_length=50)
    capacity = models.PositiveIntegerField("名额", validators=[MinValueValidator(1)])
    head = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                             on_delete=models.SET_NULL, related_name="+",
                             verbose_name="班主任")

    class Meta:
        ordering = ["program", "pk"]
        verbose_name = verbose_name_plural = "班次"
        constraints = [models.UniqueConstraint(fields=["program", "name"],
                                               name="training_class_unique_name")]

    def __str__(self) -> str:
        return f"{self.program} {self.name}"


class TrainingSession(models.Model):
    """日程/课次: one sitting of a class, with the hours it is worth."""

    training_class = models.ForeignKey(TrainingClass, on_delete=models.CASCADE,
                                       related_name="sessions", verbose_name="班次")
    title = models.CharField("内容", max_length=100)
    date = models.DateField("日期")
    starts_at = models.TimeField("开始时间")
    ends_at = models.TimeField("结束时间")
    place = models.CharField("地点", max_length=100, blank=True)
    online_url = models.URLField("线上会议链接", blank=True)
    hours = _hours("学时")
    presenter = models.ForeignKey("org.Teacher", null=True, blank=True,
                                  on_delete=models.SET_NULL, related_name="+",
                                  verbose_name="授课教师（本区）")
    presenter_name = models.CharField("授课人", max_length=50, blank=True)
    # Options against forwarded codes (see docs/training.md)
    geofence_lat = models.DecimalField("签到中心纬度（GCJ-02）", max_digits=9, decimal_places=6,
                                       null=True, blank=True)
    geofence_lng = models.DecimalField("签到中心经度（GCJ-02）", max_digits=9, decimal_places=6,
                                       null=True, blank=True)
    geofence_radius = models.PositiveIntegerField("签到半径（米）", null=True, blank=True)
    check_out = models.BooleanField("需要签退", default=False)
    min_stay_minutes = models.PositiveSmallIntegerField("签退最短停留（分钟）", default=60)
    code_enabled = models.BooleanField("允许签到码", default=True)

    class Meta:
        ordering = ["date", "starts_at", "pk"]
        verbose_name = verbose_name_plural = "日程"
        constraints = [models.CheckConstraint(condition=Q(starts_at__lt=models.F("ends_at")),
                                              name="training_session_time_order")]

    def __str__(self) -> str:
        return f"{self.date} {self.title}"


class Enrolment(models.Model):
    """报名: one per teacher and program (a withdrawn teacher who enrols again reuses it).
    Waiting teachers are ordered by `waitlist_position`; a freed seat goes to the first."""

    scope_paths = {"school": "teacher__school_id", "person": "teacher__user_id"}

    program = models.ForeignKey(Program, on_delete=models.CASCADE, related_name="enrolments")
    training_class = models.ForeignKey(TrainingClass, on_delete=models.CASCADE,
                                       related_name="enrolments", verbose_name="班次")
    teacher = models.ForeignKey("org.Teacher", on_delete=models.CASCADE,
                                related_name="enrolments", verbose_name="教师")
    status = models.CharField("状态", max_length=12, choices=EnrolmentStatus.choices)
    waitlist_position = models.PositiveIntegerField("候补序号", null=True, blank=True)
    source = models.CharField("方式", max_length=8, choices=EnrolmentSource.choices,
                              default=EnrolmentSource.SELF)
    created_at = models.DateTimeField("报名时间", auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                   on_delete=models.SET_NULL, related_name="+")
    note = models.CharField("说明", max_length=200, blank=True)
    # Staff kept this teacher although they no longer meet the program's audience rules: the
    # reasons at the time of the decision (training/audience_review.py). Reasons that differ
    # later (the rules changed again) ask again.
    kept_despite = models.TextField("确认保留时的不符合原因", blank=True)

    class Meta:
        ordering = ["training_class", "status", "waitlist_position", "pk"]
        verbose_name = verbose_name_plural = "报名"
        constraints = [
            models.UniqueConstraint(fields=["program", "teacher"],
                                    name="training_enrolment_unique"),
            models.UniqueConstraint(fields=["training_class", "waitlist_position"],
                                    condition=Q(status=EnrolmentStatus.WAITING),
                                    name="training_waitlist_unique_position"),
            models.CheckConstraint(
                condition=Q(status=EnrolmentStatus.WAITING, waitlist_position__isnull=False)
                | (~Q(status=EnrolmentStatus.WAITING) & Q(waitlist_position__isnull=True)),
                name="training_waitlist_position_iff_waiting"),
        ]
        indexes = [models.Index(fields=["teacher", "status"]),
                   models.Index(fields=["training_class", "status"])]

    def __str__(self) -> str:
        return f"{self.teacher_id} → {self.training_class_id} ({self.status})"


class Attendance(models.Model):
    """签到记录: at most one per session and teacher (a database constraint: two concurrent
    scans cannot make two). An enrolled teacher without one after the session is absent."""

    scope_paths = {"school": "teacher__school_id", "person": "teacher__user_id"}

    session = models.ForeignKey(TrainingSession, on_delete=models.CASCADE,
                                related_name="attendances", verbose_name="日程")
    teacher = models.ForeignKey("org.Teacher", on_delete=models.CASCADE,
                                related_name="attendances", verbose_name="教师")
    status = models.CharField("状态", max_length=8, choices=AttendanceStatus.choices)
    method = models.CharField("方式", max_length=8, choices=AttendanceMethod.choices)
    checked_in_at = models.DateTimeField("签到时间", null=True, blank=True)
    checked_out_at = models.DateTimeField("签退时间", null=True, blank=True)
    online_minutes = models.PositiveIntegerField("线上时长（分钟）", null=True, blank=True)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                    on_delete=models.SET_NULL, related_name="+")
    note = models.CharField("说明", max_length=200, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["session", "checked_in_at", "pk"]
        verbose_name = verbose_name_plural = "签到记录"
        constraints = [models.UniqueConstraint(fields=["session", "teacher"],
                                               name="training_attendance_unique")]

    def __str__(self) -> str:
        return f"{self.session_id}/{self.teacher_id}: {self.status}"


class ClaimRule(models.Model):
    """学时申报标准: what a kind of outside learning at a level is worth, and its cap per
    cycle (e.g. 区级公开课 6 学时, at most 18 per cycle). The center edits the table."""

    kind = models.CharField("类型", max_length=12, choices=ClaimKind.choices)
    level = models.CharField("层级", max_length=12, choices=ProgramLevel.choices)
    name = models.CharField("名称", max_length=50)
    hours = _hours("学时")
    per_day = models.BooleanField("按天计", default=False,
                                  help_text="勾选：学时为每天的学时，申报时填写天数（如外出培训）")
    cycle_cap = _hours("每周期上限（学时）", null=True, blank=True)
    category = models.ForeignKey(Category, on_delete=models.PROTECT, related_name="+",
                                 verbose_name="计入类别")
    is_active = models.BooleanField("在用", default=True)

    class Meta:
        ordering = ["kind", "level", "name"]
        verbose_name = verbose_name_plural = "学时申报标准"
        # 论文 has 发表 and 获奖 at one level: the name tells the rules of a kind and level apart.
        constraints = [models.UniqueConstraint(fields=["kind", "level", "name"],
                                               condition=Q(is_active=True),
                                               name="training_claim_rule_unique_active")]

    def __str__(self) -> str:
        return self.name


class HourClaim(models.Model):
    """学时申报 for learning outside Yanxun's programs: the teacher submits with evidence, the
    school approves, the center accredits (an HourRecord is then written)."""

    scope_paths = {"school": "teacher__school_id", "person": "teacher__user_id"}

    teacher = models.ForeignKey("org.Teacher", on_delete=models.CASCADE,
                                related_name="hour_claims", verbose_name="教师")
    rule = models.ForeignKey(ClaimRule, on_delete=models.PROTECT, related_name="claims",
                             verbose_name="申报类型")
    title = models.CharField("名称", max_length=200)
    happened_on = models.DateField("日期")
    days = models.PositiveSmallIntegerField("天数", null=True, blank=True,
                                            help_text="按天计学时的申报类型（外出培训）填写")
    description = models.TextField("说明", blank=True)
    status = models.CharField("状态", max_length=16, choices=ClaimStatus.choices,
                              default=ClaimStatus.SUBMITTED)
    hours = _hours("认定学时", null=True, blank=True)
    school_decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                          on_delete=models.SET_NULL, related_name="+")
    school_decided_at = models.DateTimeField(null=True, blank=True)
    center_decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                          on_delete=models.SET_NULL, related_name="+")
    center_decided_at = models.DateTimeField(null=True, blank=True)
    reason = models.CharField("审核意见", max_length=200, blank=True)
    created_at = models.DateTimeField("提交时间", auto_now_add=True)
    # A claim for an award recorded in Yanxun (review.Award): the record is the evidence.
    award = models.ForeignKey("review.Award", null=True, blank=True, on_delete=models.SET_NULL,
                              related_name="hour_claims", verbose_name="平台获奖记录")

    class Meta:
        ordering = ["-created_at"]
        verbose_name = verbose_name_plural = "学时申报"
        constraints = [models.UniqueConstraint(
            fields=["teacher", "award"], condition=Q(award__isnull=False),
            name="training_claim_once_per_award")]

    def __str__(self) -> str:
        return self.title


class ClaimEvidence(models.Model):
    """A file attached to a claim, checked by content on upload and served as a download."""

    claim = models.ForeignKey(HourClaim, on_delete=models.CASCADE, related_name="evidence")
    file = models.FileField("材料", upload_to="training/claims/%Y/")
    original_name = models.CharField("文件名", max_length=200)
    content_type = models.CharField(max_length=100)
    size = models.PositiveIntegerField()
    uploaded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = verbose_name_plural = "申报材料"

    def __str__(self) -> str:
        return self.original_name


class HourRecord(models.Model):
    """学时记录: accredited hours, the only record a ledger is computed from. Written by
    accreditation (a program's attendance, a presenter's sessions, an accredited claim, or by
    hand), never typed into a total."""

    scope_paths = {"school": "teacher__school_id", "person": "teacher__user_id"}

    teacher = models.ForeignKey("org.Teacher", on_delete=models.CASCADE,
                                related_name="hour_records", verbose_name="教师")
    year = models.PositiveSmallIntegerField("年度")
    earned_on = models.DateField("取得日期")
    hours = _hours("学时")
    category = models.ForeignKey(Category, on_delete=models.PROTECT, related_name="+",
                                 verbose_name="类别")
    level = models.CharField("层级", max_length=12, choices=ProgramLevel.choices)
    source = models.CharField("来源", max_length=12, choices=HourSource.choices)
    title = models.CharField("名称", max_length=200)
    program = models.ForeignKey(Program, null=True, blank=True, on_delete=models.PROTECT,
                                related_name="hour_records")
    claim = models.OneToOneField(HourClaim, null=True, blank=True, on_delete=models.PROTECT,
                                 related_name="hour_record")
    accredited_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                      on_delete=models.SET_NULL, related_name="+")
    accredited_at = models.DateTimeField("认定时间", auto_now_add=True)
    note = models.CharField("说明", max_length=200, blank=True)

    class Meta:
        ordering = ["teacher", "earned_on", "pk"]
        verbose_name = verbose_name_plural = "学时记录"
        constraints = [models.UniqueConstraint(
            fields=["teacher", "program", "source"], condition=Q(program__isnull=False),
            name="training_hours_once_per_program")]
        indexes = [models.Index(fields=["teacher", "year"])]

    def __str__(self) -> str:
        return f"{self.teacher_id} {self.year} {self.hours}"


class Certificate(models.Model):
    """培训证书 / 学时证明, with a serial number and a verification code anyone can check on
    the public verification page (which shows the name masked)."""

    scope_paths = {"school": "teacher__school_id", "person": "teacher__user_id"}

    kind = models.CharField("类型", max_length=8, choices=CertificateKind.choices)
    serial = models.CharField("证书编号", max_length=30, unique=True)
    verify_code = models.CharField("验证码", max_length=16, unique=True)
    teacher = models.ForeignKey("org.Teacher", on_delete=models.PROTECT,
                                related_name="certificates", verbose_name="教师")
    program = models.ForeignKey(Program, null=True, blank=True, on_delete=models.PROTECT,
                                related_name="certificates")
    title = models.CharField("名称", max_length=200)
    hours = _hours("学时")
    issued_on = models.DateField("发证日期")
    issued_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                                  related_name="+")
    revoked = models.BooleanField("已作废", default=False)

    class Meta:
        ordering = ["-issued_on", "serial"]
        verbose_name = verbose_name_plural = "证书"
        constraints = [models.UniqueConstraint(
            fields=["teacher", "program", "kind"], condition=Q(program__isnull=False, revoked=False),
            name="training_certificate_once_per_program")]

    def __str__(self) -> str:
        return self.serial


class HoursExportLayout(models.Model):
    """A column layout for exporting accredited hours to a provincial platform: a list of
    {"header": …, "field": …} the center arranges (fields listed in training.exports)."""

    name = models.CharField("名称", max_length=50, unique=True)
    columns = models.JSONField("列")
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = verbose_name_plural = "学时导出格式"

    def __str__(self) -> str:
        return self.name


class CertificateSerial(models.Model):
    """The running number of certificates issued in a year: taken with one UPDATE … SET
    last = last + n, so two concurrent issues never get the same number (the row is locked
    until the taker's transaction ends)."""

    year = models.PositiveSmallIntegerField("年份", unique=True)
    last = models.PositiveIntegerField("已用到", default=0)

    class Meta:
        verbose_name = verbose_name_plural = "证书编号"

    def __str__(self) -> str:
        return f"{self.year}: {self.last}"
