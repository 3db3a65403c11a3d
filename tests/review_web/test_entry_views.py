"""The pages of competitions and entries, from each side: the centre sets a competition up,
a teacher submits, the school recommends, the centre checks; refusals from the wrong side."""

import io
from datetime import timedelta

import polars as pl
import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from tests.factories import SchoolFactory, TeacherFactory, UserFactory, grant
from tests.review_web.factories_entries import (
    competition_with_group,
    full_input,
    not_a_pdf,
    pdf,
    recommended,
    school_admin,
    staff,
    submitted,
)
from yanxun.core.enums import Role
from yanxun.review.entries import AuthorMoves, entry_create
from yanxun.review.enums import CompetitionStatus, EntryStatus
from yanxun.review.models import Competition, Entry, EntryFile

E = EntryStatus


def _client(client, user):
    client.force_login(user)
    return client


def _messages(response) -> list[str]:
    return [str(m) for m in response.context["messages"]] if response.context else []


def _text(response) -> str:
    return response.content.decode()


# --- the centre sets up a competition -------------------------------------------------------------


def test_staff_create_a_competition_with_tiers(world, client):
    _client(client, staff(world))
    response = client.post(reverse("review:competition_create"), {
        "name": "2026 年初中数学优质课评比", "year": "2026", "level": "district",
        "organiser": "示范区教师发展中心", "description": "", "quota_per_school": "2",
        "entry_opens": "2026-03-01T08:00", "entry_closes": "2026-03-20T17:00",
        "recommend_closes": "2026-03-25T17:00", "award_method": "quota",
        "tiers-TOTAL_FORMS": "3", "tiers-INITIAL_FORMS": "0",
        "tiers-0-name": "一等奖", "tiers-0-share": "15",
        "tiers-1-name": "二等奖", "tiers-1-share": "25%",
        "tiers-2-name": "", "tiers-2-share": ""})
    competition = Competition.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("review:competition_detail", args=[competition.pk])
    assert (competition.status, competition.award_tiers) == (CompetitionStatus.DRAFT, [
        {"name": "一等奖", "share": "0.15"}, {"name": "二等奖", "share": "0.25"}])


def test_tiers_over_one_are_refused_on_the_page(world, client):
    _client(client, staff(world))
    response = client.post(reverse("review:competition_create"), {
        "name": "评比", "year": "2026", "level": "district", "organiser": "中心",
        "quota_per_school": "2", "award_method": "quota",
        "tiers-TOTAL_FORMS": "2", "tiers-INITIAL_FORMS": "0",
        "tiers-0-name": "一等奖", "tiers-0-share": "60",
        "tiers-1-name": "二等奖", "tiers-1-share": "60"})
    assert response.status_code == 200
    assert response.context["form"].non_field_errors() == ["各奖项比例之和为 120%，不能超过 100%。"]
    assert Competition.objects.count() == 0


@pytest.mark.parametrize(("share", "error"), [
    ("0", "比例应大于 0、不超过 100（如 15 表示 15%）。"),
    ("150", "比例应大于 0、不超过 100（如 15 表示 15%）。"),
    ("十五", "请填写百分数，如 15 表示 15%。"),
    ("NaN", "比例应大于 0、不超过 100（如 15 表示 15%）。"),
])
def test_a_tier_share_is_a_percentage(world, client, share, error):
    _client(client, staff(world))
    response = client.post(reverse("review:competition_create"), {
        "name": "评比", "year": "2026", "level": "district", "organiser": "中心",
        "quota_per_school": "2", "award_method": "quota",
        "tiers-TOTAL_FORMS": "1", "tiers-INITIAL_FORMS": "0",
        "tiers-0-name": "一等奖", "tiers-0-share": share})
    assert response.status_code == 200
    assert response.context["tiers"].forms[0].errors == {"share": [error]}
    assert f"第 1 行「比例（%）」：{error}" in response.content.decode()
    assert Competition.objects.count() == 0


