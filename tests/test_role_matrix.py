"""The role matrix: every URL pattern of the project × every role (and anonymous).

Each route has an entry in PAGES (Django pages, by URL name) or API (JSON routes, by method
and OpenAPI path) saying, per role, exactly what comes back. A route without an entry fails
`test_every_route_is_in_the_matrix`, so a module that adds a route must add its row here.

Outcomes: a status code, or LOGIN (a redirect to the login page with ?next=).
Where a role is allowed, the data-scope tests at the end check what it gets: a school
administrator never sees the other school's teacher 李秋华 — not in a list, a detail page,
the API, or an export.
"""

import io
from collections.abc import Callable
from dataclasses import dataclass, field

import polars as pl
import pytest
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from tests.factories import UserFactory
from tests.quality_web.exam_data import analysed_exam
from tests.quality_web.item_data import with_items
from tests.review_web.factories_entries import matrix_review
from tests.review_web.results_data import results_objects
from tests.review_web.scoring_data import scoring_objects
from tests.training.factories_checkin import TrainingClassFactory, enrol, session_now
from tests.training.factories_enrol import matrix_training
from tests.training.factories_hours import hours_objects
from yanxun.api import api
from yanxun.core.enums import ImportStatus, Role
from yanxun.core.models import ImportJob
from yanxun.org.enums import StaffKind
from yanxun.org.models import StaffMember

ANON = "anonymous"
ROLES = [ANON, *[str(r) for r in Role]]
LOGIN = "login"
ADMIN, LEADER, TRAINER = str(Role.ADMIN), str(Role.LEADER), str(Role.TRAINER)
SCHOOL_ADMIN, TEACHER = str(Role.SCHOOL_ADMIN), str(Role.TEACHER)
JUDGE, HOST = str(Role.JUDGE), str(Role.STUDIO_HOST)
# The roles that see the org lists: the centre's people and (for their school) school admins.
ORG_VIEWERS = {ADMIN: 200, LEADER: 200, TRAINER: 200, SCHOOL_ADMIN: 200}


def expect(default, **per_role) -> dict[str, object]:
    """Expected outcome per role: `default` unless named (anonymous= for the logged-out)."""
    return {role: per_role.get(role, default) for role in ROLES}


def page(default, **per_role) -> dict[str, object]:
    """A page behind login: anonymous users are sent to the login page."""
    return expect(default, **{ANON: LOGIN, **per_role})


def api_expect(default, **per_role) -> dict[str, object]:
    """An API route: anonymous callers get 401."""
    return expect(default, **{ANON: 401, **per_role})


@dataclass
class Case:
    expected: dict[str, object]
    kwargs: Callable[[object], dict] = lambda w: {}
    method: str = "get"
    data: Callable[[object], dict] = lambda w: {}
    label: str = ""


def _teacher_a(w):
    return {"pk": w.teacher_a.pk}


def _teacher_b(w):
    return {"pk": w.teacher_b.pk}


def _school_a(w):
    return {"pk": w.school_a.pk}


def _school_b(w):
    return {"pk": w.school_b.pk}


def _judge_assignment(w):
    judge = w.users[JUDGE]
    return {"pk": judge.pk, "assignment_pk": judge.role_assignments.get().pk}


def _job(w):
    return {"pk": w.job.pk}


def _exam(w):
    return {"pk": w.exam.pk}


def _exam_school_a(w):
    return {"pk": w.exam.pk, "school_pk": w.school_a.pk}


def _exam_school_b(w):
    return {"pk": w.exam.pk, "school_pk": w.school_b.pk}


def _exam_with_items(w):
    return {"pk": with_items(w, w.exam).pk}


def _program(w):
    return {"pk": w.training.program.pk}


def _training_class(w):
    return {"pk": w.training.training_class.pk}


def _session(w):
    return {"pk": w.training.session.pk}


# 师干训: the centre manages programs; the centre's leader and school administrators see the
# program pages; the centre and school administrators (their school) enrol others and decide.
TRAINING_PAGES = {ADMIN: 200, LEADER: 200, TRAINER: 200, SCHOOL_ADMIN: 200}
PROGRAM_STAFF = {ADMIN: 200, TRAINER: 200}
PROGRAM_STAFF_POST = {ADMIN: 302, TRAINER: 302}
ENROL_MANAGERS = {ADMIN: 200, TRAINER: 200, SCHOOL_ADMIN: 200}
ENROL_MANAGERS_POST = {ADMIN: 302, TRAINER: 302, SCHOOL_ADMIN: 302}


def _checkin_session(w):
    return {"pk": w.checkin_session.pk}


def _checkin_token(w):
    from yanxun.training.checkin import token_issue

    return {"token": token_issue(w.checkin_session.pk)}


CHECKIN_STAFF = {ADMIN: 200, TRAINER: 200}


def _notification(w):
    """A message of teacher A (made once per case: opening it only marks it read)."""
    from yanxun.notifications.models import Notification

    if not hasattr(w, "notification"):
        w.notification = Notification.objects.create(
            recipient=w.teacher_a.user, kind="training.promoted", title="候补转正：矩阵测试项目",
            url="/training/mine/")
    return {"pk": w.notification.pk}

# Quality monitoring: staff manage exams; the centre sees every school's report (报告到学科),
# a school administrator their own school's (报告到校).
EXAM_STAFF = {ADMIN: 200, TRAINER: 200}
REPORT_CENTRE = {ADMIN: 200, LEADER: 200, TRAINER: 200}
CLASS_TEACHER_KEEPERS = {ADMIN: 200, TRAINER: 200, SCHOOL_ADMIN: 200}


def _cell(w):
    return {"class": "1班", "subject": w.exam.subjects.get(name="语文").pk}



# 师干训 — hours. The centre: 系统管理员 and 研训员 (CENTRE); the ledger's viewers also include
# 中心领导 (all), 学校管理员 (their school) and the teacher (their own).
CENTRE = {ADMIN: 200, TRAINER: 200}
LEDGER_LISTS = {ADMIN: 200, LEADER: 200, TRAINER: 200, SCHOOL_ADMIN: 200}
OWN_A = {ADMIN: 200, LEADER: 200, TRAINER: 200, SCHOOL_ADMIN: 200, TEACHER: 200, HOST: 404}
OTHER_B = {ADMIN: 200, LEADER: 200, TRAINER: 200, JUDGE: 403}


def _hours(attr: str, key: str = "pk"):
    return lambda w: {key: getattr(hours_objects(w), attr).pk}


