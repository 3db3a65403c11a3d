from django.urls import path  # noqa: F401

from yanxun.training.urls_hours import urlpatterns as hours_urlpatterns

app_name = "training"
urlpatterns: list = [*hours_urlpatterns]
