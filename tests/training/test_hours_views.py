"""The hours pages through the browser's door: what each role sees, the forms, the
downloads, and the data scope (a school administrator only ever sees their own teachers)."""

import io
from datetime import date
from decimal import Decimal
from urllib.parse import quote

import polars as pl
import pytest
from django.urls import reverse

from tests.core.pdf_text import read_pdf
from tests.factories import TeacherFactory, UserFactory, grant
from tests.training.factories import CategoryFactory
from tests.training.factories_hours import (
    PDF_BYTES,
    ProgramFactory,
    TrainingClassFactory,
    attend,
    claim_rule,
    enrol,
    png_bytes,
    policy,
    record,
    sessions,
    upload,
)
from yanxun.core.enums import Role
from yanxun.core.models import AuditLog
from yanxun.training.enums import ClaimStatus, ProgramLevel, RequirementUnit
from yanxun.training.models import (
    Category,
    Certificate,
    ClaimRule,
    HourClaim,
    HourRecord,
    HoursExportLayout,
    LedgerRequirement,
)

D = Decimal


def xlsx(response) -> pl.DataFrame:
    return pl.read_excel(io.BytesIO(response.content), engine="calamine")


# --- 我的学时 and ledgers -----------------------------------------------------------------------


def test_my_hours_shows_the_cycle_requirements_records_and_claims(world):
    policy()
    record(world.teacher_a, "20", year=2026, level=ProgramLevel.CITY, title="市级骨干教师培训")
    record(world.teacher_a, "6", year=2026, level=ProgramLevel.SCHOOL, title="校本研修")
    rule = claim_rule()
    HourClaim.objects.create(teacher=world.teacher_a, rule=rule, title="区级公开课《春》",
                             happened_on=date(2026, 3, 1))
    response = world.client_for("teacher").get(reverse("training:my_hours") + "?cycle=2026")
    ledger = response.context["ledger"]
    assert (ledger.cycle.label, ledger.counted) == ("2026—2030 年", D("26.0"))
    text = response.content.decode()
    assert "还差 334.0 学时" in text and "还差 160.0 学时" in text
    assert "市级骨干教师培训" in text and "区级公开课《春》" in text and "待学校审核" in text
    assert [c.title for c in response.context["claims"]] == ["区级公开课《春》"]


def test_my_hours_without_a_teacher_record(world):
    response = world.client_for("studio_host").get(reverse("training:my_hours"))
    assert response.context.get("ledger") is None
    assert "没有关联教师档案" in response.content.decode()


@pytest.mark.parametrize(("role", "own", "other"), [
    ("school_admin", 200, 404), ("trainer", 200, 200), ("leader", 200, 200),
    ("teacher", 200, 404), ("judge", 403, 403)])
def test_a_teachers_ledger_follows_the_data_scope(world, role, own, other):
    policy()
    client = world.client_for(role)
    assert client.get(reverse("training:teacher_ledger", args=[world.teacher_a.pk])
                      ).status_code == own
    assert client.get(reverse("training:teacher_ledger", args=[world.teacher_b.pk])
                      ).status_code == other


def test_the_centre_issues_a_cycle_certificate_from_the_ledger(world):
    policy()
    record(world.teacher_a, "30", year=2024)
    response = world.client_for("trainer").post(
        reverse("training:hours_certificate", args=[world.teacher_a.pk]), {"cycle": "2021"})
    assert response.status_code == 302
    certificate = Certificate.objects.get()
    assert (certificate.title, certificate.hours) == ("2021—2025 年周期继续教育学时", D("30.0"))
    assert world.client_for("school_admin").post(
        reverse("training:hours_certificate", args=[world.teacher_a.pk]), {"cycle": "2021"}
    ).status_code == 403


# --- compliance dashboard ---------------------------------------------------------------------


@pytest.fixture
def district(world):
    policy()
    more = TeacherFactory(name="王一鸣", school=world.school_a, stage="primary")
    record(world.teacher_a, "360", year=2022, level=ProgramLevel.DISTRICT)
    record(more, "100", year=2022)
    record(world.teacher_b, "50", year=2023)
    return more


