"""Reads for import jobs: who may see a job, and where it stands."""

import time

from django.db.models import QuerySet
from django.http import Http404

from yanxun.core.enums import ImportStatus, Role
from yanxun.core.imports.progress import PHASES, read_progress
from yanxun.core.models import ImportJob
from yanxun.core.permissions import user_roles

FINISHED = {ImportStatus.DONE, ImportStatus.INVALID, ImportStatus.FAILED}
STALE_SECONDS = 600


def jobs_visible_to(user) -> QuerySet[ImportJob]:
    """A job is seen by the person who started it and by system administrators."""
    jobs = ImportJob.objects.select_related("created_by")
    if Role.ADMIN in user_roles(user):
        return jobs
    return jobs.filter(created_by=user)


def job_for(user, pk: int) -> ImportJob:
    job = jobs_visible_to(user).filter(pk=pk).first()
    if job is None:
        raise Http404("没有这个导入任务。")
    return job


def recent_jobs(user, kind: str, limit: int = 5) -> list[ImportJob]:
    return list(ImportJob.objects.filter(created_by=user, kind=kind)[:limit])


def job_state(job: ImportJob) -> dict:
    """phase, its Chinese label, done/total/percent, and whether the page should stop polling."""
    if job.status in FINISHED:
        return {"phase": str(job.status), "label": job.get_status_display(), "finished": True,
                "done": job.total_rows, "total": job.total_rows, "percent": 100, "stale": False}
    progress = read_progress(str(job.progress_key)) or {}
    phase = progress.get("phase", "")
    done, total = progress.get("done", 0), progress.get("total", 0)
    stale = not progress or time.time() - progress.get("at", 0) > STALE_SECONDS
    return {"phase": phase, "label": PHASES.get(phase, "排队中"), "finished": False,
            "done": done, "total": total, "percent": int(100 * done / total) if total else 0,
            "stale": stale}
