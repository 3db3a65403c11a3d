"""Reads of quality monitoring for pages, exports and the API, each through the data scope:
报告到校 — a school administrator gets their school's rows and the district's benchmarks, never
another school's; center staff (报告到学科) get every school; a teacher gets the classes they
taught. A row outside the scope is "not found"."""

from __future__ import annotations

from dataclasses import dataclass, field

from django.core.exceptions import PermissionDenied
from django.http import Http404

from yanxun.core.enums import DataScope
from yanxun.core.permissions import best_scope, has_perm, scoped
from yanxun.org.models import School, StaffMember
from yanxun.quality import rules
from yanxun.quality.enums import ExamStatus, ResultLevel
from yanxun.quality.models import ClassTeacher, Exam, ExamTable, UnitResult


def may_manage(user) -> bool:
    return has_perm(user, rules.MANAGE_EXAMS)


def sees_all_schools(user) -> bool:
    return best_scope(user, rules.VIEW_REPORTS) == DataScope.ALL


def exams_for(user):
    """Exams a user may open: staff see every exam; others only analysed ones."""
    if not has_perm(user, rules.LIST_EXAMS):
        return Exam.objects.none()
    queryset = Exam.objects.all()
    if not may_manage(user):
        queryset = queryset.filter(status=ExamStatus.ANALYSED)
    return queryset


def exam_for_view(user, pk) -> Exam:
    if not has_perm(user, rules.LIST_EXAMS):
        raise PermissionDenied("无权查看质量分析报告。")
    exam = exams_for(user).filter(pk=pk).first()
    if exam is None:
        raise Http404("未找到该考试，或无权查看。")
    return exam


def exam_for_edit(user, pk) -> Exam:
    if not may_manage(user):
        raise PermissionDenied("无权管理考试与成绩。")
    return exam_for_view(user, pk)


def school_for_report(user, exam: Exam, school_pk) -> School:
    school = scoped(School.objects.filter(pk=school_pk), user, rules.VIEW_REPORTS).first()
    if school is None or not UnitResult.objects.filter(exam=exam, school=school).exists():
        raise Http404("未找到该学校的报告，或无权查看。")
    return school


def report_schools(user, exam: Exam) -> list[School]:
    """Schools of this exam whose report the user may open, in code order."""
    ids = scoped(UnitResult.objects.filter(exam=exam, level=ResultLevel.SCHOOL), user,
                 rules.VIEW_REPORTS).values("school_id")
    return list(School.objects.filter(pk__in=ids).order_by("code"))


@dataclass
class Row:
    subject: str
    figures: dict
    school: str = ""
    school_id: int | None = None
    class_name: str = ""


@dataclass
class Report:
    exam: Exam
    subjects: list[str]
    district: list[Row]
    schools: list[Row] = field(default_factory=list)
    classes: list[Row] = field(default_factory=list)
    tables: dict[str, list] = field(default_factory=dict)

    @property
    def item_subjects(self) -> list[str]:
        """Subjects with an item analysis (小题分析) in this report."""
        return [s for s in self.subjects if f"items:{s}" in self.tables]


def _rows(queryset, names: dict[int, str]) -> list[Row]:
    return [Row(r.subject, r.figures, names.get(r.school_id, ""), r.school_id, r.class_name)
            for r in queryset.order_by("position", "school__code", "class_name")]


def default_subject(user, subjects: list[str]) -> str:
    """报告到学科: a 研训员 lands on the first subject they cover that the exam has; anyone
    else on 总分 (the last)."""
    staff = StaffMember.objects.filter(user=user).first()
    if staff is not None:
        mine = set(staff.subjects.values_list("name", flat=True))
        covered = [s for s in subjects if s in mine]
        if covered:
            return covered[0]
    return subjects[-1] if subjects else ""


def report_subjects(exam: Exam) -> list[str]:
    return list(UnitResult.objects.filter(exam=exam, level=ResultLevel.DISTRICT)
                .order_by("position").values_list("subject", flat=True))


