from django.urls import include, path

from yanxun.core import views

app_name = "core"
urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("audit-log/", views.audit_log, name="audit_log"),
    path("imports/", include("yanxun.core.imports.urls")),
]