HOURS_PAGES: dict[str, list[Case]] = {
    "training:my_hours": [Case(page(200))],
    "training:teacher_ledger": [
        Case(page(403, **OWN_A), kwargs=_teacher_a, label="teacher A"),
        Case(page(404, **OTHER_B), kwargs=_teacher_b, label="teacher B"),
    ],
    "training:hours_certificate": [
        Case(page(405, **{JUDGE: 405}), kwargs=_teacher_a),
        Case(page(403, **{ADMIN: 302, TRAINER: 302, HOST: 404}), kwargs=_teacher_a,
             method="post", data=lambda w: {"cycle": "2021"}, label="POST"),
    ],
    "training:compliance": [Case(page(403, **LEDGER_LISTS))],
    "training:accreditation_list": [Case(page(403, **CENTRE))],
    "training:accreditation": [
        Case(page(403, **CENTRE), kwargs=_hours("program")),
        Case(page(403, **{ADMIN: 302, TRAINER: 302}), kwargs=_hours("program"),
             method="post", data=lambda w: {"fingerprint": "stale"}, label="POST"),
    ],
    "training:program_certificates": [
        Case(page(405), kwargs=_hours("program")),
        Case(page(403, **{ADMIN: 302, TRAINER: 302}), kwargs=_hours("program"),
             method="post", label="POST"),
    ],
    "training:program_certificates_pdf": [Case(page(403, **CENTRE), kwargs=_hours("program"))],
    "training:claim_list": [Case(page(403, **LEDGER_LISTS))],
    "training:claim_create": [Case(page(403, **{TEACHER: 200}))],
    # A teacher posting an award that is not theirs is sent back to 我的获奖 with a message.
    "training:claim_award": [
        Case(page(405), kwargs=lambda w: {"pk": 999999}),
        Case(page(403, **{TEACHER: 302}), kwargs=lambda w: {"pk": 999999}, method="post",
             label="POST"),
    ],
    "training:claim_detail": [Case(page(403, **OWN_A), kwargs=_hours("claim"))],
    "training:claim_edit": [
        Case(page(403, **{HOST: 404}), kwargs=_hours("claim"), label="submitted"),
        Case(page(403, **{TEACHER: 200, HOST: 404}), kwargs=_hours("returned"),
             label="returned"),
    ],
    "training:claim_decide": [
        Case(page(405), kwargs=_hours("claim")),
        Case(page(403, **{**OWN_A, **{r: 302 for r in (ADMIN, LEADER, TRAINER, SCHOOL_ADMIN,
                                                       TEACHER)}}),
             kwargs=_hours("claim"), method="post", data=lambda w: {"to": "nowhere"},
             label="POST"),
    ],
    "training:evidence_download": [Case(page(403, **OWN_A), kwargs=_hours("evidence"))],
    "training:certificate_list": [Case(page(403, **LEDGER_LISTS))],
    "training:certificate_pdf": [
        Case(page(403, **OWN_A), kwargs=_hours("certificate_a"), label="teacher A"),
        Case(page(404, **OTHER_B), kwargs=_hours("certificate_b"), label="teacher B"),
    ],
    "training:certificate_revoke": [Case(page(403, **CENTRE), kwargs=_hours("certificate_a"))],
    "training:certificate_verify": [Case(expect(200))],
    "training:certificate_verify_code": [
        Case(expect(200), kwargs=lambda w: {"code": hours_objects(w).certificate_a.verify_code}),
    ],
    "training:hours_export": [Case(page(403, **{**CENTRE, SCHOOL_ADMIN: 200}))],
    "training:export_layout_create": [Case(page(403, **CENTRE))],
    "training:export_layout_edit": [Case(page(403, **CENTRE), kwargs=_hours("layout"))],
    "training:claim_rules": [Case(page(403, **CENTRE))],
    "training:claim_rule_create": [Case(page(403, **CENTRE))],
    "training:claim_rule_edit": [Case(page(403, **CENTRE), kwargs=_hours("rule"))],
    "training:hours_policy": [Case(page(403, **{ADMIN: 200}))],
    "training:requirement_create": [Case(page(403, **{ADMIN: 200}))],
    "training:requirement_edit": [Case(page(403, **{ADMIN: 200}), kwargs=_hours("requirement"))],
    "training:requirement_delete": [
        Case(page(405), kwargs=_hours("requirement")),
        Case(page(403, **{ADMIN: 302}), kwargs=_hours("requirement"), method="post",
             label="POST"),
    ],
    # 学时申报导入: a school's import is its approval, so only school administrators.
    "core:imports:upload-hour_claims": [Case(page(403, **{SCHOOL_ADMIN: 200}))],
}

# 评比 — competitions and entries (tests/review_web/factories_entries.matrix_review): the
# centre manages competitions and does 形式审查; everyone logged in sees open competitions;
# entries follow their school (学校管理员) and their authors (张晓明 = teacher A); a judge
# sees no entry here (their pages are the scoring part's); a draft is its author's alone.
REVIEW_CENTRE = {ADMIN: 200, TRAINER: 200}
REVIEW_CENTRE_POST = {ADMIN: 302, TRAINER: 302}
ENTRY_A = {ADMIN: 200, LEADER: 200, TRAINER: 200, SCHOOL_ADMIN: 200, TEACHER: 200}


def _rv(attr: str):
    return lambda w: {"pk": getattr(w.review, attr).pk}


REVIEW_ENTRY_PAGES: dict[str, list[Case]] = {
    "review:competition_list": [Case(page(200))],
    "review:competition_create": [Case(page(403, **REVIEW_CENTRE))],
    "review:competition_detail": [Case(page(200), kwargs=_rv("competition"))],
    "review:competition_edit": [Case(page(403, **REVIEW_CENTRE), kwargs=_rv("competition"))],
    "review:competition_fields": [Case(page(403, **REVIEW_CENTRE), kwargs=_rv("competition"))],
    "review:competition_transition": [
        Case(page(405), kwargs=_rv("competition")),
        Case(page(403, **REVIEW_CENTRE_POST), kwargs=_rv("competition"), method="post",
             label="POST without a target state"),
    ],
    "review:group_create": [Case(page(403, **REVIEW_CENTRE), kwargs=_rv("competition"))],
    "review:group_edit": [Case(page(403, **REVIEW_CENTRE), kwargs=_rv("group"))],
    "review:group_delete": [
        Case(page(405), kwargs=_rv("group")),
        Case(page(403, **REVIEW_CENTRE_POST), kwargs=_rv("group"), method="post",
             label="POST (refused: the group has entries)"),
    ],
    # 参加评比: teachers and studio hosts; the matrix's host has no teacher record, so they
    # may open the page but not the entry form.
    "review:my_entries": [Case(page(403, **{TEACHER: 200, HOST: 200}))],
    "review:entry_create": [Case(page(403, **{TEACHER: 200}), kwargs=_rv("competition"))],
    "review:entry_list": [Case(page(403, **ORG_VIEWERS))],
    "review:entry_detail": [
        Case(page(404, **ENTRY_A), kwargs=_rv("entry_a"), label="teacher A's entry"),
        Case(page(404, **{ADMIN: 200, LEADER: 200, TRAINER: 200}), kwargs=_rv("entry_b"),
             label="teacher B's entry"),
        Case(page(404, **{TEACHER: 200}), kwargs=_rv("draft_a"), label="teacher A's draft"),
    ],
    "review:entry_edit": [
        Case(page(404, **{TEACHER: 200}), kwargs=_rv("draft_a"), label="draft"),
        Case(page(404, **{ADMIN: 403, LEADER: 403, TRAINER: 403, SCHOOL_ADMIN: 403,
                          TEACHER: 302}), kwargs=_rv("entry_a"),
             label="submitted: the author is sent back to the entry"),
    ],
    "review:entry_submit": [
        Case(page(405), kwargs=_rv("draft_a")),
        Case(page(404, **{TEACHER: 302}), kwargs=_rv("draft_a"), method="post", label="POST"),
    ],
    "review:entry_withdraw": [
        Case(page(405), kwargs=_rv("draft_a")),
        Case(page(404, **{TEACHER: 302}), kwargs=_rv("draft_a"), method="post", label="POST"),
    ],
    "review:entry_restore": [
        Case(page(405), kwargs=_rv("draft_a")),
        Case(page(404, **{TEACHER: 302}), kwargs=_rv("draft_a"), method="post",
             label="POST (refused: not withdrawn)"),
    ],
    "review:entry_decide": [
        Case(page(405), kwargs=_rv("entry_a")),
        Case(page(403, **{ADMIN: 302, TRAINER: 302, SCHOOL_ADMIN: 302}), kwargs=_rv("entry_a"),
             method="post", data=lambda w: {"action": "nothing"}, label="POST school A"),
        Case(page(403, **{ADMIN: 302, TRAINER: 302, SCHOOL_ADMIN: 404}), kwargs=_rv("entry_b"),
             method="post", data=lambda w: {"action": "nothing"}, label="POST school B"),
    ],
    "review:entry_file": [Case(page(404, **ENTRY_A), kwargs=_rv("file_a"))],
    "review:school_entries": [
        Case(page(403, **{ADMIN: 200, TRAINER: 200, SCHOOL_ADMIN: 200}),
             kwargs=_rv("competition")),
    ],
    "review:check_list": [Case(page(403, **REVIEW_CENTRE), kwargs=_rv("competition"))],
    "review:check_accept_complete": [
        Case(page(405), kwargs=_rv("competition")),
        Case(page(403, **REVIEW_CENTRE_POST), kwargs=_rv("competition"), method="post",
             label="POST (nothing recommended yet)"),
    ],
}

