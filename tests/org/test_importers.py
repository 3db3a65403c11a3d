"""The school and teacher importers, fed bad files and good ones. Every refusal asserts the
exact Chinese messages and that nothing was written."""

from datetime import date

import pytest
from django.contrib.auth.hashers import check_password

from tests.core.import_files import (
    SCHOOL_HEADERS,
    TEACHER_HEADERS,
    Formula,
    csv_bytes,
    id_number,
    messages,
    run_import,
    teacher_row,
    teachers_xlsx,
    xlsx,
)
from tests.factories import SubjectFactory
from yanxun.accounts.models import RoleAssignment, User
from yanxun.core.enums import ImportStatus, Role
from yanxun.core.models import AuditLog, ImportJob
from yanxun.org.enums import Location, SchoolType
from yanxun.org.importers import TeacherImporter
from yanxun.org.models import School, Teacher, TeacherPosting

UPLOAD_HINT = "请上传 Excel 文件（.xlsx 或 .xls）或 CSV 文件。"
HEADER_HINT = "请下载导入模板，按模板的列名填写后再导入。"


@pytest.fixture
def subjects(db):
    return {name: SubjectFactory(name=name) for name in ["语文", "数学", "英语", "道德与法治"]}


@pytest.fixture
def admin(world, subjects):
    return world.users[Role.ADMIN]


def counts() -> dict:
    return {"teachers": Teacher.objects.count(), "users": User.objects.count(),
            "postings": TeacherPosting.objects.count(),
            "roles": RoleAssignment.objects.count(), "schools": School.objects.count(),
            "audit": AuditLog.objects.count()}


def refused(data: bytes, actor, *, update: bool = False, kind: str = "teachers",
            name: str = "教师.xlsx") -> list[str]:
    """Import a file that must be refused; return its messages after checking nothing
    was written."""
    before = counts()
    job = run_import(kind, data, actor=actor, update=update, name=name)
    assert job.status == ImportStatus.INVALID
    assert counts() == before
    return messages(job)


# --- files that are not tables ---------------------------------------------------------------

def test_pdf_is_refused_whatever_its_name(admin):
    pdf = b"%PDF-1.7\n1 0 obj << /Type /Catalog >> endobj\n%%EOF\n"
    assert refused(pdf, admin, name="教师.xlsx") == [f"文件类型不支持（PDF 文档）。{UPLOAD_HINT}"]


def test_renamed_text_file_is_refused(admin):
    text = "这是一份会议记录\n请各位老师准时参加\n".encode()
    assert refused(text, admin, name="教师.xlsx") == [
        "文件类型不支持（普通文本，不是表格：第 1 行没有用逗号或制表符分隔的列名）。" + UPLOAD_HINT]


def test_zip_that_is_not_a_workbook_is_refused(admin, tmp_path):
    import zipfile

    path = tmp_path / "a.zip"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("readme.txt", "hello")
    assert refused(path.read_bytes(), admin) == [
        f"文件类型不支持（zip 压缩包，不是 Excel 文件）。{UPLOAD_HINT}"]


def test_xls_header_with_garbage_is_refused(admin):
    data = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00garbage" * 200
    assert refused(data, admin, name="教师.xls") == [
        f"文件已损坏或不是有效的 Excel 文件，无法读取。{UPLOAD_HINT}"]


def test_empty_file_is_refused(admin):
    assert refused(b"", admin) == ["文件是空的（0 字节），请检查后重新上传。"]


def test_empty_sheet_is_refused(admin):
    assert refused(xlsx([]), admin) == ["工作表是空的：第一个工作表里没有表头，也没有数据。"]


def test_header_only_is_refused(admin):
    assert refused(teachers_xlsx(), admin) == ["表格只有表头，没有数据行。"]


def test_too_many_rows_is_refused(admin, settings):
    settings.IMPORT_MAX_ROWS = 3
    data = teachers_xlsx(*[teacher_row(n) for n in range(1, 5)])
    assert refused(data, admin) == ["数据有 4 行，超过单次导入上限 3 行，请拆分后分批导入。"]


