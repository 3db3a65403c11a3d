"""评审与评比: competitions with groups and an entry form, entries with their authors and files,
rounds whose switches live in the data (blind, peer visibility, abstention, aggregation),
rubrics, judges with declared relations, pinned/forbidden pairs, assignments, scores, awards,
public notices and objections.

Derived numbers are not stored: an entry's final and rank are computed from the submitted
Scores of the round (review.aggregate), the end of a notice period from the work calendar.
What is stored is what people decided: a score, an award, an answer to an objection.
Statuses move only through review.workflow (one transition function per workflow)."""

from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Q

from yanxun.review.enums import (
    AggregationMethod,
    AssignmentSource,
    AwardMethod,
    CompetitionLevel,
    CompetitionStatus,
    EntryStatus,
    FlagKind,
    NoticeStatus,
    ObjectionStatus,
    PairRuleKind,
    PeerVisibility,
    RelationKind,
    RoundKind,
    RoundStatus,
    ScoreStatus,
)

POSITIVE = [MinValueValidator(Decimal("0"))]
USER = settings.AUTH_USER_MODEL


class Competition(models.Model):
    """评比活动. `entry_fields` is the entry form: a list of
    {"key": "video", "label": "课堂实录链接", "kind": "url"|"text"|"textarea"|"file",
     "required": true, "identifying": false, "help": ""}; fields marked identifying are
    hidden from judges in blind rounds, like the authors' names and school.
    `award_tiers` says how awards are given within each group: with award_method "quota",
    [{"name": "一等奖", "share": "0.10"}, …] (shares of the group's ranked entries, in order);
    with "bands", [{"name": "一等奖", "min_score": "90"}, …]."""

    name = models.CharField("活动名称", max_length=100)
    year = models.PositiveSmallIntegerField("年度")
    level = models.CharField("级别", max_length=10, choices=CompetitionLevel.choices,
                             default=CompetitionLevel.DISTRICT)
    organiser = models.CharField("主办单位", max_length=100)
    description = models.TextField("活动通知/说明", blank=True)
    entry_fields = models.JSONField("参评材料要求", default=list, blank=True)
    quota_per_school = models.PositiveSmallIntegerField(
        "每校每组推荐上限", default=2, validators=[MinValueValidator(1)],
        help_text="组别可单独设置")
    entry_opens = models.DateTimeField("报名开始", null=True, blank=True)
    entry_closes = models.DateTimeField("报名截止", null=True, blank=True)
    recommend_closes = models.DateTimeField("学校推荐截止", null=True, blank=True)
    award_method = models.CharField("评奖方式", max_length=8, choices=AwardMethod.choices,
                                    default=AwardMethod.QUOTA)
    award_tiers = models.JSONField("奖项设置", default=list, blank=True)
    seal_image = models.FileField("证书印章图片", upload_to="review/seal/", blank=True,
                                  help_text="为空则用师干训证书的印章")
    status = models.CharField("状态", max_length=12, choices=CompetitionStatus.choices,
                              default=CompetitionStatus.DRAFT)
    created_by = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="+",
                                   verbose_name="创建人")
    created_at = models.DateTimeField("创建时间", auto_now_add=True)

    class Meta:
        ordering = ["-year", "-created_at"]
        verbose_name = verbose_name_plural = "评比活动"
        constraints = [
            models.UniqueConstraint(fields=["year", "name"], name="review_competition_unique"),
            models.CheckConstraint(
                condition=Q(entry_opens__isnull=True) | Q(entry_closes__isnull=True)
                | Q(entry_opens__lt=F("entry_closes")),
                name="review_competition_window_order"),
        ]

    def __str__(self) -> str:
        return self.name


