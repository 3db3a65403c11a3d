"""Exams, their students and scores (the record), and the stored results of an analysis
(derived: recomputed from the scores by services.exam_analyse, never edited).

Students are minors: names and 学籍号 are shown to center staff and to the student's own school
only (rules.VIEW_STUDENT_NAMES); every other view and export goes without them."""

from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models

from yanxun.org.enums import Stage
from yanxun.quality.enums import ExamKind, ExamStatus, ResultLevel, ScoreStatus

SHARE = [MinValueValidator(Decimal("0")), MaxValueValidator(Decimal("1"))]


def _share(label: str, default: str | None) -> models.DecimalField:
    return models.DecimalField(label, max_digits=5, decimal_places=4, validators=SHARE,
                               default=Decimal(default) if default else None,
                               null=default is None, blank=default is None)


class Exam(models.Model):
    name = models.CharField("考试名称", max_length=100)
    held_on = models.DateField("考试日期")
    grade = models.CharField("年级", max_length=20)
    stage = models.CharField("学段", max_length=16, choices=Stage.choices)
    kind = models.CharField("类型", max_length=16, choices=ExamKind.choices)
    excellent_line = _share("优秀线", "0.85")
    good_line = _share("良好线", "0.75")
    pass_line = _share("合格线", "0.60")
    low_line = _share("低分线", "0.40")
    band_width = _share("分数段宽度", "0.10")
    borderline_width = _share("临界生分数带", "0.05")
    top_n = models.CharField("前N名", max_length=100, default="10,50,100,500,1000")
    intake_exam = models.ForeignKey("self", verbose_name="入口考试（增值评价）", null=True,
                                    blank=True, on_delete=models.SET_NULL, related_name="+")
    status = models.CharField("状态", max_length=16, choices=ExamStatus.choices,
                              default=ExamStatus.DRAFT)
    status_note = models.CharField("状态说明", max_length=500, blank=True)
    progress_key = models.UUIDField("进度标识", null=True, blank=True, editable=False)
    analysed_at = models.DateTimeField("分析时间", null=True, blank=True)
    # Set when the retention rule (District.student_data_years) deleted the exam's students,
    # scores and item scores; the stored analysis stays, re-analysis is no longer possible.
    purged_at = models.DateTimeField("学生明细删除时间", null=True, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                                   related_name="+", verbose_name="创建人")
    created_at = models.DateTimeField("创建时间", auto_now_add=True)

    class Meta:
        ordering = ["-held_on", "-pk"]
        verbose_name = verbose_name_plural = "考试"

    def __str__(self) -> str:
        return self.name


class ExamSubject(models.Model):
    exam = models.ForeignKey(Exam, on_delete=models.CASCADE, related_name="subjects")
    name = models.CharField("科目", max_length=20)
    full_mark = models.DecimalField("满分", max_digits=6, decimal_places=2,
                                    validators=[MinValueValidator(Decimal("0.01"))])
    elective = models.BooleanField("选考科目", default=False)
    position = models.PositiveSmallIntegerField("顺序", default=0)
    # Lines of this subject when they differ from the exam's; empty: the exam's.
    excellent_line = _share("优秀线", None)
    good_line = _share("良好线", None)
    pass_line = _share("合格线", None)
    low_line = _share("低分线", None)

    class Meta:
        ordering = ["exam", "position"]
        constraints = [models.UniqueConstraint(fields=["exam", "name"],
                                               name="quality_subject_unique_name")]
        verbose_name = verbose_name_plural = "考试科目"

    def __str__(self) -> str:
        return self.name


class SchoolAlias(models.Model):
    """A school's name as exam files write it, mapped once and remembered for next time."""

    name = models.CharField("文件中的学校名", max_length=100, unique=True)
    school = models.ForeignKey("org.School", on_delete=models.CASCADE, related_name="aliases",
                               verbose_name="学校")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                                   related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = verbose_name_plural = "学校名称对照"

    def __str__(self) -> str:
        return f"{self.name} → {self.school}"


