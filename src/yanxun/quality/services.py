"""Writes of quality monitoring: exams, the score import (parse + validate + stage, map the
schools, write), and the analysis whose results are stored for the report pages.

The score import runs in three steps so that nothing reaches the database before the whole
file is known to be good:
1. `scores_stage` reads and checks the file with quality.scores_io (the same parser as
   `yanxun quality analyze`) and keeps the parsed table as a Parquet file beside the data;
2. schools named in the file are matched to the org's schools by name, short name or a
   remembered `SchoolAlias`; `school_aliases_save` records the user's choice for the others;
3. `scores_write` replaces the exam's students and scores in one transaction (PostgreSQL:
   COPY; SQLite: executemany) and marks the exam imported.
"""

from __future__ import annotations

import json
import shutil
import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction
from pathlib import Path

import polars as pl
from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection, transaction
from django.utils import timezone

from yanxun.core.audit import audit_record
from yanxun.core.imports.progress import Progress
from yanxun.core.permissions import has_perm
from yanxun.org.models import School
from yanxun.quality import engine, rules, scores_io
from yanxun.quality.enums import ExamStatus, ResultLevel
from yanxun.quality.models import (
    Exam,
    ExamItem,
    ExamStudent,
    ExamSubject,
    ExamTable,
    ItemScores,
    SchoolAlias,
    Score,
    UnitResult,
)
from yanxun.quality.retention import require_student_data
from yanxun.quality.students import student_results_store
from yanxun.quality.teacher_results import teacher_results_store

SUBJECT_MAX = 20
# Who may move an exam from one status to another (exam_transition is the only writer).
TRANSITIONS = {
    ExamStatus.DRAFT: {ExamStatus.IMPORTED},
    ExamStatus.IMPORTED: {ExamStatus.IMPORTED, ExamStatus.ANALYSING},
    ExamStatus.ANALYSING: {ExamStatus.ANALYSED, ExamStatus.FAILED},
    ExamStatus.ANALYSED: {ExamStatus.IMPORTED, ExamStatus.ANALYSING},
    ExamStatus.FAILED: {ExamStatus.IMPORTED, ExamStatus.ANALYSING},
}


def _require(actor, perm) -> None:
    if actor is not None and not has_perm(actor, perm):
        raise PermissionDenied("无权管理考试与成绩。")


def exam_transition(exam: Exam, to: ExamStatus, *, note: str = "") -> Exam:
    """Move the exam to `to`, refusing a move its life does not allow. The status is written
    with a conditional update, so two runs cannot both start an analysis."""
    current = ExamStatus(exam.status)
    if to not in TRANSITIONS[current]:
        raise ValidationError(f"考试「{exam.name}」当前为「{current.label}」，不能转为「{to.label}」。")
    fields = {"status": to, "status_note": note[:500]}
    if to == ExamStatus.ANALYSED:
        fields["analysed_at"] = timezone.now()
    updated = Exam.objects.filter(pk=exam.pk, status=current).update(**fields)
    if not updated:
        raise ValidationError(f"考试「{exam.name}」的状态刚被他人改变，请刷新后重试。")
    for name, value in fields.items():
        setattr(exam, name, value)
    return exam


# --- exams ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class SubjectInput:
    name: str
    full_mark: Decimal
    elective: bool = False


def parse_subjects(text: str, electives: Iterable[str] = ()) -> list[SubjectInput]:
    """"语文=150,数学=150,物理=100" (either comma, or 、, or new lines) → subjects in order."""
    chosen = {e.strip() for e in electives if e.strip()}
    out: list[SubjectInput] = []
    for part in text.replace("，", ",").replace("、", ",").replace("\n", ",").split(","):
        part = part.strip()
        if not part:
            continue
        name, sep, mark = part.replace("＝", "=").partition("=")
        name = name.strip()
        if not sep or not name:
            raise ValidationError(f"「{part}」应写成 科目=满分，如 语文=150")
        try:
            full = Decimal(mark.strip())
        except ArithmeticError:
            raise ValidationError(f"「{name}」的满分「{mark.strip()}」不是数字") from None
        if not full.is_finite() or full <= 0 or full > 1000 or full != full.quantize(Decimal("0.01")):
            raise ValidationError(f"「{name}」的满分应为 0 到 1000 之间、最多两位小数的数")
        if len(name) > SUBJECT_MAX or name in (engine.TOTAL, *scores_io.KEY_COLUMNS,
                                               scores_io.STUDENT_ID):
            raise ValidationError(f"科目名「{name}」不可用")
        if any(s.name == name for s in out):
            raise ValidationError(f"科目「{name}」重复")
        out.append(SubjectInput(name, full, name in chosen))
    if not out:
        raise ValidationError("请至少填写一个科目及其满分")
    unknown = chosen - {s.name for s in out}
    if unknown:
        raise ValidationError(f"选考科目「{'、'.join(sorted(unknown))}」不在科目之中")
    return out


