"""Import routes. Each registered importer also gets a named route `upload-<kind>` (what the
sidebar links to); importers register in their app's ready(), before URLs are loaded."""

from django.urls import path

from yanxun.core.imports import views
from yanxun.core.imports.framework import importers

app_name = "imports"
urlpatterns = [
    path("job/<int:pk>/", views.job_detail, name="job"),
    path("job/<int:pk>/progress", views.job_progress, name="job_progress"),
    path("job/<int:pk>/errors.xlsx", views.job_errors_download, name="job_errors"),
    *[path(f"{importer.kind}/", views.upload, {"kind": importer.kind},
           name=f"upload-{importer.kind}") for importer in importers()],
    path("<slug:kind>/", views.upload, name="upload"),
    path("<slug:kind>/template.xlsx", views.template_download, name="template"),
]
