"""`yanxun export`: the same ListSpec, scope, masking and audit as the page's export."""

import polars as pl
import pytest
from django.core.management import CommandError, call_command

from yanxun.core.enums import Role
from yanxun.core.models import AuditLog


def _read(path) -> pl.DataFrame:
    return pl.read_excel(path, engine="calamine", read_options={"dtypes": "string"})


def test_operator_export_has_everything_unmasked(world, tmp_path, capsys):
    out = tmp_path / "教师.xlsx"
    call_command("export_data", "teachers", str(out))
    frame = _read(out)
    assert frame.select("姓名", "身份证号").rows() == [
        ("张晓明", world.teacher_a.id_number), ("李秋华", world.teacher_b.id_number)]
    assert capsys.readouterr().out.strip() == f"已导出教师 2 条到 {out}"
    log = AuditLog.objects.get(action="export.personal_data")
    assert (log.actor, log.reason, log.after["unmasked"]) == (None, "命令行导出", True)


def test_export_as_a_user_gets_their_scope_and_masking(world, tmp_path, capsys):
    out = tmp_path / "t.xlsx"
    call_command("export_data", "teachers", str(out), "--as", "leader", "--school", "S0002")
    frame = _read(out)
    masked = world.teacher_b.id_number[:4] + "*" * 10 + world.teacher_b.id_number[-4:]
    assert frame.select("姓名", "身份证号").rows() == [("李秋华", masked)]
    assert capsys.readouterr().out.strip() == f"已导出教师 1 条到 {out}（个人信息已脱敏）"
    call_command("export_data", "teachers", str(out), "--as", "schooladmin", "--school", "S0002")
    assert _read(out).height == 0  # another school: nothing, not an error
    assert AuditLog.objects.filter(action="export.personal_data").count() == 2


@pytest.mark.parametrize(("args", "message"), [
    (["--as", "judge"], "用户「judge」无权导出教师。"),
    (["--as", "nobody"], "用户「nobody」不存在或已停用。"),
    (["--school", "S9999"], "学校代码「S9999」不存在。"),
    (["--filter", "stage=college"], "「学段」取值无效：college"),
    (["--filter", "stage"], "筛选条件「stage」应写成 KEY=VALUE。"),
])
def test_bad_arguments_are_refused_in_chinese(world, tmp_path, args, message):
    with pytest.raises(CommandError) as refused:
        call_command("export_data", "teachers", str(tmp_path / "x.xlsx"), *args)
    assert str(refused.value) == message
    assert not (tmp_path / "x.xlsx").exists()


def test_other_lists_export_too(world, tmp_path):
    out = tmp_path / "schools.xlsx"
    call_command("export_data", "schools", str(out), "--as", world.users[Role.ADMIN].username)
    assert _read(out).select("学校代码", "学校名称").rows() == [
        ("S0001", "城东实验学校"), ("S0002", "城西中学")]
