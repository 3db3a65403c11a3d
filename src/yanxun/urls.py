from django.urls import include, path

from yanxun.api import api

urlpatterns = [
    path("", include("yanxun.core.urls")),
    path("accounts/", include("yanxun.accounts.urls")),
    path("org/", include("yanxun.org.urls")),
    path("quality/", include("yanxun.quality.urls")),
    path("training/", include("yanxun.training.urls")),
    path("review/", include("yanxun.review.urls")),
    path("api/", api.urls),
]