def district_report(user, exam: Exam, *, subject: str | None = None) -> Report:
    """The district and every school the user may see (all of them for center staff); with
    `subject`, the schools' rows of that subject only (a page shows one subject: a city
    exam's 300 schools × 10 subjects need not be read for it)."""
    names = dict(School.objects.values_list("pk", "name"))
    results = UnitResult.objects.filter(exam=exam)
    schools = scoped(results.filter(level=ResultLevel.SCHOOL), user, rules.VIEW_REPORTS)
    if subject is not None:
        schools = schools.filter(subject=subject)
    tables = {t.name: t.rows for t in ExamTable.objects.filter(exam=exam, school=None)}
    per_school = scoped(ExamTable.objects.filter(exam=exam, school__isnull=False,
                                                 name__in=("top_n", "all_pass")), user,
                        rules.VIEW_REPORTS).order_by("school__code")
    for table in per_school:
        if table.name in ("top_n", "all_pass"):
            rows = [{"school_name": names.get(table.school_id, ""), **r} for r in table.rows]
            tables.setdefault(table.name, []).extend(rows)
    return Report(exam, report_subjects(exam), _rows(results.filter(level=ResultLevel.DISTRICT), names),
                  _rows(schools, names), tables=tables)


def school_report(user, exam: Exam, school: School) -> Report:
    """One school beside the district (the caller has checked the school is in scope)."""
    names = {school.pk: school.name}
    results = UnitResult.objects.filter(exam=exam)
    tables = {t.name: t.rows for t in ExamTable.objects.filter(exam=exam, school=school)}
    district_tables = {t.name: t.rows for t in ExamTable.objects.filter(exam=exam, school=None)}
    tables["district_all_pass"] = district_tables.get("all_pass", [])
    tables.update({f"district_{name}": rows for name, rows in district_tables.items()
                   if name.startswith("items:")})  # 小题分析: the district beside the school
    return Report(exam, report_subjects(exam),
                  _rows(results.filter(level=ResultLevel.DISTRICT), names),
                  _rows(results.filter(level=ResultLevel.SCHOOL, school=school), names),
                  _rows(results.filter(level=ResultLevel.CLASS, school=school), names), tables)


def teacher_classes(user, exam: Exam) -> list[Row]:
    """The class rows of the classes this user taught in this exam (their own results)."""
    taught = scoped(ClassTeacher.objects.filter(exam=exam, teacher__user=user), user,
                    rules.VIEW_REPORTS).select_related("subject", "school")
    rows = []
    for link in taught:
        result = UnitResult.objects.filter(
            exam=exam, level=ResultLevel.CLASS, school=link.school_id,
            class_name=link.class_name, subject=link.subject.name).first()
        if result is not None:
            rows.append(Row(result.subject, result.figures, link.school.name, link.school_id,
                            link.class_name))
    return rows


@dataclass
class ValueAdded:
    subjects: list[str]
    subject: str
    model: dict | None
    schools: list[dict]  # school (name, or 其他学校 outside the scope), n, value_added, ci_…
    error: str = ""


def value_added(user, exam: Exam, subject: str) -> ValueAdded | None:
    """The stored value-added of one subject. Schools outside the user's scope stay in the
    picture as anonymous points (其他学校), so a school sees where it stands without names."""
    tables = {t.name.split(":", 1)[1]: t.rows[0] for t in
              ExamTable.objects.filter(exam=exam, name__startswith="value_added:")}
    if not tables:
        return None
    subjects = list(tables)
    subject = subject if subject in tables else subjects[-1]
    table = tables[subject]
    if "error" in table:
        return ValueAdded(subjects, subject, None, [], table["error"])
    visible = set(scoped(School.objects.all(), user, rules.VIEW_REPORTS)
                  .values_list("pk", flat=True))
    names = dict(School.objects.filter(pk__in=visible).values_list("pk", "name"))
    rows = []
    for row in sorted(table["schools"], key=lambda r: (r["value_added"] is None,
                                                       r["value_added"] or 0)):
        mine = row["school"] in visible
        rows.append({**row, "school": names.get(row["school"], "") if mine else "其他学校",
                     "school_id": row["school"] if mine else None, "mine": mine})
    return ValueAdded(subjects, subject, table["model"], rows)