# --- the header --------------------------------------------------------------------------------

def test_missing_column_is_named(admin):
    headers = [h for h in TEACHER_HEADERS if h != "身份证号"]
    row = [v for h, v in zip(TEACHER_HEADERS, teacher_row(1), strict=True) if h != "身份证号"]
    assert refused(xlsx([headers, row]), admin) == ["第 1 行缺少列「身份证号」", HEADER_HINT]


def test_renamed_column_is_named_with_a_suggestion(admin):
    headers = ["手机" if h == "手机号" else h for h in TEACHER_HEADERS]
    assert refused(xlsx([headers, teacher_row(1)]), admin) == [
        "第 1 行表头中的「手机」不是模板中的列，是否应为「手机号」？", "第 1 行缺少列「手机号」",
        HEADER_HINT]


def test_duplicate_column_is_named(admin):
    headers = [*TEACHER_HEADERS, "姓名"]
    assert refused(xlsx([headers, [*teacher_row(1), "王五"]]), admin) == [
        "第 1 行表头中「姓名」出现了 2 次，每列只能有一次", HEADER_HINT]


def test_merged_header_cells_are_refused(admin):
    data = xlsx([TEACHER_HEADERS, teacher_row(1)], merge="A1:B1")
    assert refused(data, admin) == ["第 1 行表头有合并单元格（A1:B1），请取消合并后再导入"]


def test_formula_cell_is_refused(admin):
    row = teacher_row(2)
    row[TEACHER_HEADERS.index("入职年份")] = Formula("=2010+2", 2012)
    data = teachers_xlsx(teacher_row(1), row)
    assert refused(data, admin) == ["第 3 行「入职年份」是公式，请粘贴为数值后再导入"]


# --- cells -------------------------------------------------------------------------------------

def test_invalid_id_number_checksum(admin):
    good = id_number(1, male=True)
    bad = good[:17] + ("0" if good[17] != "0" else "1")
    assert refused(teachers_xlsx(teacher_row(1, 身份证号=bad)), admin) == [
        "第 2 行「身份证号」校验位错误"]


def test_invalid_birth_date_in_id_number(admin):
    first17 = "32010219850231" + "011"
    from yanxun.core.validators import id_number_check_digit

    bad = first17 + id_number_check_digit(first17)
    assert refused(teachers_xlsx(teacher_row(1, 身份证号=bad)), admin) == [
        "第 2 行「身份证号」出生日期无效"]


def test_id_number_rounded_by_excel_gets_a_hint(admin):
    row = teacher_row(1)
    row[TEACHER_HEADERS.index("身份证号")] = 320102198503120000  # a number cell, digits lost
    assert refused(teachers_xlsx(row), admin) == [
        "第 2 行「身份证号」被 Excel 当作数字保存，末几位已丢失：请把该列设为文本格式后重新填写"]


def test_gender_must_match_id_number(admin):
    row = teacher_row(1, male=True)
    row[TEACHER_HEADERS.index("性别")] = "女"
    assert refused(teachers_xlsx(row), admin) == [
        "第 2 行「性别」与身份证号不一致（身份证号第 17 位表示男）"]


def test_cell_problems_are_all_listed(admin):
    row = teacher_row(1, 姓名="", 性别="M", 手机号="12345", 学段="大学", 入职年份="二〇一二",
                      到校日期="2012-13-01")
    assert refused(teachers_xlsx(row), admin) == [
        "第 2 行「姓名」不能为空",
        "第 2 行「性别」只能填写：男、女",
        "第 2 行「手机号」应为 11 位手机号码",
        "第 2 行「学段」只能填写：幼儿园、小学、初中、高中、中职",
        "第 2 行「入职年份」应为整数",
        "第 2 行「到校日期」不是有效日期（可写作 2024-09-01、2024/9/1 或 2024年9月1日）",
    ]


