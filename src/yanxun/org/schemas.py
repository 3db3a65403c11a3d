"""API schemas of the org module, and the functions that fill them from model rows.

Personal data in the API follows the pages: lists always mask 身份证号 and 手机号; a detail
shows them in full only to a user whose role may see that teacher's personal data
(org.VIEW_PERSONAL_DATA within its data scope)."""

from datetime import date
from typing import Annotated, Literal

from ninja import Field, Schema

from yanxun.core.listing import MAX_ID
from yanxun.core.masking import mask_id_number, mask_phone
from yanxun.org.enums import (
    HonourTier,
    ProfessionalTitle,
    SchoolType,
    StaffKind,
    Stage,
    TeacherStatus,
)
from yanxun.org.models import School, StaffMember, Teacher

StageValue = Literal[tuple(Stage.values)]  # type: ignore[valid-type]
TitleValue = Literal[tuple(ProfessionalTitle.values)]  # type: ignore[valid-type]
StatusValue = Literal[tuple(TeacherStatus.values)]  # type: ignore[valid-type]
HonourValue = Literal[tuple(HonourTier.values)]  # type: ignore[valid-type]
GenderValue = Literal["male", "female"]
SchoolTypeValue = Literal[tuple(SchoolType.values)]  # type: ignore[valid-type]
KindValue = Literal[tuple(StaffKind.values)]  # type: ignore[valid-type]


def _choices_text(choices) -> str:
    return "；".join(f"{value}={label}" for value, label in choices)


class ErrorOut(Schema):
    detail: str = Field(..., description="中文说明")


class ListParams(Schema):
    limit: int = Field(20, ge=1, le=200, description="每页条数（1–200）")
    offset: int = Field(0, ge=0, le=10_000_000, description="跳过的条数")
    q: str | None = Field(None, max_length=100, description="搜索")
    sort: str | None = Field(None, max_length=40,
                             description="排序字段，前加 - 表示降序，如 -entry_year")


class SchoolFilters(ListParams):
    school_type: SchoolTypeValue | None = Field(None, description="办学类型："
                                                + _choices_text(SchoolType.choices))
    location: Literal["city", "town", "rural"] | None = Field(
        None, description="城乡：city=城区；town=镇区；rural=乡村")
    weak: Literal["1", "0"] | None = Field(None, description="薄弱学校：1=是；0=否")
    group: int | None = Field(None, ge=1, le=MAX_ID, description="教育集团编号")
    active: Literal["1", "0"] | None = Field(None, description="在用：1=是；0=否")


class SchoolOut(Schema):
    id: int
    code: str = Field(..., description="学校代码")
    name: str = Field(..., description="学校名称")
    short_name: str = Field(..., description="简称")
    school_type: str = Field(..., description="办学类型代码")
    school_type_label: str = Field(..., description="办学类型")
    location: str = Field(..., description="城乡代码")
    location_label: str = Field(..., description="城乡")
    is_weak: bool = Field(..., description="薄弱学校")
    is_active: bool = Field(..., description="在用")
    education_groups: list[str] = Field(..., description="所属教育集团")


class SchoolDetailOut(SchoolOut):
    district: str = Field(..., description="区县")
    address: str = Field(..., description="地址")
    research_communities: list[str] = Field(..., description="所属教研共同体")
    active_teachers: int = Field(..., description="在职教师人数")


class SchoolPage(Schema):
    count: int = Field(..., description="符合条件的总条数")
    items: list[SchoolOut]


def school_out(school: School) -> dict:
    return {
        "id": school.pk, "code": school.code, "name": school.name,
        "short_name": school.short_name, "school_type": school.school_type,
        "school_type_label": school.get_school_type_display(), "location": school.location,
        "location_label": school.get_location_display(), "is_weak": school.is_weak,
        "is_active": school.is_active,
        "education_groups": [g.name for g in school.education_groups.all()],
    }


def school_detail_out(school: School, active_teachers: int) -> dict:
    return {**school_out(school), "district": school.district.name, "address": school.address,
            "research_communities": [c.name for c in school.research_communities.all()],
            "active_teachers": active_teachers}


class TeacherFilters(ListParams):
    school: int | None = Field(None, ge=1, le=MAX_ID, description="学校编号")
    stage: StageValue | None = Field(None, description="学段：" + _choices_text(Stage.choices))
    subject: int | None = Field(None, ge=1, le=MAX_ID, description="学科编号")
    title: TitleValue | None = Field(None, description="职称："
                                     + _choices_text(ProfessionalTitle.choices))
    status: StatusValue | None = Field(None, description="状态："
                                       + _choices_text(TeacherStatus.choices))
    honour: HonourValue | None = Field(None, description="荣誉称号："
                                       + _choices_text(HonourTier.choices))


class HonourOut(Schema):
    tier: str = Field(..., description="称号代码")
    label: str = Field(..., description="称号，如「区级骨干教师」")
    level: str = Field(..., description="级别代码，特级教师为空")
    awarded_on: date = Field(..., description="认定日期")
    expires_on: date | None = Field(None, description="有效期至")


class PostingOut(Schema):
    school_id: int
    school_name: str = Field(..., description="学校")
    start_date: date = Field(..., description="起始日期")
    end_date: date | None = Field(None, description="结束日期；空表示至今")
    note: str = Field(..., description="说明")


