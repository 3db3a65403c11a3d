"""Reads of the 任课表 and of the per-teacher figures, through the data scope: the 任课表 of a
school for those who may edit it (rules.EDIT_CLASS_TEACHERS); a teacher's report for the
teacher (their own rows), their school's administrator and the center (rules.VIEW_REPORTS);
a school's per-teacher table for its administrator and the center. Teachers appear by name
(and 工号 in the editor) only — never 身份证号 or phone. Outside the scope is "not found"."""

from __future__ import annotations

from dataclasses import dataclass, field

from django.http import Http404

from yanxun.core.permissions import scoped
from yanxun.org.enums import TeacherStatus
from yanxun.org.models import School, Teacher
from yanxun.quality import rules
from yanxun.quality.class_teachers import class_order, editable_schools
from yanxun.quality.enums import ResultLevel
from yanxun.quality.models import ClassTeacher, Exam, ExamStudent, ExamSubject, UnitResult
from yanxun.quality.teacher_results import against_district, stale_schools, stored_rows

# --- the 任课表 editor ----------------------------------------------------------------------


def school_for_edit(user, exam: Exam, school_pk) -> School:
    school = editable_schools(user, exam).filter(pk=school_pk).first()
    if school is None:
        raise Http404("未找到该学校的任课表，或无权维护。")
    return school


@dataclass
class SchoolEntry:
    school: School
    classes: int
    links: int


def schools_overview(user, exam: Exam) -> list[SchoolEntry]:
    """The schools whose 任课表 the user may edit, with their classes and filled rows."""
    schools = list(editable_schools(user, exam).order_by("code"))
    ids = [s.pk for s in schools]
    classes: dict[int, int] = {}
    for school, _ in ExamStudent.objects.filter(exam=exam, school_id__in=ids) \
            .values_list("school_id", "class_name").distinct():
        classes[school] = classes.get(school, 0) + 1
    links: dict[int, int] = {}
    for school in ClassTeacher.objects.filter(exam=exam, school_id__in=ids) \
            .values_list("school_id", flat=True):
        links[school] = links.get(school, 0) + 1
    return [SchoolEntry(s, classes.get(s.pk, 0), links.get(s.pk, 0)) for s in schools]


def exam_classes(exam: Exam, school: School) -> list[str]:
    names = ExamStudent.objects.filter(exam=exam, school=school) \
        .values_list("class_name", flat=True).distinct()
    return sorted(set(names), key=class_order)


@dataclass
class Grid:
    classes: list[str]
    subjects: list[ExamSubject]
    cells: dict[tuple[str, int], list[ClassTeacher]]  # (class, subject id) → its teachers

    def rows(self) -> list[dict]:
        return [{"class_name": c, "cells": [{"subject": s, "links": self.cells.get((c, s.pk), [])}
                                            for s in self.subjects]} for c in self.classes]


def grid(exam: Exam, school: School) -> Grid:
    """A school's 任课表 as classes × subjects (the caller has checked the scope)."""
    cells: dict[tuple[str, int], list[ClassTeacher]] = {}
    for link in ClassTeacher.objects.filter(exam=exam, school=school).select_related(
            "teacher").only("class_name", "subject_id", "teacher__name",
                            "teacher__employee_no").order_by("teacher__employee_no"):
        cells.setdefault((link.class_name, link.subject_id), []).append(link)
    return Grid(exam_classes(exam, school), list(exam.subjects.all()), cells)


def cell_links(exam: Exam, school: School, class_name: str, subject: ExamSubject):
    return list(ClassTeacher.objects.filter(exam=exam, school=school, class_name=class_name,
                                            subject=subject).select_related("teacher")
                .order_by("teacher__employee_no"))


def teacher_choices(school: School, subject: ExamSubject) -> list[tuple[str, list[Teacher]]]:
    """The school's active teachers for a cell's select: those who teach the subject first."""
    teachers = list(Teacher.objects.filter(school=school, status=TeacherStatus.ACTIVE)
                    .only("pk", "name", "employee_no").order_by("employee_no"))
    teaching = set(Teacher.objects.filter(school=school, subjects__name=subject.name)
                   .values_list("pk", flat=True))
    groups = [(f"任教{subject.name}", [t for t in teachers if t.pk in teaching]),
              ("其他教师", [t for t in teachers if t.pk not in teaching])]
    return [(label, rows) for label, rows in groups if rows]


# --- per-teacher figures -------------------------------------------------------------------


@dataclass
class Line:
    label: str
    figures: dict
    kind: str  # "teacher" (the teacher's classes together), "class", "school", "district"


@dataclass
class Section:
    school: School
    subject: str
    lines: list[Line]
    stale: bool


@dataclass
class TeacherReport:
    teacher: Teacher
    sections: list[Section] = field(default_factory=list)

    @property
    def stale(self) -> bool:
        return any(s.stale for s in self.sections)