def test_the_school_administrator_sees_only_their_school(world, district):
    response = world.client_for("school_admin").get(reverse("training:compliance") +
                                                    "?cycle=2021")
    assert [r.name for r in response.context["rows"]] == ["王一鸣", "张晓明"]
    assert response.context["by_school"] == []
    assert "李秋华" not in response.content.decode()
    widened = world.client_for("school_admin").get(
        reverse("training:compliance") + f"?cycle=2021&school={world.school_b.pk}")
    assert [r.name for r in widened.context["rows"]] == ["王一鸣", "张晓明"]


def test_the_centre_sees_every_school_and_who_is_behind(world, district):
    response = world.client_for("trainer").get(reverse("training:compliance") + "?cycle=2021")
    rows = response.context["rows"]
    assert [(r.name, r.counted, r.short, r.state) for r in rows] == [
        ("李秋华", D("50.0"), [D("310.0"), D("130.0")], "far_behind"),
        ("王一鸣", D("100.0"), [D("260.0"), D("80.0")], "far_behind"),
        ("张晓明", D("360.0"), [D("0.0"), D("0.0")], "complete")]
    schools = {g.label: (g.teachers, g.states["complete"], g.short_counts, g.short_totals)
               for g in response.context["by_school"]}
    assert schools == {"城东实验学校": (2, 1, [1, 1], [D("260.0"), D("80.0")]),
                       "城西中学": (1, 0, [1, 1], [D("310.0"), D("130.0")])}
    stages = {g.label: g.teachers for g in response.context["by_stage"]}
    assert stages == {"小学": 1, "初中": 2}
    complete = world.client_for("trainer").get(reverse("training:compliance") +
                                               "?cycle=2021&state=complete&stage=junior")
    assert [r.name for r in complete.context["rows"]] == ["张晓明"]


def test_the_dashboard_exports_what_it_shows_and_logs_it(world, district):
    response = world.client_for("school_admin").get(reverse("training:compliance") +
                                                    "?cycle=2021&format=xlsx")
    frame = xlsx(response)
    assert frame.select("姓名", "学校", "计入学时", "状态").rows() == [
        ("王一鸣", "城东实验学校", 100.0, "严重落后"), ("张晓明", "城东实验学校", 360.0, "已达标")]
    assert frame["周期总学时（学时）缺口"].to_list() == [260.0, 0.0]
    log = AuditLog.objects.get(action="export.personal_data")
    assert (log.actor, log.after["rows"], log.after["list"]) == (
        world.users["school_admin"], 2, "hour_compliance")


@pytest.mark.parametrize("role", ["teacher", "judge", "studio_host"])
def test_the_dashboard_is_not_for_teachers(world, role):
    assert world.client_for(role).get(reverse("training:compliance")).status_code == 403


# --- claims through the pages --------------------------------------------------------------------


@pytest.fixture
def claim(world):
    policy()
    rule = claim_rule()
    client = world.client_for("teacher")
    response = client.post(reverse("training:claim_create"), {
        "rule": rule.pk, "title": "区级公开课《背影》", "happened_on": "2025-04-10",
        "description": "", "files": [upload("听课证明.pdf", PDF_BYTES),
                                      upload("照片.png", png_bytes())]})
    made = HourClaim.objects.get()
    assert response["Location"] == reverse("training:claim_detail", args=[made.pk])
    return made


def test_a_claim_goes_from_the_teacher_through_the_school_to_the_centre(world, claim):
    school = world.client_for("school_admin")
    page = school.get(reverse("training:claim_detail", args=[claim.pk]))
    assert [m["label"] for m in page.context["moves"]] == ["审核通过", "退回修改", "不予认定"]
    school.post(reverse("training:claim_decide", args=[claim.pk]), {"to": "school_approved"})
    centre = world.client_for("trainer")
    page = centre.get(reverse("training:claim_detail", args=[claim.pk]))
    assert [m["label"] for m in page.context["moves"]] == ["认定学时", "退回修改", "不予认定"]
    assert page.context["cap"].used == D("0")
    centre.post(reverse("training:claim_decide", args=[claim.pk]), {"to": "accredited"})
    claim.refresh_from_db()
    assert (claim.status, claim.hours) == (ClaimStatus.ACCREDITED, D("6.0"))
    assert HourRecord.objects.get(claim=claim).hours == D("6.0")


