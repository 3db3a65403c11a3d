"""Reads of the org module for pages and the API. Each takes the acting user and applies
the data scope (core.permissions.scoped): a row outside it is "not found" (404), a row
inside it that the user may see but not change is "forbidden" (403)."""

from django.core.exceptions import PermissionDenied
from django.db.models import Count, Prefetch, QuerySet
from django.http import Http404

from yanxun.accounts.models import User
from yanxun.core.cache import TTLCache
from yanxun.core.enums import DataScope
from yanxun.core.listing import CHOICES_SECONDS
from yanxun.core.permissions import best_scope, has_perm, scoped
from yanxun.org import rules
from yanxun.org.models import (
    School,
    StaffMember,
    Subject,
    Teacher,
    TeacherHonour,
    TeacherPosting,
)

_SUBJECTS = TTLCache(seconds=CHOICES_SECONDS, size=1)


def _get(queryset: QuerySet, pk):
    obj = queryset.filter(pk=pk).first()
    if obj is None:
        raise Http404("未找到该记录，或无权查看。")
    return obj


def _require(user, perm, message: str) -> None:
    if not has_perm(user, perm):
        raise PermissionDenied(message)


def teacher_queryset_for(user) -> QuerySet[Teacher]:
    return scoped(Teacher.objects.select_related("school", "user"), user, rules.VIEW_TEACHERS)


def subject_table() -> dict[int, tuple[tuple[int, str], str]]:
    """Subject pk → (its place in the subjects' order, name), shared by every list page
    (cached for a minute per worker, cleared when any org record changes)."""
    def load():
        rows = Subject.objects.values_list("pk", "sort_order", "name")
        return {pk: ((order, name), name) for pk, order, name in rows}

    return _SUBJECTS.get("subjects", load)


def with_subjects_and_honours(teachers: list[Teacher]) -> list[Teacher]:
    """Give each teacher `subject_names` (in the subjects' order) and `honour_list` (newest
    first): two plain queries for the whole batch. Lists, exports and the API read these
    instead of prefetch_related, whose machinery cost more than the rest of a list page."""
    by_pk = {t.pk: t for t in teachers}
    for teacher in teachers:
        teacher.subject_names, teacher.honour_list = [], []
    subjects = subject_table()
    through = Teacher.subjects.through.objects.filter(teacher_id__in=by_pk)
    for teacher_id, subject_id in sorted(through.values_list("teacher_id", "subject_id"),
                                         key=lambda row: subjects[row[1]][0]):
        by_pk[teacher_id].subject_names.append(subjects[subject_id][1])
    for honour in TeacherHonour.objects.filter(teacher_id__in=by_pk):
        by_pk[honour.teacher_id].honour_list.append(honour)
    return teachers


def teacher_for_view(user, pk) -> Teacher:
    _require(user, rules.VIEW_TEACHERS, "无权查看教师信息。")
    queryset = teacher_queryset_for(user).prefetch_related(
        Prefetch("postings", queryset=TeacherPosting.objects.select_related("school")
                 .order_by("-start_date")))
    return with_subjects_and_honours([_get(queryset, pk)])[0]


def teacher_for_edit(user, pk) -> Teacher:
    teacher = teacher_for_view(user, pk)
    if not can_manage_teacher(user, teacher):
        raise PermissionDenied("无权修改该教师的信息。")
    return teacher


def can_manage_teacher(user, teacher: Teacher) -> bool:
    return scoped(Teacher.objects.filter(pk=teacher.pk), user, rules.MANAGE_TEACHERS).exists()


def can_see_personal_data(user, teacher: Teacher) -> bool:
    return scoped(Teacher.objects.filter(pk=teacher.pk), user,
                  rules.VIEW_PERSONAL_DATA).exists()


def can_transfer(user) -> bool:
    """调动 moves a teacher between schools, so it needs 维护教师 over every school."""
    return best_scope(user, rules.MANAGE_TEACHERS) == DataScope.ALL


