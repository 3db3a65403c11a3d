"""The framework's parts: messages, column checks, headers, progress, background runs,
initial password hashes, and the no-query-per-row guard."""

import threading
import time

import polars as pl
import pytest
from django.contrib.auth.hashers import PBKDF2PasswordHasher
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from tests.core.import_files import csv_bytes, run_import, teacher_row, teachers_xlsx
from tests.factories import SubjectFactory
from yanxun.accounts.models import User
from yanxun.core.enums import ImportStatus, Role
from yanxun.core.imports.columns import Column
from yanxun.core.imports.errors import RowError
from yanxun.core.imports.framework import check_headers
from yanxun.core.imports.passwords import initial_password_hash
from yanxun.core.imports.progress import Progress, read_progress
from yanxun.core.imports.readers import read_table
from yanxun.core.tasks import run_in_background
from yanxun.org.models import Teacher


def test_row_error_reads_like_the_spreadsheet():
    assert str(RowError(12, "身份证号", "校验位错误")) == "第 12 行「身份证号」校验位错误"
    assert str(RowError(1, "", "缺少列「姓名」")) == "第 1 行缺少列「姓名」"
    assert str(RowError(None, "", "文件是空的。")) == "文件是空的。"
    assert RowError.from_dict(RowError(3, "性别", "x").as_dict()) == RowError(3, "性别", "x")


def check(column: Column, values: list[str]) -> tuple[list, list[tuple[str, list[bool]]]]:
    frame = pl.DataFrame({column.field: values})
    value, checks = column.convert()
    return (frame.select(value).to_series().to_list(),
            [(message, frame.select(mask).to_series().to_list()) for mask, message in checks])


def test_int_column_range_and_blank():
    column = Column("入职年份", "year", required=True, kind="int", min_value=1950, max_value=2100)
    assert check(column, ["2012", "", "2012.0", "1900", "abc"]) == (
        [2012, None, 2012, 1900, None],
        [("不能为空", [False, True, False, False, False]),
         ("应为整数", [False, False, False, False, True]),
         ("应在 1950 到 2100 之间", [False, False, False, True, False])])


def test_choice_column_with_aliases_and_default():
    column = Column("职称", "title", kind="choice", choices={"一级教师": "first"},
                    aliases={"一级": "first"}, default="none")
    assert check(column, ["一级教师", "一级", "", "特级"]) == (
        ["first", "first", "none", None], [("只能填写：一级教师", [False, False, False, True])])


def test_text_column_length():
    column = Column("姓名", "name", max_length=3)
    assert check(column, ["王芳", "欧阳修远"]) == (
        ["王芳", "欧阳修远"], [("不能超过 3 个字", [False, True])])


def test_unknown_column_kind_is_a_programming_error():
    with pytest.raises(ValueError, match="unknown column kind 'money'"):
        Column("金额", "amount", kind="money")


def test_headers_blank_with_data_and_extra_columns():
    columns = [Column("姓名", "name"), Column("工号", "no")]
    table = read_table(csv_bytes([["姓名", "", "工号", "备注"], ["王芳", "x", "1", "y"]]))
    assert [str(e) for e in check_headers(columns, table)] == [
        "第 1 行 B 列有数据但没有列名",
        "第 1 行表头中的「备注」不是模板中的列",
        "请下载导入模板，按模板的列名填写后再导入。"]


def test_progress_is_in_the_cache_and_throttled():
    progress = Progress("test-token-1")
    progress.update("validating", 0, 100)
    assert read_progress("test-token-1")["done"] == 0
    progress.update("validating", 10, 100)  # within 0.5 s of the last write: not saved
    assert read_progress("test-token-1")["done"] == 0
    progress.update("writing", 0, 100)  # a new phase is always saved
    assert {k: v for k, v in read_progress("test-token-1").items() if k != "at"} == {
        "phase": "writing", "done": 0, "total": 100}
    progress.update("writing", 100, 100)  # and so is the end
    assert read_progress("test-token-1")["done"] == 100


def record(value: str) -> None:
    """A background function for the test below."""
    RESULTS.append((value, threading.current_thread().name))


RESULTS: list = []