def _check_lines(values: dict) -> None:
    lines = [values.get(k) for k in ("excellent_line", "good_line", "pass_line", "low_line")]
    if None in lines:
        return
    if not lines[0] >= lines[1] >= lines[2] >= lines[3]:
        raise ValidationError("各线应满足 优秀线 ≥ 良好线 ≥ 合格线 ≥ 低分线")


def exam_create(*, actor, subjects: list[SubjectInput], **fields) -> Exam:
    _require(actor, rules.MANAGE_EXAMS)
    _check_lines(fields)
    exam = Exam(created_by=actor, **fields)
    exam.full_clean(exclude=["created_by"])
    with transaction.atomic():
        exam.save()
        ExamSubject.objects.bulk_create([
            ExamSubject(exam=exam, name=s.name, full_mark=s.full_mark, elective=s.elective,
                        position=i) for i, s in enumerate(subjects)])
        audit_record(actor=actor, action="quality.exam_create", obj=exam,
                     after={"name": exam.name, "subjects": [f"{s.name}={s.full_mark}"
                                                            for s in subjects]})
    return exam


def exam_spec(exam: Exam) -> engine.ExamSpec:
    """The engine's description of the exam: subjects with full marks and lines."""

    def lines(obj) -> engine.Lines | None:
        values = [obj.excellent_line, obj.good_line, obj.pass_line, obj.low_line]
        if any(v is None for v in values):
            return None
        return engine.Lines(*(Fraction(v) for v in values))

    subjects = tuple(
        engine.Subject(s.name, Fraction(s.full_mark), s.elective, lines(s))
        for s in exam.subjects.all())
    top = tuple(int(n) for n in exam.top_n.split(",") if n.strip())
    return engine.ExamSpec(subjects, lines(exam), top, Fraction(exam.band_width),
                           Fraction(exam.borderline_width))


# --- the score import --------------------------------------------------------------------


def staging_dir(exam: Exam) -> Path:
    """Where an uploaded file waits, parsed, for the write. Named by the exam and its creation
    time, so that a new exam that reuses a deleted one's id never finds its leftovers."""
    return (Path(settings.DATA_DIR) / "quality" / "staging"
            / f"exam-{exam.pk}-{exam.created_at:%Y%m%d%H%M%S%f}")


@dataclass
class Staged:
    rows: int
    subjects: list[str]
    schools: dict[str, int | None]  # name in the file → school id (None: not matched yet)
    warnings: list[str]
    original_name: str

    @property
    def unmatched(self) -> list[str]:
        return sorted(name for name, pk in self.schools.items() if pk is None)


def scores_stage(*, actor, exam: Exam, upload: Path, original_name: str) -> Staged:
    """Parse and check the whole file; keep the parsed table for scores_write. Raises
    scores_io.InputError (a Chinese message naming row and column) on bad input."""
    _require(actor, rules.MANAGE_EXAMS)
    require_student_data(exam)
    subjects = list(exam.subjects.all())
    fulls = {s.name: engine.hundredths(Fraction(s.full_mark)) for s in subjects}
    electives = frozenset(s.name for s in subjects if s.elective)
    table = scores_io.read_scores(upload, fulls=fulls, electives=electives,
                                  source=original_name)
    missing = [s.name for s in subjects if s.name not in table.subjects]
    if missing:
        raise scores_io.InputError(f"{original_name}：缺少科目列「{'、'.join(missing)}」")
    folder = staging_dir(exam)
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    table.frame.write_parquet(folder / "scores.parquet")
    names = table.frame["学校"].unique().sort().to_list()
    staged = Staged(table.frame.height, table.subjects, match_schools(names), table.warnings,
                    original_name)
    (folder / "staged.json").write_text(json.dumps({
        "rows": staged.rows, "subjects": staged.subjects, "warnings": staged.warnings,
        "original_name": original_name, "has_student_id": table.has_student_id,
    }, ensure_ascii=False))
    return staged