# 评审与评比 — results: the centre (系统管理员, 研训员) and 中心领导 read results; the centre
# exports, acknowledges flags, confirms awards, publishes notices and answers objections; the
# administrator keeps the work calendar. Anyone logged in may object; the notice and the
# certificate verification are public (tests/review_web/results_data.results_objects).
RESULT_READERS = {ADMIN: 200, LEADER: 200, TRAINER: 200}
RESULT_POST = {ADMIN: 302, TRAINER: 302}
OWN_RESULT = {ADMIN: 200, TRAINER: 200, TEACHER: 200}


def _results(attr: str, key: str = "pk"):
    return lambda w: {key: getattr(results_objects(w), attr).pk}


def _notice_token(w):
    return {"token": results_objects(w).notice.token}


REVIEW_RESULT_PAGES: dict[str, list[Case]] = {
    "review:results_index": [Case(page(403, **RESULT_READERS))],
    "review:competition_results": [Case(page(403, **RESULT_READERS),
                                        kwargs=_results("competition"))],
    "review:round_results": [Case(page(403, **RESULT_READERS), kwargs=_results("round"))],
    "review:round_results_xlsx": [Case(page(403, **CENTRE), kwargs=_results("round"))],
    "review:round_results_pdf": [Case(page(403, **RESULT_READERS), kwargs=_results("round"))],
    "review:flag_ack": [
        Case(page(405), kwargs=_results("round")),
        Case(page(403, **RESULT_POST), kwargs=_results("round"), method="post",
             label="POST (refused: results already released)"),
    ],
    "review:round_release": [
        Case(page(405), kwargs=_results("round")),
        Case(page(403, **RESULT_POST), kwargs=_results("round"), method="post",
             data=lambda w: {"action": "reopen", "reason": "矩阵"},
             label="POST (refused: in 公示)"),
    ],
    "review:awards": [
        Case(page(403, **CENTRE), kwargs=_results("competition")),
        Case(page(403, **RESULT_POST), kwargs=_results("competition"), method="post",
             label="POST (refused: in 公示)"),
    ],
    "review:certificates_issue": [
        Case(page(405), kwargs=_results("published")),
        Case(page(403, **RESULT_POST), kwargs=_results("published"), method="post",
             label="POST (all issued already)"),
    ],
    "review:seal_upload": [Case(page(403, **CENTRE), kwargs=_results("published"))],
    "review:group_certificates_pdf": [Case(page(403, **CENTRE),
                                           kwargs=_results("published_group"))],
    "review:award_certificate_pdf": [Case(page(404, **OWN_RESULT),
                                          kwargs=_results("certificate"),
                                          label="teacher A's certificate")],
    "review:my_awards": [Case(page(200))],
    "review:award_verify": [Case(expect(200))],
    "review:award_verify_code": [Case(expect(200), kwargs=lambda w: {
        "code": results_objects(w).certificate.verify_code})],
    "review:notice_create": [Case(page(403, **CENTRE), kwargs=_results("competition"))],
    "review:notice_detail": [Case(page(403, **CENTRE), kwargs=_results("notice"))],
    "review:notice_final": [
        Case(page(405), kwargs=_results("notice")),
        Case(page(403, **RESULT_POST), kwargs=_results("notice"), method="post",
             label="POST (refused: in the period)"),
    ],
    "review:notice_withdraw": [
        Case(page(405), kwargs=_results("notice")),
        Case(page(403, **RESULT_POST), kwargs=_results("notice"), method="post",
             label="POST (refused: no reason)"),
    ],
    "review:notice_public": [Case(expect(200), kwargs=_notice_token)],
    "review:objection_create": [Case(page(200), kwargs=_notice_token)],
    "review:objection_list": [Case(page(403, **CENTRE))],
    "review:my_objections": [Case(page(200))],
    "review:objection_detail": [
        Case(page(404, **OWN_RESULT), kwargs=_results("objection"),
             label="teacher A's objection"),
        Case(page(404, **{**OWN_RESULT, TEACHER: 403}), kwargs=_results("objection"),
             method="post", label="POST an empty answer"),
    ],
    "review:evidence_download": [Case(page(404, **OWN_RESULT), kwargs=_results("evidence"))],
    "review:calendar": [Case(page(403, **{ADMIN: 200}))],
    "review:calendar_delete": [
        Case(page(405), kwargs=_results("day")),
        Case(page(403, **{ADMIN: 302}), kwargs=_results("day"), method="post", label="POST"),
    ],
    "core:imports:upload-work_calendar": [Case(page(403, **{ADMIN: 200}))],
}


# 评审与评比 — scoring: the centre (RUN_REVIEWS) runs rounds, panels and the assignment; a
# judge reaches only their own assignments (others with the right to score get 404, the rest
# 403). The matrix round has a submitted score, so the POSTs below are refused alike for the
# admin and the trainer (302 back with the message) and change nothing between roles.
REVIEW_STAFF = {ADMIN: 200, TRAINER: 200}
REVIEW_STAFF_POST = {ADMIN: 302, TRAINER: 302}
SCORERS = {ADMIN: 200, LEADER: 200, TRAINER: 200, JUDGE: 200}
NOT_MINE = {ADMIN: 404, LEADER: 404, TRAINER: 404}


def _sc(attr: str, key: str = "pk"):
    return lambda w: {key: getattr(scoring_objects(w), attr).pk}


def _sc_round(w):
    return {"pk": scoring_objects(w).round.pk}


