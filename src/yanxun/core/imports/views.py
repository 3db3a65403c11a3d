"""Import pages: upload, template download, job status with a polled progress bar, errors."""

import io

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import FileResponse, Http404
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET

from yanxun.core.imports import selectors, services
from yanxun.core.imports.forms import ImportUploadForm
from yanxun.core.imports.framework import Importer, get_importer
from yanxun.core.imports.templates import errors_xlsx, template_xlsx
from yanxun.core.permissions import has_perm

ERRORS_SHOWN = 200
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _importer_for(user, kind: str) -> type[Importer]:
    importer = get_importer(kind)
    if importer is None:
        raise Http404("没有这种导入。")
    if not has_perm(user, importer.permission):
        raise PermissionDenied(f"您没有{importer.label}导入的权限。")
    return importer


@login_required
def upload(request, kind: str):
    importer = _importer_for(request.user, kind)
    form = ImportUploadForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        upload_file = form.cleaned_data["file"]
        try:
            job = services.import_job_create(
                actor=request.user, kind=kind, file=upload_file, original_name=upload_file.name,
                update_existing=form.cleaned_data["update_existing"])
        except ValidationError as exc:
            form.add_error("file", exc)
        else:
            services.import_job_start(job=job)
            return redirect("core:imports:job", pk=job.pk)
    return render(request, "imports/upload.html", {
        "page_title": f"{importer.label}导入", "importer": importer, "form": form,
        "jobs": selectors.recent_jobs(request.user, kind),
    })


@login_required
@require_GET
def template_download(request, kind: str):
    importer = _importer_for(request.user, kind)
    return FileResponse(io.BytesIO(template_xlsx(importer)), as_attachment=True,
                        filename=f"{importer.label}导入模板.xlsx", content_type=XLSX)


@login_required
@require_GET
def job_detail(request, pk: int):
    job = selectors.job_for(request.user, pk)
    importer = get_importer(job.kind)
    errors = services.job_errors(job)
    return render(request, "imports/job.html", {
        "page_title": f"{importer.label if importer else job.kind}导入结果", "job": job,
        "importer": importer, "state": selectors.job_state(job),
        "errors": errors[:ERRORS_SHOWN], "error_count": len(errors),
    })


@login_required
@require_GET
def job_progress(request, pk: int):
    job = selectors.job_for(request.user, pk)
    state = selectors.job_state(job)
    response = render(request, "imports/_progress.html", {"job": job, "state": state})
    if state["finished"]:
        response["HX-Refresh"] = "true"  # htmx reloads the page, which shows the result
    return response


@login_required
@require_GET
def job_errors_download(request, pk: int):
    job = selectors.job_for(request.user, pk)
    data = errors_xlsx(services.job_errors(job))
    return FileResponse(io.BytesIO(data), as_attachment=True,
                        filename=f"导入错误说明_{job.pk}.xlsx", content_type=XLSX)