def test_a_bad_file_is_refused_with_its_name_and_nothing_is_kept(world):
    policy()
    rule = claim_rule()
    response = world.client_for("teacher").post(reverse("training:claim_create"), {
        "rule": rule.pk, "title": "区级公开课", "happened_on": "2025-04-10",
        "files": [upload("证明.pdf", b"<script>alert(1)</script>")]})
    assert response.status_code == 200
    assert response.context["form"].errors["files"] == [
        "「证明.pdf」不是 PDF、JPG、PNG、Word（.docx）或 Excel（.xlsx）文件（按文件内容判断，与扩展名无关）。"]
    assert HourClaim.objects.count() == 0


def test_a_return_without_reason_is_refused_on_the_page(world, claim):
    school = world.client_for("school_admin")
    response = school.post(reverse("training:claim_decide", args=[claim.pk]),
                           {"to": "returned", "reason": ""}, follow=True)
    assert [str(m) for m in response.context["messages"]] == ["退回或不予认定时请填写理由。"]
    claim.refresh_from_db()
    assert claim.status == ClaimStatus.SUBMITTED


def test_evidence_downloads_only_to_those_who_see_the_claim(world, claim):
    evidence = claim.evidence.order_by("pk").first()
    url = reverse("training:evidence_download", args=[evidence.pk])
    response = world.client_for("school_admin").get(url)
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"].startswith("attachment;")
    assert response["Content-Disposition"].endswith("UTF-8''" + quote("听课证明.pdf"))
    assert response["X-Content-Type-Options"] == "nosniff"
    assert b"".join(response.streaming_content) == PDF_BYTES
    other = grant(UserFactory(username="otheradmin"), Role.SCHOOL_ADMIN, school=world.school_b)
    outsider = world.client_for("school_admin")
    outsider.force_login(other)
    assert outsider.get(url).status_code == 404
    assert world.client_for("judge").get(url).status_code == 403
    stranger = TeacherFactory(school=world.school_a)
    outsider.force_login(stranger.user)
    assert outsider.get(url).status_code == 404


def test_a_returned_claim_is_corrected_by_its_teacher(world, claim):
    world.client_for("school_admin").post(reverse("training:claim_decide", args=[claim.pk]),
                                          {"to": "returned", "reason": "照片不清晰"})
    client = world.client_for("teacher")
    page = client.get(reverse("training:claim_edit", args=[claim.pk]))
    assert page.context["intro"] == "退回理由：照片不清晰"
    photo = claim.evidence.get(original_name="照片.png")
    response = client.post(reverse("training:claim_edit", args=[claim.pk]), {
        "rule": claim.rule.pk, "title": "区级公开课《背影》", "happened_on": "2025-04-10",
        "remove": [photo.pk], "files": [upload("新照片.jpg", b"\xff\xd8\xff\xe0" + b"0" * 20)]})
    assert response.status_code == 302
    claim.refresh_from_db()
    assert claim.status == ClaimStatus.SUBMITTED
    assert sorted(claim.evidence.values_list("original_name", flat=True)) == [
        "听课证明.pdf", "新照片.jpg"]


# --- accreditation and certificates through the pages ----------------------------------------------


@pytest.fixture
def finished_program(world):
    policy()
    program = ProgramFactory(name="信息技术应用能力提升", min_attendance_share=D("0.8"))
    training_class = TrainingClassFactory(program=program, name="一班")
    days = sessions(training_class, ["3", "3"])
    enrol(world.teacher_a, training_class)
    for session in days:
        attend(world.teacher_a, session)
    enrol(world.teacher_b, training_class)
    attend(world.teacher_b, days[0])
    return program, training_class


def test_preview_then_confirm(world, finished_program):
    program, training_class = finished_program
    client = world.client_for("trainer")
    url = reverse("training:accreditation", args=[program.pk])
    preview = client.get(url)
    text = preview.content.decode()
    assert "出勤 6.0/6.0 学时（100%），达到最低出勤比例 80%，计全部 6.0 学时" in text
    assert "出勤 3.0/6.0 学时（50%），低于最低出勤比例 80%，不计学时" in text
    assert HourRecord.objects.count() == 0
    stale = client.post(url, {"fingerprint": "0" * 16}, follow=True)
    assert [str(m) for m in stale.context["messages"]] == [
        "预览之后考勤、报名或设置有变化，请查看新的预览后再确认。"]
    client.post(url, {"fingerprint": preview.context["plan"].fingerprint})
    assert list(HourRecord.objects.values_list("teacher__name", "hours")) == [
        ("张晓明", D("6.0"))]


