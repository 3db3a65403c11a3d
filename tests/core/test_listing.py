"""The shared list mechanism: search, filters, sort, pagination, page rendering, export and
masking, on the teacher list (the busiest one) with exact results."""

import io
from datetime import date

import polars as pl
import pytest
from django.urls import reverse
from django.utils import timezone

from tests.factories import SubjectFactory, TeacherFactory
from yanxun.core.enums import Role
from yanxun.core.exports import content_disposition
from yanxun.core.listing import filtered_queryset, page_of, parse_query
from yanxun.core.models import AuditLog
from yanxun.org.enums import HonourLevel, HonourTier, ProfessionalTitle, Stage, TeacherStatus
from yanxun.org.lists import SCHOOLS, TEACHERS
from yanxun.org.models import TeacherHonour

HEADERS = ["工号", "姓名", "性别", "学校", "学段", "任教学科", "职称", "荣誉称号", "入职年份",
           "身份证号", "手机号", "状态"]


@pytest.fixture
def roster(world):
    """World's 张晓明 (A, 2010) and 李秋华 (B, 2010) plus two more teachers of school A."""
    maths = SubjectFactory(name="数学")
    wang = TeacherFactory(school=world.school_a, name="王晓东", employee_no="A0002",
                          stage=Stage.PRIMARY, professional_title=ProfessionalTitle.SENIOR,
                          entry_year=2005, id_number="320102198503120071",
                          phone="13812345678")
    wang.subjects.set([maths])
    for level in (HonourLevel.SCHOOL, HonourLevel.DISTRICT):
        TeacherHonour.objects.create(teacher=wang, tier=HonourTier.BACKBONE, level=level,
                                     awarded_on=date(2020, 9, 1))
    TeacherFactory(school=world.school_a, name="陈丽", employee_no="A0003",
                   stage=Stage.PRIMARY, professional_title=ProfessionalTitle.FIRST,
                   status=TeacherStatus.RETIRED, entry_year=1995,
                   id_number="320102199001010088", phone="")
    world.maths, world.wang = maths, wang
    return world


def names(world, role=Role.ADMIN, **params) -> list[str]:
    query = parse_query(TEACHERS, params)
    return list(filtered_queryset(TEACHERS, world.users[role], query)
                .values_list("name", flat=True))


def test_default_order_is_by_school_then_entry(roster):
    assert names(roster) == ["张晓明", "王晓东", "陈丽", "李秋华"]


def test_search_by_name_employee_number_and_whole_phone(roster):
    assert names(roster, q="晓") == ["张晓明", "王晓东"]
    assert names(roster, q="b00") == ["李秋华"]
    assert names(roster, q="13812345678") == ["王晓东"]
    assert names(roster, q="1381234") == []  # phone numbers match whole, not by digits
    assert names(roster, q="  陈丽 ") == ["陈丽"]


def test_filters(roster):
    assert names(roster, stage="primary") == ["王晓东", "陈丽"]
    assert names(roster, title="senior") == ["王晓东"]
    assert names(roster, status="retired") == ["陈丽"]
    assert names(roster, honour="backbone") == ["王晓东"]  # two 骨干 honours, one row
    assert names(roster, subject=str(roster.maths.pk)) == ["王晓东"]
    assert names(roster, school=str(roster.school_b.pk)) == ["李秋华"]
    assert names(roster, stage="primary", status="active") == ["王晓东"]


def test_bad_filter_values_are_dropped_with_a_message(roster):
    query = parse_query(TEACHERS, {"stage": "college", "school": "x1", "sort": "salary"})
    assert query.errors == ["「学校」取值无效：x1", "「学段」取值无效：college", "不能按「salary」排序"]
    assert query.filters == {}
    assert query.sort == "school"
    assert names(roster, stage="college") == ["张晓明", "王晓东", "陈丽", "李秋华"]


def test_sort_whitelisted_columns_both_ways(roster):
    assert names(roster, sort="entry_year") == ["陈丽", "王晓东", "张晓明", "李秋华"]
    assert names(roster, sort="-entry_year") == ["李秋华", "张晓明", "王晓东", "陈丽"]
    assert names(roster, sort="-title") == ["王晓东", "陈丽", "李秋华", "张晓明"]
    assert names(roster, sort="subjects") == ["张晓明", "王晓东", "陈丽", "李秋华"]


def test_scope_applies_before_search(roster):
    assert names(roster, Role.SCHOOL_ADMIN) == ["张晓明", "王晓东", "陈丽"]
    assert names(roster, Role.SCHOOL_ADMIN, q="李秋华") == []


@pytest.fixture
def many(world):
    for n in range(43):
        TeacherFactory(school=world.school_a, employee_no=f"M{n:03d}", name=f"教师{n:02d}")
    return world  # 45 teachers


def test_pagination(many):
    admin = many.users[Role.ADMIN]
    page = page_of(TEACHERS, admin, parse_query(TEACHERS, {"page": "3"}))
    assert (page.total, page.number, page.pages, len(page.objects)) == (45, 3, 3, 5)
    page = page_of(TEACHERS, admin, parse_query(TEACHERS, {"page": "99", "per_page": "50"}))
    assert (page.number, page.pages, len(page.objects)) == (1, 1, 45)
    assert parse_query(TEACHERS, {"per_page": "37", "page": "abc"}).per_page == 20
    assert parse_query(TEACHERS, {"page": "-2"}).page == 1