class TeacherOut(Schema):
    id: int
    employee_no: str = Field(..., description="工号")
    name: str = Field(..., description="姓名")
    gender: str = Field(..., description="性别代码")
    gender_label: str = Field(..., description="性别")
    school_id: int
    school_name: str = Field(..., description="学校")
    stage: str = Field(..., description="学段代码")
    stage_label: str = Field(..., description="学段")
    subjects: list[str] = Field(..., description="任教学科")
    professional_title: str = Field(..., description="职称代码")
    professional_title_label: str = Field(..., description="职称")
    honours: list[HonourOut] = Field(..., description="荣誉称号")
    entry_year: int = Field(..., description="入职年份")
    status: str = Field(..., description="状态代码")
    status_label: str = Field(..., description="状态")
    id_number: str = Field(..., description="身份证号（无权查看时为 3201**********1234 形式）")
    phone: str = Field(..., description="手机号（无权查看时为 139****1234 形式）")
    personal_masked: bool = Field(..., description="身份证号、手机号是否已隐去部分数字")


class TeacherDetailOut(TeacherOut):
    username: str | None = Field(None, description="登录名")
    postings: list[PostingOut] = Field(..., description="任职经历，新的在前")


class TeacherPage(Schema):
    count: int = Field(..., description="符合条件的总条数")
    items: list[TeacherOut]


class TeacherPatch(Schema):
    """只提交要修改的字段；调动学校请在页面上办理「调动」。"""

    employee_no: str | None = Field(None, min_length=1, max_length=30, description="工号")
    name: str | None = Field(None, min_length=1, max_length=50, description="姓名")
    gender: GenderValue | None = Field(None, description="性别：male=男；female=女")
    id_number: str | None = Field(None, min_length=18, max_length=18, description="身份证号")
    phone: str | None = Field(None, max_length=11, description="手机号；空字符串表示清除")
    stage: StageValue | None = Field(None, description="学段")
    subject_ids: list[Annotated[int, Field(ge=1, le=MAX_ID)]] | None = Field(
        None, max_length=30, description="任教学科编号")
    professional_title: TitleValue | None = Field(None, description="职称")
    entry_year: int | None = Field(None, ge=1950, le=2100, description="入职年份")
    status: StatusValue | None = Field(None, description="状态")


def _honour(h) -> dict:
    return {"tier": h.tier, "label": str(h), "level": h.level, "awarded_on": h.awarded_on,
            "expires_on": h.expires_on}


def teacher_out(teacher: Teacher, *, full: bool = False) -> dict:
    return {
        "id": teacher.pk, "employee_no": teacher.employee_no, "name": teacher.name,
        "gender": teacher.gender, "gender_label": teacher.get_gender_display(),
        "school_id": teacher.school_id, "school_name": teacher.school.name,
        "stage": teacher.stage, "stage_label": teacher.get_stage_display(),
        "subjects": teacher.subject_names,
        "professional_title": teacher.professional_title,
        "professional_title_label": teacher.get_professional_title_display(),
        "honours": [_honour(h) for h in teacher.honour_list],
        "entry_year": teacher.entry_year, "status": teacher.status,
        "status_label": teacher.get_status_display(),
        "id_number": teacher.id_number if full else mask_id_number(teacher.id_number),
        "phone": teacher.phone if full else mask_phone(teacher.phone),
        "personal_masked": not full,
    }


def teacher_detail_out(teacher: Teacher, *, full: bool) -> dict:
    postings = [{"school_id": p.school_id, "school_name": p.school.name,
                 "start_date": p.start_date, "end_date": p.end_date, "note": p.note}
                for p in teacher.postings.all()]
    return {**teacher_out(teacher, full=full), "postings": postings,
            "username": teacher.user.username if teacher.user_id else None}


class StaffFilters(ListParams):
    kind: KindValue | None = Field(None, description="类别：" + _choices_text(StaffKind.choices))
    subject: int | None = Field(None, ge=1, le=MAX_ID, description="学科编号")


class StaffOut(Schema):
    id: int
    username: str = Field(..., description="登录名")
    name: str = Field(..., description="姓名")
    kind: str = Field(..., description="类别代码")
    kind_label: str = Field(..., description="类别")
    department: str = Field(..., description="部门")
    subjects: list[str] = Field(..., description="负责学科")
    stages: list[str] = Field(..., description="负责学段代码")
    school_name: str | None = Field(None, description="兼职教研员所在学校")
    phone: str = Field(..., description="手机号（无权查看时隐去部分数字）")


class StaffPage(Schema):
    count: int = Field(..., description="符合条件的总条数")
    items: list[StaffOut]


def staff_out(staff: StaffMember) -> dict:
    """A row of the staff list: the phone number is masked, as in every list."""
    return {
        "id": staff.pk, "username": staff.user.username, "name": staff.user.name,
        "kind": staff.kind, "kind_label": staff.get_kind_display(),
        "department": staff.department, "subjects": [s.name for s in staff.subjects.all()],
        "stages": list(staff.stages or []),
        "school_name": staff.teacher.school.name if staff.teacher_id else None,
        "phone": mask_phone(staff.user.phone),
    }
