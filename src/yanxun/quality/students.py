"""Student-level results of an analysed exam, stored for the student pages and exports, and
the bottom 20 % of each school followed from the intake exam.

`student_results_store` runs at the end of every analysis (services.exam_analyse). It stores
one `StudentResults` row per school: an Arrow IPC table with a row per student, keyed by the
ExamStudent id, with no name and no 学籍号 (those are read from ExamStudent when a page or
export is shown to someone allowed to see them). Columns: id, exam_no, class, combination
(the elective subjects taken, e.g. 物理+化学; null without electives), then for every subject
and 总分 `<subject>:points` (hundredths, null without a score), `<subject>:status` (ScoreStatus;
for 总分 0 with a 总分, 1 without), `<subject>:rank_district`, `<subject>:rank_school`,
`<subject>:near` (临界生 lines as NEAR_BITS), and `总分:rank_combination` (the rank within the
student's combination; null without electives). Ranks use the min method (1, 2, 2, 4).

With an intake exam it also stores the ExamTable "bottom_followup" (aggregates only: per
intake school, and the district under school null), from followup.bottom_followup.

The retention rule (quality.retention) deletes StudentResults (and any ExamTable named in
STUDENT_TABLES) with the exam's students; the aggregate tables stay.
"""

from __future__ import annotations

import hashlib
import hmac
import io
from dataclasses import dataclass
from fractions import Fraction

import polars as pl
from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.http import Http404

from yanxun.core.enums import DataScope
from yanxun.core.permissions import best_scope, has_perm, scoped
from yanxun.org.models import School
from yanxun.quality import engine, followup, rules
from yanxun.quality.models import ClassTeacher, Exam, ExamStudent, ExamTable, StudentResults

BOTTOM_FOLLOWUP = "bottom_followup"
# ExamTable names holding a record per student, deleted by the retention rule with the
# StudentResults rows (none yet: a module that adds one names it here).
STUDENT_TABLES: tuple[str, ...] = ()
FIELDS = ("points", "status", "rank_district", "rank_school", "near")
NEAR_BITS = {"excellent": 1, "good": 2, "pass": 4}
BOTTOM_SHARE = Fraction(1, 5)


# ---------------------------------------------------------------------------------------
# Building the records (Polars, no database)
# ---------------------------------------------------------------------------------------


def _units(spec: engine.ExamSpec) -> list[tuple[str, pl.Expr, pl.Expr, dict]]:
    """Per subject, then 总分: name, points, status and the line thresholds (hundredths)."""
    width = spec.borderline_width
    units = [(s.name, pl.col(s.name), pl.col(engine.status_column(s.name)).cast(pl.Int64),
              engine.line_thresholds(spec.lines_for(s), width, s.full)) for s in spec.subjects]
    units.append((engine.TOTAL, pl.col("total"),
                  pl.when(pl.col("has_total")).then(0).otherwise(1).cast(pl.Int64),
                  engine.line_thresholds(spec.lines, width, pl.col("total_full"))))
    return units


def _near(score: pl.Expr, thresholds: dict) -> pl.Expr:
    """The NEAR_BITS of the lines the score is within the 临界生 band below (0 for none)."""
    bits = [pl.when((score >= thresholds[f"b_{line}"]) & (score < thresholds[f"t_{line}"]))
            .then(bit).otherwise(0) for line, bit in NEAR_BITS.items()]
    return pl.sum_horizontal(bits).cast(pl.Int64).fill_null(0)


def student_frame(analysis: engine.Analysis, ids: pl.DataFrame) -> pl.DataFrame:
    """One row per student (the columns of the module doc, plus school_id: the engine's school
    label as an integer), in school and class order. `ids`: 考号, id (ExamStudent).

    Computed on the students frame (every subject side by side): ranks by Polars' rank (min
    method) over the district, the school and, for 总分, the elective combination — the same
    figures as followup.student_ranks (tests compare them), in a fraction of its time."""
    spec = analysis.spec
    columns = {}
    for name, score, status, thresholds in _units(spec):
        ranked = score.rank("min", descending=True).cast(pl.Int32)
        columns |= {f"{name}:points": score.cast(pl.Int32), f"{name}:status": status.cast(pl.Int8),
                    f"{name}:rank_district": ranked,
                    f"{name}:rank_school": ranked.over("school_id"),
                    f"{name}:near": _near(score, thresholds).cast(pl.Int8)}
    columns[f"{engine.TOTAL}:rank_combination"] = (
        pl.col("total").rank("min", descending=True).over("combination").cast(pl.Int32)
        if spec.has_electives else pl.lit(None, pl.Int32))
    return (
        analysis.students.join(ids, on="考号", how="left", maintain_order="left")
        .sort("class_id", "考号")
        .select(pl.col("学校").cast(pl.Int64).alias("school_id"), "id",
                pl.col("考号").alias("exam_no"), pl.col("班级").alias("class"), "combination",
                **columns)
    )


