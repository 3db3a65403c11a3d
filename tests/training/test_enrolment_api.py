"""The JSON API of the menu and enrolment: same rules and messages as the pages."""

import json

from tests.training.factories_enrol import program_with_class
from yanxun.core.enums import Role
from yanxun.training.enrolment import enrolment_enrol
from yanxun.training.enums import EnrolmentStatus
from yanxun.training.models import Enrolment

TEACHER = str(Role.TEACHER)


def _post(client, url, data=None):
    return client.post(url, json.dumps(data or {}), content_type="application/json")


def test_menu_gives_eligibility_and_seats_for_the_caller(world):
    training_class = program_with_class(capacity=3, sessions=2, name="初中数学新课标研修",
                                        audience_stages=["junior"])
    program_with_class(name="乡村教师提质专题", audience_locations=["rural"])
    rows = world.client_for(TEACHER).get("/api/training/menu").json()
    assert [(r["name"], r["can_enrol"], r["reasons"], r["seats_left"]) for r in rows] == [
        ("初中数学新课标研修", True, [], 3), ("乡村教师提质专题", False, ["仅面向乡村学校"], 30)]
    first = rows[0]["classes"][0]
    assert (first["id"], first["hours"], len(first["sessions"]), first["seats_left"]) == (
        training_class.pk, "6.0", 2, 3)


def test_enrol_and_withdraw_through_the_api(world):
    training_class = program_with_class(capacity=1, name="心理健康教育专题培训")
    enrolment_enrol(actor=world.teacher_b.user, teacher=world.teacher_b,
                    training_class=training_class)
    client = world.client_for(TEACHER)
    url = f"/api/training/programs/{training_class.program_id}/enrol"
    response = _post(client, url, {"training_class_id": training_class.pk})
    body = response.json()
    assert (response.status_code, body["status"], body["status_text"], body["waiting_rank"]) == (
        200, "waiting", "候补第 1 位", 1)
    again = _post(client, url, {"training_class_id": training_class.pk})
    assert (again.status_code, again.json()) == (400, {"detail": "已报名该项目（候补第 1 位）"})
    mine = client.get("/api/training/enrolments/mine").json()
    assert [(m["program"], m["status"]) for m in mine] == [("心理健康教育专题培训", "waiting")]
    withdrawn = _post(client, f"/api/training/enrolments/{body['id']}/withdraw")
    assert (withdrawn.status_code, withdrawn.json()["status"]) == (200, "withdrawn")
    assert Enrolment.objects.get(pk=body["id"]).status == EnrolmentStatus.WITHDRAWN


def test_the_api_refuses_like_the_pages(world):
    training_class = program_with_class(audience_stages=["primary"])
    client = world.client_for(TEACHER)
    url = f"/api/training/programs/{training_class.program_id}/enrol"
    refused = _post(client, url, {"training_class_id": training_class.pk})
    assert (refused.status_code, refused.json()) == (400, {"detail": "仅面向小学学段"})
    other = program_with_class(name="别的项目")
    wrong_class = _post(client, url, {"training_class_id": other.pk})
    assert wrong_class.status_code == 404
    leader = world.client_for(str(Role.LEADER))
    assert _post(leader, url, {"training_class_id": training_class.pk}).json() == {
        "detail": "您的账号没有关联教师档案，不能报名。"}
