"""JSON API of the org module: the same lists (org.lists), reads (org.selectors) and writes
(org.services) as the pages, hence the same permissions, data scope and masking."""

from django.core.exceptions import PermissionDenied, ValidationError
from ninja import Query, Router

from yanxun.core.forms import field_label, readable_errors
from yanxun.core.listing import ListSpec, api_page, may_list
from yanxun.core.validators import validate_id_number, validate_phone
from yanxun.org import lists, selectors, services
from yanxun.org.models import Subject, Teacher
from yanxun.org.schemas import (
    ErrorOut,
    SchoolDetailOut,
    SchoolFilters,
    SchoolPage,
    StaffFilters,
    StaffPage,
    TeacherDetailOut,
    TeacherFilters,
    TeacherPage,
    TeacherPatch,
    school_detail_out,
    school_out,
    staff_out,
    teacher_detail_out,
    teacher_out,
)

router = Router(tags=["组织与人员"])

REFUSALS = {401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 422: ErrorOut}
LIST_REFUSALS = {401: ErrorOut, 403: ErrorOut, 400: ErrorOut, 422: ErrorOut}
PAGING = ("分页用 limit（每页条数，1–200，默认 20）和 offset（跳过条数）。"
          "结果按数据权限过滤：学校管理员只得到本校的数据。")


def _page(request, spec: ListSpec, filters) -> tuple[int, list]:
    if not may_list(request.auth, spec):
        raise PermissionDenied(f"无权查看{spec.title}列表。")
    params = {k: v for k, v in filters.dict().items() if v is not None}
    limit, offset = params.pop("limit"), params.pop("offset")
    return api_page(spec, request.auth, params, limit=limit, offset=offset)


@router.get("/schools", response={200: SchoolPage, **LIST_REFUSALS}, summary="学校列表",
            description="学校名单，可按名称/简称/代码搜索，按办学类型、城乡、薄弱学校、"
                        "教育集团筛选。" + PAGING)
def school_list(request, filters: Query[SchoolFilters]):
    count, rows = _page(request, lists.SCHOOLS, filters)
    return {"count": count, "items": [school_out(s) for s in rows]}


@router.get("/schools/{school_id}", response={200: SchoolDetailOut, **REFUSALS},
            summary="学校详情", description="不在数据权限内的学校返回 404。")
def school_detail(request, school_id: int):
    school = selectors.school_for_view(request.auth, school_id)
    total = selectors.school_teacher_summary(school)["total"]
    return school_detail_out(school, total)


@router.get("/teachers", response={200: TeacherPage, **LIST_REFUSALS}, summary="教师列表",
            description="与「教师」页面相同的搜索（姓名/工号/手机号）、筛选与排序。"
                        "身份证号、手机号一律隐去部分数字。" + PAGING)
def teacher_list(request, filters: Query[TeacherFilters]):
    count, rows = _page(request, lists.TEACHERS, filters)
    return {"count": count, "items": [teacher_out(t) for t in rows]}


@router.get("/teachers/{teacher_id}", response={200: TeacherDetailOut, **REFUSALS},
            summary="教师详情",
            description="含荣誉称号与任职经历。有权查看该教师个人信息的角色（系统管理员、"
                        "本校学校管理员、教师本人）得到完整身份证号与手机号，其他角色隐去部分数字。"
                        "不在数据权限内的教师返回 404。")
def teacher_detail(request, teacher_id: int):
    teacher = selectors.teacher_for_view(request.auth, teacher_id)
    return teacher_detail_out(teacher, full=selectors.can_see_personal_data(request.auth,
                                                                            teacher))


@router.patch("/teachers/{teacher_id}",
              response={200: TeacherDetailOut, 400: ErrorOut, **REFUSALS},
              summary="修改教师信息",
              description="只提交要修改的字段。与页面「编辑」使用同一业务规则并记入操作日志；"
                          "系统管理员可改全部教师，学校管理员只能改本校教师。")
def teacher_update(request, teacher_id: int, payload: TeacherPatch):
    teacher = selectors.teacher_for_edit(request.auth, teacher_id)
    fields = _checked_fields(payload.dict(exclude_unset=True))
    try:
        services.teacher_update(actor=request.auth, teacher=teacher, **fields)
    except ValidationError as exc:
        raise ValidationError(_labelled(exc)) from exc
    teacher = selectors.teacher_for_view(request.auth, teacher_id)
    return teacher_detail_out(teacher, full=selectors.can_see_personal_data(request.auth,
                                                                            teacher))


def _checked_fields(data: dict) -> dict:
    """Null means "not sent"; phone and 身份证号 are checked like the page form does."""
    data = {k: v for k, v in data.items() if v is not None}
    if any(isinstance(v, str) and "\x00" in v for v in data.values()):
        raise ValidationError("文本中不能包含空字符（\\0）。")
    if data.get("phone"):
        validate_phone(data["phone"])
    if "id_number" in data:
        validate_id_number(data["id_number"])
    if "subject_ids" in data:
        ids = set(data.pop("subject_ids"))
        subjects = list(Subject.objects.filter(pk__in=ids))
        if len(subjects) != len(ids):
            raise ValidationError("学科编号不存在：" + "、".join(
                str(i) for i in sorted(ids - {s.pk for s in subjects})))
        data["subjects"] = subjects
    return data


def _labelled(exc: ValidationError) -> list[str]:
    """Name the field in each message: 「姓名」：这个字段不能为空。"""
    out = []
    for name, messages in readable_errors(exc, Teacher).items():
        label = field_label(Teacher, name) if name else ""
        out.extend(f"「{label}」：{m}" if label else m for m in messages)
    return out


@router.get("/staff", response={200: StaffPage, **LIST_REFUSALS}, summary="研训员列表",
            description="中心的专职研训员与兼职教研员/科研员，可按姓名/登录名/部门搜索，"
                        "按类别、学科筛选。手机号隐去部分数字。" + PAGING)
def staff_list(request, filters: Query[StaffFilters]):
    count, rows = _page(request, lists.STAFF, filters)
    return {"count": count, "items": [staff_out(s) for s in rows]}