def staged_for(exam: Exam) -> Staged | None:
    folder = staging_dir(exam)
    try:
        meta = json.loads((folder / "staged.json").read_text())
    except (OSError, ValueError):
        return None
    names = pl.read_parquet(folder / "scores.parquet", columns=["学校"])["学校"].unique()
    return Staged(meta["rows"], meta["subjects"], match_schools(names.sort().to_list()),
                  meta["warnings"], meta["original_name"])


def staged_discard(exam: Exam) -> None:
    shutil.rmtree(staging_dir(exam), ignore_errors=True)


def match_schools(names: list[str]) -> dict[str, int | None]:
    """File names → school ids: a remembered alias first, then the exact name, then the
    short name (when only one active school has it)."""
    aliases = dict(SchoolAlias.objects.filter(name__in=names).values_list("name", "school_id"))
    by_name = dict(School.objects.filter(name__in=names).values_list("name", "pk"))
    short: dict[str, list[int]] = {}
    for short_name, pk in School.objects.filter(short_name__in=names, is_active=True) \
            .values_list("short_name", "pk"):
        short.setdefault(short_name, []).append(pk)
    out: dict[str, int | None] = {}
    for name in names:
        shorts = short.get(name, [])
        out[name] = aliases.get(name) or by_name.get(name) or (shorts[0] if len(shorts) == 1
                                                                 else None)
    return out


def school_aliases_save(*, actor, mapping: dict[str, School]) -> None:
    """Remember, for every later exam, which school a name in a file means."""
    _require(actor, rules.MANAGE_EXAMS)
    with transaction.atomic():
        for name, school in mapping.items():
            alias, created = SchoolAlias.objects.update_or_create(
                name=name, defaults={"school": school, "created_by": actor})
            audit_record(actor=actor, action="quality.school_alias", obj=alias,
                         after={"name": name, "school": school.name, "new": created})


def scores_write(*, actor, exam: Exam) -> int:
    """Replace the exam's students and scores with the staged file, in one transaction.
    Returns the number of students written."""
    _require(actor, rules.MANAGE_EXAMS)
    require_student_data(exam)
    folder = staging_dir(exam)
    if not (folder / "scores.parquet").exists():
        raise ValidationError("没有待写入的成绩文件，请重新上传。")
    frame = pl.read_parquet(folder / "scores.parquet")
    meta = json.loads((folder / "staged.json").read_text())
    schools = match_schools(frame["学校"].unique().sort().to_list())
    unmatched = sorted(name for name, pk in schools.items() if pk is None)
    if unmatched:
        raise ValidationError(f"以下学校尚未对应到本区学校：{'、'.join(unmatched)}")
    subjects = {s.name: s.pk for s in exam.subjects.all()}
    students = frame.select(
        pl.col("考号").alias("exam_no"), pl.col("姓名").alias("name"),
        (pl.col(scores_io.STUDENT_ID) if scores_io.STUDENT_ID in frame.columns
         else pl.lit("")).fill_null("").alias("student_id"),
        pl.col("学校").replace_strict(schools, return_dtype=pl.Int64).alias("school_id"),
        pl.col("班级").alias("class_name"),
    )
    with transaction.atomic():
        locked = Exam.objects.select_for_update().get(pk=exam.pk)
        require_student_data(locked)
        _delete_students(locked)
        ids = _insert_students(locked, students)
        scores = _long_scores(frame, ids, subjects)
        _insert_scores(scores)
        exam_transition(locked, ExamStatus.IMPORTED,
                        note=f"{meta['original_name']}：{frame.height} 名学生")
        audit_record(actor=actor, action="quality.scores_import", obj=locked,
                     after={"file": meta["original_name"], "students": frame.height,
                            "scores": scores.height})
    exam.status, exam.status_note = locked.status, locked.status_note
    staged_discard(exam)
    return frame.height