def _ipc(frame: pl.DataFrame) -> bytes:
    """A school's rows as Arrow IPC (zstd): written and read back in about a millisecond,
    where Parquet's per-file set-up made 300 schools take over a second."""
    buffer = io.BytesIO()
    frame.write_ipc(buffer, compression="zstd")
    return buffer.getvalue()


def bottom_rows(earlier: engine.Analysis, later: engine.Analysis, key: str) -> list[dict]:
    """followup.bottom_followup per earlier school, then the district (school None): counts
    added up, mean percentiles over all the group's students (weighted by their counts)."""
    frame = followup.bottom_followup(earlier, later, key=key, share=BOTTOM_SHARE)
    rows = [_clean(r) for r in frame.iter_rows(named=True)]
    n, matched = sum(r["n_bottom"] for r in rows), sum(r["matched"] for r in rows)

    def weighted(field: str, weight: str, total: int):
        if not total:
            return None
        return sum(r[field] * r[weight] for r in rows if r[field] is not None) / total

    district = {"school": None, "n_bottom": n, "matched": matched,
                "still_bottom": sum(r["still_bottom"] for r in rows),
                "percentile_before": weighted("percentile_before", "n_bottom", n),
                "percentile_after": weighted("percentile_after", "matched", matched)}
    return [*rows, district]


def _clean(row: dict) -> dict:
    out = dict(row)
    out["school"] = int(row["school"])
    for key in ("percentile_before", "percentile_after"):
        if out[key] is not None and out[key] != out[key]:
            out[key] = None
    return out


# ---------------------------------------------------------------------------------------
# Storing (called once per analysis)
# ---------------------------------------------------------------------------------------


def student_results_store(exam: Exam, analysis: engine.Analysis) -> None:
    """Replace the exam's student results and bottom-20 % follow-up (see the module doc)."""
    from yanxun.quality.services import _select

    ids = _select(ExamStudent.objects.filter(exam=exam).values_list("exam_no", "pk"),
                  {"考号": pl.String, "id": pl.Int64})
    frame = student_frame(analysis, ids)
    results = [StudentResults(exam=exam, school_id=part["school_id"][0], students=part.height,
                              data=_ipc(part.drop("school_id")))
               for part in frame.partition_by("school_id", maintain_order=True)]
    bottom = _bottom_tables(exam, analysis) if exam.intake_exam_id else []
    with transaction.atomic():
        StudentResults.objects.filter(exam=exam).delete()
        ExamTable.objects.filter(exam=exam, name=BOTTOM_FOLLOWUP).delete()
        StudentResults.objects.bulk_create(results, batch_size=50)
        ExamTable.objects.bulk_create(bottom)


def _bottom_tables(exam: Exam, later: engine.Analysis) -> list[ExamTable]:
    """The bottom 20 % of each school in the intake exam followed into this one, matched by
    学籍号 where both exams have it, else by 考号 (as value-added)."""
    from yanxun.quality.services import exam_spec

    intake = exam.intake_exam
    if intake.purged_at is not None:
        return [_bottom_error(exam, f"入口考试「{intake.name}」的学生明细已按保留期限删除，"
                                    "无法跟踪后 20% 学生。")]
    frame = _matched_intake_frame(intake, exam)
    if frame.height == 0:
        return [_bottom_error(exam, f"入口考试「{intake.name}」没有成绩。")]
    earlier = engine.analyze(frame, exam_spec(intake))
    rows = bottom_rows(earlier, later, "考号")
    return [ExamTable(exam=exam, name=BOTTOM_FOLLOWUP, school_id=r["school"], rows=[r])
            for r in rows]


def _bottom_error(exam: Exam, message: str) -> ExamTable:
    return ExamTable(exam=exam, name=BOTTOM_FOLLOWUP, school_id=None, rows=[{"error": message}])