SCORING_PAGES: dict[str, list[Case]] = {
    "review:rubric_list": [Case(page(403, **REVIEW_STAFF))],
    "review:rubric_create": [Case(page(403, **REVIEW_STAFF))],
    "review:rubric_edit": [Case(page(403, **REVIEW_STAFF), kwargs=_sc("template"))],
    "review:rubric_copy": [
        Case(page(405), kwargs=_sc("template")),
        Case(page(403, **REVIEW_STAFF_POST), kwargs=_sc("template"), method="post",
             label="POST"),
    ],
    "review:rubric_delete": [
        Case(page(405), kwargs=_sc("rubric")),
        Case(page(403, **REVIEW_STAFF_POST), kwargs=_sc("rubric"), method="post",
             label="POST a round's copy (refused)"),
    ],
    "review:round_list": [Case(page(403, **REVIEW_STAFF))],
    "review:round_create": [Case(page(403, **REVIEW_STAFF))],
    "review:round_detail": [Case(page(403, **REVIEW_STAFF), kwargs=_sc_round)],
    "review:round_edit": [Case(page(403, **REVIEW_STAFF), kwargs=_sc_round)],
    "review:round_transition": [
        Case(page(405), kwargs=_sc_round),
        Case(page(403, **REVIEW_STAFF_POST), kwargs=_sc_round, method="post",
             data=lambda w: {"to": "nowhere"}, label="POST an unknown status"),
    ],
    "review:round_entries": [Case(page(403, **REVIEW_STAFF), kwargs=_sc_round)],
    "review:round_panel": [Case(page(403, **REVIEW_STAFF), kwargs=_sc_round)],
    "review:panel_add": [
        Case(page(405), kwargs=_sc_round),
        Case(page(403, **REVIEW_STAFF_POST), kwargs=_sc_round, method="post",
             data=lambda w: {"login": ""}, label="POST without a user"),
    ],
    "review:expert_create": [Case(page(403, **REVIEW_STAFF), kwargs=_sc_round)],
    "review:panel_remove": [
        Case(page(405), kwargs=lambda w: {"pk": scoring_objects(w).round.pk,
                                          "judge_pk": scoring_objects(w).scored_judge.pk}),
        Case(page(403, **REVIEW_STAFF_POST),
             kwargs=lambda w: {"pk": scoring_objects(w).round.pk,
                               "judge_pk": scoring_objects(w).scored_judge.pk},
             method="post", label="POST a judge who scored (refused)"),
    ],
    "review:pair_rules": [Case(page(403, **REVIEW_STAFF), kwargs=_sc_round)],
    "review:pair_rule_delete": [
        Case(page(405), kwargs=_sc("rule")),
        Case(page(403, **REVIEW_STAFF_POST), kwargs=_sc("rule"), method="post",
             label="POST in a closed round (refused)"),
    ],
    "review:relation_list": [Case(page(403, **REVIEW_STAFF))],
    "review:relation_delete": [
        Case(page(405), kwargs=lambda w: {"pk": 999999}),
        Case(page(403, **{ADMIN: 404, TRAINER: 404}), kwargs=lambda w: {"pk": 999999},
             method="post", label="POST an unknown relation"),
    ],
    "review:assignment_run": [
        Case(page(405), kwargs=_sc_round),
        Case(page(403, **REVIEW_STAFF_POST), kwargs=_sc_round, method="post",
             label="POST with scores (refused)"),
    ],
    "review:assignment_result": [Case(page(403, **REVIEW_STAFF), kwargs=_sc_round)],
    "review:assignment_adjust": [
        Case(page(405), kwargs=_sc_round),
        Case(page(403, **REVIEW_STAFF_POST), kwargs=_sc_round, method="post",
             data=lambda w: {"action": "nothing"}, label="POST an unknown action"),
    ],
    "review:round_scores": [Case(page(403, **REVIEW_STAFF), kwargs=_sc_round)],
    "review:score_reopen": [
        Case(page(405), kwargs=_sc("score")),
        Case(page(403, **REVIEW_STAFF_POST), kwargs=_sc("score"), method="post",
             label="POST without a reason (refused)"),
    ],
    "review:my_reviews": [Case(page(403, **SCORERS))],
    "review:judge_round": [Case(page(403, **{**NOT_MINE, JUDGE: 200}), kwargs=_sc_round)],
    "review:judge_score": [
        Case(page(403, **{**NOT_MINE, JUDGE: 200}), kwargs=_sc("mine")),
        Case(page(403, **{**NOT_MINE, JUDGE: 302}), kwargs=_sc("mine"), method="post",
             data=lambda w: {"action": "draft"}, label="POST a draft"),
    ],
    "review:judge_abstain": [
        Case(page(405), kwargs=_sc("mine")),
        Case(page(403, **{**NOT_MINE, JUDGE: 400}), kwargs=_sc("mine"), method="post",
             data=lambda w: {"reason": ""}, label="POST without a reason"),
    ],
    "review:judge_file": [
        Case(page(403, **{**NOT_MINE, JUDGE: 200}),
             kwargs=lambda w: {"pk": scoring_objects(w).mine.pk,
                               "file_pk": scoring_objects(w).file.pk}),
    ],
}