def test_thread_backend_starts_after_commit_and_runs_the_function_by_its_path(
        db, settings, django_capture_on_commit_callbacks):
    settings.REDIS_URL = ""
    settings.BACKGROUND_PREFIXES = ("yanxun.", "tests.core.")
    RESULTS.clear()
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        run_in_background("tests.core.test_import_framework.record", value="好")
        assert RESULTS == []  # not before the transaction commits
    assert len(callbacks) == 1
    deadline = time.monotonic() + 10
    while not RESULTS and time.monotonic() < deadline:
        time.sleep(0.01)
    assert RESULTS == [("好", "yanxun-bg-record")]


def test_background_functions_must_be_ours():
    with pytest.raises(ValueError, match="background function outside yanxun: os.system"):
        run_in_background("os.system", command="true")


def test_initial_password_hash_is_cheap_and_upgraded_on_first_login(db, settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.PBKDF2PasswordHasher"]
    encoded = initial_password_hash("Yx12345X")
    assert encoded.startswith("pbkdf2_sha256$100$")
    assert initial_password_hash("Yx12345X") != encoded  # salted
    user = User.objects.create(username="0301", password=encoded, must_change_password=True)
    assert user.check_password("Yx12345X")
    user.refresh_from_db()
    assert user.password.startswith(f"pbkdf2_sha256${PBKDF2PasswordHasher.iterations}$")


def test_imported_teacher_logs_in_with_the_initial_password_and_must_change_it(world):
    SubjectFactory(name="语文")
    run_import("teachers", teachers_xlsx(teacher_row(1, 工号="0301")),
               actor=world.users[Role.ADMIN])
    teacher = Teacher.objects.get(employee_no="0301")
    client = Client()
    response = client.post("/accounts/login/", {"login": "0301",
                                                "password": "Yx" + teacher.id_number[-6:]})
    assert response.status_code == 302
    assert client.get("/").headers["Location"] == "/accounts/password/?next=/"


def test_query_count_does_not_grow_with_rows(world):
    """Validation and write of a teacher import take as many queries for 40 rows as for one:
    one query per referenced table, bulk writes in batches."""
    SubjectFactory(name="语文")
    counts = []
    for numbers in [range(1, 2), range(101, 141)]:
        data = teachers_xlsx(*[teacher_row(n) for n in numbers])
        admin = User.objects.get(username="admin")  # no roles cached from the last round
        with CaptureQueriesContext(connection) as queries:
            job = run_import("teachers", data, actor=admin)
        assert (job.status, job.created_count) == (ImportStatus.DONE, len(numbers))
        counts.append(len(queries))
    assert counts[0] == counts[1]


@pytest.mark.parametrize("good", [True, False])
def test_upload_is_deleted_once_the_result_is_committed(world, settings, good,
                                                        django_capture_on_commit_callbacks):
    SubjectFactory(name="语文")
    row = teacher_row(1) if good else teacher_row(1, 学校="城南小学")
    with django_capture_on_commit_callbacks(execute=True):
        job = run_import("teachers", teachers_xlsx(row), actor=world.users[Role.ADMIN])
    job.refresh_from_db()
    assert (job.status, job.file.name) == (
        ImportStatus.DONE if good else ImportStatus.INVALID, "")
    assert [p for p in (settings.MEDIA_ROOT / "imports").rglob("*") if p.is_file()] == []


def test_a_job_finishes_once(world):
    """import_job_finish is the one status writer: a finished job is not finished again, and
    running a finished job again (a background task delivered twice) writes nothing."""
    from yanxun.core.imports.services import (
        JobAlreadyFinished,
        import_job_finish,
        import_job_run,
    )

    SubjectFactory(name="语文")
    job = run_import("teachers", teachers_xlsx(teacher_row(1)), actor=world.users[Role.ADMIN])
    assert (job.status, job.created_count, Teacher.objects.count()) == (
        ImportStatus.DONE, 1, 3)
    again = import_job_run(job_id=job.pk)
    assert (again.status, again.created_count, Teacher.objects.count()) == (
        ImportStatus.DONE, 1, 3)
    with pytest.raises(JobAlreadyFinished):
        import_job_finish(job, ImportStatus.FAILED, errors=[])
    job.refresh_from_db()
    assert (job.status, job.errors) == (ImportStatus.DONE, [])
    with pytest.raises(ValueError):
        import_job_finish(job, ImportStatus.PENDING)
