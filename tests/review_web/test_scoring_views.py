"""The staff's pages (rubrics, rounds, entries, panel, experts, relations, pins, assignment
and adjustments, scores and reopening) and the judge's pages (list, scoring, save and next,
abstain), driven through the test client."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from tests.review_web.factories import (
    AssignmentFactory,
    CompetitionFactory,
    EntryFactory,
    GroupFactory,
    RoundFactory,
    ScoreFactory,
)
from tests.review_web.scoring_data import conflict_world
from yanxun.core.models import AuditLog
from yanxun.review.enums import CompetitionStatus, RoundStatus, ScoreStatus
from yanxun.review.models import Assignment, PairRule, Relation, Round, RoundJudge, Rubric, Score

R = RoundStatus


def _messages(response) -> list[str]:
    return [str(m) for m in response.context["messages"]] if response.context else []


@pytest.fixture
def staff(world):
    return world.client_for("trainer")


def test_rubric_library_editor_and_copy(staff):
    page = staff.get(reverse("review:rubric_list"))
    assert page.status_code == 200
    [card] = page.context["templates"]
    assert (card["rubric"].name, card["full"]) == ("课堂教学评价量表", Decimal("100"))
    response = staff.post(reverse("review:rubric_create"), {
        "name": "说课评价表", "step": "0.5", "description": "",
        "item_pk": ["", "", ""], "item_name": ["说教材", "说教法", ""],
        "item_max": ["40", "60.5", ""], "item_descriptor": ["", "方法得当", ""]}, follow=True)
    assert _messages(response) == ["量表「说课评价表」已保存。"]
    rubric = Rubric.objects.get(name="说课评价表")
    assert [(i.name, i.max_score, i.descriptor) for i in rubric.items.all()] == [
        ("说教材", Decimal("40"), ""), ("说教法", Decimal("60.5"), "方法得当")]
    bad = staff.post(reverse("review:rubric_edit", args=[rubric.pk]), {
        "name": "说课评价表", "step": "1", "item_pk": ["", ""], "item_name": ["说教材", "x"],
        "item_max": ["abc", "7.5"], "item_descriptor": ["", ""]})
    assert bad.context["item_errors"] == ["「说教材 的分值」应为数字。"]
    bad = staff.post(reverse("review:rubric_edit", args=[rubric.pk]), {
        "name": "说课评价表", "step": "1", "item_pk": [""], "item_name": ["x"],
        "item_max": ["7.5"], "item_descriptor": [""]})
    assert bad.context["item_errors"] == ["「x」的分值 7.5 不是步长 1 的整数倍。"]
    assert rubric.items.count() == 2
    copy = staff.post(reverse("review:rubric_copy", args=[rubric.pk]), follow=True)
    assert _messages(copy) == ["已复制为「说课评价表（副本）」。"]


def _round_form(competition, template, **overrides) -> dict:
    now = timezone.localtime()
    data = {"competition": competition.pk, "name": "初评", "kind": "online",
            "template": template.pk, "judges_per_entry": "3",
            "opens_at": (now - timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M"),
            "closes_at": (now + timedelta(days=5)).strftime("%Y-%m-%dT%H:%M"),
            "blind": "on", "peer_visibility": "never", "allow_abstain": "on", "method": "mean",
            "trim_min": "5", "max_spread": ""}
    data.update(overrides)
    return data


def test_new_round_form_starts_from_the_default_rubric(world, staff):
    competition = CompetitionFactory(status=CompetitionStatus.REVIEWING)
    url = reverse("review:round_create")
    form = staff.get(url, {"competition": competition.pk}).context["form"]
    template = form.initial["template"]
    assert (template.name, template.is_template, form.initial["competition"],
            form["name"].value(), form["kind"].value()) == (
        "课堂教学评价量表", True, competition.pk, "初评", None)
    RoundFactory(competition=competition)
    form = staff.get(url, {"competition": competition.pk}).context["form"]
    assert (form["name"].value(), form["kind"].value()) == ("复评", "live")
    form = staff.get(url, {"competition": "x"}).context["form"]
    assert (form.initial.get("competition"), form["name"].value()) == (None, "初评")


def test_staff_run_a_round_from_creation_to_scoring(world, staff):
    competition = CompetitionFactory(status=CompetitionStatus.REVIEWING)
    template = staff.get(reverse("review:rubric_list")).context["templates"][0]["rubric"]
    response = staff.post(reverse("review:round_create"), _round_form(competition, template),
                          follow=True)
    round_ = Round.objects.get()
    assert _messages(response) == ["已新建轮次「初评」，请选择参评作品和评委。"]
    assert (round_.status, round_.rubric.is_template, round_.judges_per_entry) == (R.SETUP, False, 3)
    group = GroupFactory(competition=competition)
    entries = [EntryFactory(group=group, code=f"A{n:04d}") for n in (1, 2, 3)]
    response = staff.post(reverse("review:round_entries", args=[round_.pk]), {"how": "groups"},
                          follow=True)
    assert _messages(response) == ["本轮参评作品已更新：共 3 件。"]
    for name in ("林老师", "陈老师", "黄老师"):
        response = staff.post(reverse("review:expert_create", args=[round_.pk]), {
            "name": name, "phone": f"1380000000{len(name) + RoundJudge.objects.count()}",
            "affiliation": "市教科院"})
        assert response.status_code == 200
        assert response.context["new"].password in response.content.decode()
    response = staff.post(reverse("review:panel_add", args=[round_.pk]),
                          {"login": world.teacher_b.user.username, "affiliation": ""}, follow=True)
    assert _messages(response) == ["已添加评委「李秋华」。"]
    response = staff.post(reverse("review:assignment_run", args=[round_.pk]), follow=True)
    assert _messages(response) == ["分配完成：新增 9 项，替换 0 项，保留 0 项。"]
    report = response.context["report"]
    assert (report.entries, report.covered, report.min_load, report.max_load) == (3, 3, 2, 3)
    response = staff.post(reverse("review:round_transition", args=[round_.pk]),
                          {"to": "scoring"}, follow=True)
    assert _messages(response) == ["轮次已转为「评分中」。"]
    detail = staff.get(reverse("review:round_detail", args=[round_.pk]))
    assert sorted(p["assigned"] for p in detail.context["progress"]) == [2, 2, 2, 3]
    assert set(round_.round_entries.values_list("entry", flat=True)) == {e.pk for e in entries}


def test_refused_run_shows_the_message_and_changes_nothing(world, staff):
    score = ScoreFactory()
    round_ = score.assignment.round
    response = staff.post(reverse("review:assignment_run", args=[round_.pk]), follow=True)
    assert _messages(response) == [
        "本轮已有评委评分，不能重新分配；如只需为评委不足的作品补足评委，请选择「只补缺」。"]
    assert list(Assignment.objects.values_list("pk", flat=True)) == [score.assignment_id]


def test_adjust_through_the_page(world, staff):
    cw = conflict_world()
    staff.post(reverse("review:assignment_run", args=[cw.round.pk]))
    url = reverse("review:assignment_result", args=[cw.round.pk])
    page = staff.get(url + "?entry=a0003")
    assert [r["assignment"].judge.name for r in page.context["entry_rows"]] == ["评委甲", "外聘专家"]
    a = page.context["entry_rows"][0]["assignment"]
    response = staff.post(reverse("review:assignment_adjust", args=[cw.round.pk]), {
        "action": "move", "assignment": a.pk, "judge": cw.judges["jC"].pk, "code": "A0003",
        "reason": "x"}, follow=True)
    assert _messages(response) == ["评委「评委丙」与作品 A0003 存在回避关系：同校。"]
    assert response.redirect_chain[-1][0] == url + "?entry=A0003"
    response = staff.post(reverse("review:assignment_adjust", args=[cw.round.pk]), {
        "action": "remove", "assignment": a.pk, "code": "A0003", "reason": "评委有事"},
        follow=True)
    assert _messages(response) == ["分配已调整。"]
    assert response.context["report"].short == [("A0003", 1, 2)]
    response = staff.post(reverse("review:assignment_adjust", args=[cw.round.pk]), {
        "action": "add", "judge": cw.judges["jA"].pk, "code": "A0003"}, follow=True)
    assert _messages(response) == ["分配已调整。"]
    assert list(AuditLog.objects.filter(action__in=["review.assignment.remove",
                                                    "review.assignment.add"])
                .order_by("pk").values_list("action", "reason")) == [
        ("review.assignment.remove", "评委有事"), ("review.assignment.add", "")]


def test_relations_and_pins_pages(world, staff):
    cw = conflict_world()
    response = staff.post(reverse("review:relation_list"), {
        "judge": cw.judges["jX"].username, "teacher": cw.teachers["t1"].employee_no,
        "kind": "family", "note": "夫妻"}, follow=True)
    assert _messages(response) == ["已登记回避关系：外聘专家 — 钱一（亲属）。"]
    assert Relation.objects.filter(judge=cw.judges["jX"], teacher=cw.teachers["t1"]).exists()
    response = staff.post(reverse("review:relation_list"), {
        "judge": "nobody", "teacher": "nobody", "kind": "family"})
    assert response.context["form"].errors == {
        "judge": ["找不到该登录名或手机号的用户。"], "teacher": ["找不到登录名或工号为「nobody」的教师。"]}
    response = staff.post(reverse("review:pair_rules", args=[cw.round.pk]), {
        "judge": cw.judges["jX"].pk, "code": "a0001", "kind": "pin"})
    assert response.context["form"].non_field_errors() == [
        "评委「外聘专家」与作品 A0001 存在回避关系（申报关系），不能指定。"]
    response = staff.post(reverse("review:pair_rules", args=[cw.round.pk]), {
        "judge": cw.judges["jC"].pk, "code": "A0001", "kind": "pin", "reason": "学科专家"},
        follow=True)
    assert _messages(response) == ["已保存。重新运行分配后生效。"]
    assert PairRule.objects.filter(round=cw.round, kind="pin").count() == 1


def test_round_list_page_lists_rounds(world, staff):
    cw = conflict_world()
    page = staff.get(reverse("review:round_list"))
    assert [[c["text"] for c in row["cells"]][:6] for row in page.context["table"]["rows"]] == [
        [cw.round.competition.name, "初评", "网络评审", "准备中", "是", "2"]]
    assert [[c["text"] for c in row["cells"]][6:9]
            for row in page.context["table"]["rows"]] == [["4", "5", "0"]]


# --- the judge's pages --------------------------------------------------------------------------


@pytest.fixture
def judging(world):
    judge = world.users["judge"]
    round_ = RoundFactory(peer_visibility="after_submit")
    RoundJudge.objects.create(round=round_, judge=judge)
    jobs = [AssignmentFactory(round=round_, judge=judge, position=n,
                              entry__code=f"C{n:04d}", entry__title=f"课例{n}") for n in (1, 2, 3)]
    return round_, jobs, world.client_for("judge")


def _score_post(job, values, action) -> dict:
    data = {f"item_{i.pk}": v for i, v in zip(job.round.rubric.items.all(), values, strict=True)}
    return {**data, "comment": "结构清楚", "action": action}


def test_my_reviews_and_the_round_list(judging):
    round_, jobs, client = judging
    ScoreFactory(assignment=jobs[1])
    page = client.get(reverse("review:my_reviews"))
    [row] = page.context["rounds"]
    assert (row.round, row.done, row.assigned) == (round_, 1, 3)
    page = client.get(reverse("review:judge_round", args=[round_.pk]))
    assert [(r.code, r.status_label) for r in page.context["rows"]] == [
        ("C0001", "未评"), ("C0002", "已提交"), ("C0003", "未评")]
    assert page.context["next"].pk == jobs[0].pk


def test_score_draft_submit_and_next(judging):
    round_, jobs, client = judging
    url = reverse("review:judge_score", args=[jobs[0].pk])
    page = client.get(url)
    assert (page.context["position"], page.context["done"], page.context["total"]) == (1, 0, 3)
    response = client.post(url, _score_post(jobs[0], ["8", "", "", "", ""], "draft"), follow=True)
    assert _messages(response) == ["已暂存作品 C0001 的评分。"]
    assert response.context["items"][0]["value"] == "8"
    response = client.post(url, _score_post(jobs[0], ["11", "13", "22", "27", "18"], "next"))
    assert response.status_code == 400
    assert response.context["errors"] == ["「教学目标」应在 0 到 10 分之间。"]
    assert response.context["items"][0]["value"] == "11"
    response = client.post(url, _score_post(jobs[0], ["9", "13", "22", "27", "18"], "next"),
                           follow=True)
    assert response.redirect_chain == [(reverse("review:judge_score", args=[jobs[1].pk]), 302)]
    assert _messages(response) == ["已提交作品 C0001 的评分。"]
    score = Score.objects.get(assignment=jobs[0])
    assert (score.status, score.total, score.comment) == (ScoreStatus.SUBMITTED, Decimal("89"),
                                                          "结构清楚")
    again = client.post(url, _score_post(jobs[0], ["10", "13", "22", "27", "18"], "submit"))
    assert again.status_code == 400
    assert again.context["errors"] == [
        "您已提交该作品的评分，不能再次提交或修改；如需修改，请联系组织者重新开放。"]
    assert Score.objects.get(assignment=jobs[0]).total == Decimal("89")


def test_abstain_then_next_and_done(judging):
    round_, jobs, client = judging
    for job in jobs[:2]:
        ScoreFactory(assignment=job)
    url = reverse("review:judge_abstain", args=[jobs[2].pk])
    response = client.post(url, {"reason": ""})
    assert (response.status_code, response.context["errors"]) == (400, ["请填写回避或弃评的原因。"])
    response = client.post(url, {"reason": "作者是我的徒弟"}, follow=True)
    assert response.redirect_chain == [(reverse("review:judge_round", args=[round_.pk]), 302)]
    assert _messages(response) == ["已回避作品 C0003。"]


def test_peer_scores_appear_after_submitting(judging, world):
    round_, jobs, client = judging
    peer = AssignmentFactory(round=round_, entry=jobs[0].entry)
    ScoreFactory(assignment=peer, total=Decimal("90"), comment="")
    url = reverse("review:judge_score", args=[jobs[0].pk])
    assert client.get(url).context["peers"] is None
    client.post(url, _score_post(jobs[0], ["9", "13", "22", "27", "18"], "submit"))
    page = client.get(url)
    assert [(p.label, p.total) for p in page.context["peers"]] == [("评委 1", Decimal("90"))]
    assert page.context["locked"] is True


def test_outside_the_window_the_pages_refuse(judging):
    round_, jobs, client = judging
    Round.objects.filter(pk=round_.pk).update(closes_at=timezone.now() - timedelta(minutes=1),
                                              opens_at=timezone.now() - timedelta(days=1))
    assert client.get(reverse("review:judge_round", args=[round_.pk])).status_code == 403
    response = client.post(reverse("review:judge_score", args=[jobs[0].pk]),
                           _score_post(jobs[0], ["9", "13", "22", "27", "18"], "submit"))
    assert response.status_code == 403
    assert not Score.objects.exists()
    [row] = client.get(reverse("review:my_reviews")).context["rounds"]
    assert row.open is False


def test_staff_reopen_a_score_from_the_scores_page(world, staff):
    score = ScoreFactory()
    round_ = score.assignment.round
    page = staff.get(reverse("review:round_scores", args=[round_.pk]))
    assert [s.pk for s in page.context["page"]] == [score.pk]
    response = staff.post(reverse("review:score_reopen", args=[score.pk]), {"reason": ""},
                          follow=True)
    assert _messages(response) == ["请填写重新开放的原因。"]
    response = staff.post(reverse("review:score_reopen", args=[score.pk]), {"reason": "漏评一项"},
                          follow=True)
    assert _messages(response) == ["已重新开放该评分，评委可修改后再次提交。"]
    score.refresh_from_db()
    assert score.status == ScoreStatus.DRAFT


def test_advancing_from_the_previous_round_keeps_a_tie_at_the_line(world, staff):
    first = RoundFactory(status=R.CLOSED)
    group = GroupFactory(competition=first.competition)
    entries = [EntryFactory(group=group, code=f"A{n:04d}") for n in (1, 2, 3, 4)]
    for entry, total in zip(entries, ("90", "85", "85", "70"), strict=True):
        ScoreFactory(assignment=AssignmentFactory(round=first, entry=entry),
                     total=Decimal(total))
    second = RoundFactory(competition=first.competition, status=R.SETUP, name="复评")
    response = staff.post(reverse("review:round_entries", args=[second.pk]),
                          {"how": "advance", "top_n": "2", "top_share": ""}, follow=True)
    assert _messages(response) == ["名额线上有并列，1 件并列作品一并晋级。",
                                   "本轮参评作品已更新：共 3 件。"]
    assert sorted(second.round_entries.values_list("entry__code", flat=True)) == [
        "A0001", "A0002", "A0003"]
