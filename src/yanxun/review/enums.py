"""Choices of the review engine. Statuses move only through review.workflow."""

from django.db import models


class CompetitionLevel(models.TextChoices):
    SCHOOL = "school", "校级"
    DISTRICT = "district", "区级"
    CITY = "city", "市级"
    PROVINCE = "province", "省级"
    NATIONAL = "national", "国家级"


class CompetitionStatus(models.TextChoices):
    DRAFT = "draft", "筹备中"
    OPEN = "open", "报名中"
    REVIEWING = "reviewing", "评审中"
    NOTICE = "notice", "公示中"
    PUBLISHED = "published", "已发布"
    CANCELLED = "cancelled", "已取消"


class FieldKind(models.TextChoices):
    """Kinds of field in a competition's entry form (Competition.entry_fields)."""

    TEXT = "text", "单行文字"
    TEXTAREA = "textarea", "多行文字"
    URL = "url", "链接"
    FILE = "file", "文件"


class EntryStatus(models.TextChoices):
    DRAFT = "draft", "草稿"
    SUBMITTED = "submitted", "待学校推荐"
    RETURNED = "returned", "退回修改"
    RECOMMENDED = "recommended", "待形式审查"
    NOT_RECOMMENDED = "not_recommended", "学校未推荐"
    ACCEPTED = "accepted", "审查通过"
    REJECTED = "rejected", "审查未通过"
    WITHDRAWN = "withdrawn", "已撤回"


class RoundKind(models.TextChoices):
    ONLINE = "online", "网络评审"
    LIVE = "live", "现场评审"


class RoundStatus(models.TextChoices):
    SETUP = "setup", "准备中"
    SCORING = "scoring", "评分中"
    CLOSED = "closed", "评分结束"
    FINALISED = "finalised", "结果已确定"


class PeerVisibility(models.TextChoices):
    NEVER = "never", "不可见"
    AFTER_SUBMIT = "after_submit", "提交本人评分后可见"
    ALWAYS = "always", "始终可见"


class AggregationMethod(models.TextChoices):
    """The names are those of review.aggregate.Method (and `yanxun review aggregate`)."""

    MEAN = "mean", "平均分"
    TRIMMED = "trimmed", "去掉最高最低分后平均"
    ZSCORE = "zscore", "按评委标准化（Z 分数）"


class RelationKind(models.TextChoices):
    MENTOR = "mentor", "师徒"
    STUDIO = "studio", "同一工作室"
    FAMILY = "family", "亲属"
    OTHER = "other", "其他利害关系"


class PairRuleKind(models.TextChoices):
    PIN = "pin", "指定"
    FORBID = "forbid", "回避"


class AssignmentSource(models.TextChoices):
    AUTO = "auto", "自动分配"
    PINNED = "pinned", "指定"
    MANUAL = "manual", "人工调整"


class ScoreStatus(models.TextChoices):
    DRAFT = "draft", "暂存"
    SUBMITTED = "submitted", "已提交"
    ABSTAINED = "abstained", "回避/弃评"


class AwardMethod(models.TextChoices):
    QUOTA = "quota", "按比例"
    BANDS = "bands", "按分数段"


class NoticeStatus(models.TextChoices):
    OPEN = "open", "公示中"
    CLOSED = "closed", "公示结束"
    WITHDRAWN = "withdrawn", "已撤回"


class ObjectionStatus(models.TextChoices):
    SUBMITTED = "submitted", "待答复"
    UPHELD = "upheld", "异议成立"
    DISMISSED = "dismissed", "异议不成立"


class FlagKind(models.TextChoices):
    """Flags of a round's results that staff acknowledge before release (review.results)."""

    JUDGE = "judge", "评委评分异常"
    ZSCORE = "zscore", "评委评分无法标准化"
    SPREAD = "spread", "作品评分分歧大"
