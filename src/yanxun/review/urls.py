"""Routes of 评审与评比: each part of the module keeps its own routes file."""

from django.urls import include, path

app_name = "review"
urlpatterns = [
    path("", include("yanxun.review.urls_results")),
]