def test_tiers_show_as_percentages(world, client):
    competition, _ = competition_with_group(status="draft")
    competition.award_tiers = [{"name": "一等奖", "share": "0.125"},
                               {"name": "二等奖", "share": "0.3"}]
    competition.save()
    _client(client, staff(world))
    detail = client.get(reverse("review:competition_detail", args=[competition.pk]))
    assert "一等奖 12.5%、二等奖 30%" in detail.content.decode()
    edit = client.get(reverse("review:competition_edit", args=[competition.pk]))
    assert [f["share"].value() for f in edit.context["tiers"].forms[:2]] == ["12.5", "30"]


def test_staff_edit_the_entry_form(world, client):
    competition, _ = competition_with_group(status="draft")
    _client(client, staff(world))
    url = reverse("review:competition_fields", args=[competition.pk])
    page = client.get(url)
    assert [f["label"].value() for f in page.context["formset"].forms[:3]] == [
        "课堂实录链接", "教学设计", "作者简介"]
    data = {"fields-TOTAL_FORMS": "4", "fields-INITIAL_FORMS": "3",
            "fields-MIN_NUM_FORMS": "0", "fields-MAX_NUM_FORMS": "12"}
    rows = [("video", "课堂实录链接", "url", "on", ""), ("plan", "教学设计", "file", "on", ""),
            ("intro", "作者简介", "textarea", "", "on"), ("", "教学课件", "file", "", "")]
    for i, (key, label, kind, required, identifying) in enumerate(rows):
        data.update({f"fields-{i}-key": key, f"fields-{i}-label": label,
                     f"fields-{i}-kind": kind, f"fields-{i}-required": required,
                     f"fields-{i}-identifying": identifying, f"fields-{i}-help": ""})
    data["fields-2-DELETE"] = "on"
    response = client.post(url, data)
    assert response.status_code == 302
    competition.refresh_from_db()
    assert [(f["key"], f["label"], f["required"]) for f in competition.entry_fields] == [
        ("video", "课堂实录链接", True), ("plan", "教学设计", True), ("f1", "教学课件", False)]


def test_groups_and_opening_from_the_hub(world, client):
    competition, _ = competition_with_group(status="draft")
    _client(client, staff(world))
    response = client.post(reverse("review:group_create", args=[competition.pk]), {
        "name": "小学数学组", "stage": "primary", "quota_per_school": "", "position": "2",
        "code_prefix": ""}, follow=True)
    assert _messages(response) == ["已添加组别「小学数学组」。"]
    assert list(competition.groups.values_list("name", "code_prefix")) == [
        ("初中数学组", "A"), ("小学数学组", "B")]
    response = client.post(reverse("review:competition_transition", args=[competition.pk]),
                           {"to": "open"}, follow=True)
    assert _messages(response) == ["评比活动已转为「报名中」。"]
    assert response.context["competition"].status == "open"


def test_the_hub_counts_entries_per_group_in_the_viewers_scope(world, client):
    competition, group = competition_with_group(quota=3)
    recommended(world.teacher_a, group, school_admin(world))
    submitted(world.teacher_b, group, "城西课例")
    entry_create(actor=TeacherFactory(school=world.school_a).user, group=group,
                 data=full_input("草稿"))
    url = reverse("review:competition_detail", args=[competition.pk])
    counts = _client(client, staff(world)).get(url).context["groups"][0]
    assert (counts.total, counts.counts["submitted"], counts.counts["recommended"],
            counts.counts["draft"]) == (2, 1, 1, 0)
    counts = _client(client, school_admin(world)).get(url).context["groups"][0]
    assert (counts.total, counts.counts["submitted"], counts.counts["recommended"]) == (1, 0, 1)
    teacher_page = _client(client, world.teacher_b.user).get(url)
    assert (teacher_page.context["sees_entries"], teacher_page.context["can_enter"]) == (
        False, True)


def test_a_draft_competition_is_hidden_from_teachers(world, client):
    competition, _ = competition_with_group(status="draft")
    url = reverse("review:competition_detail", args=[competition.pk])
    assert _client(client, world.teacher_a.user).get(url).status_code == 404
    assert _client(client, staff(world)).get(url).status_code == 200


# --- the teacher ------------------------------------------------------------------------------------


