from django.urls import path

from yanxun.quality import views, views_students

app_name = "quality"
urlpatterns = [
    path("", views.exam_list, name="exam_list"),
    path("new/", views.exam_create, name="exam_create"),
    path("<int:pk>/", views.exam_detail, name="exam_detail"),
    path("<int:pk>/scores/", views.scores_upload, name="scores_upload"),
    path("<int:pk>/scores/schools/", views.scores_schools, name="scores_schools"),
    path("<int:pk>/scores/confirm/", views.scores_confirm, name="scores_confirm"),
    path("<int:pk>/analyse/", views.exam_analyse, name="exam_analyse"),
    path("<int:pk>/progress/", views.exam_progress, name="exam_progress"),
    path("<int:pk>/report/", views.district_report, name="district_report"),
    path("<int:pk>/report.xlsx", views.district_report_xlsx, name="district_report_xlsx"),
    path("<int:pk>/report.pdf", views.district_report_pdf, name="district_report_pdf"),
    path("<int:pk>/value-added/", views.value_added, name="value_added"),
    path("<int:pk>/schools/<int:school_pk>/", views.school_report, name="school_report"),
    path("<int:pk>/schools/<int:school_pk>/report.xlsx", views.school_report_xlsx,
         name="school_report_xlsx"),
    path("<int:pk>/schools/<int:school_pk>/report.pdf", views.school_report_pdf,
         name="school_report_pdf"),
    path("<int:pk>/schools/<int:school_pk>/students/", views_students.student_list,
         name="students"),
    path("<int:pk>/students.csv", views_students.students_pseudonymous_csv,
         name="students_pseudonymous"),
    path("retention/", views_students.retention_settings, name="retention"),
]
