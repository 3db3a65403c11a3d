"""Org pages: what each one shows and what its forms change (through the services)."""

from datetime import date

from django.urls import reverse

from tests.factories import EducationGroupFactory, TeacherFactory, valid_id_number
from yanxun.core.enums import Role
from yanxun.core.models import AuditLog
from yanxun.org.models import School, Teacher, TeacherHonour, TeacherPosting


def _teacher_form(teacher: Teacher, **changes) -> dict:
    data = {"employee_no": teacher.employee_no, "name": teacher.name, "gender": teacher.gender,
            "id_number": teacher.id_number, "phone": teacher.phone, "stage": teacher.stage,
            "professional_title": teacher.professional_title,
            "entry_year": str(teacher.entry_year), "status": teacher.status}
    data.update(changes)
    return data


def test_teacher_detail_masks_for_leader_and_shows_full_for_own_school_admin(world):
    url = reverse("org:teacher_detail", args=[world.teacher_a.pk])
    leader = world.client_for(Role.LEADER).get(url).context["personal"]
    school_admin = world.client_for(Role.SCHOOL_ADMIN).get(url).context["personal"]
    teacher = world.teacher_a
    assert leader == {"id_number": teacher.id_number[:4] + "*" * 10 + teacher.id_number[-4:],
                      "phone": teacher.phone[:3] + "****" + teacher.phone[-4:], "masked": True}
    assert school_admin == {"id_number": teacher.id_number, "phone": teacher.phone,
                            "masked": False}


def test_teacher_detail_shows_honours_and_postings(world):
    TeacherHonour.objects.create(teacher=world.teacher_a, tier="backbone", level="district",
                                 awarded_on=date(2021, 9, 10), expires_on=date(2024, 9, 9))
    response = world.client_for(Role.ADMIN).get(
        reverse("org:teacher_detail", args=[world.teacher_a.pk]))
    html = response.content.decode()
    assert "区级骨干教师" in html
    assert "2021年9月10日 认定，有效期至 2024年9月9日" in html
    assert "已过期" in html
    assert response.context["can_edit"] is True
    assert response.context["can_transfer"] is True
    assert response.context["can_reset_password"] is True


def test_school_admin_edits_own_teacher_and_it_is_audited(world):
    client = world.client_for(Role.SCHOOL_ADMIN)
    url = reverse("org:teacher_edit", args=[world.teacher_a.pk])
    response = client.post(url, _teacher_form(world.teacher_a, professional_title="first",
                                              entry_year="2012"))
    assert response.status_code == 302
    assert response["Location"] == reverse("org:teacher_detail", args=[world.teacher_a.pk])
    world.teacher_a.refresh_from_db()
    assert (world.teacher_a.professional_title, world.teacher_a.entry_year) == ("first", 2012)
    log = AuditLog.objects.get(action="teacher.update")
    assert (log.actor, log.before, log.after) == (
        world.users[Role.SCHOOL_ADMIN], {"professional_title": "none", "entry_year": 2010},
        {"professional_title": "first", "entry_year": 2012})


def test_bad_teacher_input_gets_chinese_messages_and_changes_nothing(world):
    client = world.client_for(Role.ADMIN)
    url = reverse("org:teacher_edit", args=[world.teacher_a.pk])
    bad_id = world.teacher_a.id_number[:17] + ("0" if world.teacher_a.id_number[17] != "0"
                                                else "1")
    response = client.post(url, _teacher_form(world.teacher_a, name="", id_number=bad_id,
                                              phone="1234", entry_year="2999"))
    assert response.status_code == 200
    errors = response.context["form"].errors
    assert errors == {"name": ["这个字段是必填项。"], "id_number": ["身份证号校验位错误"],
                      "phone": ["手机号应为 11 位手机号码"],
                      "entry_year": ["入职年份不能晚于今年。"]}
    assert Teacher.objects.get(pk=world.teacher_a.pk).name == "张晓明"
    assert not AuditLog.objects.exists()


