"""The results page, its exports and actions, and the results API, on the hand-worked round."""

import io

import polars as pl
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from tests.factories import TeacherFactory
from tests.review_web.factories import EntryFactory
from tests.review_web.results_data import add_score, hand_round
from yanxun.core.models import AuditLog
from yanxun.review.enums import RoundStatus
from yanxun.review.models import FlagAck, RoundEntry


def test_the_page_shows_each_group_ranked_with_the_tie_break_and_flags(world):
    data = hand_round(world)
    response = world.client_for("trainer").get(reverse("review:round_results",
                                                       args=[data.round.pk]))
    assert response.status_code == 200
    results = response.context["results"]
    assert [(r.code, r.place, r.rank) for r in results.groups[0].rows] == [
        ("A0001", 1, 1), ("A0002", 2, 2), ("A0003", 3, 2), ("A0004", 4, 4)]
    html = response.content.decode()
    assert html.count("并列，按『教学方法』得分区分") == 2
    assert "3<span class=\"text-secondary small\">（并列第 2）</span>" in html
    assert "张晓明" in html and "城东实验学校" in html
    assert "作品 B0001" in html and "评分极差 10 分，超过预警线 9 分" in html
    assert html.count('name="note"') == 3  # a form per open flag, and one for all of them
    assert [r["label"] for r in response.context["icc_rows"]] == ["全部作品", "初中数学组",
                                                                  "初中语文组"]
    assert response.context["icc_rows"][2]["values"] == ["0.625", "0.667", "1.000", "0.833",
                                                         "0.857", "1.000"]
    assert [(j["judge"].name, j["offset"], j["corr"]) for j in response.context["judges"]] == [
        ("评委甲", "-1.67", "0.98"), ("评委乙", "+0.00", "0.99"), ("评委丙", "+1.67", "0.97"),
        ("评委丁", "—", "—")]


def test_the_leader_reads_but_cannot_act(world):
    data = hand_round(world)
    html = world.client_for("leader").get(
        reverse("review:round_results", args=[data.round.pk])).content.decode()
    assert 'name="note"' not in html and "确定本轮结果" not in html
    assert "下载 Excel" not in html and "下载 PDF" in html


def test_staff_acknowledge_both_flags_then_release_through_the_page(world):
    data = hand_round(world)
    client = world.client_for("trainer")
    url = reverse("review:round_results", args=[data.round.pk])
    refused = client.post(reverse("review:round_release", args=[data.round.pk]),
                          {"action": "finalise"}, follow=True)
    assert "还有 2 条预警未处理" in refused.content.decode()
    for code in ("B0001", "B0002"):
        response = client.post(reverse("review:flag_ack", args=[data.round.pk]),
                               {"kind": "spread", "object_id": data.entries[code].pk,
                                "note": "已核实"})
        assert response["Location"] == url
    assert list(FlagAck.objects.values_list("note", flat=True)) == ["已核实", "已核实"]
    done = client.post(reverse("review:round_release", args=[data.round.pk]),
                       {"action": "finalise"}, follow=True)
    assert "评审结果已确定，可以确定获奖名单。" in done.content.decode()
    data.round.refresh_from_db()
    assert data.round.status == RoundStatus.FINALISED


def test_one_note_for_all_open_flags(world):
    data = hand_round(world)
    response = world.client_for("admin").post(
        reverse("review:flag_ack", args=[data.round.pk]),
        {"kind": "all", "note": "逐条核对，分歧在合理范围内"}, follow=True)
    assert "已记录 2 条预警的处理说明。" in response.content.decode()
    assert sorted(FlagAck.objects.values_list("object_id", "note")) == [
        (data.entries["B0001"].pk, "逐条核对，分歧在合理范围内"),
        (data.entries["B0002"].pk, "逐条核对，分歧在合理范围内")]
    assert AuditLog.objects.filter(action="review.flag.acknowledge").count() == 2
    again = world.client_for("admin").post(
        reverse("review:flag_ack", args=[data.round.pk]), {"kind": "all", "note": "再次"},
        follow=True)
    assert "没有待处理的预警。" in again.content.decode()


