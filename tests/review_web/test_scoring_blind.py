"""Blind rounds leak no identity: for a judge, every page, API response and file download
(body and headers) is searched for the lead author's and co-author's names, their schools,
the value of the identifying form field and the uploaded file's original name — as UTF-8,
as JSON \\u escapes and as percent-encoding. The same requests in an open (not blind) round
do show the author, so the search can fail."""

import json
from urllib.parse import quote

import pytest
from django.core.files.base import ContentFile
from django.urls import reverse

from tests.review_web.factories import AssignmentFactory, EntryFactory, RoundFactory, ScoreFactory
from yanxun.review.enums import PeerVisibility
from yanxun.review.models import EntryFile, RoundJudge

INTRO = "区级骨干教师，市名师工作室成员"
ORIGINAL = "张晓明-函数单调性教学设计.pdf"


def _identity(world) -> list[str]:
    return ["张晓明", "李秋华", "城东实验学校", "城西中学", INTRO, "函数单调性教学设计"]


def _forms(text: str) -> list[bytes]:
    escaped = json.dumps(text)[1:-1]
    return [text.encode(), escaped.encode(), escaped.lower().encode(), quote(text).encode()]


def _leaks(payload: bytes, world) -> list[str]:
    return [text for text in _identity(world) if any(f in payload for f in _forms(text))]


def _payload(response) -> bytes:
    body = (b"".join(response.streaming_content) if response.streaming
            else response.content)
    headers = "\n".join(f"{k}: {v}" for k, v in response.headers.items()).encode()
    return headers + b"\n" + body


def _setup(world, *, blind: bool):
    judge = world.users["judge"]
    round_ = RoundFactory(blind=blind, peer_visibility=PeerVisibility.ALWAYS)
    entry = EntryFactory(group__competition=round_.competition, teacher=world.teacher_a,
                         code="A0101", title="函数的单调性",
                         form_data={"video": "https://video.example.cn/a0101", "intro": INTRO})
    entry.co_authors.add(world.teacher_b)
    upload = EntryFile(entry=entry, field_key="plan", original_name=ORIGINAL,
                       content_type="application/pdf", size=20, sha256="0" * 64)
    upload.file.save("plan.pdf", ContentFile(b"%PDF-1.4 lesson plan"), save=True)
    RoundJudge.objects.create(round=round_, judge=judge)
    mine = AssignmentFactory(round=round_, judge=judge, entry=entry)
    ScoreFactory(assignment=AssignmentFactory(round=round_, entry=entry), comment="很好")
    return judge, round_, mine, upload


def _judge_responses(world, round_, mine, upload) -> dict[str, object]:
    client = world.client_for("judge")
    items = {f"item_{i.pk}": "5" for i in round_.rubric.items.all()}
    api_items = {str(i.pk): "5" for i in round_.rubric.items.all()}
    score_url = reverse("review:judge_score", args=[mine.pk])
    return {
        "我的评审": client.get(reverse("review:my_reviews")),
        "作品列表": client.get(reverse("review:judge_round", args=[round_.pk])),
        "评分页": client.get(score_url),
        "评分页（校验失败）": client.post(score_url, {**items, "action": "submit",
                                                   f"item_{round_.rubric.items.first().pk}": "99"}),
        "评分页（暂存后）": client.post(score_url, {**items, "action": "draft"}, follow=True),
        "回避（原因为空）": client.post(reverse("review:judge_abstain", args=[mine.pk]),
                                      {"reason": ""}),
        "材料下载": client.get(reverse("review:judge_file", args=[mine.pk, upload.pk])),
        "API 我的作品": client.get("/api/review/judging/assignments"),
        "API 作品详情": client.get(f"/api/review/judging/assignments/{mine.pk}"),
        "API 暂存": client.post(f"/api/review/judging/assignments/{mine.pk}/score",
                              {"items": api_items, "submit": False},
                              content_type="application/json"),
        "API 提交（越界）": client.post(f"/api/review/judging/assignments/{mine.pk}/score",
                                   {"items": {**api_items, next(iter(api_items)): "99"},
                                    "submit": True}, content_type="application/json"),
    }


def test_a_blind_round_leaks_no_identity_anywhere(world):
    judge, round_, mine, upload = _setup(world, blind=True)
    responses = _judge_responses(world, round_, mine, upload)
    statuses = {name: r.status_code for name, r in responses.items()}
    assert statuses == {"我的评审": 200, "作品列表": 200, "评分页": 200, "评分页（校验失败）": 400,
                        "评分页（暂存后）": 200, "回避（原因为空）": 400, "材料下载": 200,
                        "API 我的作品": 200, "API 作品详情": 200, "API 暂存": 200,
                        "API 提交（越界）": 400}
    leaks = {name: _leaks(_payload(r), world) for name, r in responses.items()}
    assert leaks == {name: [] for name in responses}
    download = responses["材料下载"]
    assert download["Content-Disposition"] == (
        "attachment; filename=\"A0101-.pdf\"; filename*=UTF-8''" + quote("A0101-教学设计.pdf"))
    assert (download["Content-Type"], download["X-Content-Type-Options"],
            download["Content-Security-Policy"]) == ("application/pdf", "nosniff",
                                                     "default-src 'none'; sandbox")
    detail = responses["API 作品详情"].json()
    assert (detail["blind"], detail["authors"], detail["school"]) == (True, [], "")
    assert [f["name"] for f in detail["files"]] == ["A0101-教学设计.pdf"]
    assert detail["fields"] == [{"label": "课堂实录链接", "kind": "url",
                                 "value": "https://video.example.cn/a0101"}]
    assert detail["peers"] == [{"label": "评委 1", "total": "85.0", "comment": "很好"}]


def test_the_same_requests_in_an_open_round_do_show_the_author(world):
    judge, round_, mine, upload = _setup(world, blind=False)
    responses = _judge_responses(world, round_, mine, upload)
    assert _leaks(_payload(responses["评分页"]), world) == [
        "张晓明", "李秋华", "城东实验学校", INTRO, "函数单调性教学设计"]
    assert _leaks(_payload(responses["材料下载"]), world) == ["张晓明", "函数单调性教学设计"]
    detail = responses["API 作品详情"].json()
    assert (detail["authors"], detail["school"]) == (["张晓明", "李秋华"], "城东实验学校")


@pytest.mark.parametrize("blind", [True, False])
def test_another_judges_entry_is_not_found(world, blind):
    judge, round_, mine, upload = _setup(world, blind=blind)
    other = AssignmentFactory(round=round_, entry=mine.entry)
    client = world.client_for("judge")
    assert client.get(reverse("review:judge_score", args=[other.pk])).status_code == 404
    assert client.get(reverse("review:judge_file", args=[other.pk, upload.pk])).status_code == 404
    response = client.get(f"/api/review/judging/assignments/{other.pk}")
    assert (response.status_code, response.json()) == (404, {"detail": "未找到该记录，或无权查看。"})