PAGES: dict[str, list[Case]] = {
    "core:dashboard": [Case(page(200))],
    "core:audit_log": [Case(page(403, **{ADMIN: 200}))],
    "accounts:login": [Case(expect(200))],
    "accounts:logout": [Case(expect(405)),
                        Case(expect(302), method="post", label="POST logs out")],
    "accounts:password_change": [Case(page(200))],
    "accounts:user_list": [Case(page(403, **{ADMIN: 200}))],
    "accounts:user_create": [Case(page(403, **{ADMIN: 200}))],
    "accounts:user_detail": [Case(page(403, **{ADMIN: 200}),
                                  kwargs=lambda w: {"pk": w.teacher_a.user_id})],
    "accounts:role_assign": [
        Case(page(405), kwargs=lambda w: {"pk": w.teacher_a.user_id}),
        Case(page(403, **{ADMIN: 302}), kwargs=lambda w: {"pk": w.teacher_a.user_id},
             method="post", data=lambda w: {"role": "judge"}, label="POST"),
    ],
    "accounts:role_revoke": [
        Case(page(405), kwargs=_judge_assignment),
        Case(page(403, **{ADMIN: 302}), kwargs=_judge_assignment, method="post", label="POST"),
    ],
    "accounts:password_reset": [
        Case(page(403, **{ADMIN: 200, SCHOOL_ADMIN: 200}),
             kwargs=lambda w: {"pk": w.teacher_a.user_id}, label="own school's teacher"),
        Case(page(403, **{ADMIN: 200, SCHOOL_ADMIN: 404}),
             kwargs=lambda w: {"pk": w.teacher_b.user_id}, label="other school's teacher"),
    ],
    "accounts:login_log": [Case(page(403, **{ADMIN: 200}))],
    "org:my_profile": [Case(page(200))],
    "org:school_list": [Case(page(403, **ORG_VIEWERS))],
    "org:school_create": [Case(page(403, **{ADMIN: 200}))],
    "org:school_detail": [
        Case(page(403, **ORG_VIEWERS), kwargs=_school_a, label="school A"),
        Case(page(403, **{**ORG_VIEWERS, SCHOOL_ADMIN: 404}), kwargs=_school_b,
             label="school B"),
    ],
    "org:school_edit": [Case(page(403, **{ADMIN: 200}), kwargs=_school_a),
                        Case(page(403, **{ADMIN: 200, SCHOOL_ADMIN: 404}), kwargs=_school_b,
                             label="school B")],
    "org:teacher_list": [Case(page(403, **ORG_VIEWERS))],
    "org:teacher_create": [Case(page(403, **{ADMIN: 200, SCHOOL_ADMIN: 200}))],
    "org:teacher_detail": [
        Case(page(200, **{JUDGE: 403, HOST: 404}), kwargs=_teacher_a, label="teacher A"),
        Case(page(404, **{ADMIN: 200, LEADER: 200, TRAINER: 200, JUDGE: 403}),
             kwargs=_teacher_b, label="teacher B"),
    ],
    "org:teacher_edit": [
        Case(page(403, **{ADMIN: 200, SCHOOL_ADMIN: 200, HOST: 404}), kwargs=_teacher_a),
        Case(page(404, **{ADMIN: 200, LEADER: 403, TRAINER: 403, JUDGE: 403}),
             kwargs=_teacher_b, label="teacher B"),
    ],
    "org:teacher_transfer": [
        Case(page(403, **{ADMIN: 200, HOST: 404}), kwargs=_teacher_a),
        Case(page(404, **{ADMIN: 200, LEADER: 403, TRAINER: 403, JUDGE: 403}),
             kwargs=_teacher_b, label="teacher B"),
    ],
    "org:staff_list": [Case(page(403, **ORG_VIEWERS))],
    "org:staff_detail": [Case(page(403, **ORG_VIEWERS),
                              kwargs=lambda w: {"pk": w.staff.pk})],
    "org:group_list": [Case(page(403, **ORG_VIEWERS))],
    "org:community_list": [Case(page(403, **ORG_VIEWERS))],
    "core:imports:upload-schools": [Case(page(403, **{ADMIN: 200}))],
    "core:imports:upload-teachers": [Case(page(403, **{ADMIN: 200, SCHOOL_ADMIN: 200}))],
    "core:imports:upload": [
        Case(page(403, **{ADMIN: 200, SCHOOL_ADMIN: 200}), kwargs=lambda w: {"kind": "teachers"}),
        Case(page(404), kwargs=lambda w: {"kind": "nothing"}, label="unknown kind"),
    ],
    "core:imports:template": [
        Case(page(403, **{ADMIN: 200, SCHOOL_ADMIN: 200}), kwargs=lambda w: {"kind": "teachers"}),
        Case(page(403, **{ADMIN: 200}), kwargs=lambda w: {"kind": "schools"}, label="schools"),
    ],
    # An import job is seen by the person who started it (the school admin) and by admins.
    "core:imports:job": [Case(page(404, **{ADMIN: 200, SCHOOL_ADMIN: 200}), kwargs=_job)],
    "core:imports:job_progress": [Case(page(404, **{ADMIN: 200, SCHOOL_ADMIN: 200}),
                                       kwargs=_job)],
    "core:imports:job_errors": [Case(page(404, **{ADMIN: 200, SCHOOL_ADMIN: 200}),
                                     kwargs=_job)],
    "quality:exam_list": [Case(page(200, **{JUDGE: 403}))],
    "quality:exam_create": [Case(page(403, **EXAM_STAFF))],
    "quality:exam_detail": [Case(page(200, **{JUDGE: 403}), kwargs=_exam)],
    "quality:scores_upload": [Case(page(403, **EXAM_STAFF), kwargs=_exam)],
    # Nothing uploaded yet: staff are sent back to the upload page.
    "quality:scores_schools": [Case(page(403, **{ADMIN: 302, TRAINER: 302}), kwargs=_exam)],
    "quality:scores_confirm": [Case(page(403, **{ADMIN: 302, TRAINER: 302}), kwargs=_exam)],
    "quality:exam_analyse": [
        Case(page(405), kwargs=_exam),
        Case(page(403, **{ADMIN: 302, TRAINER: 302}), kwargs=_exam, method="post",
             label="POST"),
    ],
    "quality:exam_progress": [Case(page(403, **EXAM_STAFF), kwargs=_exam)],
    "quality:district_report": [Case(page(403, **REPORT_CENTRE), kwargs=_exam)],
    "quality:district_report_xlsx": [Case(page(403, **REPORT_CENTRE), kwargs=_exam)],
    "quality:district_report_pdf": [Case(page(403, **REPORT_CENTRE), kwargs=_exam)],
    "quality:school_report_pdf": [
        Case(page(404, **{**REPORT_CENTRE, SCHOOL_ADMIN: 200, JUDGE: 403}),
             kwargs=_exam_school_a, label="school A"),
        Case(page(404, **{**REPORT_CENTRE, JUDGE: 403}), kwargs=_exam_school_b,
             label="school B"),
    ],
    # The matrix exam has no intake exam: whoever may see value added gets "not found".
    "quality:value_added": [Case(page(403, **{**REPORT_CENTRE, ADMIN: 404, LEADER: 404,
                                              TRAINER: 404, SCHOOL_ADMIN: 404}),
                                 kwargs=_exam)],
    "quality:value_added_xlsx": [Case(page(403, **{**REPORT_CENTRE, ADMIN: 404, LEADER: 404,
                                                   TRAINER: 404, SCHOOL_ADMIN: 404}),
                                      kwargs=_exam)],
    "quality:value_added_pdf": [Case(page(403, **{**REPORT_CENTRE, ADMIN: 404, LEADER: 404,
                                                  TRAINER: 404, SCHOOL_ADMIN: 404}),
                                     kwargs=_exam)],
    "quality:school_report": [
        Case(page(404, **{**REPORT_CENTRE, SCHOOL_ADMIN: 200, JUDGE: 403}),
             kwargs=_exam_school_a, label="school A"),
        Case(page(404, **{**REPORT_CENTRE, JUDGE: 403}), kwargs=_exam_school_b,
             label="school B"),
    ],
    "quality:school_report_xlsx": [
        Case(page(404, **{**REPORT_CENTRE, SCHOOL_ADMIN: 200, JUDGE: 403}),
             kwargs=_exam_school_a, label="school A"),
        Case(page(404, **{**REPORT_CENTRE, JUDGE: 403}), kwargs=_exam_school_b,
             label="school B"),
    ],
    # The 任课表: center staff keep every school's, a school administrator their own. Nothing
    # is staged in the matrix world: no errors to download, the confirmation sends back.
    "quality:class_teachers": [Case(page(403, **CLASS_TEACHER_KEEPERS), kwargs=_exam)],
    "quality:class_teachers_template": [Case(page(403, **CLASS_TEACHER_KEEPERS), kwargs=_exam)],
    "quality:class_teachers_import": [Case(page(403, **CLASS_TEACHER_KEEPERS), kwargs=_exam)],
    "quality:class_teachers_errors": [
        Case(page(403, **{ADMIN: 404, TRAINER: 404, SCHOOL_ADMIN: 404}), kwargs=_exam)],
    "quality:class_teachers_confirm": [
        Case(page(403, **{ADMIN: 302, TRAINER: 302, SCHOOL_ADMIN: 302}), kwargs=_exam)],
    "quality:class_teacher_grid": [
        Case(page(403, **CLASS_TEACHER_KEEPERS), kwargs=_exam_school_a, label="school A"),
        Case(page(403, **{**CLASS_TEACHER_KEEPERS, SCHOOL_ADMIN: 404}), kwargs=_exam_school_b,
             label="school B"),
    ],
    "quality:class_teacher_cell": [
        Case(page(403, **CLASS_TEACHER_KEEPERS), kwargs=_exam_school_a, data=_cell,
             label="school A"),
        Case(page(403, **{**CLASS_TEACHER_KEEPERS, SCHOOL_ADMIN: 404}), kwargs=_exam_school_b,
             data=_cell, label="school B"),
    ],
    # Results per teacher: 张晓明 (teacher A) taught 城东 1班 语文 in the matrix exam.
    "quality:my_teacher_report": [Case(page(404, **{TEACHER: 302, JUDGE: 403}), kwargs=_exam)],
    "quality:teacher_report": [
        Case(page(200, **{JUDGE: 403, HOST: 404}),
             kwargs=lambda w: {"pk": w.exam.pk, "teacher_pk": w.teacher_a.pk}, label="teacher A"),
        Case(page(404, **{JUDGE: 403}),
             kwargs=lambda w: {"pk": w.exam.pk, "teacher_pk": w.teacher_b.pk},
             label="teacher B, who taught nothing"),
    ],
    "quality:teacher_report_xlsx": [
        Case(page(200, **{JUDGE: 403, HOST: 404}),
             kwargs=lambda w: {"pk": w.exam.pk, "teacher_pk": w.teacher_a.pk}, label="teacher A"),
        Case(page(404, **{JUDGE: 403}),
             kwargs=lambda w: {"pk": w.exam.pk, "teacher_pk": w.teacher_b.pk},
             label="teacher B, who taught nothing"),
    ],
    "quality:teacher_report_pdf": [
        Case(page(200, **{JUDGE: 403, HOST: 404}),
             kwargs=lambda w: {"pk": w.exam.pk, "teacher_pk": w.teacher_a.pk}, label="teacher A"),
        Case(page(404, **{JUDGE: 403}),
             kwargs=lambda w: {"pk": w.exam.pk, "teacher_pk": w.teacher_b.pk},
             label="teacher B, who taught nothing"),
    ],
    "quality:school_teachers": [
        Case(page(404, **{**REPORT_CENTRE, SCHOOL_ADMIN: 200, JUDGE: 403}),
             kwargs=_exam_school_a, label="school A"),
        Case(page(404, **{**REPORT_CENTRE, JUDGE: 403}), kwargs=_exam_school_b,
             label="school B"),
    ],
    "quality:school_teachers_xlsx": [
        Case(page(404, **{**REPORT_CENTRE, SCHOOL_ADMIN: 200, JUDGE: 403}),
             kwargs=_exam_school_a, label="school A"),
        Case(page(404, **{**REPORT_CENTRE, JUDGE: 403}), kwargs=_exam_school_b,
             label="school B"),
    ],
    "quality:school_teachers_pdf": [
        Case(page(404, **{**REPORT_CENTRE, SCHOOL_ADMIN: 200, JUDGE: 403}),
             kwargs=_exam_school_a, label="school A"),
        Case(page(404, **{**REPORT_CENTRE, JUDGE: 403}), kwargs=_exam_school_b,
             label="school B"),
    ],
    "quality:items_upload": [Case(page(403, **EXAM_STAFF), kwargs=_exam)],
    "quality:items_template": [Case(page(403, **EXAM_STAFF), kwargs=_exam)],
    # 小题分析: the centre and school administrators (their school beside the district).
    "quality:item_analysis": [
        Case(page(403, **{**REPORT_CENTRE, SCHOOL_ADMIN: 200}), kwargs=_exam_with_items),
        Case(page(403, **{**REPORT_CENTRE, SCHOOL_ADMIN: 404}), kwargs=_exam_with_items,
             data=lambda w: {"school": w.school_b.pk}, label="school B"),
    ],
    # Student lists: centre staff any school, a school administrator their own, a teacher the
    # classes they teach (张晓明: 城东 1班); names only for VIEW_STUDENT_NAMES (tested apart).
    "quality:students": [
        Case(page(404, **{**REPORT_CENTRE, SCHOOL_ADMIN: 200, TEACHER: 200, JUDGE: 403}),
             kwargs=_exam_school_a, label="school A"),
        Case(page(404, **{**REPORT_CENTRE, JUDGE: 403}), kwargs=_exam_school_b,
             label="school B"),
    ],
    "quality:students_pseudonymous": [Case(page(403, **REPORT_CENTRE), kwargs=_exam)],
    "quality:retention": [
        Case(page(403, **{ADMIN: 200})),
        Case(page(403, **{ADMIN: 302}), method="post", data=lambda w: {"years": "4"},
             label="POST"),
    ],
    # 师干训 — programs, menu, enrolment (tests/training/factories_enrol.matrix_training)
    "training:program_list": [Case(page(403, **TRAINING_PAGES))],
    "training:program_create": [Case(page(403, **PROGRAM_STAFF))],
    "training:program_detail": [Case(page(403, **TRAINING_PAGES), kwargs=_program)],
    "training:program_edit": [Case(page(403, **PROGRAM_STAFF), kwargs=_program)],
    "training:program_transition": [
        Case(page(405), kwargs=_program),
        Case(page(403, **PROGRAM_STAFF_POST), kwargs=_program, method="post",
             label="POST without a target state"),
    ],
    "training:audience_keep": [
        Case(page(405), kwargs=_program),
        Case(page(403, **PROGRAM_STAFF_POST), kwargs=_program, method="post",
             label="POST without teachers (refused: 请先选择教师)"),
    ],
    "training:audience_cancel": [
        Case(page(405), kwargs=_program),
        Case(page(403, **PROGRAM_STAFF_POST), kwargs=_program, method="post",
             label="POST without teachers (refused: 请先选择教师)"),
    ],
    "training:class_create": [Case(page(403, **PROGRAM_STAFF), kwargs=_program)],
    "training:class_edit": [Case(page(403, **PROGRAM_STAFF), kwargs=_training_class)],
    "training:class_delete": [
        Case(page(405), kwargs=_training_class),
        Case(page(403, **PROGRAM_STAFF_POST), kwargs=_training_class, method="post",
             label="POST (refused: the class has enrolments)"),
    ],
    "training:session_create": [Case(page(403, **PROGRAM_STAFF), kwargs=_training_class)],
    "training:session_edit": [Case(page(403, **PROGRAM_STAFF), kwargs=_session)],
    "training:session_delete": [
        Case(page(405), kwargs=_session),
        Case(page(403, **PROGRAM_STAFF_POST), kwargs=_session, method="post",
             label="POST (refused: the session has attendance)"),
    ],
    "training:category_list": [Case(page(403, **PROGRAM_STAFF))],
    "training:category_create": [Case(page(403, **PROGRAM_STAFF))],
    "training:category_edit": [Case(page(403, **PROGRAM_STAFF),
                                    kwargs=lambda w: {"pk": w.training.category.pk})],
    "training:menu": [Case(page(200, **{JUDGE: 403}))],
    "training:menu_program": [Case(page(200, **{JUDGE: 403}), kwargs=_program)],
    "training:enrol": [
        Case(page(405, **{JUDGE: 405}), kwargs=_program),
        Case(page(403, **{TEACHER: 302}), kwargs=_program, method="post",
             data=lambda w: {"training_class": w.training.training_class.pk},
             label="POST (only a teacher enrols themself)"),
    ],
    "training:my_training": [Case(page(200))],
    "training:withdraw": [
        Case(page(405), kwargs=lambda w: {"pk": w.training.enrolled.pk}),
        Case(page(404, **{TEACHER: 302}), kwargs=lambda w: {"pk": w.training.enrolled.pk},
             method="post", label="POST own enrolment"),
    ],
    "training:approvals": [Case(page(403, **ENROL_MANAGERS))],
    "training:enrolment_list": [Case(page(403, **TRAINING_PAGES))],
    "training:enrolment_approve": [
        Case(page(405), kwargs=lambda w: {"pk": w.training.pending_a.pk}),
        Case(page(403, **ENROL_MANAGERS_POST), kwargs=lambda w: {"pk": w.training.pending_a.pk},
             method="post", label="POST school A"),
        Case(page(403, **{**ENROL_MANAGERS_POST, SCHOOL_ADMIN: 404}),
             kwargs=lambda w: {"pk": w.training.pending_b.pk}, method="post",
             label="POST school B"),
    ],
    "training:enrolment_reject": [
        Case(page(405), kwargs=lambda w: {"pk": w.training.pending_a.pk}),
        Case(page(403, **ENROL_MANAGERS_POST), kwargs=lambda w: {"pk": w.training.pending_a.pk},
             method="post", data=lambda w: {"reason": "名额有限"}, label="POST school A"),
        Case(page(403, **{**ENROL_MANAGERS_POST, SCHOOL_ADMIN: 404}),
             kwargs=lambda w: {"pk": w.training.pending_b.pk}, method="post",
             data=lambda w: {"reason": "名额有限"}, label="POST school B"),
    ],
    "training:enrolment_move": [Case(page(403, **PROGRAM_STAFF),
                                     kwargs=lambda w: {"pk": w.training.enrolled.pk})],
    "training:enrolment_remove": [
        Case(page(405), kwargs=lambda w: {"pk": w.training.enrolled.pk}),
        Case(page(403, **PROGRAM_STAFF_POST), kwargs=lambda w: {"pk": w.training.enrolled.pk},
             method="post", label="POST without a reason"),
    ],
    "training:enrolment_promote": [
        Case(page(405), kwargs=lambda w: {"pk": w.training.waiting.pk}),
        Case(page(403, **PROGRAM_STAFF_POST), kwargs=lambda w: {"pk": w.training.waiting.pk},
             method="post", label="POST (refused: the class is full)"),
    ],
    "training:roster": [Case(page(403, **PROGRAM_STAFF), kwargs=_program)],
    "training:bulk": [Case(page(403, **ENROL_MANAGERS), kwargs=_program),
                      Case(page(403, **ENROL_MANAGERS), kwargs=_program, method="post",
                           label="POST an empty filter")],
    "training:bulk_import": [
        Case(page(405), kwargs=_program),
        Case(page(403, **ENROL_MANAGERS), kwargs=_program, method="post",
             label="POST without a file"),
    ],
    "training:enrol_template": [Case(page(403, **ENROL_MANAGERS))],
    # 签到: the scan and the code are the teacher's (enrolled: teacher A); the rest is staff's.
    "training:checkin_scan": [Case(page(403, **{TEACHER: 200}), kwargs=_checkin_token,
                                   label="fresh token, teacher A enrolled")],
    "training:checkin_complete": [Case(page(200), label="nothing pending")],
    "training:checkin_code": [Case(page(403, **{TEACHER: 200, HOST: 200}))],
    "training:checkin_sessions": [Case(page(403, **CHECKIN_STAFF))],
    "training:checkin_roster": [Case(page(403, **CHECKIN_STAFF), kwargs=_checkin_session)],
    "training:checkin_roster_xlsx": [Case(page(403, **CHECKIN_STAFF), kwargs=_checkin_session)],
    "training:checkin_mark": [
        Case(page(405), kwargs=_checkin_session),
        Case(page(403, **{ADMIN: 302, TRAINER: 302}), kwargs=_checkin_session, method="post",
             data=lambda w: {"teacher": w.teacher_a.pk, "status": "leave"}, label="POST"),
    ],
    "training:checkin_options": [Case(page(403, **CHECKIN_STAFF), kwargs=_checkin_session)],
    "training:checkin_screen": [Case(page(403, **CHECKIN_STAFF), kwargs=_checkin_session)],
    "training:checkin_screen_live": [Case(page(403, **CHECKIN_STAFF), kwargs=_checkin_session)],
    "training:checkin_online": [Case(page(403, **CHECKIN_STAFF), kwargs=_checkin_session)],
    "core:imports:upload-attendance": [Case(page(403, **CHECKIN_STAFF))],
    # 师干训 — hours (学时): ledgers by data scope, the centre accredits and issues
    # certificates, the school approves claims, the administrator sets the policy; the
    # certificate verification pages are public.
    **HOURS_PAGES,
    # 站内消息: every user has their own; a message of teacher A opens only for teacher A.
    "notifications:list": [Case(page(200))],
    "notifications:open": [
        Case(page(405), kwargs=_notification),
        Case(page(404, **{TEACHER: 302}), kwargs=_notification, method="post",
             label="POST teacher A's message"),
    ],
    "notifications:read_all": [Case(page(405)), Case(page(302), method="post", label="POST")],
    **REVIEW_ENTRY_PAGES,
    **REVIEW_RESULT_PAGES,
    **SCORING_PAGES,
    "api:openapi-json": [Case(expect(200))],
    "api:openapi-view": [Case(expect(200))],
    "api:api-root": [Case(expect(404))],
}