# --- rows against each other and the database ----------------------------------------------------

def test_duplicate_employee_no_in_file(admin):
    data = teachers_xlsx(teacher_row(1, 工号="T0001"), teacher_row(2, 工号="T0001"))
    assert refused(data, admin) == ["第 3 行「工号」与第 2 行重复（本区工号全区唯一）"]


def test_duplicate_employee_no_in_one_school_when_numbers_are_per_school(admin, world):
    world.school_a.district.employee_numbers_unique = False
    world.school_a.district.save()
    data = teachers_xlsx(teacher_row(1, 工号="0007"), teacher_row(2, 工号="0007"),
                         teacher_row(3, 工号="0007", 学校="城西中学"))
    assert refused(data, admin) == ["第 3 行「工号」与第 2 行重复（同一学校工号不能相同）"]


def test_duplicate_id_number_in_file(admin):
    same = id_number(1, male=True)
    data = teachers_xlsx(teacher_row(1, 身份证号=same), teacher_row(2, 身份证号=same, male=True))
    assert refused(data, admin) == ["第 3 行「身份证号」与第 2 行重复"]


def test_duplicate_phone_in_file(admin):
    data = teachers_xlsx(teacher_row(1, 手机号="13900001111"), teacher_row(2, 手机号="13900001111"))
    assert refused(data, admin) == ["第 3 行「手机号」与第 2 行重复"]


def test_unknown_school(admin):
    assert refused(teachers_xlsx(teacher_row(1, 学校="城南小学")), admin) == [
        "第 2 行「学校」找不到：城南小学（请填写系统中已有的学校名称或学校代码）"]


def test_unknown_subject(admin):
    assert refused(teachers_xlsx(teacher_row(1, 任教学科="语文、书法,篆刻")), admin) == [
        "第 2 行「任教学科」中的「书法」、「篆刻」不在学科字典中"]


def test_employee_no_of_another_person_in_database(admin, world):
    assert refused(teachers_xlsx(teacher_row(1, 工号=world.teacher_a.employee_no)), admin) == [
        "第 2 行「工号」已被其他教师使用"]


def test_phone_of_another_account(admin, world):
    world.users[Role.LEADER].phone = "13911112222"
    world.users[Role.LEADER].save()
    assert refused(teachers_xlsx(teacher_row(1, 手机号="13911112222")), admin) == [
        "第 2 行「手机号」已被其他账号使用"]


def test_existing_teacher_without_update_is_an_error(admin, world):
    row = teacher_row(1, 身份证号=world.teacher_b.id_number, 工号=world.teacher_b.employee_no,
                      学校="城西中学", male=int(world.teacher_b.id_number[16]) % 2 == 1)
    assert refused(teachers_xlsx(row), admin) == [
        "第 2 行「身份证号」已存在；如需修改已有数据，请勾选「更新已有数据」后重新导入"]


def test_school_admin_cannot_import_another_schools_teacher(world, subjects):
    data = teachers_xlsx(teacher_row(1), teacher_row(2, 学校="城西中学"))
    assert refused(data, world.users[Role.SCHOOL_ADMIN]) == [
        "第 3 行「学校」不在您的管理范围内：只能导入本单位的数据"]


def test_school_admin_cannot_move_another_schools_teacher_into_theirs(world, subjects):
    theirs = world.teacher_b
    row = teacher_row(1, 身份证号=theirs.id_number, 工号=theirs.employee_no,
                      male=int(theirs.id_number[16]) % 2 == 1)
    assert refused(teachers_xlsx(row), world.users[Role.SCHOOL_ADMIN], update=True) == [
        "第 2 行「学校」不在您的管理范围内：只能导入本单位的数据"]


# --- accepted and normalised --------------------------------------------------------------------

