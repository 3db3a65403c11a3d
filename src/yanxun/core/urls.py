from django.urls import include, path

from yanxun.core import views

app_name = "core"
urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("imports/", include("yanxun.core.imports.urls")),
]