class CompetitionGroup(models.Model):
    """组别 (e.g. 初中数学组): entries compete, are ranked and awarded within their group."""

    competition = models.ForeignKey(Competition, on_delete=models.CASCADE,
                                    related_name="groups", verbose_name="评比活动")
    name = models.CharField("组别", max_length=50)
    stage = models.CharField("学段", max_length=16, blank=True)
    subject = models.ForeignKey("org.Subject", null=True, blank=True, on_delete=models.PROTECT,
                                related_name="+", verbose_name="学科")
    quota_per_school = models.PositiveSmallIntegerField(
        "每校推荐上限", null=True, blank=True, help_text="为空则用活动的设置")
    position = models.PositiveSmallIntegerField("顺序", default=0)
    # The first letter(s) of its entries' codes ("A" → A0001, A0002 …), given when the group
    # is created (or at its first code), and the last number used: codes are taken with one
    # UPDATE … SET last_code = last_code + 1 on this row (review.entries.allocate_code).
    code_prefix = models.CharField("作品编号字母", max_length=2, blank=True)
    last_code = models.PositiveIntegerField("已用编号", default=0)

    class Meta:
        ordering = ["competition", "position", "pk"]
        verbose_name = verbose_name_plural = "组别"
        constraints = [
            models.UniqueConstraint(fields=["competition", "name"],
                                    name="review_group_unique_name"),
            models.UniqueConstraint(fields=["competition", "code_prefix"],
                                    condition=~Q(code_prefix=""),
                                    name="review_group_code_prefix"),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def quota(self) -> int:
        return self.quota_per_school or self.competition.quota_per_school


class Entry(models.Model):
    """参评作品: one submission to a group, by a lead author (the teacher who submits) and any
    co-authors. `school` is the lead author's school when submitted (quota and conflicts use
    it, so a later transfer does not move the entry). `code` is the anonymous number judges
    see in blind rounds (e.g. "A0037"), unique within the competition, given at the first
    submission (a draft's code is empty)."""

    scope_paths = {"school": "school_id", "person": "teacher__user_id"}

    competition = models.ForeignKey(Competition, on_delete=models.CASCADE,
                                    related_name="entries", verbose_name="评比活动")
    group = models.ForeignKey(CompetitionGroup, on_delete=models.PROTECT,
                              related_name="entries", verbose_name="组别")
    code = models.CharField("作品编号", max_length=12, blank=True)
    title = models.CharField("作品名称", max_length=200)
    teacher = models.ForeignKey("org.Teacher", on_delete=models.PROTECT,
                                related_name="review_entries", verbose_name="第一作者")
    co_authors = models.ManyToManyField("org.Teacher", blank=True, related_name="+",
                                        verbose_name="其他作者")
    school = models.ForeignKey("org.School", on_delete=models.PROTECT, related_name="+",
                               verbose_name="学校")
    form_data = models.JSONField("填报内容", default=dict, blank=True)
    status = models.CharField("状态", max_length=16, choices=EntryStatus.choices,
                              default=EntryStatus.DRAFT)
    status_reason = models.CharField("退回/不通过原因", max_length=300, blank=True)
    submitted_at = models.DateTimeField("提交时间", null=True, blank=True)
    recommended_by = models.ForeignKey(USER, null=True, blank=True, on_delete=models.SET_NULL,
                                       related_name="+", verbose_name="推荐人")
    recommended_at = models.DateTimeField("推荐时间", null=True, blank=True)
    checked_by = models.ForeignKey(USER, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+", verbose_name="形式审查人")
    checked_at = models.DateTimeField("审查时间", null=True, blank=True)
    created_at = models.DateTimeField("创建时间", auto_now_add=True)
    updated_at = models.DateTimeField("更新时间", auto_now=True)

    class Meta:
        ordering = ["competition", "group", "code"]
        verbose_name = verbose_name_plural = "参评作品"
        constraints = [
            # A draft has no code yet (""): codes are given at the first submission.
            models.UniqueConstraint(fields=["competition", "code"], condition=~Q(code=""),
                                    name="review_entry_code"),
        ]
        indexes = [models.Index(fields=["competition", "status"]),
                   models.Index(fields=["group", "school", "status"])]

    def __str__(self) -> str:
        return f"{self.code} {self.title}"


class EntryFile(models.Model):
    """A file of an entry's form (field `field_key`), checked by content on upload. Served to
    judges as "<entry code>-<field label>.<ext>" with no author name (blind rounds)."""

    entry = models.ForeignKey(Entry, on_delete=models.CASCADE, related_name="files")
    field_key = models.CharField("材料项", max_length=30)
    file = models.FileField("文件", upload_to="review/entries/%Y/")
    original_name = models.CharField("原文件名", max_length=200)
    content_type = models.CharField(max_length=100)
    size = models.PositiveIntegerField()
    sha256 = models.CharField(max_length=64)
    uploaded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["entry", "field_key", "pk"]
        verbose_name = verbose_name_plural = "作品材料"

    def __str__(self) -> str:
        return self.original_name


class Rubric(models.Model):
    """评价量表: weighted items; an item's weight is its full score (教学目标 10, …), the
    rubric's full score their sum. `step` is 1 (whole points) or 0.5 (half points).
    Templates (is_template) are copied into a round, so editing a template never changes a
    round that is being scored."""

    name = models.CharField("量表名称", max_length=100)
    step = models.DecimalField("评分步长", max_digits=3, decimal_places=1,
                               default=Decimal("1"),
                               choices=[(Decimal("1"), "整数分"), (Decimal("0.5"), "半分")])
    description = models.TextField("说明", blank=True)
    is_template = models.BooleanField("模板", default=False)
    created_by = models.ForeignKey(USER, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-is_template", "name", "pk"]
        verbose_name = verbose_name_plural = "评价量表"

    def __str__(self) -> str:
        return self.name


class RubricItem(models.Model):
    rubric = models.ForeignKey(Rubric, on_delete=models.CASCADE, related_name="items")
    name = models.CharField("评价项目", max_length=50)
    max_score = models.DecimalField("分值", max_digits=5, decimal_places=1,
                                    validators=[MinValueValidator(Decimal("0.5"))])
    descriptor = models.TextField("评分要点", blank=True)
    position = models.PositiveSmallIntegerField("顺序", default=0)

    class Meta:
        ordering = ["rubric", "position", "pk"]
        verbose_name = verbose_name_plural = "评价项目"
        constraints = [models.UniqueConstraint(fields=["rubric", "name"],
                                               name="review_rubric_item_unique")]

    def __str__(self) -> str:
        return f"{self.name}（{self.max_score}）"


class Round(models.Model):
    """轮次 (初评 online, 复评 live …). Everything that differs between panels is a field here:
    which entries (RoundEntry), which judges (RoundJudge), the rubric, k judges per entry,
    the scoring window, blind or not, whether judges see each other's scores, whether a judge
    may abstain, and the aggregation method. The same engine serves research-project reviews
    (a later module) through the same fields."""

    competition = models.ForeignKey(Competition, on_delete=models.CASCADE,
                                    related_name="rounds", verbose_name="评比活动")
    name = models.CharField("轮次", max_length=50)
    kind = models.CharField("方式", max_length=8, choices=RoundKind.choices,
                            default=RoundKind.ONLINE)
    position = models.PositiveSmallIntegerField("顺序", default=1)
    rubric = models.ForeignKey(Rubric, on_delete=models.PROTECT, related_name="rounds",
                               verbose_name="评价量表")
    judges_per_entry = models.PositiveSmallIntegerField(
        "每件作品评委数", default=3, validators=[MinValueValidator(1), MaxValueValidator(15)])
    opens_at = models.DateTimeField("评分开始")
    closes_at = models.DateTimeField("评分截止")
    blind = models.BooleanField("匿名评审", default=True,
                                help_text="评委看不到作者姓名、学校和标记为身份信息的材料项")
    peer_visibility = models.CharField("评委互看评分", max_length=14,
                                       choices=PeerVisibility.choices,
                                       default=PeerVisibility.NEVER)
    allow_abstain = models.BooleanField("允许评委回避/弃评", default=True)
    method = models.CharField("计分方法", max_length=8, choices=AggregationMethod.choices,
                              default=AggregationMethod.MEAN)
    trim_min = models.PositiveSmallIntegerField(
        "去掉最高最低分的最少评分数", default=5, validators=[MinValueValidator(3)])
    tie_break_item = models.ForeignKey(RubricItem, null=True, blank=True,
                                       on_delete=models.SET_NULL, related_name="+",
                                       verbose_name="同分时比较的评价项目")
    max_spread = models.DecimalField("评分极差预警线", max_digits=5, decimal_places=1,
                                     null=True, blank=True,
                                     help_text="为空则按本轮评分分布自动确定")
    status = models.CharField("状态", max_length=10, choices=RoundStatus.choices,
                              default=RoundStatus.SETUP)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["competition", "position", "pk"]
        verbose_name = verbose_name_plural = "评审轮次"
        constraints = [
            models.UniqueConstraint(fields=["competition", "position"],
                                    name="review_round_position"),
            models.CheckConstraint(condition=Q(opens_at__lt=F("closes_at")),
                                   name="review_round_window_order"),
        ]

    def __str__(self) -> str:
        return f"{self.competition} {self.name}"


class RoundEntry(models.Model):
    """An entry taking part in a round (初评: all accepted entries; 复评: those advanced)."""

    round = models.ForeignKey(Round, on_delete=models.CASCADE, related_name="round_entries")
    entry = models.ForeignKey(Entry, on_delete=models.CASCADE, related_name="round_entries")

    class Meta:
        ordering = ["round", "entry"]
        verbose_name = verbose_name_plural = "轮次作品"
        constraints = [models.UniqueConstraint(fields=["round", "entry"],
                                               name="review_round_entry_unique")]

    def __str__(self) -> str:
        return f"{self.round_id}/{self.entry_id}"


class RoundJudge(models.Model):
    """A judge on a round's panel. Outside experts get a temporary account whose judge role
    (accounts.RoleAssignment.expires_at) ends after the round; `affiliation` names their unit
    when they have no teacher record in the district."""

    round = models.ForeignKey(Round, on_delete=models.CASCADE, related_name="panel")
    judge = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="review_panels",
                              verbose_name="评委")
    is_leader = models.BooleanField("评委组长", default=False)
    affiliation = models.CharField("工作单位", max_length=100, blank=True)

    class Meta:
        ordering = ["round", "-is_leader", "pk"]
        verbose_name = verbose_name_plural = "评委"
        constraints = [models.UniqueConstraint(fields=["round", "judge"],
                                               name="review_round_judge_unique")]

    def __str__(self) -> str:
        return f"{self.round_id}/{self.judge_id}"


class Relation(models.Model):
    """A declared relation (师徒, 同一工作室, 亲属 …) between a person who may judge and a
    teacher: the judge never scores that teacher's entries. District-wide, so research
    reviews and later competitions reuse the declarations."""

    judge = models.ForeignKey(USER, on_delete=models.CASCADE, related_name="review_relations",
                              verbose_name="评委")
    teacher = models.ForeignKey("org.Teacher", on_delete=models.CASCADE, related_name="+",
                                verbose_name="教师")
    kind = models.CharField("关系", max_length=8, choices=RelationKind.choices)
    note = models.CharField("说明", max_length=200, blank=True)
    declared_by = models.ForeignKey(USER, null=True, blank=True, on_delete=models.SET_NULL,
                                    related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = verbose_name_plural = "回避关系"
        constraints = [models.UniqueConstraint(fields=["judge", "teacher", "kind"],
                                               name="review_relation_unique")]

    def __str__(self) -> str:
        return f"{self.judge_id}~{self.teacher_id} {self.kind}"


class PairRule(models.Model):
    """Staff's decision before assignment runs: this judge must (pin) or must not (forbid)
    score this entry in this round."""

    round = models.ForeignKey(Round, on_delete=models.CASCADE, related_name="pair_rules")
    judge = models.ForeignKey(USER, on_delete=models.CASCADE, related_name="+")
    entry = models.ForeignKey(Entry, on_delete=models.CASCADE, related_name="+")
    kind = models.CharField("类型", max_length=8, choices=PairRuleKind.choices)
    reason = models.CharField("原因", max_length=200, blank=True)
    created_by = models.ForeignKey(USER, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = verbose_name_plural = "指定与回避"
        constraints = [models.UniqueConstraint(fields=["round", "judge", "entry"],
                                               name="review_pair_rule_unique")]

    def __str__(self) -> str:
        return f"{self.round_id}: {self.judge_id}-{self.entry_id} {self.kind}"


class Assignment(models.Model):
    """A judge is to score an entry in a round. Written by the assignment run (review.
    assignment) or by staff adjusting it; every change audited."""

    round = models.ForeignKey(Round, on_delete=models.CASCADE, related_name="assignments")
    judge = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="review_assignments")
    entry = models.ForeignKey(Entry, on_delete=models.CASCADE, related_name="assignments")
    source = models.CharField("来源", max_length=8, choices=AssignmentSource.choices,
                              default=AssignmentSource.AUTO)
    position = models.PositiveIntegerField("评审顺序", default=0,
                                           help_text="评委“保存并下一件”的顺序")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["round", "judge", "position", "pk"]
        verbose_name = verbose_name_plural = "评审分配"
        constraints = [models.UniqueConstraint(fields=["round", "judge", "entry"],
                                               name="review_assignment_unique")]
        indexes = [models.Index(fields=["round", "entry"])]

    def __str__(self) -> str:
        return f"{self.round_id}: {self.judge_id}→{self.entry_id}"


class Score(models.Model):
    """A judge's score of one assigned entry: the item scores (`items`: {rubric item pk as
    text: "8.5"}), their sum `total` (written with the items by review services, never
    typed), a comment. One per assignment (a database constraint: a second submission cannot
    create a second score). Submitted scores are reopened only by staff, with a reason."""

    assignment = models.OneToOneField(Assignment, on_delete=models.CASCADE,
                                      related_name="score")
    items = models.JSONField("分项得分", default=dict)
    total = models.DecimalField("总分", max_digits=6, decimal_places=1, null=True, blank=True,
                                validators=POSITIVE)
    comment = models.TextField("评语", blank=True)
    status = models.CharField("状态", max_length=10, choices=ScoreStatus.choices,
                              default=ScoreStatus.DRAFT)
    submitted_at = models.DateTimeField("提交时间", null=True, blank=True)
    updated_at = models.DateTimeField("更新时间", auto_now=True)

    class Meta:
        verbose_name = verbose_name_plural = "评分"
        constraints = [
            models.CheckConstraint(
                condition=~Q(status=ScoreStatus.SUBMITTED) | Q(total__isnull=False),
                name="review_submitted_score_has_total"),
        ]

    def __str__(self) -> str:
        return f"{self.assignment_id}: {self.total} ({self.status})"


class Award(models.Model):
    """一/二/三等奖, 优秀奖 given to an entry when results are confirmed: the decision is
    stored (with the final and rank it rested on) so that the growth record and the hours
    rules of training can read it. Certificates carry `serial` and `verify_code`."""

    competition = models.ForeignKey(Competition, on_delete=models.CASCADE,
                                    related_name="awards")
    entry = models.OneToOneField(Entry, on_delete=models.CASCADE, related_name="award")
    tier = models.CharField("奖项", max_length=20)
    tier_order = models.PositiveSmallIntegerField("奖项等次", help_text="1 为最高")
    final = models.DecimalField("最终得分", max_digits=8, decimal_places=4)
    rank = models.PositiveIntegerField("组内名次")
    serial = models.CharField("证书编号", max_length=30, unique=True, null=True, blank=True)
    verify_code = models.CharField("验证码", max_length=16, unique=True, null=True,
                                   blank=True)
    decided_by = models.ForeignKey(USER, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+")
    decided_at = models.DateTimeField(auto_now_add=True)
    certified_on = models.DateField("发证日期", null=True, blank=True)
    revoked = models.BooleanField("已撤销", default=False)

    class Meta:
        ordering = ["competition", "entry__group", "tier_order", "rank"]
        verbose_name = verbose_name_plural = "获奖"

    def __str__(self) -> str:
        return f"{self.entry_id} {self.tier}"


class PublicNotice(models.Model):
    """公示: the list of results shown publicly for `working_days` working days from
    `starts_on` (the work calendar decides which days count); `ends_on` is computed when the
    notice is published and stored with it, as printed on the notice."""

    competition = models.ForeignKey(Competition, on_delete=models.CASCADE,
                                    related_name="notices")
    title = models.CharField("标题", max_length=150)
    body = models.TextField("公示说明", blank=True)
    starts_on = models.DateField("公示开始")
    working_days = models.PositiveSmallIntegerField(
        "公示期（工作日）", default=5, validators=[MinValueValidator(1), MaxValueValidator(30)])
    ends_on = models.DateField("公示截止（含）")
    contact = models.CharField("异议受理联系方式", max_length=200)
    token = models.CharField("公开链接标识", max_length=32, unique=True)
    status = models.CharField("状态", max_length=10, choices=NoticeStatus.choices,
                              default=NoticeStatus.OPEN)
    published_by = models.ForeignKey(USER, null=True, blank=True, on_delete=models.SET_NULL,
                                     related_name="+")
    published_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-published_at"]
        verbose_name = verbose_name_plural = "公示"
        constraints = [
            models.UniqueConstraint(fields=["competition"], condition=Q(status="open"),
                                    name="review_one_open_notice"),
            models.CheckConstraint(condition=Q(starts_on__lte=F("ends_on")),
                                   name="review_notice_period_order"),
        ]

    def __str__(self) -> str:
        return self.title


class Objection(models.Model):
    """异议/申诉 against a notice (optionally about one entry), filed by a named, logged-in
    person with reasons and evidence; staff answer it and the answer is recorded."""

    notice = models.ForeignKey(PublicNotice, on_delete=models.CASCADE,
                               related_name="objections")
    entry = models.ForeignKey(Entry, null=True, blank=True, on_delete=models.SET_NULL,
                              related_name="objections", verbose_name="涉及作品")
    filed_by = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="+",
                                 verbose_name="提出人")
    contact_phone = models.CharField("联系电话", max_length=11, blank=True)
    reason = models.TextField("异议内容")
    status = models.CharField("状态", max_length=10, choices=ObjectionStatus.choices,
                              default=ObjectionStatus.SUBMITTED)
    answer = models.TextField("答复", blank=True)
    answered_by = models.ForeignKey(USER, null=True, blank=True, on_delete=models.SET_NULL,
                                    related_name="+")
    answered_at = models.DateTimeField("答复时间", null=True, blank=True)
    created_at = models.DateTimeField("提出时间", auto_now_add=True)

    scope_paths = {"person": "filed_by_id"}

    class Meta:
        ordering = ["-created_at"]
        verbose_name = verbose_name_plural = "异议"
        constraints = [
            models.CheckConstraint(
                condition=Q(status=ObjectionStatus.SUBMITTED) | ~Q(answer=""),
                name="review_answered_objection_has_answer"),
        ]

    def __str__(self) -> str:
        return f"异议 {self.pk}"


class ObjectionEvidence(models.Model):
    objection = models.ForeignKey(Objection, on_delete=models.CASCADE, related_name="evidence")
    file = models.FileField("材料", upload_to="review/objections/%Y/")
    original_name = models.CharField("文件名", max_length=200)
    content_type = models.CharField(max_length=100)
    size = models.PositiveIntegerField()
    uploaded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = verbose_name_plural = "异议材料"

    def __str__(self) -> str:
        return self.original_name


class AwardSerial(models.Model):
    """The running number of award certificates per year, taken with one
    UPDATE … SET last = last + n (see training.CertificateSerial for the same pattern)."""

    year = models.PositiveSmallIntegerField("年份", unique=True)
    last = models.PositiveIntegerField("已用到", default=0)

    class Meta:
        verbose_name = verbose_name_plural = "获奖证书编号"

    def __str__(self) -> str:
        return f"{self.year}: {self.last}"


class FlagAck(models.Model):
    """Staff's acknowledgement of a flag of a round's results (an outlier judge, a judge whose
    scores could not be standardised, an entry whose scores spread widely), with a note. A
    round's results are released (finalised) only when every current flag is acknowledged.
    `object_id` is the judge's user pk or the entry's pk, by `kind`."""

    round = models.ForeignKey(Round, on_delete=models.CASCADE, related_name="flag_acks")
    kind = models.CharField("类型", max_length=8, choices=FlagKind.choices)
    object_id = models.PositiveBigIntegerField()
    note = models.CharField("处理说明", max_length=300)
    acknowledged_by = models.ForeignKey(USER, null=True, on_delete=models.SET_NULL,
                                        related_name="+")
    acknowledged_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["round", "kind", "object_id"]
        verbose_name = verbose_name_plural = "预警处理"
        constraints = [models.UniqueConstraint(fields=["round", "kind", "object_id"],
                                               name="review_flag_ack_unique")]

    def __str__(self) -> str:
        return f"{self.round_id}/{self.kind}/{self.object_id}"
