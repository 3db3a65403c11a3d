"""The org API: same lists, scope, masking and services as the pages; Chinese refusals."""

import json
from datetime import date

import pytest
from django.test import Client

from tests.factories import SubjectFactory, TeacherFactory, UserFactory
from yanxun.accounts.services import api_token_create
from yanxun.api import api
from yanxun.core.enums import Role
from yanxun.core.models import AuditLog
from yanxun.org.enums import StaffKind
from yanxun.org.models import StaffMember, TeacherHonour, TeacherPosting


def _masked_id(value: str) -> str:
    return value[:4] + "*" * 10 + value[-4:]


def _patch(client, teacher_id, body):
    return client.patch(f"/api/org/teachers/{teacher_id}", json.dumps(body),
                        content_type="application/json")


def test_teacher_list_for_a_school_admin_is_own_school_and_masked(world):
    response = world.client_for(Role.SCHOOL_ADMIN).get("/api/org/teachers")
    teacher = world.teacher_a
    assert response.json() == {"count": 1, "items": [{
        "id": teacher.pk, "employee_no": "A0001", "name": "张晓明", "gender": "female",
        "gender_label": "女", "school_id": world.school_a.pk, "school_name": "城东实验学校",
        "stage": "junior", "stage_label": "初中", "subjects": [],
        "professional_title": "none", "professional_title_label": "未定级", "honours": [],
        "entry_year": 2010, "status": "active", "status_label": "在职",
        "id_number": _masked_id(teacher.id_number),
        "phone": teacher.phone[:3] + "****" + teacher.phone[-4:], "personal_masked": True}]}


def test_teacher_list_search_filter_sort_and_paging(world):
    maths = SubjectFactory(name="数学")
    for n in range(5):
        t = TeacherFactory(school=world.school_b, employee_no=f"B01{n}", name=f"数学教师{n}",
                           entry_year=2015 + n)
        t.subjects.set([maths])
    client = world.client_for(Role.TRAINER)
    page = client.get(f"/api/org/teachers?subject={maths.pk}&sort=-entry_year&limit=2&offset=1")
    assert page.json()["count"] == 5
    assert [t["name"] for t in page.json()["items"]] == ["数学教师3", "数学教师2"]
    assert [t["name"] for t in client.get("/api/org/teachers?q=B014").json()["items"]] == [
        "数学教师4"]
    assert client.get("/api/org/teachers?stage=primary").json() == {"count": 0, "items": []}


def test_list_refusals_are_chinese_json(world):
    client = world.client_for(Role.ADMIN)
    bad_sort = client.get("/api/org/teachers?sort=salary")
    assert (bad_sort.status_code, bad_sort.json()) == (400, {"detail": "不能按「salary」排序"})
    bad_stage = client.get("/api/org/teachers?stage=college")
    assert bad_stage.status_code == 422
    assert bad_stage.json()["detail"] == "请求参数不合法。"
    too_many = client.get("/api/org/teachers?limit=500")
    assert too_many.status_code == 422
    teacher = world.client_for(Role.TEACHER).get("/api/org/teachers")
    assert (teacher.status_code, teacher.json()) == (403, {"detail": "无权查看教师列表。"})
    anonymous = Client().get("/api/org/teachers")
    assert (anonymous.status_code, anonymous.json()) == (
        401, {"detail": "未登录或登录已过期，请先登录。"})


def test_teacher_detail_full_for_admin_masked_for_leader(world):
    TeacherHonour.objects.create(teacher=world.teacher_a, tier="special", level="",
                                 awarded_on=date(2022, 9, 10))
    TeacherPosting.objects.create(teacher=world.teacher_a, school=world.school_a,
                                  start_date=date(2010, 9, 1))
    url = f"/api/org/teachers/{world.teacher_a.pk}"
    admin = world.client_for(Role.ADMIN).get(url).json()
    leader = world.client_for(Role.LEADER).get(url).json()
    assert (admin["id_number"], admin["personal_masked"]) == (world.teacher_a.id_number, False)
    assert (leader["id_number"], leader["personal_masked"]) == (
        _masked_id(world.teacher_a.id_number), True)
    assert admin["honours"] == [{"tier": "special", "label": "特级教师", "level": "",
                                 "awarded_on": "2022-09-10", "expires_on": None}]
    assert admin["postings"] == [{"school_id": world.school_a.pk, "school_name": "城东实验学校",
                                  "start_date": "2010-09-01", "end_date": None, "note": ""}]
    assert admin["username"] == "A0001"