def test_class_certificates_in_one_pdf_and_the_teachers_own_download(world, finished_program):
    program, training_class = finished_program
    client = world.client_for("trainer")
    url = reverse("training:accreditation", args=[program.pk])
    client.post(url, {"fingerprint": client.get(url).context["plan"].fingerprint})
    client.post(reverse("training:program_certificates", args=[program.pk]),
                {"class": training_class.pk})
    pdf = client.get(reverse("training:program_certificates_pdf", args=[program.pk]) +
                     f"?class={training_class.pk}")
    assert pdf["Content-Type"] == "application/pdf"
    assert read_pdf(pdf.content).pages == 1
    certificate = Certificate.objects.get()
    own = world.client_for("teacher").get(reverse("training:certificate_pdf",
                                                  args=[certificate.pk]))
    assert own["Content-Type"] == "application/pdf"
    facts = read_pdf(own.content)
    assert "信息技术应用能力提升" in "\n".join(facts.runs)
    other = TeacherFactory(school=world.school_b)
    stranger = world.client_for("teacher")
    stranger.force_login(other.user)
    assert stranger.get(reverse("training:certificate_pdf", args=[certificate.pk])
                        ).status_code == 404


# --- export ------------------------------------------------------------------------------------


@pytest.fixture
def exportable(world):
    policy()
    record(world.teacher_a, "12", year=2025, title="新课标专题培训")
    record(world.teacher_b, "6", year=2025, title="班主任专题培训")
    record(world.teacher_b, "9", year=2020, title="往年培训")


def _export(client, layout: HoursExportLayout, **params):
    return client.get(reverse("training:hours_export"), {
        "layout": layout.pk, "year_from": 2025, "year_to": 2025, **params})


@pytest.mark.parametrize(("role", "expected"), [
    ("admin", [("张晓明", "full"), ("李秋华", "full")]),
    ("trainer", [("张晓明", "masked"), ("李秋华", "masked")]),
    ("school_admin", [("张晓明", "full")]),
])
def test_the_export_masks_id_numbers_unless_the_role_may_see_them(world, exportable, role,
                                                                  expected):
    from yanxun.training.exports import layouts

    layout = layouts().get()
    frame = xlsx(_export(world.client_for(role), layout))
    assert frame.columns == ["姓名", "身份证号", "学校", "项目", "层级", "类别", "学时", "学分",
                             "日期"]
    ids = {"张晓明": world.teacher_a.id_number, "李秋华": world.teacher_b.id_number}
    assert [(name, "full" if value == ids[name] else "masked")
            for name, value in frame.select("姓名", "身份证号").rows()] == expected
    assert all(value == ids[n] or value == ids[n][:4] + "*" * 10 + ids[n][-4:]
               for n, value in frame.select("姓名", "身份证号").rows())
    log = AuditLog.objects.get(action="export.personal_data")
    assert (log.after["rows"], log.after["unmasked"]) == (
        len(expected), role in ("admin", "school_admin"))


def test_the_centre_arranges_the_columns(world, exportable):
    client = world.client_for("trainer")
    response = client.post(reverse("training:export_layout_create"), {
        "name": "江苏省平台", "field_1": "employee_no", "header_1": "教师编号",
        "field_2": "name", "header_2": "", "field_3": "hours", "header_3": "学时数",
        "field_4": "credits", "header_4": "", "field_5": "", "header_5": "忽略"})
    assert response.status_code == 302
    layout = HoursExportLayout.objects.get(name="江苏省平台")
    assert layout.columns == [{"header": "教师编号", "field": "employee_no"},
                              {"header": "姓名", "field": "name"},
                              {"header": "学时数", "field": "hours"},
                              {"header": "学分", "field": "credits"}]
    frame = xlsx(_export(client, layout))
    assert frame.rows() == [("A0001", "张晓明", 12.0, 1.2), ("B0001", "李秋华", 6.0, 0.6)]
    assert world.client_for("school_admin").get(reverse("training:export_layout_create")
                                                ).status_code == 403


