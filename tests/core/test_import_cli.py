"""`yanxun import <kind> FILE [--update] [--as LOGIN]` (management command import_data)."""

import io

import pytest
from django.core.management import CommandError, call_command

from tests.core.import_files import teacher_row, teachers_xlsx
from tests.factories import SubjectFactory
from yanxun.core.models import ImportJob
from yanxun.org.models import Teacher


@pytest.fixture
def subjects(db):
    return [SubjectFactory(name="语文")]


def run(*args) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    try:
        call_command("import_data", *args, stdout=out, stderr=err)
        code = 0
    except SystemExit as exc:
        code = exc.code
    return code, out.getvalue(), err.getvalue()


def test_success_prints_counts_and_the_password_rule(world, subjects, tmp_path):
    path = tmp_path / "教师.xlsx"
    path.write_bytes(teachers_xlsx(teacher_row(1), teacher_row(2)))
    code, out, err = run("teachers", str(path))
    job = ImportJob.objects.get()
    assert (code, err) == (0, "")
    assert out.splitlines() == [
        f"导入任务 {job.pk}：正在校验「教师.xlsx」……",
        "导入完成：共 2 行，新增 2 条，更新 0 条，未变化 0 条。",
        "初始密码为 Yx 加身份证号后 6 位（如 Yx12345X），首次登录后须修改",
        "登录名：本区工号全区唯一时为工号，否则为手机号。",
        "勾选「更新已有数据」时按身份证号更新；学校变化视为调动，保留任职经历。",
    ]
    assert job.created_by is None
    assert Teacher.objects.filter(employee_no__in=["T0001", "T0002"]).count() == 2


def test_invalid_file_prints_each_error_and_exits_2(world, subjects, tmp_path):
    path = tmp_path / "教师.xlsx"
    path.write_bytes(teachers_xlsx(teacher_row(1, 学校="城南小学"), teacher_row(2, 姓名="")))
    code, _, err = run("teachers", str(path))
    assert code == 2
    assert err.splitlines() == [
        "第 2 行「学校」找不到：城南小学（请填写系统中已有的学校名称或学校代码）",
        "第 3 行「姓名」不能为空",
        "校验未通过（2 处错误），没有写入任何数据。",
    ]
    assert Teacher.objects.count() == 2  # the world's two


def test_as_user_applies_their_data_scope(world, subjects, tmp_path):
    path = tmp_path / "教师.xlsx"
    path.write_bytes(teachers_xlsx(teacher_row(1, 学校="城西中学")))
    code, _, err = run("teachers", str(path), "--as", "schooladmin")
    assert code == 2
    assert err.splitlines()[0] == "第 2 行「学校」不在您的管理范围内：只能导入本单位的数据"
    code, _, err = run("teachers", str(path), "--as", world.teacher_a.user.username)
    assert (code, err.splitlines()) == (2, ["您没有教师导入的权限。",
                                            "校验未通过（1 处错误），没有写入任何数据。"])


def test_a_50_mb_file_is_refused_before_it_is_read(world, tmp_path):
    path = tmp_path / "大文件.xlsx"
    with path.open("wb") as handle:  # sparse: costs nothing on disk
        handle.write(b"PK\x03\x04")
        handle.truncate(50 * 1024 * 1024)
    code, _, err = run("teachers", str(path))
    assert (code, err.splitlines()) == (2, ["文件大小 50.0 MB，超过上限 20 MB，请拆分后分批导入。",
                                            "校验未通过（1 处错误），没有写入任何数据。"])
    assert ImportJob.objects.count() == 0


def test_update_flag(world, subjects, tmp_path):
    a = world.teacher_a
    male = int(a.id_number[16]) % 2 == 1
    a.gender = "male" if male else "female"
    a.save()
    row = teacher_row(1, 身份证号=a.id_number, 工号=a.employee_no, 姓名="张晓明（改）",
                      手机号=a.phone, 任教学科="", 职称="", 入职年份="2010", male=male)
    path = tmp_path / "教师.xlsx"
    path.write_bytes(teachers_xlsx(row))
    assert run("teachers", str(path))[0] == 2
    code, out, _ = run("teachers", str(path), "--update")
    assert code == 0
    assert "导入完成：共 1 行，新增 0 条，更新 1 条，未变化 0 条。" in out
    a.refresh_from_db()
    assert (a.name, a.user.name) == ("张晓明（改）", "张晓明（改）")


def test_missing_file_and_unknown_user(world, tmp_path):
    with pytest.raises(CommandError, match="找不到文件："):
        call_command("import_data", "teachers", str(tmp_path / "none.xlsx"))
    path = tmp_path / "a.xlsx"
    path.write_bytes(b"x")
    with pytest.raises(CommandError, match="找不到登录名为「nobody」的用户。"):
        call_command("import_data", "teachers", str(path), "--as", "nobody")