def test_teacher_submits_an_entry_with_a_file(world, client):
    competition, group = competition_with_group()
    _client(client, world.teacher_a.user)
    mine = client.get(reverse("review:my_entries"))
    assert [c.name for c in mine.context["competitions"]] == [competition.name]
    response = client.post(reverse("review:entry_create", args=[competition.pk]), {
        "group": group.pk, "title": "函数的概念", "co_authors": "B0001",
        "field_video": "https://video.example.cn/1", "field_intro": "", "field_plan": pdf(),
        "action": "submit"}, follow=True)
    entry = Entry.objects.get()
    assert _messages(response) == ["作品已提交，编号 A0001，等待学校推荐。"]
    assert (entry.status, list(entry.co_authors.all())) == (E.SUBMITTED, [world.teacher_b])
    page = _text(response)
    assert "函数的概念-教学设计.pdf" in page and "李秋华（城西中学）" in page
    mine = client.get(reverse("review:my_entries"))
    assert [(e.code, e.get_status_display()) for e in mine.context["entries"]] == [
        ("A0001", "待学校推荐")]


def test_wrong_file_content_is_shown_and_nothing_saved(world, client):
    competition, group = competition_with_group()
    _client(client, world.teacher_a.user)
    response = client.post(reverse("review:entry_create", args=[competition.pk]), {
        "group": group.pk, "title": "函数的概念", "field_video": "https://v.example.cn/1",
        "field_plan": not_a_pdf(), "action": "save"})
    assert response.status_code == 200
    assert response.context["form"].non_field_errors() == [
        "「教学设计」：「教学设计.pdf」不是 PDF、Word（.docx）、PowerPoint（.pptx）、Excel（.xlsx）、"
        "JPG 或 PNG 文件（按文件内容判断，与扩展名无关）。"]
    assert (Entry.objects.count(), EntryFile.objects.count()) == (0, 0)


def test_another_teacher_gets_not_found_and_a_co_author_may_not_edit(world, client):
    _, group = competition_with_group()
    entry = entry_create(actor=world.teacher_a.user, group=group,
                         data=full_input(co_authors="B0001"), submit=True)
    stranger = TeacherFactory(school=world.school_a).user
    edit = reverse("review:entry_edit", args=[entry.pk])
    assert _client(client, stranger).get(edit).status_code == 404
    assert client.post(reverse("review:entry_withdraw", args=[entry.pk])).status_code == 404
    co_author = _client(client, world.teacher_b.user)
    assert co_author.get(reverse("review:entry_detail", args=[entry.pk])).status_code == 200
    assert co_author.get(edit).status_code == 403
    assert Entry.objects.get().status == E.SUBMITTED


def test_a_draft_is_its_authors_alone(world, client):
    _, group = competition_with_group()
    entry = entry_create(actor=world.teacher_a.user, group=group, data=full_input())
    url = reverse("review:entry_detail", args=[entry.pk])
    assert _client(client, school_admin(world)).get(url).status_code == 404
    assert _client(client, staff(world)).get(url).status_code == 404
    page = _client(client, world.teacher_a.user).get(url)
    assert (page.context["moves"], page.context["entry"].code) == (
        AuthorMoves(edit=True, withdraw=True, restore=False), "")


def test_buttons_follow_the_services_once_the_review_has_started(world, client):
    competition, group = competition_with_group()
    entry = submitted(world.teacher_a, group)
    url = reverse("review:entry_detail", args=[entry.pk])
    page = _client(client, world.teacher_a.user).get(url)
    assert page.context["moves"] == AuthorMoves(edit=False, withdraw=True, restore=False)
    Competition.objects.filter(pk=competition.pk).update(status=CompetitionStatus.REVIEWING)
    page = client.get(url)
    assert page.context["moves"] == AuthorMoves(edit=False, withdraw=False, restore=False)
    assert 'data-testid="withdraw"' not in page.content.decode()