def test_links_keep_search_filters_and_sort(world):
    query = parse_query(TEACHERS, {"q": "张", "stage": "junior", "sort": "-name", "page": "2"})
    assert query.params(page=3) == "q=%E5%BC%A0&stage=junior&sort=-name&page=3"
    assert query.params(page=1, sort="school") == "q=%E5%BC%A0&stage=junior"


def test_page_shows_summary_sort_links_and_masked_phone(roster):
    client = roster.client_for(Role.ADMIN)
    response = client.get(reverse("org:teacher_list"), {"q": "王晓东", "sort": "-entry_year"})
    table = response.context["table"]
    assert table["pagination"]["total"] == 1
    html = response.content.decode()
    assert "共 <strong>1</strong> 条　第 1/1 页" in html
    assert [c["text"] for c in table["rows"][0]["cells"]] == [
        "A0002", "王晓东", "女", "城东实验学校", "小学", "数学", "高级教师",
        "校级骨干教师、区级骨干教师", "138****5678", "在职"]
    # 入职年份 and 身份证号 are export-only columns
    assert [h["label"] for h in table["headers"]] == [
        "工号", "姓名", "性别", "学校", "学段", "任教学科", "职称", "荣誉称号", "手机号", "状态"]
    name_header = next(h for h in table["headers"] if h.get("key") == "name")
    assert name_header == {"label": "姓名", "url": "?q=%E7%8E%8B%E6%99%93%E4%B8%9C&sort=name",
                           "dir": "", "key": "name"}
    assert table["export_url"] == "?q=%E7%8E%8B%E6%99%93%E4%B8%9C&sort=-entry_year&format=xlsx"


def _export(client, **params) -> pl.DataFrame:
    response = client.get(reverse("org:teacher_list"), {**params, "format": "xlsx"})
    assert response.status_code == 200
    return pl.read_excel(io.BytesIO(response.content), engine="calamine",
                         read_options={"dtypes": "string"})


def test_export_has_every_matching_row_not_just_the_page(many):
    frame = _export(many.client_for(Role.ADMIN), per_page="20", page="2")
    assert frame.columns == HEADERS
    assert frame.height == 45


def test_export_masks_unless_the_role_may_see_personal_data(roster):
    leader = _export(roster.client_for(Role.LEADER), stage="primary")
    assert leader.select("姓名", "身份证号", "手机号").rows() == [
        ("王晓东", "3201**********0071", "138****5678"), ("陈丽", "3201**********0088", "")]
    admin = _export(roster.client_for(Role.ADMIN), stage="primary")
    assert admin.select("身份证号", "手机号").rows() == [
        ("320102198503120071", "13812345678"), ("320102199001010088", "")]
    school_admin = _export(roster.client_for(Role.SCHOOL_ADMIN), q="王晓东")
    assert school_admin.row(0) == ("A0002", "王晓东", "女", "城东实验学校", "小学", "数学",
                                   "高级教师", "校级骨干教师、区级骨干教师", "2005",
                                   "320102198503120071", "13812345678", "在职")


def test_every_export_of_people_is_in_the_audit_log(roster):
    _export(roster.client_for(Role.LEADER), stage="primary")
    _export(roster.client_for(Role.ADMIN), q="王")
    logs = list(AuditLog.objects.filter(action="export.personal_data").order_by("id"))
    assert [(log.actor.username, log.object_type, log.object_repr, log.after) for log in logs] == [
        ("leader", "list.teachers", "导出教师",
         {"list": "teachers", "rows": 2, "unmasked": False,
          "filters": {"stage": "primary", "sort": "school"}}),
        ("admin", "list.teachers", "导出教师",
         {"list": "teachers", "rows": 1, "unmasked": True,
          "filters": {"q": "王", "sort": "school"}}),
    ]


def test_export_file_name_is_chinese_with_an_ascii_fallback(roster):
    response = roster.client_for(Role.ADMIN).get(reverse("org:teacher_list"), {"format": "xlsx"})
    day = timezone.localdate().strftime("%Y%m%d")
    assert response["Content-Disposition"] == (
        f"attachment; filename=\"export_{day}.xlsx\"; "
        f"filename*=UTF-8''%E6%95%99%E5%B8%88_{day}.xlsx")
    assert response["Content-Type"] == (
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    assert content_disposition("a b.xlsx") == (
        "attachment; filename=\"a b.xlsx\"; filename*=UTF-8''a%20b.xlsx")


def test_export_refused_without_export_permission(roster):
    response = roster.client_for(Role.JUDGE).get(reverse("org:teacher_list"), {"format": "xlsx"})
    assert response.status_code == 403
    assert not AuditLog.objects.filter(action="export.personal_data").exists()


def test_school_list_counts_active_teachers_and_filters_weak(roster):
    roster.school_b.is_weak = True
    roster.school_b.save()
    admin = roster.users[Role.ADMIN]
    rows = filtered_queryset(SCHOOLS, admin, parse_query(SCHOOLS, {}))
    assert [(s.name, s.teacher_count) for s in rows] == [("城东实验学校", 2), ("城西中学", 1)]
    weak = filtered_queryset(SCHOOLS, admin, parse_query(SCHOOLS, {"weak": "1"}))
    assert [s.name for s in weak] == ["城西中学"]


def test_out_of_range_ids_in_filters_are_dropped(roster):
    huge = "3541929173294335515706058212192026624"
    query = parse_query(TEACHERS, {"school": huge, "subject": "9223372036854775808"})
    assert query.errors == ["「学校」取值无效：354192917329433551570605821219",
                            "「学科」取值无效：9223372036854775808"]
    response = roster.client_for(Role.ADMIN).get(reverse("org:teacher_list"), {"school": huge})
    assert response.context["table"]["pagination"]["total"] == 4
