"""Imports in real processes: killed with SIGKILL halfway through the write, and run in the
background by a real Celery worker over Redis."""

import os
import signal
import sys
import time

import pytest
import xlsxwriter
from django.core.cache.backends.filebased import FileBasedCache

from tests.core.import_files import TEACHER_HEADERS
from yanxun.core.imports.progress import cache_key
from yanxun.core.validators import id_number_check_digit

TABLES = ["org_teacher", "accounts_user", "org_teacherposting", "accounts_roleassignment",
          "org_teacher_subjects"]


def big_teacher_file(path, rows: int) -> None:
    """`rows` valid teachers of 城东实验学校, all different."""
    book = xlsxwriter.Workbook(str(path), {"constant_memory": True})
    sheet = book.add_worksheet()
    sheet.write_row(0, 0, TEACHER_HEADERS)
    for n in range(rows):
        first17 = f"3201{n // 1000:02d}19850101{n % 1000:03d}"
        number = first17 + id_number_check_digit(first17)
        gender = "男" if int(number[16]) % 2 else "女"
        sheet.write_row(n + 1, 0, [f"B{n:05d}", f"批量教师{n}", gender, number, f"139{n:08d}",
                                   "城东实验学校", "初中", "", "一级教师", "2015", ""])
    book.close()


def wait_for(condition, timeout: float, what: str):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(0.1)
    pytest.fail(f"timed out after {timeout} s waiting for {what}")


def row_counts(site) -> dict:
    return {table: site.query(f"SELECT COUNT(*) FROM {table}")[0][0] for table in TABLES}


@pytest.mark.slow
def test_sigkill_halfway_through_the_write_leaves_none_of_the_rows(installation, tmp_path):
    site = installation
    big = tmp_path / "big.xlsx"
    big_teacher_file(big, 10_000)
    process = site.popen(site.command("import", "teachers", str(big)),
                         YANXUN_IMPORT_WRITE_BATCH_DELAY="0.3")
    cache = FileBasedCache(str(site.folder / "cache"), {})

    def writing_progress():
        jobs = site.query("SELECT progress_key FROM core_importjob")
        if not jobs:
            return None
        progress = cache.get(cache_key(str(_uuid(jobs[0][0])))) or {}
        return progress if progress.get("phase") == "writing" and progress["done"] else None

    try:
        progress = wait_for(writing_progress, 120, "the import to be writing")
    finally:
        os.kill(process.pid, signal.SIGKILL)
        process.wait(timeout=30)
    assert process.returncode == -signal.SIGKILL
    assert 0 < progress["done"] < progress["total"] == 10_000  # killed halfway through
    assert row_counts(site) == dict.fromkeys(TABLES, 0)
    assert site.query("SELECT COUNT(*) FROM core_auditlog")[0][0] == 0
    assert site.query("SELECT status FROM core_importjob") == [("pending",)]
    assert site.query("PRAGMA integrity_check") == [("ok",)]
    # The database is fine afterwards: the same file imports completely.
    result = site.run("import", "teachers", str(big))
    assert "导入完成：共 10000 行，新增 10000 条，更新 0 条，未变化 0 条。" in result.stdout
    assert row_counts(site) == {"org_teacher": 10_000, "accounts_user": 10_000,
                                "org_teacherposting": 10_000, "accounts_roleassignment": 10_000,
                                "org_teacher_subjects": 0}


def _uuid(value) -> str:
    """SQLite stores a UUIDField as 32 hex digits; the cache key uses the canonical form."""
    import uuid

    return str(uuid.UUID(hex=value))


@pytest.mark.slow
@pytest.mark.needs_redis
def test_large_import_runs_in_a_celery_worker(installation, tmp_path, redis_url):
    site = installation
    # A Redis database of this test's own, so that no other worker's queue is consumed.
    url = redis_url.rsplit("/", 1)[0] + f"/{os.getpid() % 14 + 1}"
    site.env.update(REDIS_URL=url, YANXUN_IMPORT_BACKGROUND_ROWS="2")
    data = tmp_path / "three.xlsx"
    big_teacher_file(data, 3)
    worker = site.popen([sys.executable, "-m", "celery", "-A", "yanxun", "worker", "--pool=solo",
                         "--without-gossip", "--without-mingle", "--without-heartbeat",
                         "--loglevel=WARNING"])
    try:
        started = site.shell(START_JOB.format(path=str(data)))
        assert started.split() == ["1", "True"]  # job 1, sent to the background
        status = wait_for(lambda: _finished(site), 120, "the worker to finish the job")
    finally:
        worker.terminate()
        output = worker.communicate(timeout=30)[0]
    assert status == ("done", 3, 3), output
    assert row_counts(site)["org_teacher"] == 3


START_JOB = """
from django.core.files import File
from yanxun.core.imports.services import import_job_create, import_job_start
with open({path!r}, "rb") as handle:
    job = import_job_create(actor=None, kind="teachers", file=File(handle),
                            original_name="three.xlsx", update_existing=False)
print(job.pk, import_job_start(job=job))
"""


def _finished(site):
    rows = site.query("SELECT status, total_rows, created_count FROM core_importjob")
    return rows[0] if rows and rows[0][0] in {"done", "invalid", "failed"} else None

