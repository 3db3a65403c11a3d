from django.urls import path

from yanxun.review import views_judging, views_rounds

app_name = "review"
urlpatterns: list = [
    # Rubrics, rounds, panels, relations, pins, assignment (centre staff: views_rounds)
    path("rubrics/", views_rounds.rubric_list, name="rubric_list"),
    path("rubrics/new/", views_rounds.rubric_create, name="rubric_create"),
    path("rubrics/<int:pk>/edit/", views_rounds.rubric_edit, name="rubric_edit"),
    path("rubrics/<int:pk>/copy/", views_rounds.rubric_copy, name="rubric_copy"),
    path("rubrics/<int:pk>/delete/", views_rounds.rubric_delete, name="rubric_delete"),
    path("rounds/", views_rounds.round_list, name="round_list"),
    path("rounds/new/", views_rounds.round_create, name="round_create"),
    path("rounds/<int:pk>/", views_rounds.round_detail, name="round_detail"),
    path("rounds/<int:pk>/edit/", views_rounds.round_edit, name="round_edit"),
    path("rounds/<int:pk>/transition/", views_rounds.round_transition, name="round_transition"),
    path("rounds/<int:pk>/entries/", views_rounds.round_entries, name="round_entries"),
    path("rounds/<int:pk>/panel/", views_rounds.round_panel, name="round_panel"),
    path("rounds/<int:pk>/panel/add/", views_rounds.panel_add, name="panel_add"),
    path("rounds/<int:pk>/panel/expert/", views_rounds.expert_create, name="expert_create"),
    path("rounds/<int:pk>/panel/<int:judge_pk>/remove/", views_rounds.panel_remove,
         name="panel_remove"),
    path("rounds/<int:pk>/pairs/", views_rounds.pair_rules, name="pair_rules"),
    path("pairs/<int:pk>/delete/", views_rounds.pair_rule_delete, name="pair_rule_delete"),
    path("relations/", views_rounds.relation_list, name="relation_list"),
    path("relations/<int:pk>/delete/", views_rounds.relation_delete, name="relation_delete"),
    path("rounds/<int:pk>/assign/", views_rounds.assignment_run, name="assignment_run"),
    path("rounds/<int:pk>/assignments/", views_rounds.assignment_result,
         name="assignment_result"),
    path("rounds/<int:pk>/assignments/adjust/", views_rounds.assignment_adjust,
         name="assignment_adjust"),
    path("rounds/<int:pk>/scores/", views_rounds.round_scores, name="round_scores"),
    path("scores/<int:pk>/reopen/", views_rounds.score_reopen, name="score_reopen"),
    # The judge's pages (views_judging)
    path("judging/", views_judging.my_reviews, name="my_reviews"),
    path("judging/rounds/<int:pk>/", views_judging.judge_round, name="judge_round"),
    path("judging/assignments/<int:pk>/", views_judging.judge_score, name="judge_score"),
    path("judging/assignments/<int:pk>/abstain/", views_judging.judge_abstain,
         name="judge_abstain"),
    path("judging/assignments/<int:pk>/files/<int:file_pk>/", views_judging.judge_file,
         name="judge_file"),
]