class ExamStudent(models.Model):
    scope_paths = {"school": "school_id"}

    exam = models.ForeignKey(Exam, on_delete=models.CASCADE, related_name="students")
    exam_no = models.CharField("考号", max_length=32)
    name = models.CharField("姓名", max_length=50)
    student_id = models.CharField("学籍号", max_length=32, blank=True)
    school = models.ForeignKey("org.School", on_delete=models.PROTECT, related_name="+")
    class_name = models.CharField("班级", max_length=50)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["exam", "exam_no"],
                                               name="quality_student_unique_exam_no")]
        indexes = [models.Index(fields=["exam", "school", "class_name"])]
        verbose_name = verbose_name_plural = "考生"

    def __str__(self) -> str:
        return f"{self.exam_no} {self.name}"


class Score(models.Model):
    """One student's result in one subject: points in hundredths (exact), or a status."""

    scope_paths = {"school": "student__school_id"}

    # No database foreign keys and no single-column indexes here (ADR 0009): a city exam writes
    # a million rows at once, and PostgreSQL's per-row FK checks took 16 of its 27 seconds.
    # Rows are written only by services.scores_write, with the ids of the students it has just
    # inserted in the same transaction, and deleted with them; the unique (student, subject)
    # index serves every lookup by student.
    student = models.ForeignKey(ExamStudent, on_delete=models.CASCADE, related_name="scores",
                                db_constraint=False, db_index=False)
    subject = models.ForeignKey(ExamSubject, on_delete=models.CASCADE, related_name="scores",
                                db_constraint=False, db_index=False)
    points = models.IntegerField("得分（百分之一分）", null=True, blank=True)
    status = models.PositiveSmallIntegerField("状态", choices=ScoreStatus.choices)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["student", "subject"], name="quality_score_unique"),
            models.CheckConstraint(
                condition=(models.Q(status=ScoreStatus.PRESENT, points__gte=0)
                           | (~models.Q(status=ScoreStatus.PRESENT)
                              & models.Q(points__isnull=True))),
                name="quality_score_points_iff_present"),
        ]
        verbose_name = verbose_name_plural = "成绩"

    def __str__(self) -> str:
        return f"{self.student_id}/{self.subject_id}: {self.points}"


class ClassTeacher(models.Model):
    """Who taught a class a subject: links results to teachers."""

    scope_paths = {"school": "school_id", "person": "teacher__user_id"}

    exam = models.ForeignKey(Exam, on_delete=models.CASCADE, related_name="class_teachers")
    school = models.ForeignKey("org.School", on_delete=models.CASCADE, related_name="+")
    class_name = models.CharField("班级", max_length=50)
    subject = models.ForeignKey(ExamSubject, on_delete=models.CASCADE, related_name="+")
    teacher = models.ForeignKey("org.Teacher", on_delete=models.CASCADE, related_name="+")

    class Meta:
        constraints = [models.UniqueConstraint(
            fields=["exam", "school", "class_name", "subject", "teacher"],
            name="quality_class_teacher_unique")]
        verbose_name = verbose_name_plural = "任课教师"

    def __str__(self) -> str:
        return f"{self.class_name} {self.subject_id} {self.teacher_id}"


class ExamItem(models.Model):
    """One item (小题) of a subject's paper, in the order of the item sheet, with its full mark."""

    exam = models.ForeignKey(Exam, on_delete=models.CASCADE, related_name="items")
    subject = models.ForeignKey(ExamSubject, on_delete=models.CASCADE, related_name="items")
    label = models.CharField("题号", max_length=20)
    position = models.PositiveSmallIntegerField("顺序")
    full_mark = models.DecimalField("满分", max_digits=6, decimal_places=2,
                                    validators=[MinValueValidator(Decimal("0.01"))])

    class Meta:
        ordering = ["subject", "position"]
        constraints = [
            models.UniqueConstraint(fields=["subject", "label"], name="quality_item_unique_label"),
            models.UniqueConstraint(fields=["subject", "position"],
                                    name="quality_item_unique_position"),
        ]
        verbose_name = verbose_name_plural = "小题"

    def __str__(self) -> str:
        return self.label