def test_duplicate_id_number_is_refused_by_the_service(world):
    client = world.client_for(Role.ADMIN)
    url = reverse("org:teacher_edit", args=[world.teacher_a.pk])
    response = client.post(url, _teacher_form(world.teacher_a,
                                              id_number=world.teacher_b.id_number))
    assert response.context["form"].errors == {"id_number": ["该身份证号已被使用，不能重复。"]}


def test_teacher_create_with_initial_password(world):
    client = world.client_for(Role.SCHOOL_ADMIN)
    data = {"school": world.school_a.pk, "employee_no": "A0100", "name": "周新", "gender": "male",
            "id_number": valid_id_number(321), "phone": "13700001234", "stage": "junior",
            "professional_title": "none", "entry_year": "2024",
            "initial_password": "Start2026x"}
    response = client.post(reverse("org:teacher_create"), data)
    teacher = Teacher.objects.get(employee_no="A0100")
    assert response["Location"] == reverse("org:teacher_detail", args=[teacher.pk])
    assert teacher.user.username == "A0100"
    assert teacher.user.check_password("Start2026x") is True
    assert teacher.user.must_change_password is True


def test_school_admin_cannot_create_a_teacher_in_another_school(world):
    client = world.client_for(Role.SCHOOL_ADMIN)
    data = {"school": world.school_b.pk, "employee_no": "B0100", "name": "周新",
            "gender": "male", "id_number": valid_id_number(322), "stage": "junior",
            "professional_title": "none", "entry_year": "2024", "initial_password": "Start2026x"}
    response = client.post(reverse("org:teacher_create"), data)
    assert response.context["form"].errors == {
        "school": ["请选择您有权管理的学校。"]}
    assert not Teacher.objects.filter(employee_no="B0100").exists()


def test_transfer_keeps_history(world):
    TeacherPosting.objects.create(teacher=world.teacher_a, school=world.school_a,
                                  start_date=date(2010, 9, 1))
    client = world.client_for(Role.ADMIN)
    response = client.post(reverse("org:teacher_transfer", args=[world.teacher_a.pk]),
                           {"to_school": world.school_b.pk, "on": "2025-09-01", "note": "交流"})
    assert response.status_code == 302
    postings = TeacherPosting.objects.filter(teacher=world.teacher_a).order_by("start_date")
    assert [(p.school.name, p.start_date, p.end_date, p.note) for p in postings] == [
        ("城东实验学校", date(2010, 9, 1), date(2025, 9, 1), ""),
        ("城西中学", date(2025, 9, 1), None, "交流")]


def test_school_create_and_edit_with_groups(world):
    group = EducationGroupFactory(name="城南教育集团")
    client = world.client_for(Role.ADMIN)
    data = {"district": world.school_a.district_id, "code": "S0099", "name": "城南小学",
            "short_name": "城南", "school_type": "primary", "location": "rural", "is_weak": "on",
            "address": "城南路 1 号", "education_groups": [group.pk]}
    response = client.post(reverse("org:school_create"), data)
    school = School.objects.get(code="S0099")
    assert response["Location"] == reverse("org:school_detail", args=[school.pk])
    assert (school.is_weak, list(school.education_groups.values_list("name", flat=True))) == (
        True, ["城南教育集团"])
    edit = {**data, "is_weak": "", "is_active": "on", "education_groups": []}
    client.post(reverse("org:school_edit", args=[school.pk]), edit)
    log = AuditLog.objects.get(action="school.update")
    assert (log.before, log.after) == ({"is_weak": True, "education_groups": [group.pk]},
                                       {"is_weak": False, "education_groups": []})


def test_school_code_must_be_unique(world):
    client = world.client_for(Role.ADMIN)
    data = {"district": world.school_a.district_id, "code": "S0001", "name": "另一所学校",
            "school_type": "primary", "location": "city"}
    response = client.post(reverse("org:school_create"), data)
    assert response.context["form"].errors == {"code": ["该学校代码已被使用，不能重复。"]}