def test_excel_has_results_judges_and_raw_scores_and_is_audited(world):
    data = hand_round(world)
    response = world.client_for("trainer").get(reverse("review:round_results_xlsx",
                                                       args=[data.round.pk]))
    assert response.status_code == 200
    content = io.BytesIO(response.content)
    results = pl.read_excel(content, sheet_name="结果", engine="calamine")
    assert results.select("作品编号", "名次", "同分区分后名次").rows()[:4] == [
        ("A0001", 1, 1), ("A0002", 2, 2), ("A0003", 2, 3), ("A0004", 4, 4)]
    assert results["说明"].to_list()[6] == "未评"
    judges = pl.read_excel(content, sheet_name="评委", engine="calamine")
    assert judges.select("评委", "评分数").rows() == [("评委甲", 6), ("评委乙", 5),
                                                      ("评委丙", 6), ("评委丁", 0)]
    raw = pl.read_excel(content, sheet_name="原始评分", engine="calamine")
    assert raw.height == 18  # 17 submitted + 1 abstention; the draft is left out
    assert raw.filter(pl.col("状态") == "回避/弃评")["作品编号"].to_list() == ["A0004"]
    assert raw.filter((pl.col("作品编号") == "A0002") & (pl.col("评委") == "评委乙"))[
        "教学方法（30）"].to_list() == [27]
    assert AuditLog.objects.get(action="review.results.export").after == {
        "entries": 7, "judges": 4, "scores": 18}


def test_pdf_of_the_results(world):
    data = hand_round(world)
    response = world.client_for("leader").get(reverse("review:round_results_pdf",
                                                      args=[data.round.pk]))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF-")


def _page_queries(client, round_) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(reverse("review:round_results", args=[round_.pk])).status_code == 200
    return len(queries)


def test_the_page_does_not_query_per_entry(world):
    data = hand_round(world)
    client = world.client_for("trainer")
    before = _page_queries(client, data.round)
    for n in range(3):
        teacher = TeacherFactory(school=world.school_b)
        entry = EntryFactory(competition=data.competition, group=data.maths, code=f"A01{n}",
                             teacher=teacher, school=teacher.school)
        RoundEntry.objects.create(round=data.round, entry=entry)
        for judge in data.judges[:3]:
            add_score(data.round, judge, entry, 70 + n)
    assert _page_queries(client, data.round) == before


def test_the_api_gives_the_same_results(world):
    data = hand_round(world)
    body = world.client_for("leader").get(f"/api/review/rounds/{data.round.pk}/results").json()
    maths = body["groups"][0]
    assert [(e["code"], e["final"], e["rank"], e["place"], e["tie_note"])
            for e in maths["entries"]] == [
        ("A0001", "88.0000", 1, 1, ""),
        ("A0002", "86.0000", 2, 2, "并列，按『教学方法』得分区分"),
        ("A0003", "86.0000", 2, 3, "并列，按『教学方法』得分区分"),
        ("A0004", "81.0000", 4, 4, "")]
    assert body["icc"] is None and maths["icc"] is None
    assert body["groups"][1]["icc"]["icc2k"] == 150 / 175
    assert body["groups"][1]["entries"][2] == {
        "entry_id": data.entries["B0003"].pk, "code": "B0003", "title": "课例B0003",
        "author": data.entries["B0003"].teacher.name, "school": "城西中学", "n_scores": 0,
        "final": None, "rank": None, "place": None, "tie_break": None, "tie_note": "",
        "flags": []}
    assert [(j["name"], j["n"]) for j in body["judges"]] == [
        ("评委甲", 6), ("评委乙", 5), ("评委丙", 6), ("评委丁", 0)]
    assert [(f["kind"], f["subject"], f["acknowledged"]) for f in body["flags"]] == [
        ("spread", "作品 B0001", False), ("spread", "作品 B0002", False)]