API_ORG_VIEWERS = {ADMIN: 200, LEADER: 200, TRAINER: 200, SCHOOL_ADMIN: 200}
API: dict[tuple[str, str], list[Case]] = {
    ("get", "/api/accounts/me"): [Case(api_expect(200))],
    ("get", "/api/org/schools"): [Case(api_expect(403, **API_ORG_VIEWERS))],
    ("get", "/api/org/schools/{school_id}"): [
        Case(api_expect(403, **API_ORG_VIEWERS), kwargs=lambda w: {"school_id": w.school_a.pk}),
        Case(api_expect(403, **{**API_ORG_VIEWERS, SCHOOL_ADMIN: 404}),
             kwargs=lambda w: {"school_id": w.school_b.pk}, label="school B"),
    ],
    ("get", "/api/org/teachers"): [Case(api_expect(403, **API_ORG_VIEWERS))],
    ("get", "/api/org/teachers/{teacher_id}"): [
        Case(api_expect(200, **{JUDGE: 403, HOST: 404}),
             kwargs=lambda w: {"teacher_id": w.teacher_a.pk}),
        Case(api_expect(404, **{ADMIN: 200, LEADER: 200, TRAINER: 200, JUDGE: 403}),
             kwargs=lambda w: {"teacher_id": w.teacher_b.pk}, label="teacher B"),
    ],
    ("patch", "/api/org/teachers/{teacher_id}"): [
        Case(api_expect(403, **{ADMIN: 200, SCHOOL_ADMIN: 200, HOST: 404}),
             kwargs=lambda w: {"teacher_id": w.teacher_a.pk},
             data=lambda w: {"professional_title": "first"}),
        Case(api_expect(404, **{ADMIN: 200, LEADER: 403, TRAINER: 403, JUDGE: 403}),
             kwargs=lambda w: {"teacher_id": w.teacher_b.pk},
             data=lambda w: {"professional_title": "first"}, label="teacher B"),
    ],
    ("get", "/api/org/staff"): [Case(api_expect(403, **API_ORG_VIEWERS))],
    ("get", "/api/training/menu"): [Case(api_expect(200, **{JUDGE: 403}))],
    ("post", "/api/training/programs/{program_id}/enrol"): [
        Case(api_expect(403, **{TEACHER: 400}),
             kwargs=lambda w: {"program_id": w.training.program.pk},
             data=lambda w: {"training_class_id": w.training.training_class.pk},
             label="already enrolled: refused with the reason"),
    ],
    ("post", "/api/training/enrolments/{enrolment_id}/withdraw"): [
        Case(api_expect(404, **{TEACHER: 200}),
             kwargs=lambda w: {"enrolment_id": w.training.enrolled.pk}, label="own enrolment"),
    ],
    ("get", "/api/training/enrolments/mine"): [Case(api_expect(200))],
    # 学时档案: the ledger's data scope; a user without a teacher record has no ledger of
    # their own (404).
    ("get", "/api/training/hours/teachers/{teacher_id}/ledger"): [
        Case(api_expect(403, **OWN_A), kwargs=lambda w: {"teacher_id": w.teacher_a.pk}),
        Case(api_expect(404, **OTHER_B), kwargs=lambda w: {"teacher_id": w.teacher_b.pk},
             label="teacher B"),
    ],
    ("get", "/api/training/hours/me/ledger"): [Case(api_expect(404, **{TEACHER: 200}))],
    # 站内消息: one's own, for every role.
    ("get", "/api/notifications"): [Case(api_expect(200))],
    ("post", "/api/notifications/read"): [
        Case(api_expect(200), data=lambda w: {"all": True}, label="all"),
        Case(api_expect(200), data=lambda w: {"ids": [_notification(w)["pk"]]},
             label="teacher A's message (others: nothing marked)"),
        Case(api_expect(400), data=lambda w: {}, label="neither ids nor all"),
    ],
    # 评比: competitions for everyone logged in; entries per scope (an empty list where none
    # is in scope); recommending: the administrator recommends first, then the trainer and
    # the school administrator are refused because it is already recommended.
    ("get", "/api/review/competitions"): [Case(api_expect(200))],
    ("get", "/api/review/competitions/{competition_id}"): [
        Case(api_expect(200), kwargs=lambda w: {"competition_id": w.review.competition.pk})],
    ("get", "/api/review/competitions/{competition_id}/entries"): [
        Case(api_expect(200), kwargs=lambda w: {"competition_id": w.review.competition.pk})],
    ("get", "/api/review/entries/{entry_id}"): [
        Case(api_expect(404, **ENTRY_A), kwargs=lambda w: {"entry_id": w.review.entry_a.pk}),
        Case(api_expect(404, **{ADMIN: 200, LEADER: 200, TRAINER: 200}),
             kwargs=lambda w: {"entry_id": w.review.entry_b.pk}, label="teacher B's entry"),
    ],
    ("post", "/api/review/entries/{entry_id}/recommend"): [
        Case(api_expect(404, **{ADMIN: 200, LEADER: 403, TRAINER: 400, SCHOOL_ADMIN: 400,
                                TEACHER: 403}),
             kwargs=lambda w: {"entry_id": w.review.entry_a.pk}, label="in order of roles"),
    ],
    # 评审结果: the centre's; awards of a published competition for everyone logged in; the
    # notice is public.
    ("get", "/api/review/rounds/{round_id}/results"): [
        Case(api_expect(403, **RESULT_READERS),
             kwargs=lambda w: {"round_id": results_objects(w).round.pk})],
    ("get", "/api/review/competitions/{competition_id}/awards"): [
        Case(api_expect(200), kwargs=lambda w: {"competition_id": results_objects(w)
                                                .published.pk}, label="published"),
        Case(api_expect(404, **RESULT_READERS), kwargs=lambda w: {
            "competition_id": results_objects(w).competition.pk}, label="in 公示"),
    ],
    ("get", "/api/review/notices/{token}"): [
        Case(expect(200), kwargs=lambda w: {"token": results_objects(w).notice.token})],
    # 评审: a judge's own assignments; others who may score see an empty list, 404 for one.
    ("get", "/api/review/judging/assignments"): [Case(api_expect(403, **SCORERS))],
    ("get", "/api/review/judging/assignments/{assignment_id}"): [
        Case(api_expect(403, **{**NOT_MINE, JUDGE: 200}),
             kwargs=lambda w: {"assignment_id": scoring_objects(w).mine.pk}),
    ],
    ("post", "/api/review/judging/assignments/{assignment_id}/score"): [
        Case(api_expect(403, **{**NOT_MINE, JUDGE: 200}),
             kwargs=lambda w: {"assignment_id": scoring_objects(w).mine.pk},
             data=lambda w: {"items": {}, "submit": False}, label="a draft"),
    ],
    ("post", "/api/review/judging/assignments/{assignment_id}/abstain"): [
        Case(api_expect(403, **{**NOT_MINE, JUDGE: 400}),
             kwargs=lambda w: {"assignment_id": scoring_objects(w).mine.pk},
             data=lambda w: {"reason": ""}, label="without a reason"),
    ],
}