def _delete_students(exam: Exam) -> None:
    """The exam's scores, item scores and students, in plain statements: the ORM's cascade
    would load every student into memory to find their scores (minutes for a city exam). The
    items go too: item scores must be imported again for the new students."""
    q = connection.ops.quote_name
    score, student = Score._meta.db_table, ExamStudent._meta.db_table
    ExamItem.objects.filter(exam=exam).delete()
    with connection.cursor() as cursor:
        cursor.execute(f"DELETE FROM {q(ItemScores._meta.db_table)} WHERE {q('student_id')} IN "
                       f"(SELECT {q('id')} FROM {q(student)} WHERE {q('exam_id')} = %s)",
                       [exam.pk])
        cursor.execute(f"DELETE FROM {q(score)} WHERE {q('student_id')} IN "
                       f"(SELECT {q('id')} FROM {q(student)} WHERE {q('exam_id')} = %s)",
                       [exam.pk])
        cursor.execute(f"DELETE FROM {q(student)} WHERE {q('exam_id')} = %s", [exam.pk])


def _insert_students(exam: Exam, students: pl.DataFrame) -> pl.DataFrame:
    columns = ["exam_id", "exam_no", "name", "student_id", "school_id", "class_name"]
    rows = students.select(pl.lit(exam.pk).alias("exam_id"), pl.all()).select(columns)
    _bulk_insert(ExamStudent._meta.db_table, columns, rows)
    ids = ExamStudent.objects.filter(exam=exam).values_list("exam_no", "pk")
    return pl.DataFrame(list(ids), schema={"exam_no": pl.String, "student_pk": pl.Int64},
                        orient="row")


def _long_scores(frame: pl.DataFrame, ids: pl.DataFrame, subjects: dict[str, int]):
    keyed = frame.join(ids, left_on="考号", right_on="exam_no", how="inner")
    parts = [keyed.select(
        pl.col("student_pk").alias("student_id"),
        pl.lit(pk, pl.Int64).alias("subject_id"),
        pl.col(name).alias("points"),
        pl.col(engine.status_column(name)).cast(pl.Int16).alias("status"),
    ) for name, pk in subjects.items()]
    return pl.concat(parts)


def _insert_scores(scores: pl.DataFrame) -> None:
    _bulk_insert(Score._meta.db_table, ["student_id", "subject_id", "points", "status"], scores)


def _bulk_insert(table: str, columns: list[str], rows: pl.DataFrame) -> None:
    """Many rows at once: COPY on PostgreSQL, executemany on SQLite (both well over
    100,000 rows a second, against ~20,000 for bulk_create)."""
    quoted = ", ".join(connection.ops.quote_name(c) for c in columns)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            data = rows.write_csv(include_header=False, null_value="\\N").encode()
            sql = f"COPY {connection.ops.quote_name(table)} ({quoted}) FROM STDIN " \
                  f"WITH (FORMAT csv, NULL '\\N')"
            with cursor.cursor.copy(sql) as copy:
                copy.write(data)
        else:
            marks = ", ".join("%s" for _ in columns)
            cursor.executemany(f"INSERT INTO {table} ({quoted}) VALUES ({marks})",
                               rows.iter_rows())


# --- analysis ----------------------------------------------------------------------------


def exam_analyse_start(*, actor, exam: Exam) -> Exam:
    """Queue the analysis (in the background: Celery, or a thread without Redis)."""
    from yanxun.core.tasks import run_in_background

    _require(actor, rules.MANAGE_EXAMS)
    require_student_data(exam)
    with transaction.atomic():
        exam.progress_key = uuid.uuid4()
        Exam.objects.filter(pk=exam.pk).update(progress_key=exam.progress_key)
        exam_transition(exam, ExamStatus.ANALYSING, note="排队中")
        audit_record(actor=actor, action="quality.analyse", obj=exam)
        run_in_background("yanxun.quality.services.exam_analyse", exam_id=exam.pk)
    return exam


