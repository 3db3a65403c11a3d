"""Routes of the results part of 评审与评比: results and their agreement report, awards and
certificates, 公示 and 异议, and the work calendar (included by review/urls.py)."""

from django.urls import path

from yanxun.review import views_awards, views_calendar, views_notices, views_results

urlpatterns = [
    # results
    path("results/", views_results.results_index, name="results_index"),
    path("competitions/<int:pk>/results/", views_results.competition_results,
         name="competition_results"),
    path("rounds/<int:pk>/results/", views_results.round_results_page, name="round_results"),
    path("rounds/<int:pk>/results.xlsx", views_results.round_results_xlsx,
         name="round_results_xlsx"),
    path("rounds/<int:pk>/results.pdf", views_results.round_results_pdf,
         name="round_results_pdf"),
    path("rounds/<int:pk>/flags/", views_results.flag_ack, name="flag_ack"),
    path("rounds/<int:pk>/release/", views_results.round_release, name="round_release"),
    # awards and certificates
    path("competitions/<int:pk>/awards/", views_awards.awards_page, name="awards"),
    path("competitions/<int:pk>/certificates/", views_awards.certificates_issue,
         name="certificates_issue"),
    path("competitions/<int:pk>/seal/", views_awards.seal_page, name="seal_upload"),
    path("groups/<int:pk>/certificates.pdf", views_awards.group_certificates_pdf,
         name="group_certificates_pdf"),
    path("awards/<int:pk>/certificate.pdf", views_awards.award_certificate_pdf,
         name="award_certificate_pdf"),
    path("awards/mine/", views_awards.my_awards_page, name="my_awards"),
    path("verify/", views_awards.award_verify_page, name="award_verify"),
    path("verify/<str:code>/", views_awards.award_verify_code, name="award_verify_code"),
    # 公示 and 异议
    path("competitions/<int:pk>/notice/new/", views_notices.notice_create,
         name="notice_create"),
    path("notices/<int:pk>/", views_notices.notice_detail, name="notice_detail"),
    path("notices/<int:pk>/final/", views_notices.notice_final, name="notice_final"),
    path("notices/<int:pk>/withdraw/", views_notices.notice_withdraw_view,
         name="notice_withdraw"),
    path("notice/<str:token>/", views_notices.notice_public, name="notice_public"),
    path("notice/<str:token>/objection/", views_notices.objection_create,
         name="objection_create"),
    path("objections/", views_notices.objection_list, name="objection_list"),
    path("objections/mine/", views_notices.my_objections_page, name="my_objections"),
    path("objections/<int:pk>/", views_notices.objection_detail, name="objection_detail"),
    path("objection-files/<int:pk>/", views_notices.evidence_download,
         name="evidence_download"),
    # 节假日与调休
    path("calendar/", views_calendar.calendar_page, name="calendar"),
    path("calendar/<int:pk>/delete/", views_calendar.calendar_delete, name="calendar_delete"),
]