def teacher_links(user, exam: Exam, teacher_pk) -> list[ClassTeacher]:
    """The 任课表 rows of one teacher that the user may see: their own (a teacher), their
    school's (a school administrator), all (the center). None: "not found"."""
    links = list(scoped(ClassTeacher.objects.filter(exam=exam, teacher_id=teacher_pk), user,
                        rules.VIEW_REPORTS).select_related("teacher", "school", "subject"))
    if not links:
        raise Http404("未找到该教师的任教记录，或无权查看。")
    return links


def _results(exam: Exam, level: str, school_ids, subjects) -> dict[tuple, dict]:
    rows = UnitResult.objects.filter(exam=exam, level=level, subject__in=subjects)
    if school_ids is not None:
        rows = rows.filter(school_id__in=school_ids)
    return {(r.school_id, r.class_name, r.subject): r.figures for r in rows}


def _relative(figures: dict, district: dict | None) -> dict:
    """A unit's figures with 超均率, 比均率 and T-score against the district."""
    return {**figures, **against_district(figures.get("mean"), district)}


def teacher_report(exam: Exam, links: list[ClassTeacher]) -> TeacherReport:
    """For each school and subject the teacher taught: their classes together (stored), each
    class, the school and the district, every line against the district."""
    teacher = links[0].teacher
    schools = {link.school_id: link.school for link in links}
    subjects = {link.subject.name: link.subject.position for link in links}
    district = {s: f for (_, _, s), f in _results(exam, ResultLevel.DISTRICT, None,
                                                  list(subjects)).items()}
    units = _results(exam, ResultLevel.SCHOOL, list(schools), list(subjects))
    units |= _results(exam, ResultLevel.CLASS, list(schools), list(subjects))
    stored = stored_rows(exam, schools)
    stale = stale_schools(exam, schools)
    taught: dict[tuple[int, str], list[str]] = {}
    for link in links:
        taught.setdefault((link.school_id, link.subject.name), []).append(link.class_name)
    report = TeacherReport(teacher)
    for (school, subject), classes in sorted(taught.items(), key=lambda item: (
            schools[item[0][0]].code, subjects[item[0][1]])):
        mine = next((r for r in stored.get(school, []) if r["teacher"] == teacher.pk
                     and r["subject"] == subject), None)
        lines = [Line("本人（任教班级合计）", mine or {}, "teacher")]
        lines += [Line(c, _relative(units.get((school, c, subject), {}), district.get(subject)),
                       "class") for c in sorted(classes, key=class_order)]
        lines.append(Line("本校", _relative(units.get((school, "", subject), {}),
                                           district.get(subject)), "school"))
        lines.append(Line("全区", district.get(subject, {}), "district"))
        report.sections.append(Section(schools[school], subject, lines, school in stale))
    return report


@dataclass
class TeacherRow:
    teacher: Teacher
    classes: list[str]
    figures: dict


@dataclass
class SchoolTeachers:
    subjects: list[str]
    subject: str
    rows: list[TeacherRow]
    school_figures: dict
    district_figures: dict
    stale: bool


def school_teachers(exam: Exam, school: School, subject: str) -> SchoolTeachers:
    """One subject's per-teacher figures of a school (the caller has checked the scope),
    teachers by mean, best first; the school and the district for reference."""
    links = list(ClassTeacher.objects.filter(exam=exam, school=school)
                 .select_related("teacher", "subject").only(
                     "class_name", "teacher__name", "teacher__employee_no", "subject__name",
                     "subject__position"))
    order = {link.subject.name: link.subject.position for link in links}
    subjects = sorted(order, key=lambda name: order[name])
    if subject not in order:
        subject = subjects[0] if subjects else ""
    teachers: dict[int, Teacher] = {}
    classes: dict[int, list[str]] = {}
    for link in links:
        if link.subject.name == subject:
            teachers[link.teacher_id] = link.teacher
            classes.setdefault(link.teacher_id, []).append(link.class_name)
    stored = {r["teacher"]: r for r in stored_rows(exam, [school.pk]).get(school.pk, [])
              if r["subject"] == subject}
    rows = [TeacherRow(t, sorted(classes[pk], key=class_order), stored.get(pk, {}))
            for pk, t in teachers.items()]
    rows.sort(key=lambda r: (r.figures.get("mean") is None, -(r.figures.get("mean") or 0),
                             r.teacher.employee_no))
    district = _results(exam, ResultLevel.DISTRICT, None, [subject]).get((None, "", subject), {})
    own = _results(exam, ResultLevel.SCHOOL, [school.pk], [subject]).get(
        (school.pk, "", subject), {})
    return SchoolTeachers(subjects, subject, rows, _relative(own, district), district,
                          school.pk in stale_schools(exam, [school.pk]))


def school_teachers_all(exam: Exam, school: School) -> list[SchoolTeachers]:
    """Every subject's table, for the .xlsx download."""
    first = school_teachers(exam, school, "")
    return [first] + [school_teachers(exam, school, s) for s in first.subjects[1:]]