def scores_frame(exam: Exam, school_ids: Iterable[int] | None = None) -> pl.DataFrame:
    """The exam's scores in the engine's wide layout: 考号, 学校 (the school's id as text: names
    need not be unique, ids are), 班级, and per subject its points and status. With
    `school_ids`, only those schools' students."""
    subjects = list(exam.subjects.all())
    who = ExamStudent.objects.filter(exam=exam)
    scored = Score.objects.filter(student__exam=exam)
    if school_ids is not None:
        who = who.filter(school_id__in=list(school_ids))
        scored = scored.filter(student__school_id__in=list(school_ids))
    students = _select(
        who.values_list("pk", "exam_no", "school_id", "class_name"),
        {"student_pk": pl.Int64, "考号": pl.String, "学校": pl.Int64, "班级": pl.String},
    ).with_columns(pl.col("学校").cast(pl.String))
    scores = _select(
        scored.values_list("student_id", "subject_id", "points", "status"),
        {"student_pk": pl.Int64, "subject_id": pl.Int64, "points": pl.Int64,
         "status": pl.UInt8})
    for subject in subjects:
        one = scores.filter(pl.col("subject_id") == subject.pk).select(
            "student_pk", pl.col("points").alias(subject.name),
            pl.col("status").alias(engine.status_column(subject.name)))
        students = students.join(one, on="student_pk", how="left")
    return students.drop("student_pk")


def _select(queryset, schema: dict) -> pl.DataFrame:
    """A values_list query read straight into Polars: PostgreSQL streams it with COPY … TO
    STDOUT as CSV, SQLite hands over its rows from the cursor (a million rows a second, about
    three times what iterating the queryset gives)."""
    sql, params = queryset.query.sql_with_params()
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            query = cursor.cursor.mogrify(sql, params)
            buffer = bytearray()
            with cursor.cursor.copy(f"COPY ({query}) TO STDOUT WITH (FORMAT csv)") as copy:
                for block in copy:
                    buffer += block
            if not buffer:
                return pl.DataFrame(schema=schema)
            return pl.read_csv(bytes(buffer), has_header=False, new_columns=list(schema),
                               schema_overrides=schema)
        cursor.execute(sql, params)
        return pl.DataFrame(cursor.fetchall(), schema=schema, orient="row")


def exam_analyse(*, exam_id: int) -> None:
    """Run the engine over the stored scores and replace the stored results."""
    exam = Exam.objects.get(pk=exam_id)
    progress = Progress(str(exam.progress_key) if exam.progress_key else None)
    try:
        progress.update("读取成绩", 0, 3)
        frame = scores_frame(exam)
        progress.update("计算指标", 1, 3)
        analysis = engine.analyze(frame, exam_spec(exam))
        progress.update("保存结果", 2, 3)
        _store(exam, analysis)
        teacher_results_store(exam, analysis)
        _store_item_tables(exam)
        student_results_store(exam, analysis)
        if exam.intake_exam_id:
            _store_value_added(exam)
        exam_transition(exam, ExamStatus.ANALYSED, note=f"{frame.height} 名学生")
        progress.update("完成", 3, 3)
    except Exception as exc:
        Exam.objects.filter(pk=exam.pk).update(status=ExamStatus.FAILED,
                                               status_note=f"分析出错：{exc}"[:500])
        progress.update("出错", 3, 3)
        raise


def _store(exam: Exam, analysis: engine.Analysis) -> None:
    tables = analysis.tables()
    order = {name: i for i, name in enumerate(analysis.spec.names)}
    columns = ["exam_id", "level", "school_id", "class_name", "subject", "position", "figures"]
    results = []
    for level, name in ((ResultLevel.DISTRICT, "district"), (ResultLevel.SCHOOL, "schools"),
                        (ResultLevel.CLASS, "classes")):
        frame = tables[name]
        keys = [k for k in ("subject", "school", "class") if k in frame.columns]
        figures = [c for c in frame.columns if c not in keys]
        school = (pl.when(pl.col("school") == engine.DISTRICT).then(None)
                  .otherwise(pl.col("school")).cast(pl.Int64) if "school" in keys
                  else pl.lit(None, pl.Int64))
        # Figures as JSON built by Polars: 33,000 rows for a city exam, where building
        # model instances and encoding each dict took most of the analysis' time.
        results.append(frame.select(
            pl.lit(exam.pk, pl.Int64).alias("exam_id"), pl.lit(str(level)).alias("level"),
            school.alias("school_id"),
            (pl.col("class").fill_null("") if "class" in keys else pl.lit("")).alias("class_name"),
            pl.col("subject"),
            pl.col("subject").replace_strict(order, return_dtype=pl.Int64).alias("position"),
            pl.struct(figures).struct.json_encode().alias("figures"),
        ).select(columns))
    others: list[ExamTable] = []
    for name in ("all_pass", "all_pass_classes", "top_n", "bands", "borderline"):
        frame = tables[name]
        for school, group in frame.group_by("school", maintain_order=True):
            others.append(ExamTable(exam=exam, name=name, school_id=_school_pk(school[0]),
                                    rows=[_json_safe(r) for r in group.drop("school")
                                          .iter_rows(named=True)]))
    others.append(ExamTable(exam=exam, name="balance", school_id=None,
                            rows=[_json_safe(r) for r in tables["balance"].iter_rows(named=True)]))
    with transaction.atomic():
        UnitResult.objects.filter(exam=exam).delete()
        ExamTable.objects.filter(exam=exam).delete()
        _bulk_insert(UnitResult._meta.db_table, columns, pl.concat(results))
        ExamTable.objects.bulk_create(others, batch_size=500)