class ItemScores(models.Model):
    """One present student's item scores in one subject: a list in the order of the subject's
    items (ExamItem.position), each in hundredths of a point. One row per student and subject,
    not per item: a city exam with two item-scored subjects would otherwise write millions of
    rows. Students absent from the paper (or excluded: 作弊/违纪/免考) have no row."""

    scope_paths = {"school": "student__school_id"}

    # As Score (ADR 0009): written and deleted only with their students, in one transaction.
    student = models.ForeignKey(ExamStudent, on_delete=models.CASCADE, related_name="item_scores",
                                db_constraint=False, db_index=False)
    subject = models.ForeignKey(ExamSubject, on_delete=models.CASCADE, related_name="+",
                                db_constraint=False, db_index=False)
    points = models.JSONField("小题得分（百分之一分）")

    class Meta:
        constraints = [models.UniqueConstraint(fields=["student", "subject"],
                                               name="quality_item_scores_unique")]
        verbose_name = verbose_name_plural = "小题得分"

    def __str__(self) -> str:
        return f"{self.student_id}/{self.subject_id}"


class UnitResult(models.Model):
    """One row of an analysis: a subject (or 总分) at district, school or class level, its
    figures as the engine computed them (fractions, unrounded, null where undefined)."""

    scope_paths = {"school": "school_id"}

    exam = models.ForeignKey(Exam, on_delete=models.CASCADE, related_name="results")
    level = models.CharField(max_length=8, choices=ResultLevel.choices)
    school = models.ForeignKey("org.School", null=True, on_delete=models.CASCADE,
                               related_name="+")
    class_name = models.CharField(max_length=50, blank=True)
    subject = models.CharField(max_length=20)
    position = models.PositiveSmallIntegerField()  # the subject's place: file order, 总分 last
    figures = models.JSONField()

    class Meta:
        indexes = [models.Index(fields=["exam", "level", "school"])]
        constraints = [
            models.UniqueConstraint(fields=["exam", "level", "school", "class_name", "subject"],
                                    condition=models.Q(school__isnull=False),
                                    name="quality_result_unique"),
            models.UniqueConstraint(fields=["exam", "subject"],
                                    condition=models.Q(school__isnull=True),
                                    name="quality_result_unique_district"),
        ]

    def __str__(self) -> str:
        return f"{self.exam_id} {self.level} {self.school_id} {self.class_name} {self.subject}"


class ExamTable(models.Model):
    """The analysis' other tables (全科合格率, 前N名, 分数段, 临界生, 均衡), one row per school
    (school null: the district's rows), as lists of records."""

    scope_paths = {"school": "school_id"}

    exam = models.ForeignKey(Exam, on_delete=models.CASCADE, related_name="tables")
    name = models.CharField(max_length=32)
    school = models.ForeignKey("org.School", null=True, on_delete=models.CASCADE,
                               related_name="+")
    rows = models.JSONField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["exam", "name", "school"],
                                    condition=models.Q(school__isnull=False),
                                    name="quality_table_unique"),
            models.UniqueConstraint(fields=["exam", "name"], condition=models.Q(school__isnull=True),
                                    name="quality_table_unique_district"),
        ]

    def __str__(self) -> str:
        return f"{self.exam_id} {self.name} {self.school_id}"


class StudentResults(models.Model):
    """One school's student-level results of an analysis (quality.students): per student the
    ExamStudent id, 考号, class, elective combination, and per subject and 总分 the score,
    status, ranks in district and school, 临界生 lines (and for 总分 the rank within the
    combination), as an Arrow IPC table. No names and no 学籍号: those stay on ExamStudent.
    Derived (rebuilt by every analysis) and deleted by the retention rule. Binary rather than
    ExamTable's JSON: PostgreSQL took 8 s to parse a city exam's 5.7 million numbers into jsonb
    (ADR 0010)."""

    scope_paths = {"school": "school_id"}

    exam = models.ForeignKey(Exam, on_delete=models.CASCADE, related_name="student_results")
    school = models.ForeignKey("org.School", on_delete=models.CASCADE, related_name="+")
    students = models.PositiveIntegerField("学生数")
    data = models.BinaryField("数据（Arrow IPC，zstd 压缩）")

    class Meta:
        constraints = [models.UniqueConstraint(fields=["exam", "school"],
                                               name="quality_student_results_unique")]
        verbose_name = verbose_name_plural = "学生成绩明细"

    def __str__(self) -> str:
        return f"{self.exam_id} {self.school_id}: {self.students}"
