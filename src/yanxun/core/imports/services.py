"""Writes for import jobs: create a job from an upload, run it (here or in the background).

The run validates the whole file first, outside any transaction, with progress in the cache;
only a fully valid file is written, in ONE short transaction that also records the job's
result and its 操作日志 — so a crash or a kill at any point leaves none of its rows."""

import logging
from pathlib import Path

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files import File
from django.db import transaction
from django.utils import timezone

from yanxun.core import versions
from yanxun.core.audit import audit_record
from yanxun.core.enums import ImportStatus
from yanxun.core.imports.errors import ImportFileError, RowError, file_error
from yanxun.core.imports.framework import Importer, Validation, get_importer, validate_file
from yanxun.core.imports.progress import Progress
from yanxun.core.imports.readers import read_table
from yanxun.core.models import ImportJob
from yanxun.core.permissions import has_perm
from yanxun.core.tasks import run_in_background

logger = logging.getLogger(__name__)
RUN_PATH = "yanxun.core.imports.services.import_job_run"


def importer_for(kind: str) -> type[Importer]:
    importer = get_importer(kind)
    if importer is None:
        raise ValidationError(f"没有名为「{kind}」的导入类型。")
    return importer


def import_job_create(*, actor, kind: str, file, original_name: str,
                      update_existing: bool) -> ImportJob:
    """Store the upload and queue a job. `actor` None is the server operator (command line)."""
    importer = importer_for(kind)
    if actor is not None and not has_perm(actor, importer.permission):
        raise PermissionDenied(f"您没有{importer.label}导入的权限。")
    if file.size > settings.IMPORT_MAX_BYTES:
        raise ValidationError(f"文件大小 {file.size / 1048576:.1f} MB，超过上限 "
                              f"{settings.IMPORT_MAX_BYTES / 1048576:.0f} MB，请拆分后分批导入。")
    job = ImportJob(kind=kind, original_name=original_name[:255], update_existing=update_existing,
                    created_by=actor)
    job.file.save(Path(original_name).name or "upload", File(file), save=False)
    job.save()
    Progress(str(job.progress_key)).update("queued")
    return job


def import_job_start(*, job: ImportJob) -> bool:
    """Run the job now, or in the background when the file is large. True if backgrounded."""
    if _row_count(job) >= settings.IMPORT_BACKGROUND_ROWS:
        run_in_background(RUN_PATH, job_id=job.pk)
        return True
    import_job_run(job_id=job.pk)
    return False


def _row_count(job: ImportJob) -> int:
    try:
        return read_table(job.file.path).frame.height
    except ImportFileError:
        return 0  # unreadable: the run reports why, at once


class JobAlreadyFinished(Exception):
    """Another run of the same job (a background task delivered twice) finished it first."""


def import_job_run(*, job_id: int) -> ImportJob:
    job = ImportJob.objects.select_related("created_by").get(pk=job_id)
    if job.status != ImportStatus.PENDING:
        return job  # already run: a repeated task changes nothing
    progress = Progress(str(job.progress_key))
    importer = importer_for(job.kind)(actor=job.created_by, update_existing=job.update_existing,
                                      progress=progress)
    try:
        validation = validate_file(importer, job.file.path)
        if validation.errors:
            return _finish_invalid(job, validation, progress)
        _write(job, importer, validation)
    except JobAlreadyFinished:
        job.refresh_from_db()
    except Exception:
        logger.exception("import job %s failed", job.pk)
        _finish_failed(job, progress)
    return job


def import_job_finish(job: ImportJob, status: ImportStatus, **fields) -> None:
    """The one writer of an import job's status: a pending job ends done, invalid or failed,
    once. A conditional update, so two runs of one job cannot both finish it; inside the
    write's transaction the loser's rows roll back with it."""
    if status not in FINISHED:
        raise ValueError(f"an import job finishes as one of {sorted(FINISHED)}, not {status}")
    values = {"status": status, "finished_at": timezone.now(), **fields}
    if not ImportJob.objects.filter(pk=job.pk, status=ImportStatus.PENDING).update(**values):
        raise JobAlreadyFinished(job.pk)
    for name, value in values.items():
        setattr(job, name, value)


FINISHED = frozenset({ImportStatus.DONE, ImportStatus.INVALID, ImportStatus.FAILED})


def _write(job: ImportJob, importer: Importer, validation: Validation) -> None:
    importer.progress.update("writing", 0, len(validation.rows))
    with versions.bulk_writes():  # one transaction; the data versions change once, at the end
        counts = importer.write(validation.rows)
        import_job_finish(job, ImportStatus.DONE, total_rows=validation.total,
                          created_count=counts.created, updated_count=counts.updated,
                          unchanged_count=counts.unchanged, file=_discard_upload(job))
        audit_record(actor=job.created_by, action=f"import.{job.kind}", obj=job, after={
            "kind": job.kind, "file": job.original_name, "rows": job.total_rows,
            "created": counts.created, "updated": counts.updated,
            "unchanged": counts.unchanged, "update_existing": job.update_existing,
        })
    importer.progress.update("done", len(validation.rows), len(validation.rows))


def _finish_invalid(job: ImportJob, validation: Validation, progress: Progress) -> ImportJob:
    with transaction.atomic():
        import_job_finish(job, ImportStatus.INVALID, total_rows=validation.total,
                          errors=[e.as_dict() for e in validation.errors],
                          file=_discard_upload(job))
    progress.update("invalid")
    return job


def _discard_upload(job: ImportJob) -> str:
    """The uploaded sheet holds personal data (身份证号, phones) and is not needed once the job
    has a result: delete it when the result is committed (call inside the transaction that
    records the result). A failed job keeps it for whoever investigates the failure. Returns
    the file field's new (empty) value."""
    storage, name = job.file.storage, job.file.name
    if name:
        transaction.on_commit(lambda: storage.delete(name))
    return ""


def _finish_failed(job: ImportJob, progress: Progress) -> None:
    try:
        import_job_finish(job, ImportStatus.FAILED, errors=[file_error(
            "导入过程中出现系统错误，没有写入任何数据。请稍后重试或联系管理员。").as_dict()])
    except JobAlreadyFinished:
        job.refresh_from_db()
        return
    progress.update("failed")


def job_errors(job: ImportJob) -> list[RowError]:
    return [RowError.from_dict(e) for e in job.errors]
