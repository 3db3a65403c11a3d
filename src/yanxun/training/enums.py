from django.db import models


class ProgramLevel(models.TextChoices):
    """From the top down; `rank` compares levels ("区级及以上")."""

    NATIONAL = "national", "国培"
    PROVINCE = "province", "省培"
    CITY = "city", "市培"
    DISTRICT = "district", "区培"
    SCHOOL = "school", "校本"

    @classmethod
    def rank(cls, value: str) -> int:
        """5 for 国培 … 1 for 校本: higher is a higher level."""
        return len(cls.values) - cls.values.index(value)


class ProgramStatus(models.TextChoices):
    """A program's life; moves only through services.program_transition."""

    DRAFT = "draft", "草稿"
    PUBLISHED = "published", "报名中"
    CLOSED = "closed", "报名结束"
    FINISHED = "finished", "已结束"
    CANCELLED = "cancelled", "已取消"


class EnrolmentStatus(models.TextChoices):
    """Moves only through services.enrolment_transition."""

    PENDING = "pending", "待学校审核"
    ENROLLED = "enrolled", "已录取"
    WAITING = "waiting", "候补"
    WITHDRAWN = "withdrawn", "已退出"
    REJECTED = "rejected", "未通过"


class EnrolmentSource(models.TextChoices):
    SELF = "self", "本人报名"
    STAFF = "staff", "统一报名"
    IMPORT = "import", "名单导入"


class AttendanceStatus(models.TextChoices):
    PRESENT = "present", "出勤"
    LATE = "late", "迟到"
    LEAVE = "leave", "请假"
    ABSENT = "absent", "缺勤"


class AttendanceMethod(models.TextChoices):
    QR = "qr", "扫码签到"
    CODE = "code", "签到码"
    MANUAL = "manual", "人工标记"
    IMPORT = "import", "表格导入"
    ONLINE = "online", "线上会议导入"


class HourSource(models.TextChoices):
    """Where a 学时 record comes from."""

    PROGRAM = "program", "参训"
    PRESENTER = "presenter", "授课"
    CLAIM = "claim", "学时申报"
    MANUAL = "manual", "人工认定"


class ClaimKind(models.TextChoices):
    EXTERNAL = "external", "外出培训"
    OPEN_LESSON = "open_lesson", "公开课/示范课"
    PROJECT = "project", "课题"
    PAPER = "paper", "论文"
    AWARD = "award", "竞赛获奖"
    OUTREACH = "outreach", "送教"


class ClaimStatus(models.TextChoices):
    """Moves only through services.claim_transition: teacher submits, school approves,
    center accredits."""

    SUBMITTED = "submitted", "待学校审核"
    SCHOOL_APPROVED = "school_approved", "待中心认定"
    ACCREDITED = "accredited", "已认定"
    RETURNED = "returned", "退回修改"
    REJECTED = "rejected", "不予认定"


class CertificateKind(models.TextChoices):
    PROGRAM = "program", "培训证书"
    HOURS = "hours", "学时证明"


class RequirementUnit(models.TextChoices):
    HOURS = "hours", "学时"
    CREDITS = "credits", "学分"