def test_patch_uses_the_service_and_is_audited(world):
    maths = SubjectFactory(name="数学")
    client = world.client_for(Role.SCHOOL_ADMIN)
    response = _patch(client, world.teacher_a.pk,
                      {"professional_title": "second", "subject_ids": [maths.pk],
                       "phone": "13911112222"})
    assert response.status_code == 200
    body = response.json()
    assert (body["professional_title_label"], body["subjects"], body["phone"]) == (
        "二级教师", ["数学"], "13911112222")
    log = AuditLog.objects.get(action="teacher.update")
    assert (log.actor.username, log.after) == (
        "schooladmin", {"professional_title": "second", "phone": "13911112222"})
    world.teacher_a.user.refresh_from_db()
    assert world.teacher_a.user.phone == "13911112222"


@pytest.mark.parametrize(("body", "status", "detail"), [
    ({"phone": "1234"}, 400, "手机号应为 11 位手机号码"),
    ({"id_number": "110105194912310021"}, 400, "身份证号校验位错误"),
    ({"subject_ids": [9999]}, 400, "学科编号不存在：9999"),
    ({"school": 1}, 200, None),  # unknown fields are ignored: a transfer is its own action
    ({"name": ""}, 422, "请求参数不合法。"),
    ({"entry_year": 1800}, 422, "请求参数不合法。"),
])
def test_patch_bad_input_changes_nothing(world, body, status, detail):
    response = _patch(world.client_for(Role.ADMIN), world.teacher_a.pk, body)
    assert response.status_code == status
    if detail:
        assert response.json()["detail"] == detail
    world.teacher_a.refresh_from_db()
    assert (world.teacher_a.school, world.teacher_a.name) == (world.school_a, "张晓明")
    assert not AuditLog.objects.exists()


def test_patch_duplicate_id_number_names_the_field(world):
    response = _patch(world.client_for(Role.ADMIN), world.teacher_a.pk,
                      {"id_number": world.teacher_b.id_number})
    assert (response.status_code, response.json()) == (
        400, {"detail": "「身份证号」：该身份证号已被使用，不能重复。"})


def test_bearer_token_has_the_same_scope(world):
    key = api_token_create(actor=None, user=world.users[Role.SCHOOL_ADMIN], name="脚本")
    client = Client(HTTP_AUTHORIZATION=f"Bearer {key}")
    assert [t["name"] for t in client.get("/api/org/teachers").json()["items"]] == ["张晓明"]
    assert client.get(f"/api/org/teachers/{world.teacher_b.pk}").status_code == 404


def test_schools_and_staff(world):
    staff = StaffMember.objects.create(
        user=UserFactory(username="staff01", name="吴研训", phone="13900009999"),
        kind=StaffKind.PART_TIME_RESEARCH, department="中学研训部", stages=["junior"],
        teacher=world.teacher_b)
    client = world.client_for(Role.LEADER)
    schools = client.get("/api/org/schools?location=city").json()
    assert [s["name"] for s in schools["items"]] == ["城东实验学校", "城西中学"]
    detail = client.get(f"/api/org/schools/{world.school_b.pk}").json()
    assert (detail["district"], detail["active_teachers"], detail["research_communities"]) == (
        "示范区", 1, [])
    assert client.get("/api/org/staff").json() == {"count": 1, "items": [{
        "id": staff.pk, "username": "staff01", "name": "吴研训", "kind": "part_time_teaching",
        "kind_label": "兼职教研员", "department": "中学研训部", "subjects": [],
        "stages": ["junior"], "school_name": "城西中学", "phone": "139****9999"}]}


def test_me(world):
    body = world.client_for(Role.SCHOOL_ADMIN).get("/api/accounts/me").json()
    assert body == {"id": world.users[Role.SCHOOL_ADMIN].pk, "username": "schooladmin",
                    "name": "钱教务", "phone": None, "roles": ["school_admin"],
                    "role_assignments": [{"role": "school_admin", "label": "学校管理员",
                                          "school_id": world.school_a.pk,
                                          "education_group_id": None, "expires_at": None}],
                    "teacher_id": None}
    assert world.client_for(Role.TEACHER).get("/api/accounts/me").json()["teacher_id"] == (
        world.teacher_a.pk)


def test_every_operation_is_documented_in_chinese():
    schema = api.get_openapi_schema()
    for path, operations in schema["paths"].items():
        for method, operation in operations.items():
            text = operation.get("summary", "") + operation.get("description", "")
            assert any("\u4e00" <= ch <= "\u9fff" for ch in text), (method, path)


def test_out_of_range_ids_and_nul_characters_are_refused_not_crashes(world):
    client = world.client_for(Role.ADMIN)
    huge = "3541929173294335515706058212192026624"
    assert client.get(f"/api/org/teachers?subject={huge}").status_code == 422
    assert client.get(f"/api/org/teachers/{huge}").status_code == 404
    assert client.get("/api/org/teachers?q=%00%E5%BC%A0").json()["count"] == 1
    response = _patch(client, world.teacher_a.pk, {"name": "张\x00"})
    assert (response.status_code, response.json()) == (
        400, {"detail": "文本中不能包含空字符（\\0）。"})
