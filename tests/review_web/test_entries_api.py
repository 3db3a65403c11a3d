"""The JSON API of competitions and entries: the pages' scope and the services' messages."""

from tests.factories import TeacherFactory
from tests.review_web.factories_entries import (
    competition_with_group,
    full_input,
    recommended,
    school_admin,
    staff,
    submitted,
)
from yanxun.core.enums import Role
from yanxun.review.entries import entry_create
from yanxun.review.models import Entry


def _client(client, user):
    client.force_login(user)
    return client


def test_competitions_with_groups_drafts_only_for_staff(world, client):
    competition, group = competition_with_group()
    competition_with_group(status="draft", name="筹备中的评比")
    rows = _client(client, world.teacher_a.user).get("/api/review/competitions").json()
    assert [(r["name"], r["status"], [g["name"] for g in r["groups"]]) for r in rows] == [
        (competition.name, "open", ["初中数学组"])]
    assert rows[0]["groups"][0] == {"id": group.pk, "name": "初中数学组", "stage": "junior",
                                    "subject": None, "code_prefix": "A",
                                    "quota_per_school": 2}
    staff_rows = _client(client, staff(world)).get("/api/review/competitions").json()
    assert sorted(r["name"] for r in staff_rows) == sorted([competition.name, "筹备中的评比"])
    detail = client.get(f"/api/review/competitions/{competition.pk}").json()
    assert [f["key"] for f in detail["entry_fields"]] == ["video", "plan", "intro"]


def test_entries_per_scope(world, client):
    competition, group = competition_with_group()
    submitted(world.teacher_a, group)
    submitted(world.teacher_b, group, "城西课例")
    entry_create(actor=TeacherFactory(school=world.school_a).user, group=group,
                 data=full_input("草稿"))
    url = f"/api/review/competitions/{competition.pk}/entries"
    body = _client(client, staff(world)).get(url).json()
    assert (body["count"], [e["code"] for e in body["items"]]) == (2, ["A0001", "A0002"])
    assert body["items"][0]["missing"] == []
    body = _client(client, school_admin(world)).get(url).json()
    assert [(e["code"], e["author"], e["school"]) for e in body["items"]] == [
        ("A0001", "张晓明", "城东实验学校")]
    body = _client(client, world.teacher_b.user).get(url).json()
    assert [e["title"] for e in body["items"]] == ["城西课例"]
    body = _client(client, world.users[str(Role.JUDGE)]).get(url).json()
    assert body == {"count": 0, "items": []}


def test_entry_detail_with_files_and_scope(world, client):
    _, group = competition_with_group()
    entry = submitted(world.teacher_a, group)
    body = _client(client, school_admin(world)).get(f"/api/review/entries/{entry.pk}").json()
    assert (body["form_data"]["video"], [(f["field"], f["name"]) for f in body["files"]]) == (
        "https://video.example.cn/lesson/1", [("plan", "函数的概念-教学设计.pdf")])
    other = submitted(world.teacher_b, group, "城西课例")
    response = client.get(f"/api/review/entries/{other.pk}")
    assert (response.status_code, response.json()) == (404, {"detail": "未找到该记录，或无权查看。"})


def test_recommend_through_the_api_with_the_quota(world, client):
    _, group = competition_with_group(quota=1)
    recommended(TeacherFactory(school=world.school_a), group, school_admin(world))
    entry = submitted(world.teacher_a, group, "第二件")
    response = _client(client, school_admin(world)).post(
        f"/api/review/entries/{entry.pk}/recommend", content_type="application/json")
    assert (response.status_code, response.json()) == (
        400, {"detail": "本校在「初中数学组」已推荐 1 件，达到每校 1 件的上限。"})
    assert Entry.objects.get(pk=entry.pk).status == "submitted"
    response = _client(client, world.teacher_a.user).post(
        f"/api/review/entries/{entry.pk}/recommend", content_type="application/json")
    assert (response.status_code, response.json()) == (403, {"detail": "无权推荐作品。"})