def test_full_width_digits_and_letters_are_normalised(admin):
    row = teacher_row(1, 工号="Ｔ００１２", 手机号="１３８００００１２３４", 入职年份="２０１２")
    row[TEACHER_HEADERS.index("身份证号")] = row[TEACHER_HEADERS.index("身份证号")].translate(
        {ord(d): chr(0xFF10 + int(d)) for d in "0123456789"})
    job = run_import("teachers", teachers_xlsx(row), actor=admin)
    assert job.status == ImportStatus.DONE
    teacher = Teacher.objects.get(name="测试教师1")
    assert (teacher.employee_no, teacher.phone, teacher.entry_year) == ("T0012", "13800001234", 2012)
    assert teacher.id_number == id_number(1, male=True)
    assert teacher.user.username == "T0012"


def test_leading_and_trailing_spaces_are_trimmed(admin):
    row = teacher_row(1, 工号=" T0001 ", 姓名="\u3000王 芳\u3000", 学校=" 城东实验学校\t",
                      任教学科=" 语文 ， 数学 ")
    row[TEACHER_HEADERS.index("身份证号")] = "  " + row[TEACHER_HEADERS.index("身份证号")] + " "
    assert run_import("teachers", teachers_xlsx(row), actor=admin).status == ImportStatus.DONE
    teacher = Teacher.objects.get(employee_no="T0001")
    assert teacher.name == "王 芳"
    assert sorted(s.name for s in teacher.subjects.all()) == ["数学", "语文"]


def test_dates_in_several_formats(admin, world):
    rows = [teacher_row(1, 到校日期="2012-09-01"), teacher_row(2, 到校日期="2013/9/2"),
            teacher_row(3, 到校日期="2014年9月3日"), teacher_row(4, 到校日期=date(2015, 9, 4)),
            teacher_row(5, 到校日期=42254), teacher_row(6, 到校日期="")]
    assert run_import("teachers", teachers_xlsx(*rows), actor=admin).status == ImportStatus.DONE
    starts = dict(TeacherPosting.objects.filter(teacher__name__startswith="测试教师")
                  .values_list("teacher__employee_no", "start_date"))
    assert starts == {"T0001": date(2012, 9, 1), "T0002": date(2013, 9, 2),
                      "T0003": date(2014, 9, 3), "T0004": date(2015, 9, 4),
                      "T0005": date(2015, 9, 7), "T0006": date(2012, 9, 1)}


def test_gb18030_csv_is_accepted(admin):
    data = csv_bytes([TEACHER_HEADERS, teacher_row(1, 姓名="欧阳修")], encoding="gb18030")
    job = run_import("teachers", data, actor=admin, name="教师.csv")
    assert job.status == ImportStatus.DONE
    assert Teacher.objects.get(employee_no="T0001").name == "欧阳修"


def test_utf8_bom_and_utf16_tab_separated_text_are_accepted(admin):
    bom = b"\xef\xbb\xbf" + csv_bytes([TEACHER_HEADERS, teacher_row(1)])
    utf16 = csv_bytes([TEACHER_HEADERS, teacher_row(2)], encoding="utf-16", delimiter="\t")
    assert run_import("teachers", bom, actor=admin).status == ImportStatus.DONE
    assert run_import("teachers", utf16, actor=admin).status == ImportStatus.DONE
    assert sorted(Teacher.objects.filter(employee_no__startswith="T00")
                  .values_list("employee_no", flat=True)) == ["T0001", "T0002"]


def test_leading_zeros_of_text_cells_are_kept(admin):
    job = run_import("teachers", teachers_xlsx(teacher_row(1, 工号="00123")), actor=admin)
    assert job.status == ImportStatus.DONE
    assert Teacher.objects.filter(employee_no="00123").count() == 1


def test_template_example_row_is_not_imported(admin):
    example = [c.example for c in TeacherImporter.columns]
    job = run_import("teachers", teachers_xlsx(example, teacher_row(1)), actor=admin)
    assert (job.status, job.created_count, job.total_rows) == (ImportStatus.DONE, 1, 1)


# --- the happy path, exact values -----------------------------------------------------------------