# --- the table covers every route ------------------------------------------------------


def _walk(patterns, namespace: str = "", prefix: str = ""):
    for entry in patterns:
        if isinstance(entry, URLResolver):
            ns = entry.namespace or ""
            full_ns = f"{namespace}:{ns}" if namespace and ns else (ns or namespace)
            yield from _walk(entry.url_patterns, full_ns, prefix + str(entry.pattern))
        elif isinstance(entry, URLPattern):
            name = f"{namespace}:{entry.name}" if namespace and entry.name else entry.name
            yield name, prefix + str(entry.pattern)


def _api_operations() -> set[tuple[str, str]]:
    paths = api.get_openapi_schema()["paths"]
    return {(method, path) for path, ops in paths.items() for method in ops}


def test_every_route_is_in_the_matrix():
    routes = list(_walk(get_resolver().url_patterns))
    unnamed = [pattern for name, pattern in routes if not name]
    assert unnamed == []
    page_names = {name for name, pattern in routes if not pattern.startswith("api/")}
    docs = {name for name, pattern in routes
            if name in ("api:openapi-json", "api:openapi-view", "api:api-root")}
    assert sorted(page_names | docs) == sorted(PAGES)
    assert sorted(_api_operations()) == sorted(API)


def test_every_api_url_pattern_is_an_openapi_path():
    api_patterns = {pattern for name, pattern in _walk(get_resolver().url_patterns)
                    if pattern.startswith("api/") and name not in PAGES}
    documented = {path for _, path in API}
    as_django = {p.replace("{", "<").replace("}", ">").lstrip("/") for p in documented}
    normalised = {p.replace("<int:", "<") for p in api_patterns}
    assert normalised == as_django