def test_returned_entry_shows_the_reason_and_is_resubmitted(world, client):
    _, group = competition_with_group()
    entry = submitted(world.teacher_a, group)
    _client(client, school_admin(world)).post(
        reverse("review:entry_decide", args=[entry.pk]),
        {"action": "return", "reason": "视频链接无法打开"})
    _client(client, world.teacher_a.user)
    page = client.get(reverse("review:entry_edit", args=[entry.pk]))
    assert "退回原因：视频链接无法打开" in _text(page)
    response = client.post(reverse("review:entry_edit", args=[entry.pk]), {
        "title": "函数的概念", "field_video": "https://video.example.cn/2", "action": "submit"},
        follow=True)
    assert _messages(response) == ["作品已提交，编号 A0001，等待学校推荐。"]
    entry.refresh_from_db()
    assert (entry.status, entry.form_data["video"]) == (E.SUBMITTED, "https://video.example.cn/2")


# --- the school and the centre -------------------------------------------------------------------------


def test_school_page_shows_the_quota_and_recommends(world, client):
    competition, group = competition_with_group(quota=2)
    first = submitted(world.teacher_a, group)
    submitted(world.teacher_b, group, "城西课例")
    _client(client, school_admin(world))
    url = reverse("review:school_entries", args=[competition.pk])
    page = client.get(url)
    [row] = page.context["groups"]
    assert ([e.code for e in row.entries], row.used, row.left) == (["A0001"], 0, 2)
    response = client.post(reverse("review:entry_decide", args=[first.pk]),
                           {"action": "recommend", "next": url}, follow=True)
    assert _messages(response) == ["A0001：已推荐。"]
    assert "已推荐 1 / 2 件，还可推荐 1 件" in _text(response)
    Competition.objects.filter(pk=competition.pk).update(
        recommend_closes=timezone.now() - timedelta(hours=1))
    closed = _text(client.get(url))
    assert "已推荐 1 / 2 件" in closed and "还可推荐" not in closed


def test_school_admin_acting_on_another_schools_entry_gets_not_found(world, client):
    competition, group = competition_with_group()
    other = submitted(world.teacher_b, group)
    _client(client, school_admin(world))
    response = client.post(reverse("review:entry_decide", args=[other.pk]),
                           {"action": "recommend"})
    assert response.status_code == 404
    other_school = reverse("review:school_entries", args=[competition.pk]) + \
        f"?school={world.school_b.pk}"
    assert client.get(other_school).status_code == 404
    assert Entry.objects.get().status == E.SUBMITTED


def test_over_quota_is_refused_with_the_message(world, client):
    competition, group = competition_with_group(quota=1)
    recommended(TeacherFactory(school=world.school_a), group, school_admin(world))
    second = submitted(world.teacher_a, group, "第二件")
    response = _client(client, school_admin(world)).post(
        reverse("review:entry_decide", args=[second.pk]), {"action": "recommend"}, follow=True)
    assert _messages(response) == ["A0002：本校在「初中数学组」已推荐 1 件，达到每校 1 件的上限。"]


def test_check_page_highlights_missing_and_accepts_complete_ones(world, client):
    competition, group = competition_with_group(quota=3)
    entries = [recommended(TeacherFactory(school=world.school_a), group, school_admin(world),
                           f"课例{i}") for i in range(3)]
    EntryFile.objects.filter(entry=entries[1]).delete()
    _client(client, staff(world))
    url = reverse("review:check_list", args=[competition.pk])
    page = client.get(url)
    assert [(r.entry.code, r.missing) for r in page.context["rows"]] == [
        ("A0001", []), ("A0002", ["教学设计"]), ("A0003", [])]
    assert "材料完整的 2 件全部通过" in _text(page)
    response = client.post(reverse("review:check_accept_complete", args=[competition.pk]),
                           {"next": url}, follow=True)
    assert _messages(response) == ["已审查通过 2 件。1 件材料不完整，未处理：A0002。"]
    assert [r.entry.code for r in response.context["rows"]] == ["A0002"]


def test_school_admins_and_teachers_cannot_check(world, client):
    competition, _ = competition_with_group()
    url = reverse("review:check_list", args=[competition.pk])
    for user in (school_admin(world), world.teacher_a.user, world.users[str(Role.LEADER)]):
        assert _client(client, user).get(url).status_code == 403


# --- files and lists ---------------------------------------------------------------------------------------