def test_new_teachers_are_created_with_account_posting_role_and_audit(admin, world, subjects):
    rows = [teacher_row(1, 工号="0301", 姓名="陈思远", 手机号="13700000001", 任教学科="语文、道德与法治",
                        职称="高级", 入职年份="2008", male=True),
            teacher_row(2, 工号="0302", 姓名="林晓", 手机号="", 学校="S0002", 学段="高中",
                        任教学科="", 职称="", 入职年份="2020", 到校日期="2021-02-20", male=False)]
    job = run_import("teachers", teachers_xlsx(*rows), actor=admin)
    assert (job.status, job.total_rows, job.created_count, job.updated_count) == (
        ImportStatus.DONE, 2, 2, 0)
    chen = Teacher.objects.select_related("user", "school").get(employee_no="0301")
    assert (chen.name, chen.gender, chen.id_number, chen.phone, chen.school, chen.stage,
            chen.professional_title, chen.entry_year, chen.status) == (
        "陈思远", "male", id_number(1, male=True), "13700000001", world.school_a, "junior",
        "senior", 2008, "active")
    assert sorted(s.name for s in chen.subjects.all()) == ["语文", "道德与法治"]
    assert (chen.user.username, chen.user.name, chen.user.phone, chen.user.must_change_password) \
        == ("0301", "陈思远", "13700000001", True)
    assert check_password("Yx" + chen.id_number[-6:], chen.user.password)
    assert list(chen.postings.values_list("school_id", "start_date", "end_date")) == [
        (world.school_a.pk, date(2008, 9, 1), None)]
    assert list(RoleAssignment.objects.filter(user=chen.user).values_list("role", "school")) == [
        ("teacher", None)]
    lin = Teacher.objects.get(employee_no="0302")
    assert (lin.school, lin.stage, lin.professional_title, lin.phone, lin.user.phone) == (
        world.school_b, "senior", "none", "", None)
    assert list(lin.postings.values_list("start_date", flat=True)) == [date(2021, 2, 20)]
    audit = AuditLog.objects.get(action="import.teachers")
    assert (audit.actor, audit.object_type, audit.object_id) == (admin, "core.importjob",
                                                                  str(job.pk))
    assert audit.after == {"kind": "teachers", "file": "导入.xlsx", "rows": 2, "created": 2,
                           "updated": 0, "unchanged": 0, "update_existing": False}


def _gender_from_id(teacher) -> bool:
    """Make the factory's teacher consistent with their 身份证号; True for a man."""
    male = int(teacher.id_number[16]) % 2 == 1
    teacher.gender = "male" if male else "female"
    teacher.save()
    return male


def test_update_existing_changes_fields_transfers_and_audits_each_person(admin, world):
    b = world.teacher_b
    male = _gender_from_id(b)
    a_male = _gender_from_id(world.teacher_a)
    old_posting = TeacherPosting.objects.create(teacher=b, school=world.school_b,
                                                start_date=date(2010, 9, 1))
    row = teacher_row(1, 身份证号=b.id_number, 工号=b.employee_no, 姓名="李秋华", 手机号=b.phone,
                      学校="城东实验学校", 职称="一级教师", 入职年份="2010", 到校日期="2024-09-01",
                      任教学科="数学", male=male)
    unchanged = teacher_row(2, 身份证号=world.teacher_a.id_number, male=a_male,
                            工号=world.teacher_a.employee_no, 姓名=world.teacher_a.name,
                            手机号=world.teacher_a.phone, 任教学科="", 职称="", 入职年份="2010")
    job = run_import("teachers", teachers_xlsx(row, unchanged), actor=admin, update=True)
    assert (job.status, job.created_count, job.updated_count, job.unchanged_count) == (
        ImportStatus.DONE, 0, 1, 1)
    b.refresh_from_db()
    assert (b.school, b.professional_title, b.status) == (world.school_a, "first", "active")
    old_posting.refresh_from_db()
    assert old_posting.end_date == date(2024, 9, 1)
    assert list(b.postings.filter(end_date__isnull=True).values_list("school", "start_date")) == [
        (world.school_a.pk, date(2024, 9, 1))]
    update = AuditLog.objects.get(action="teacher.update", object_id=str(b.pk))
    assert (update.before, update.after) == (
        {"professional_title": "none", "subjects": []},
        {"professional_title": "first", "subjects": ["数学"]})
    transfer = AuditLog.objects.get(action="teacher.transfer", object_id=str(b.pk))
    assert (transfer.before, transfer.after, transfer.actor) == (
        {"school": world.school_b.pk}, {"school": world.school_a.pk}, admin)
    assert not AuditLog.objects.filter(object_id=str(world.teacher_a.pk),
                                       action__startswith="teacher.").exists()