# --- each route × each role --------------------------------------------------------------


@pytest.fixture
def matrix_world(world, tmp_path):
    staff_user = UserFactory(username="staff01", name="吴研训", phone="13900009999")
    world.staff = StaffMember.objects.create(user=staff_user, kind=StaffKind.FULL_TIME,
                                             department="中学研训部", stages=["junior"])
    world.job = ImportJob.objects.create(kind="teachers", original_name="教师.xlsx",
                                         status=ImportStatus.DONE,
                                         created_by=world.users[SCHOOL_ADMIN])
    world.exam = analysed_exam(world, tmp_path)
    world.training = matrix_training(world)
    checkin_class = TrainingClassFactory()
    enrol(world.teacher_a, checkin_class)
    world.checkin_session = session_now(checkin_class)
    world.review = matrix_review(world)
    return world


@pytest.fixture(scope="module")
def client() -> Client:
    return Client()


def _login_as(client: Client, world, role: str) -> Client:
    """One client switching users: a new Client costs ~0.5 s here (WhiteNoise scans the
    static finders when its middleware starts)."""
    client.logout()
    if role != ANON:
        client.force_login(world.users[role])
    return client


def _outcome(response) -> object:
    if response.status_code == 302 and response["Location"].startswith(reverse("accounts:login")):
        return LOGIN if "next=" in response["Location"] else 302
    return response.status_code


def _page_cases():
    for name, cases in PAGES.items():
        for index, case in enumerate(cases):
            yield pytest.param(name, index, id=f"{name}[{case.label or case.method}]")


def _api_cases():
    for (method, path), cases in API.items():
        for index, case in enumerate(cases):
            yield pytest.param(method, path, index, id=f"{method} {path} {case.label}".strip())


@pytest.mark.parametrize(("name", "index"), list(_page_cases()))
def test_page_route_for_every_role(matrix_world, client, name, index):
    case = PAGES[name][index]
    actual = {}
    url = reverse(name, kwargs=case.kwargs(matrix_world))
    for role in ROLES:
        _login_as(client, matrix_world, role)
        response = getattr(client, case.method)(url, case.data(matrix_world))
        actual[role] = _outcome(response)
    assert actual == case.expected


@pytest.mark.parametrize(("method", "path", "index"), list(_api_cases()))
def test_api_route_for_every_role(matrix_world, client, method, path, index):
    case = API[(method, path)][index]
    actual = {}
    url = path.format(**case.kwargs(matrix_world))
    for role in ROLES:
        _login_as(client, matrix_world, role)
        response = getattr(client, method)(url, case.data(matrix_world),
                                           content_type="application/json")
        actual[role] = response.status_code
        if response.status_code >= 400:
            assert response["Content-Type"].startswith("application/json")
            assert any("\u4e00" <= ch <= "\u9fff" for ch in response.json()["detail"])
    assert actual == case.expected


# --- data scope where allowed ---------------------------------------------------------------


@dataclass
class Seen:
    names: list[str] = field(default_factory=list)


def _export_names(client) -> list[str]:
    response = client.get(reverse("org:teacher_list") + "?format=xlsx")
    assert response.status_code == 200
    frame = pl.read_excel(io.BytesIO(response.content), engine="calamine")
    return frame["姓名"].to_list()


def _page_names(client) -> list[str]:
    response = client.get(reverse("org:teacher_list"))
    rows = response.context["table"]["rows"]
    return [row["cells"][1]["text"] for row in rows]


def _api_names(client) -> list[str]:
    return [t["name"] for t in client.get("/api/org/teachers").json()["items"]]


def test_school_admin_sees_only_own_school_everywhere(world):
    client = world.client_for(SCHOOL_ADMIN)
    assert _page_names(client) == ["张晓明"]
    assert "李秋华" not in client.get(reverse("org:teacher_list")).content.decode()
    assert client.get(reverse("org:teacher_detail", args=[world.teacher_b.pk])).status_code == 404
    assert _api_names(client) == ["张晓明"]
    assert client.get(f"/api/org/teachers/{world.teacher_b.pk}").status_code == 404
    assert _export_names(client) == ["张晓明"]
    school_page = client.get(reverse("org:school_list")).content.decode()
    assert "城东实验学校" in school_page and "城西中学" not in school_page


def test_school_admin_cannot_widen_scope_with_a_filter(world):
    client = world.client_for(SCHOOL_ADMIN)
    url = reverse("org:teacher_list") + f"?school={world.school_b.pk}"
    assert client.get(url).context["table"]["rows"] == []
    api = client.get(f"/api/org/teachers?school={world.school_b.pk}").json()
    assert api == {"count": 0, "items": []}


@pytest.mark.parametrize("role", [ADMIN, LEADER, TRAINER])
def test_centre_roles_see_both_schools(world, role):
    client = world.client_for(role)
    assert _page_names(client) == ["张晓明", "李秋华"]
    assert _api_names(client) == ["张晓明", "李秋华"]
    assert _export_names(client) == ["张晓明", "李秋华"]