def _matched_intake_frame(intake: Exam, exam: Exam) -> pl.DataFrame:
    """The intake exam's scores, 考号 replaced by the student's 考号 in `exam` where the two
    exams are matched by 学籍号 (null where a student has no match), else kept."""
    from yanxun.quality.services import scores_frame

    frame = scores_frame(intake)
    earlier = _ids(intake)
    later = _ids(exam)
    if not (earlier["sid"].is_not_null().any() and later["sid"].is_not_null().any()):
        return frame
    later = later.drop_nulls("sid").unique("sid", keep="first")
    mapping = earlier.join(later.rename({"考号": "later"}), on="sid", how="left")
    return frame.join(mapping.select("考号", "later"), on="考号", how="left").with_columns(
        pl.col("later").alias("考号")).drop("later")


def _ids(exam: Exam) -> pl.DataFrame:
    rows = ExamStudent.objects.filter(exam=exam).values_list("exam_no", "student_id")
    return pl.DataFrame(list(rows), schema={"考号": pl.String, "sid": pl.String},
                        orient="row").with_columns(pl.col("sid").replace("", None))


# ---------------------------------------------------------------------------------------
# Reading: who may see which school's students, and the records as rows for a list
# ---------------------------------------------------------------------------------------

STATUS_WORDS = {1: "缺考", 2: "作弊", 3: "违纪", 4: "免考", 5: "未选考"}
LINE_LABELS = {"excellent": "优秀线", "good": "良好线", "pass": "合格线"}
POINTS, STATUS, RANK_DISTRICT, RANK_SCHOOL, NEAR = FIELDS
RANK_COMBINATION = "rank_combination"  # 总分 only


@dataclass
class StudentScope:
    """What one user may see of one school's students in one exam."""

    school: School
    classes: frozenset[str] | None  # None: every class; a teacher: the classes they teach
    names: bool  # names and 学籍号 (rules.VIEW_STUDENT_NAMES for this school)

    @property
    def taught(self) -> list[str]:
        return sorted(self.classes or ())


@dataclass
class StudentRow:
    """One student's stored row (the table's columns by name), as a list and its export
    read it; name and 学籍号 filled in only where the scope allows them."""

    values: dict
    name: str = ""
    student_id: str = ""

    @property
    def id(self) -> int:
        return self.values["id"]

    @property
    def exam_no(self) -> str:
        return self.values["exam_no"]

    @property
    def class_name(self) -> str:
        return self.values["class"]

    @property
    def combination(self) -> str | None:
        return self.values["combination"]

    def entry(self, subject: str, field: str):
        return self.values.get(f"{subject}:{field}")

    def score(self, subject: str):
        """Points as a number (90 or 90.5), or the status word (缺考 …), or None."""
        points = self.entry(subject, POINTS)
        if points is not None:
            return points // 100 if points % 100 == 0 else points / 100
        return STATUS_WORDS.get(self.entry(subject, STATUS))

    def near(self, subject: str) -> str:
        bits = self.entry(subject, NEAR) or 0
        return "、".join(label for line, label in LINE_LABELS.items() if bits & NEAR_BITS[line])


def _teacher_classes(user, exam: Exam, school_pk) -> frozenset[str]:
    return frozenset(ClassTeacher.objects.filter(exam=exam, school_id=school_pk,
                                                 teacher__user=user)
                     .values_list("class_name", flat=True))


def _scope_reaches_schools(user) -> bool:
    return best_scope(user, rules.VIEW_REPORTS) in (DataScope.ALL, DataScope.UNIT_TREE,
                                                    DataScope.UNIT)


def student_schools(user, exam: Exam) -> list[School]:
    """Schools of this exam whose students the user may list, in code order: every school
    for center staff, their own for a school administrator, for a teacher the schools of
    the classes they teach."""
    if not has_perm(user, rules.VIEW_REPORTS) or exam.purged_at is not None:
        return []
    stored = StudentResults.objects.filter(exam=exam)
    if _scope_reaches_schools(user):
        ids = scoped(stored, user, rules.VIEW_REPORTS).values("school_id")
    else:
        taught = ClassTeacher.objects.filter(exam=exam, teacher__user=user).values("school_id")
        ids = stored.filter(school_id__in=taught).values("school_id")
    return list(School.objects.filter(pk__in=ids).order_by("code"))


def student_links(user, exam: Exam) -> dict:
    """For the exam's page: the schools whose students the user may list, and whether they
    may download the pseudonymous export of the whole exam."""
    return {"schools": student_schools(user, exam),
            "pseudonymous": exam.purged_at is None
            and has_perm(user, rules.EXPORT_PSEUDONYMOUS)
            and StudentResults.objects.filter(exam=exam).exists()}