def test_file_download_by_scope(world, client):
    _, group = competition_with_group()
    entry = submitted(world.teacher_a, group)
    url = reverse("review:entry_file", args=[EntryFile.objects.get(entry=entry).pk])
    response = _client(client, school_admin(world)).get(url)
    assert (response.status_code, response["Content-Type"]) == (200, "application/pdf")
    assert response["Content-Disposition"].endswith(
        "%E5%87%BD%E6%95%B0%E7%9A%84%E6%A6%82%E5%BF%B5-%E6%95%99%E5%AD%A6%E8%AE%BE%E8%AE%A1.pdf")
    other_admin = grant(UserFactory(username="admin-b"), Role.SCHOOL_ADMIN,
                        school=world.school_b)
    assert _client(client, other_admin).get(url).status_code == 404
    assert _client(client, world.users[str(Role.JUDGE)]).get(url).status_code == 404


def test_entry_list_export_filtered_by_group_and_scoped(world, client):
    competition, group = competition_with_group()
    other_group = group.__class__.objects.create(competition=competition, name="小学数学组",
                                                 code_prefix="B")
    submitted(world.teacher_a, group)
    submitted(world.teacher_b, group, "城西课例")
    submitted(TeacherFactory(school=world.school_a, name="王丽"), other_group, "小学课例")
    url = reverse("review:entry_list") + f"?format=xlsx&group={group.pk}"
    frame = pl.read_excel(io.BytesIO(_client(client, staff(world)).get(url).content),
                          engine="calamine")
    assert frame.select("编号", "作品名称", "第一作者", "学校", "状态").rows() == [
        ("A0001", "函数的概念", "张晓明", "城东实验学校", "待学校推荐"),
        ("A0002", "城西课例", "李秋华", "城西中学", "待学校推荐")]
    page = _client(client, school_admin(world)).get(reverse("review:entry_list"))
    assert [row["cells"][0]["text"] for row in page.context["table"]["rows"]] == [
        "A0001", "B0001"]


def test_entry_list_queries_do_not_grow_with_rows(world, client):
    _, group = competition_with_group(quota=5)
    _client(client, staff(world))
    counts = []
    for total in (1, 4):
        while Entry.objects.count() < total:
            submitted(TeacherFactory(school=SchoolFactory()), group, f"课例{Entry.objects.count()}")
        client.get(reverse("review:entry_list"))
        with CaptureQueriesContext(connection) as queries:
            response = client.get(reverse("review:entry_list"))
        assert len(response.context["table"]["rows"]) == total
        counts.append(len(queries))
    assert counts[0] == counts[1] <= 14, counts


def test_school_page_queries_do_not_grow_with_entries(world, client):
    competition, group = competition_with_group(quota=5)
    _client(client, school_admin(world))
    url = reverse("review:school_entries", args=[competition.pk])
    counts = []
    for total in (1, 4):
        while Entry.objects.count() < total:
            submitted(TeacherFactory(school=world.school_a), group,
                      f"课例{Entry.objects.count()}")
        client.get(url)
        with CaptureQueriesContext(connection) as queries:
            page = client.get(url)
        [row] = page.context["groups"]
        assert [len(e.decisions) for e in row.entries] == [3] * total
        counts.append(len(queries))
    assert counts[0] == counts[1], counts


def test_in_review_the_edit_page_saves_the_awards(world, client):
    competition, _ = competition_with_group(status="reviewing")
    _client(client, staff(world))
    url = reverse("review:competition_edit", args=[competition.pk])
    page = client.get(url)
    data = {name: field.value() if field.value() is not None else ""
            for name, field in ((f.name, f) for f in page.context["form"])}
    data["entry_opens"] = page.context["form"]["entry_opens"].value().strftime("%Y-%m-%dT%H:%M")
    data["entry_closes"] = page.context["form"]["entry_closes"].value().strftime(
        "%Y-%m-%dT%H:%M")
    data.update({"tiers-TOTAL_FORMS": "1", "tiers-INITIAL_FORMS": "0",
                 "tiers-0-name": "一等奖", "tiers-0-min_score": "92"})
    data["award_method"] = "bands"
    response = client.post(url, data, follow=True)
    assert _messages(response) == ["评比活动已保存。"]
    competition.refresh_from_db()
    assert competition.award_tiers == [{"name": "一等奖", "min_score": "92"}]