def test_school_page_counts_teachers(world):
    response = world.client_for(Role.SCHOOL_ADMIN).get(
        reverse("org:school_detail", args=[world.school_a.pk]))
    assert response.context["summary"] == {"stages": [{"label": "初中", "count": 1}],
                                           "titles": [{"label": "未定级", "count": 1}],
                                           "total": 1}


def test_my_profile_is_own_record_with_full_personal_data(world):
    response = world.client_for(Role.TEACHER).get(reverse("org:my_profile"))
    assert response.context["teacher"] == world.teacher_a
    assert response.context["personal"]["id_number"] == world.teacher_a.id_number
    no_record = world.client_for(Role.JUDGE).get(reverse("org:my_profile"))
    assert "没有关联教师档案" in no_record.content.decode()


def test_sidebar_per_role(world):
    def labels(role):
        response = world.client_for(role).get(reverse("core:dashboard"))
        return [(s["section"], [i["label"] for i in s["items"]])
                for s in response.context["nav_sections"] if s["section"] != "数据导入"]

    assert labels(Role.TEACHER) == [("工作台", ["首页", "我的档案"]),
                                    ("教学质量监测", ["考试与质量分析"]),
                                    ("师干训", ["培训菜单", "我的培训", "签到码签到", "我的学时"]),
                                    ("评审与评比", ["参加评比", "评比活动", "我的获奖",
                                               "我的异议"])]
    assert labels(Role.SCHOOL_ADMIN) == [
        ("工作台", ["首页"]), ("组织与人员", ["学校", "教师", "研训员", "教育集团", "教研共同体"]),
        ("教学质量监测", ["考试与质量分析"]),
        ("师干训", ["培训项目", "报名审核", "报名记录", "学时申报审核", "学时达标情况", "证书",
                 "学时导出"]),
        ("评审与评比", ["评比活动", "参评作品"])]
    assert labels(Role.JUDGE) == [("工作台", ["首页"]), ("评审与评比", ["评比活动", "我的评审"])]
    assert labels(Role.ADMIN)[-1] == ("系统管理", ["节假日与调休", "操作日志", "用户与角色",
                                                 "登录日志"])


def test_groups_list_is_scoped_to_groups_of_visible_schools(world):
    mine = EducationGroupFactory(name="城东教育集团")
    mine.schools.add(world.school_a)
    other = EducationGroupFactory(name="城西教育集团")
    other.schools.add(world.school_b)
    response = world.client_for(Role.SCHOOL_ADMIN).get(reverse("org:group_list"))
    assert [r["cells"][0]["text"] for r in response.context["table"]["rows"]] == ["城东教育集团"]


def test_employee_number_repeated_in_one_school_is_refused(world):
    other = TeacherFactory(school=world.school_a, employee_no="A0002", name="钱多")
    response = world.client_for(Role.ADMIN).post(
        reverse("org:teacher_edit", args=[other.pk]), _teacher_form(other, employee_no="A0001"))
    assert response.context["form"].non_field_errors() == ["学校 和 工号的组合已存在，不能重复。"]


def test_dashboard_figures_per_role(world):
    def cards(role):
        response = world.client_for(role).get(reverse("core:dashboard"))
        return [(c["label"], c["value"]) for c in response.context["cards"]], \
            response.context["overview"]

    admin_cards, overview = cards(Role.ADMIN)
    assert admin_cards == [("学校", 2), ("在职教师", 2), ("薄弱学校", 0)]
    assert overview["stages"][2] == {"name": "初中", "value": 2}
    assert overview["titles"] == [{"name": "未定级", "value": 2}]
    assert cards(Role.SCHOOL_ADMIN)[0] == [("学校", 1), ("在职教师", 1), ("薄弱学校", 0)]
    assert cards(Role.TEACHER) == ([], None)