def test_school_admin_imports_own_school(world, subjects):
    job = run_import("teachers", teachers_xlsx(teacher_row(1)),
                     actor=world.users[Role.SCHOOL_ADMIN])
    assert (job.status, job.created_count) == (ImportStatus.DONE, 1)
    assert Teacher.objects.get(employee_no="T0001").school == world.school_a


def test_login_name_is_the_phone_where_employee_numbers_repeat(admin, world):
    world.school_a.district.employee_numbers_unique = False
    world.school_a.district.save()
    assert refused(teachers_xlsx(teacher_row(1, 手机号="")), admin) == [
        "第 2 行「手机号」不能为空：本区工号不唯一，须以手机号作为登录名"]
    run_import("teachers", teachers_xlsx(teacher_row(1, 手机号="13655556666")), actor=admin)
    assert Teacher.objects.get(employee_no="T0001").user.username == "13655556666"


def test_teacher_cannot_import(world, subjects):
    from django.core.exceptions import PermissionDenied

    with pytest.raises(PermissionDenied, match="您没有教师导入的权限。"):
        run_import("teachers", teachers_xlsx(teacher_row(1)), actor=world.users[Role.TEACHER])
    assert ImportJob.objects.count() == 0


# --- schools -------------------------------------------------------------------------------------

def test_schools_are_created_and_updated(admin, world):
    data = xlsx([SCHOOL_HEADERS,
                 ["S0101", "示范区第一小学", "小学", "乡村", "是", "示范区人民路 1 号"],
                 ["S0001", "城东实验学校", "九年一贯制学校", "城区", "", ""]])
    job = run_import("schools", data, actor=admin, update=True)
    assert (job.status, job.created_count, job.updated_count) == (ImportStatus.DONE, 1, 1)
    new = School.objects.get(code="S0101")
    assert (new.name, new.school_type, new.location, new.is_weak, new.address, new.district) == (
        "示范区第一小学", SchoolType.PRIMARY, Location.RURAL, True, "示范区人民路 1 号",
        world.school_a.district)
    world.school_a.refresh_from_db()
    assert world.school_a.school_type == SchoolType.NINE_YEAR
    audit = AuditLog.objects.get(action="school.update")
    assert (audit.before, audit.after) == ({"school_type": "junior"},
                                           {"school_type": "nine_year"})


def test_school_name_taken_by_another_code(admin, world):
    data = xlsx([SCHOOL_HEADERS, ["S0102", "城西中学", "初级中学", "城区", "否", ""],
                 ["S0103", "新校", "小学", "城区", "也许", ""]])
    assert refused(data, admin, kind="schools") == [
        "第 2 行「学校名称」已被学校代码为 S0002 的学校使用",
        "第 3 行「薄弱学校」只能填写：是、否"]


def test_school_admin_may_not_import_schools(world):
    from django.core.exceptions import PermissionDenied

    data = xlsx([SCHOOL_HEADERS, ["S0101", "示范区第一小学", "小学", "乡村", "是", ""]])
    with pytest.raises(PermissionDenied, match="您没有学校导入的权限。"):
        run_import("schools", data, actor=world.users[Role.SCHOOL_ADMIN])
