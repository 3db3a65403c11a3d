from django.urls import include, path

from yanxun.review import views_competitions, views_entries

app_name = "review"
urlpatterns: list = [
    # Competitions and groups (views_competitions)
    path("competitions/", views_competitions.competition_list, name="competition_list"),
    path("competitions/new/", views_competitions.competition_create, name="competition_create"),
    path("competitions/<int:pk>/", views_competitions.competition_detail,
         name="competition_detail"),
    path("competitions/<int:pk>/edit/", views_competitions.competition_edit,
         name="competition_edit"),
    path("competitions/<int:pk>/form/", views_competitions.competition_fields,
         name="competition_fields"),
    path("competitions/<int:pk>/transition/", views_competitions.competition_transition,
         name="competition_transition"),
    path("competitions/<int:pk>/groups/new/", views_competitions.group_create,
         name="group_create"),
    path("groups/<int:pk>/edit/", views_competitions.group_edit, name="group_edit"),
    path("groups/<int:pk>/delete/", views_competitions.group_delete, name="group_delete"),
    # Entries (views_entries): the teacher's pages, an entry's page, decisions, lists
    path("enter/", views_entries.my_entries, name="my_entries"),
    path("competitions/<int:pk>/enter/", views_entries.entry_create, name="entry_create"),
    path("entries/", views_entries.entry_list, name="entry_list"),
    path("entries/<int:pk>/", views_entries.entry_detail, name="entry_detail"),
    path("entries/<int:pk>/edit/", views_entries.entry_edit, name="entry_edit"),
    path("entries/<int:pk>/submit/", views_entries.entry_submit, name="entry_submit"),
    path("entries/<int:pk>/withdraw/", views_entries.entry_withdraw, name="entry_withdraw"),
    path("entries/<int:pk>/restore/", views_entries.entry_restore, name="entry_restore"),
    path("entries/<int:pk>/decide/", views_entries.entry_decide, name="entry_decide"),
    path("entry-files/<int:pk>/", views_entries.entry_file, name="entry_file"),
    path("competitions/<int:pk>/school/", views_entries.school_entries, name="school_entries"),
    path("competitions/<int:pk>/check/", views_entries.check_list, name="check_list"),
    path("competitions/<int:pk>/check/accept-complete/", views_entries.check_accept_complete,
         name="check_accept_complete"),
    # Results, awards, notices, objections, certificates, the work calendar (urls_results)
    path("", include("yanxun.review.urls_results")),
]