def can_reset_password(user, teacher: Teacher) -> bool:
    from yanxun.accounts.rules import RESET_PASSWORDS
    from yanxun.accounts.selectors import users_visible_for

    if teacher.user_id is None or not has_perm(user, RESET_PASSWORDS):
        return False
    return users_visible_for(user, RESET_PASSWORDS).filter(pk=teacher.user_id).exists()


def schools_for_new_teacher(user) -> QuerySet[School]:
    return scoped(School.objects.filter(is_active=True), user, rules.MANAGE_TEACHERS)


def school_for_view(user, pk) -> School:
    _require(user, rules.VIEW_SCHOOLS, "无权查看学校信息。")
    queryset = scoped(School.objects.select_related("district")
                      .prefetch_related("education_groups", "research_communities"),
                      user, rules.VIEW_SCHOOLS)
    return _get(queryset, pk)


def school_for_edit(user, pk) -> School:
    school = school_for_view(user, pk)
    _require(user, rules.MANAGE_SCHOOLS, "无权修改学校信息。")
    return school


def school_teacher_summary(school: School) -> dict:
    """Active teachers of a school by 学段 and by 职称, for the school page."""
    from yanxun.org.enums import ProfessionalTitle, Stage, TeacherStatus

    active = Teacher.objects.filter(school=school, status=TeacherStatus.ACTIVE)
    by_stage = dict(active.order_by().values_list("stage").annotate(n=Count("pk")))
    by_title = dict(active.order_by().values_list("professional_title").annotate(n=Count("pk")))
    return {
        "stages": [{"label": label, "count": by_stage[value]}
                   for value, label in Stage.choices if by_stage.get(value)],
        "titles": [{"label": label, "count": by_title[value]}
                   for value, label in ProfessionalTitle.choices if by_title.get(value)],
        "total": sum(by_stage.values()),
    }


def staff_for_view(user, pk) -> StaffMember:
    _require(user, rules.VIEW_STAFF, "无权查看研训员信息。")
    queryset = scoped(StaffMember.objects.select_related("user", "teacher__school")
                      .prefetch_related("subjects"), user, rules.VIEW_STAFF)
    return _get(queryset, pk)


def own_teacher(user: User) -> Teacher | None:
    """The teacher record of the logged-in user (我的档案), if they have one."""
    queryset = Teacher.objects.select_related("school").prefetch_related(
        Prefetch("postings", queryset=TeacherPosting.objects.select_related("school")
                 .order_by("-start_date")))
    teacher = queryset.filter(user=user).first()
    return with_subjects_and_honours([teacher])[0] if teacher else None


def teacher_overview(user) -> dict | None:
    """Active teachers within the user's scope by 学段 and by 职称 (dashboard charts);
    None for users who see no list of teachers (a teacher sees only themself)."""
    from yanxun.core.listing import listable
    from yanxun.org.enums import ProfessionalTitle, Stage, TeacherStatus

    if not has_perm(user, listable(rules.VIEW_TEACHERS)):
        return None
    active = scoped(Teacher.objects.filter(status=TeacherStatus.ACTIVE), user,
                    rules.VIEW_TEACHERS)
    by_stage = dict(active.order_by().values_list("stage").annotate(n=Count("pk")))
    by_title = dict(active.order_by().values_list("professional_title").annotate(n=Count("pk")))
    return {
        "stages": [{"name": str(label), "value": by_stage.get(value, 0)}
                   for value, label in Stage.choices],
        "titles": [{"name": str(label), "value": by_title[value]}
                   for value, label in ProfessionalTitle.choices if by_title.get(value)],
    }


def weak_school_count(user) -> int | None:
    from yanxun.core.listing import listable

    if not has_perm(user, listable(rules.VIEW_SCHOOLS)):
        return None
    return scoped(School.objects.filter(is_active=True, is_weak=True), user,
                  rules.VIEW_SCHOOLS).count()
