from django.conf import settings
from django.urls import path

from yanxun.training import views_checkin, views_enrol, views_programs
from yanxun.training.urls_hours import urlpatterns as hours_urlpatterns

app_name = "training"
urlpatterns: list = [
    *hours_urlpatterns,
    # Programs, classes, sessions, categories (centre staff)
    path("programs/", views_programs.program_list, name="program_list"),
    path("programs/new/", views_programs.program_create, name="program_create"),
    path("programs/<int:pk>/", views_programs.program_detail, name="program_detail"),
    path("programs/<int:pk>/edit/", views_programs.program_edit, name="program_edit"),
    path("programs/<int:pk>/transition/", views_programs.program_transition,
         name="program_transition"),
    path("programs/<int:pk>/audience/keep/", views_programs.audience_keep,
         name="audience_keep"),
    path("programs/<int:pk>/audience/cancel/", views_programs.audience_cancel,
         name="audience_cancel"),
    path("programs/<int:pk>/classes/new/", views_programs.class_create, name="class_create"),
    path("classes/<int:pk>/edit/", views_programs.class_edit, name="class_edit"),
    path("classes/<int:pk>/delete/", views_programs.class_delete, name="class_delete"),
    path("classes/<int:pk>/sessions/new/", views_programs.session_create,
         name="session_create"),
    path("sessions/<int:pk>/edit/", views_programs.session_edit, name="session_edit"),
    path("sessions/<int:pk>/delete/", views_programs.session_delete, name="session_delete"),
    path("categories/", views_programs.category_list, name="category_list"),
    path("categories/new/", views_programs.category_create, name="category_create"),
    path("categories/<int:pk>/edit/", views_programs.category_edit, name="category_edit"),
    # The menu and the teacher's own enrolments
    path("menu/", views_enrol.menu, name="menu"),
    path("menu/<int:pk>/", views_enrol.menu_program, name="menu_program"),
    path("menu/<int:pk>/enrol/", views_enrol.enrol, name="enrol"),
    path("mine/", views_enrol.my_training, name="my_training"),
    path("mine/<int:pk>/withdraw/", views_enrol.withdraw, name="withdraw"),
    # Approval, enrolment records, the roster, 统一报名
    path("approvals/", views_enrol.approvals, name="approvals"),
    path("enrolments/", views_enrol.enrolment_list, name="enrolment_list"),
    path("enrolments/<int:pk>/approve/", views_enrol.approve, name="enrolment_approve"),
    path("enrolments/<int:pk>/reject/", views_enrol.reject, name="enrolment_reject"),
    path("enrolments/<int:pk>/move/", views_enrol.enrolment_move, name="enrolment_move"),
    path("enrolments/<int:pk>/remove/", views_enrol.enrolment_remove, name="enrolment_remove"),
    path("enrolments/<int:pk>/promote/", views_enrol.enrolment_promote,
         name="enrolment_promote"),
    path("programs/<int:pk>/roster/", views_enrol.roster, name="roster"),
    path("programs/<int:pk>/bulk/", views_enrol.bulk, name="bulk"),
    path("programs/<int:pk>/bulk/import/", views_enrol.bulk_import, name="bulk_import"),
    path("enrolments/template.xlsx", views_enrol.bulk_template, name="enrol_template"),
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
