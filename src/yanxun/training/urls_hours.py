"""Routes of the hours part of 师干训 (included by training/urls.py)."""

from django.urls import path

from yanxun.training import views_claims, views_hours, views_hours_settings, views_ledger

urlpatterns = [
    # ledgers
    path("hours/me/", views_ledger.my_hours, name="my_hours"),
    path("hours/teachers/<int:pk>/", views_ledger.teacher_ledger_page, name="teacher_ledger"),
    path("hours/teachers/<int:pk>/certificate/", views_ledger.hours_certificate,
         name="hours_certificate"),
    path("hours/compliance/", views_ledger.compliance_page, name="compliance"),
    # accreditation of programs
    path("hours/accreditation/", views_hours.accreditation_list, name="accreditation_list"),
    path("hours/accreditation/<int:pk>/", views_hours.accreditation, name="accreditation"),
    path("hours/accreditation/<int:pk>/certificates/", views_hours.program_certificates,
         name="program_certificates"),
    path("hours/accreditation/<int:pk>/certificates.pdf", views_hours.program_certificates_pdf,
         name="program_certificates_pdf"),
    # claims
    path("hours/claims/", views_claims.claim_list, name="claim_list"),
    path("hours/claims/new/", views_claims.claim_create, name="claim_create"),
    path("hours/claims/award/<int:pk>/", views_claims.claim_award, name="claim_award"),
    path("hours/claims/<int:pk>/", views_claims.claim_detail, name="claim_detail"),
    path("hours/claims/<int:pk>/edit/", views_claims.claim_edit, name="claim_edit"),
    path("hours/claims/<int:pk>/decide/", views_claims.claim_decide, name="claim_decide"),
    path("hours/evidence/<int:pk>/", views_claims.evidence_download, name="evidence_download"),
    # certificates
    path("hours/certificates/", views_hours.certificate_list, name="certificate_list"),
    path("hours/certificates/<int:pk>.pdf", views_hours.certificate_pdf, name="certificate_pdf"),
    path("hours/certificates/<int:pk>/revoke/", views_hours.certificate_revoke_page,
         name="certificate_revoke"),
    path("verify/", views_hours.certificate_verify_page, name="certificate_verify"),
    path("verify/<str:code>/", views_hours.certificate_verify_code,
         name="certificate_verify_code"),
    # export
    path("hours/export/", views_hours.hours_export, name="hours_export"),
    path("hours/export/layouts/new/", views_hours_settings.export_layout_edit,
         name="export_layout_create"),
    path("hours/export/layouts/<int:pk>/", views_hours_settings.export_layout_edit,
         name="export_layout_edit"),
    # settings
    path("hours/claim-rules/", views_hours_settings.claim_rules, name="claim_rules"),
    path("hours/claim-rules/new/", views_hours_settings.claim_rule_edit,
         name="claim_rule_create"),
    path("hours/claim-rules/<int:pk>/", views_hours_settings.claim_rule_edit,
         name="claim_rule_edit"),
    path("hours/policy/", views_hours_settings.hours_policy, name="hours_policy"),
    path("hours/policy/requirements/new/", views_hours_settings.requirement_edit,
         name="requirement_create"),
    path("hours/policy/requirements/<int:pk>/", views_hours_settings.requirement_edit,
         name="requirement_edit"),
    path("hours/policy/requirements/<int:pk>/delete/", views_hours_settings.requirement_delete,
         name="requirement_delete"),
]
