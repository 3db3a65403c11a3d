"""The judges' JSON API: the same rules and messages as the pages."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from tests.review_web.factories import AssignmentFactory, RoundFactory
from yanxun.review.enums import RoundStatus, ScoreStatus
from yanxun.review.models import Round, RoundJudge, Score

BASE = "/api/review/judging/assignments"


@pytest.fixture
def job(world):
    judge = world.users["judge"]
    round_ = RoundFactory(name="初评")
    RoundJudge.objects.create(round=round_, judge=judge)
    AssignmentFactory(round=round_, judge=judge, position=2, entry__code="D0002",
                      entry__title="课例乙")
    return AssignmentFactory(round=round_, judge=judge, position=1, entry__code="D0001",
                             entry__title="课例甲")


def _items(job, *values) -> dict:
    return {str(i.pk): v for i, v in zip(job.round.rubric.items.all(), values, strict=True)}


def _post(client, job, items, submit=True, comment=""):
    return client.post(f"{BASE}/{job.pk}/score", {"items": items, "submit": submit,
                                                  "comment": comment},
                       content_type="application/json")


def test_my_assignments_in_position_order(world, job):
    client = world.client_for("judge")
    rows = client.get(BASE).json()
    assert [(r["code"], r["title"], r["position"], r["status"], r["status_text"]) for r in rows] == [
        ("D0001", "课例甲", 1, None, "未评"), ("D0002", "课例乙", 2, None, "未评")]
    assert rows[0]["round"] == f"{job.round.competition.name} 初评"
    Round.objects.filter(pk=job.round_id).update(status=RoundStatus.CLOSED)
    assert client.get(BASE).json() == []


def test_submit_and_the_refusals(world, job):
    client = world.client_for("judge")
    response = _post(client, job, _items(job, 8, "13", 22.5, "27", "18"))
    assert (response.status_code, response.json()) == (
        400, {"detail": "「教学过程」只能按 1 分的步长给分（整数分）。"})
    response = _post(client, job, _items(job, 8, "16", 22, "27", "18"))
    assert response.json() == {"detail": "「教学内容」应在 0 到 15 分之间。"}
    assert not Score.objects.exists()
    response = _post(client, job, _items(job, 8, "13", 22, "27", "18"), comment="好课")
    assert response.status_code == 200
    body = response.json()
    assert (body["score"]["status"], body["score"]["total"], body["score"]["comment"],
            body["assignment"]["status_text"]) == ("submitted", "88.0", "好课", "已提交")
    response = _post(client, job, _items(job, 9, "13", 22, "27", "18"))
    assert response.json() == {
        "detail": "您已提交该作品的评分，不能再次提交或修改；如需修改，请联系组织者重新开放。"}
    assert Score.objects.get().total == Decimal("88")


def test_not_assigned_outside_window_and_no_right(world, job):
    client = world.client_for("judge")
    other = AssignmentFactory(round=job.round)
    response = _post(client, other, _items(other, 8, 13, 22, 27, 18))
    assert response.status_code == 404
    Round.objects.filter(pk=job.round_id).update(opens_at=timezone.now() + timedelta(hours=1))
    response = _post(client, job, _items(job, 8, 13, 22, 27, 18))
    assert response.status_code == 403
    assert response.json()["detail"].endswith("现在不在评分时间内。")
    teacher = world.client_for("teacher")
    assert teacher.get(BASE).json() == {"detail": "无评分权限。"}
    assert not Score.objects.exists()


def test_draft_then_abstain(world, job):
    client = world.client_for("judge")
    response = _post(client, job, _items(job, 8, "", "", "", ""), submit=False)
    assert response.json()["score"]["items"] == {str(job.round.rubric.items.first().pk): "8"}
    response = client.post(f"{BASE}/{job.pk}/abstain", {"reason": "认识作者"},
                           content_type="application/json")
    assert response.json()["score"]["status"] == ScoreStatus.ABSTAINED
    assert Score.objects.get().comment == "认识作者"
