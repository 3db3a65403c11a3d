from django.conf import settings
from django.urls import path

from yanxun.training import views_checkin

app_name = "training"
urlpatterns: list = [
    # 签到 (views_checkin): the QR code opens c/<token>/ — short, so the code stays coarse.
    path("c/<str:token>/", views_checkin.checkin_scan, name="checkin_scan"),
    path("checkin/done/", views_checkin.checkin_complete, name="checkin_complete"),
    path("checkin/code/", views_checkin.checkin_code, name="checkin_code"),
    path("checkin/", views_checkin.checkin_sessions, name="checkin_sessions"),
    path("checkin/<int:pk>/", views_checkin.checkin_roster, name="checkin_roster"),
    path("checkin/<int:pk>/roster.xlsx", views_checkin.checkin_roster_xlsx,
         name="checkin_roster_xlsx"),
    path("checkin/<int:pk>/mark/", views_checkin.checkin_mark, name="checkin_mark"),
    path("checkin/<int:pk>/options/", views_checkin.checkin_options, name="checkin_options"),
    path("checkin/<int:pk>/screen/", views_checkin.checkin_screen, name="checkin_screen"),
    path("checkin/<int:pk>/screen/live/", views_checkin.checkin_screen_live,
         name="checkin_screen_live"),
    path("checkin/<int:pk>/online/", views_checkin.checkin_online, name="checkin_online"),
]

if settings.BENCHMARK_ROUTES:  # benchmarks/checkin_burst.py only
    urlpatterns.append(path("checkin/bench/write-one/", views_checkin.bench_write_one,
                            name="checkin_bench_write_one"))