def test_a_layout_with_a_repeated_header_is_refused(world, exportable):
    response = world.client_for("trainer").post(reverse("training:export_layout_create"), {
        "name": "重复", "field_1": "name", "header_1": "X", "field_2": "hours",
        "header_2": "X"})
    assert response.context["form"].non_field_errors() == ["列名「X」重复。"]


# --- settings ------------------------------------------------------------------------------------


def test_the_administrator_sets_the_cycle_conversion_and_seal(world):
    current = policy()
    client = world.client_for("admin")
    values = {"cycle_years": 3, "cycle_start_year": 2024, "hours_per_credit": "12",
              "presenter_multiplier": "1.5"}
    bad = client.post(reverse("training:hours_policy"),
                      {**values, "seal": upload("seal.png", PDF_BYTES)})
    assert bad.context["form"].errors["seal"] == ["印章图片应为 PNG 或 JPEG 图片（按文件内容判断）。"]
    client.post(reverse("training:hours_policy"), {**values, "seal": upload("seal.png",
                                                                            png_bytes())})
    current.refresh_from_db()
    assert (current.cycle_years, current.cycle_start_year, current.hours_per_credit,
            current.presenter_multiplier) == (3, 2024, D("12"), D("1.5"))
    assert current.seal_image.name.startswith("training/seal/")
    assert current.seal_image.read() == png_bytes()
    log = AuditLog.objects.get(action="hours.policy_update")
    assert log.after["cycle_years"] == 3 and log.before["cycle_years"] == 5
    assert world.client_for("trainer").get(reverse("training:hours_policy")).status_code == 403


def test_requirement_lines_are_edited_by_the_administrator(world):
    current = policy()
    skills = CategoryFactory(name="知识与技能")
    client = world.client_for("admin")
    client.post(reverse("training:requirement_create"), {
        "name": "市级及以上知识与技能", "minimum": "6", "unit": RequirementUnit.CREDITS,
        "min_level": ProgramLevel.CITY, "position": 5, "categories": [skills.pk]})
    line = LedgerRequirement.objects.get(name="市级及以上知识与技能")
    assert (line.minimum, line.unit, line.min_level, list(line.categories.all())) == (
        D("6"), RequirementUnit.CREDITS, ProgramLevel.CITY, [skills])
    first = LedgerRequirement.objects.get(policy=current, name="周期总学时")
    client.post(reverse("training:requirement_delete", args=[first.pk]))
    assert list(LedgerRequirement.objects.values_list("name", flat=True)) == [
        "区级及以上培训学时", "市级及以上知识与技能"]
    assert AuditLog.objects.filter(action__startswith="hours.requirement").count() == 2


def test_category_caps_are_edited_with_the_category_and_shown_with_the_claim_rules(world):
    CategoryFactory(name="师德师风")
    client = world.client_for("trainer")
    page = client.get(reverse("training:claim_rules"))
    assert len(page.context["rules"]) == 24  # the defaults, seeded on first view
    ethics = Category.objects.get(name="师德师风")
    client.post(reverse("training:category_edit", args=[ethics.pk]), {
        "name": "师德师风", "annual_cap": "20", "sort_order": "0", "is_active": "on"})
    ethics.refresh_from_db()
    assert ethics.annual_cap == D("20")
    log = AuditLog.objects.get(action="training.category.update")
    assert (log.before, log.after) == ({"annual_cap": None}, {"annual_cap": "20"})
    # The claim rules page shows the caps read-only, each linking to its category's form.
    html = client.get(reverse("training:claim_rules")).content.decode()
    edit = reverse("training:category_edit", args=[ethics.pk])
    assert f'<a class="badge bg-secondary-lt me-2 text-reset" href="{edit}">师德师风：每年 20.0 学时</a>' in html
    assert f'href="{reverse("training:category_list")}">在「培训类别」中修改</a>' in html
    assert 'name="cap_' not in html
    lesson = ClaimRule.objects.get(name="区级公开课/示范课")
    client.post(reverse("training:claim_rule_edit", args=[lesson.pk]), {
        "kind": lesson.kind, "level": lesson.level, "name": lesson.name, "hours": "5",
        "cycle_cap": "15", "category": lesson.category_id, "is_active": "on"})
    lesson.refresh_from_db()
    assert (lesson.hours, lesson.cycle_cap) == (D("5"), D("15"))
    assert world.client_for("school_admin").get(reverse("training:claim_rules")
                                                ).status_code == 403