def student_scope(user, exam: Exam, school_pk) -> StudentScope:
    """The user's view of one school's students; "not found" outside their scope."""
    if not has_perm(user, rules.VIEW_REPORTS):
        raise PermissionDenied("无权查看学生成绩。")
    school = next((s for s in student_schools(user, exam) if str(s.pk) == str(school_pk)), None)
    if school is None:
        raise Http404("未找到该学校的学生成绩，或无权查看。")
    classes = None if _scope_reaches_schools(user) else _teacher_classes(user, exam, school.pk)
    names = scoped(School.objects.filter(pk=school.pk), user,
                   rules.VIEW_STUDENT_NAMES).exists()
    return StudentScope(school, classes, names)


def school_frame(exam: Exam, school: School) -> pl.DataFrame | None:
    """One school's stored table (None before the exam's first analysis)."""
    stored = StudentResults.objects.filter(exam=exam, school=school).only("data").first()
    return pl.read_ipc(io.BytesIO(stored.data)) if stored is not None else None


def student_rows(exam: Exam, scope: StudentScope) -> list[StudentRow]:
    """The school's stored rows (a teacher's classes only), with names and 学籍号 joined from
    ExamStudent only when the scope allows them."""
    frame = school_frame(exam, scope.school)
    if frame is None:
        return []
    if scope.classes is not None:
        frame = frame.filter(pl.col("class").is_in(list(scope.classes)))
    rows = [StudentRow(values) for values in frame.iter_rows(named=True)]
    if scope.names:
        people = {pk: (name, sid) for pk, name, sid in ExamStudent.objects.filter(
            exam=exam, school=scope.school).values_list("pk", "name", "student_id")}
        for row in rows:
            row.name, row.student_id = people.get(row.id, ("", ""))
    return rows


def exam_student_frame(exam: Exam) -> pl.DataFrame:
    """Every school's stored rows as one frame, with school_id, schools in code order."""
    stored = (StudentResults.objects.filter(exam=exam).order_by("school__code")
              .values_list("school_id", "data"))
    frames = [pl.read_ipc(io.BytesIO(data)).with_columns(school_id=pl.lit(school, pl.Int64))
              for school, data in stored]
    return pl.concat(frames, how="diagonal_relaxed") if frames else pl.DataFrame()


def subject_names(exam: Exam) -> list[str]:
    return [*exam.subjects.values_list("name", flat=True), engine.TOTAL]


def has_electives(exam: Exam) -> bool:
    return exam.subjects.filter(elective=True).exists()


def pseudonym(exam: Exam, exam_no: str) -> str:
    """A stable stand-in for a 考号 within one exam: the first 10 hex characters of
    HMAC-SHA256(SECRET_KEY, "<exam id>:<考号>"). The same student gets the same code in every
    export of the exam; without the key it cannot be turned back into the 考号."""
    message = f"{exam.pk}:{exam_no}".encode()
    return hmac.new(settings.SECRET_KEY.encode(), message, hashlib.sha256).hexdigest()[:10]


# ---------------------------------------------------------------------------------------
# The bottom-20 % follow-up, as a user may see it
# ---------------------------------------------------------------------------------------


@dataclass
class BottomFollowup:
    intake: Exam
    rows: list[dict]  # per school in scope (school_name), then the district (school None)
    error: str = ""


def bottom_followup(user, exam: Exam) -> BottomFollowup | None:
    """The stored follow-up: center staff see every school, a school administrator their
    own school's row and the district's."""
    if not exam.intake_exam_id:
        return None
    tables = ExamTable.objects.filter(exam=exam, name=BOTTOM_FOLLOWUP)
    district = tables.filter(school=None).first()
    if district is None:
        return None
    if "error" in district.rows[0]:
        return BottomFollowup(exam.intake_exam, [], district.rows[0]["error"])
    mine = scoped(tables.filter(school__isnull=False), user, rules.VIEW_REPORTS)
    schools = {pk: (code, name) for pk, code, name in School.objects.filter(
        pk__in=mine.values("school_id")).values_list("pk", "code", "name")}
    rows = [{**t.rows[0], "school_name": schools[t.school_id][1]}
            for t in sorted(mine, key=lambda t: schools.get(t.school_id, ("", ""))[0])
            if t.school_id in schools]
    return BottomFollowup(exam.intake_exam, [*rows, {**district.rows[0], "school_name": "全区"}])