def _store_item_tables(exam: Exam) -> None:
    from yanxun.quality.item_scores import item_tables_store  # it builds on this module

    item_tables_store(exam)


def _value_added_frame(exam: Exam, subjects: list[str]) -> pl.DataFrame:
    """Per student: 考号, 学籍号 (null when empty), 学校 (id as text) and `score`, the sum of
    `subjects` where the student sat all of them, else null."""
    frame = scores_frame(exam)
    ids = pl.DataFrame(list(ExamStudent.objects.filter(exam=exam).values_list(
        "exam_no", "student_id")), schema={"考号": pl.String, scores_io.STUDENT_ID: pl.String},
        orient="row").with_columns(pl.col(scores_io.STUDENT_ID).replace("", None))
    present = pl.all_horizontal([pl.col(engine.status_column(s)) == engine.PRESENT
                                 for s in subjects])
    score = pl.when(present).then(pl.sum_horizontal([pl.col(s) for s in subjects]))
    return frame.join(ids, on="考号", how="left").select(
        "考号", scores_io.STUDENT_ID, "学校", score.alias("score"))


def _store_value_added(exam: Exam) -> None:
    """增值评价 against the exam's intake exam, for each subject both exams have and for 总分
    of those subjects; students matched by 学籍号 where both exams have it, else by 考号. A
    subject the model cannot be fitted for stores its reason instead."""
    from yanxun.quality import value_added as va

    intake = exam.intake_exam
    common = [s.name for s in exam.subjects.all() if intake.subjects.filter(name=s.name).exists()]
    tables = []
    for subject in [*common, engine.TOTAL] if common else []:
        names = common if subject == engine.TOTAL else [subject]
        try:
            later = _value_added_frame(exam, names)
            earlier = _value_added_frame(intake, names)
            both_ids = (later[scores_io.STUDENT_ID].is_not_null().any()
                        and earlier[scores_io.STUDENT_ID].is_not_null().any())
            key = scores_io.STUDENT_ID if both_ids else "考号"
            matched, counts = va.match(earlier, later, key)
            if matched.height < 3 or matched["学校"].n_unique() < 2:
                raise scores_io.InputError(f"匹配到的学生不足（{matched.height} 人），无法估计")
            model, schools = va.value_added(matched)
            model |= {"key": key, "unmatched": counts["unmatched_intake"]
                      + counts["unmatched_outcome"], **counts}
            rows = [{**_json_safe(r), "school": _school_pk(r["school"])}
                    for r in schools.iter_rows(named=True)]
            payload = [{"model": _json_safe(model), "schools": rows}]
        except scores_io.QualityError as exc:
            payload = [{"error": str(exc)}]
        tables.append(ExamTable(exam=exam, name=f"value_added:{subject}", school_id=None,
                                rows=payload))
    with transaction.atomic():
        ExamTable.objects.filter(exam=exam, name__startswith="value_added:").delete()
        ExamTable.objects.bulk_create(tables)


def _school_pk(label: str | None) -> int | None:
    return None if label in (None, engine.DISTRICT) else int(label)


def _json_safe(row: dict) -> dict:
    out = {}
    for key, value in row.items():
        if isinstance(value, float) and value != value:  # NaN never leaves the engine; guard
            value = None
        out[key] = value
    return out
