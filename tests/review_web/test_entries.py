"""The author's side: drafts, submission with codes, returned entries, withdrawal, co-authors,
files checked by content and served by one function; each refusal changes nothing."""

from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from tests.factories import TeacherFactory
from tests.review_web.factories_entries import (
    PDF_BYTES,
    competition_with_group,
    full_input,
    not_a_pdf,
    pdf,
    pptx_bytes,
    school_admin,
    staff,
    submitted,
)
from yanxun.core.models import AuditLog
from yanxun.review.entries import (
    PPTX,
    EntryInput,
    blind_file_name,
    entry_create,
    entry_file_response,
    entry_restore,
    entry_submit,
    entry_update,
    entry_withdraw,
    resolve_co_authors,
)
from yanxun.review.enums import EntryStatus
from yanxun.review.models import Entry, EntryFile
from yanxun.review.recommend import entry_recommend, entry_return

E = EntryStatus


def _messages(exc_info) -> list[str]:
    return exc_info.value.messages


def test_a_draft_needs_only_a_title_and_has_no_code(world):
    _, group = competition_with_group()
    entry = entry_create(actor=world.teacher_a.user, group=group,
                         data=EntryInput(title=" 函数的概念 "))
    entry.refresh_from_db()
    assert (entry.status, entry.code, entry.title, entry.school_id) == (
        E.DRAFT, "", "函数的概念", world.school_a.pk)
    assert AuditLog.objects.get(action="review.entry.save").after["title"] == "函数的概念"


def test_submission_gives_codes_in_order_and_records_the_school(world):
    _, group = competition_with_group()
    now = timezone.now()
    first = submitted(world.teacher_a, group, now=now)
    second = submitted(world.teacher_b, group, "勾股定理")
    first.refresh_from_db()
    assert (first.code, first.status, first.submitted_at) == ("A0001", E.SUBMITTED, now)
    assert (second.code, second.school_id) == ("A0002", world.school_b.pk)
    group.refresh_from_db()
    assert group.last_code == 2
    stored = EntryFile.objects.get(entry=first)
    assert (stored.field_key, stored.original_name, stored.content_type, stored.size) == (
        "plan", "函数的概念-教学设计.pdf", "application/pdf", len(PDF_BYTES))
    assert stored.file.name.endswith(".pdf") and "函数" not in stored.file.name


def test_submission_with_a_required_field_missing_writes_nothing(world):
    _, group = competition_with_group()
    with pytest.raises(ValidationError) as exc:
        entry_create(actor=world.teacher_a.user, group=group, submit=True,
                     data=full_input(values={"video": ""}, uploads={}))
    assert _messages(exc) == ["以下必填材料尚未填写或上传：课堂实录链接、教学设计。"]
    assert (Entry.objects.count(), EntryFile.objects.count(), AuditLog.objects.count()) == (
        0, 0, 0)


def test_a_draft_is_submitted_later_as_saved(world):
    _, group = competition_with_group()
    entry = entry_create(actor=world.teacher_a.user, group=group,
                         data=full_input(uploads={}))
    with pytest.raises(ValidationError) as exc:
        entry_submit(actor=world.teacher_a.user, entry=entry)
    assert _messages(exc) == ["以下必填材料尚未填写或上传：教学设计。"]
    entry_update(actor=world.teacher_a.user, entry=entry, data=full_input(), submit=True)
    entry.refresh_from_db()
    assert (entry.status, entry.code) == (E.SUBMITTED, "A0001")


@pytest.mark.parametrize(("opens", "closes", "message"), [
    (timedelta(hours=2), timedelta(days=3), "报名尚未开始"),
    (timedelta(days=-3), timedelta(hours=-1), "报名已截止"),
])
def test_outside_the_entry_window_nothing_is_written(world, opens, closes, message):
    now = timezone.now()
    _, group = competition_with_group(entry_opens=now + opens, entry_closes=now + closes)
    with pytest.raises(ValidationError) as exc:
        submitted(world.teacher_a, group, now=now)
    [text] = _messages(exc)
    edge = group.competition.entry_opens if message == "报名尚未开始" else \
        group.competition.entry_closes
    stamp = f"{timezone.localtime(edge):%Y-%m-%d %H:%M}"
    assert text == (f"报名尚未开始（{stamp} 开始）。" if message == "报名尚未开始"
                    else f"报名已截止（{stamp}）。")
    assert Entry.objects.count() == 0


def test_a_draft_competition_takes_no_entries(world):
    _, group = competition_with_group(status="draft")
    with pytest.raises(ValidationError) as exc:
        submitted(world.teacher_a, group)
    assert _messages(exc) == ["评比活动筹备中，不接受报名。"]


def test_bad_url_and_wrong_file_content_are_refused_together(world):
    _, group = competition_with_group()
    with pytest.raises(ValidationError) as exc:
        entry_create(actor=world.teacher_a.user, group=group, submit=True,
                     data=full_input(values={"video": "javascript:alert(1)"},
                                     uploads={"plan": not_a_pdf()}))
    assert _messages(exc) == [
        "「课堂实录链接」应为 http:// 或 https:// 开头的网址。",
        "「教学设计」：「教学设计.pdf」不是 PDF、Word（.docx）、PowerPoint（.pptx）、Excel（.xlsx）、"
        "JPG 或 PNG 文件（按文件内容判断，与扩展名无关）。",
    ]
    assert (Entry.objects.count(), EntryFile.objects.count()) == (0, 0)


def test_slides_are_recognised_and_size_is_a_setting(world, settings):
    _, group = competition_with_group()
    data = pptx_bytes()
    entry = entry_create(actor=world.teacher_a.user, group=group, data=full_input(
        uploads={"plan": SimpleUploadedFile("课件.bin", data)}))
    assert EntryFile.objects.get(entry=entry).content_type == PPTX
    settings.REVIEW_ENTRY_FILE_MAX_BYTES = 1024 * 1024
    big = pdf("大文件.pdf", PDF_BYTES + b"0" * (1024 * 1024))
    with pytest.raises(ValidationError) as exc:
        entry_update(actor=world.teacher_a.user, entry=entry, data=full_input(
            uploads={"plan": big}))
    assert _messages(exc) == ["「教学设计」：「大文件.pdf」超过 1 MB。"]
    assert EntryFile.objects.get(entry=entry).content_type == PPTX


def test_a_new_file_replaces_the_old_one_after_the_commit(world, django_capture_on_commit_callbacks):
    _, group = competition_with_group()
    entry = entry_create(actor=world.teacher_a.user, group=group, data=full_input())
    old = EntryFile.objects.get(entry=entry)
    storage, old_name = old.file.storage, old.file.name
    with django_capture_on_commit_callbacks(execute=True):
        entry_update(actor=world.teacher_a.user, entry=entry, data=full_input(
            uploads={"plan": pdf("第二稿.pdf")}))
    assert list(EntryFile.objects.filter(entry=entry).values_list("original_name", flat=True)
                ) == ["第二稿.pdf"]
    assert not storage.exists(old_name)
    log = AuditLog.objects.filter(action="review.entry.save").latest("pk")
    assert ([f["name"] for f in log.before["files"]], [f["name"] for f in log.after["files"]]) \
        == (["函数的概念-教学设计.pdf"], ["第二稿.pdf"])


def test_another_teacher_cannot_touch_the_entry(world):
    _, group = competition_with_group()
    entry = entry_create(actor=world.teacher_a.user, group=group, data=full_input())
    for call in (lambda: entry_update(actor=world.teacher_b.user, entry=entry,
                                      data=full_input("改名")),
                 lambda: entry_submit(actor=world.teacher_b.user, entry=entry),
                 lambda: entry_withdraw(actor=world.teacher_b.user, entry=entry)):
        with pytest.raises(PermissionDenied) as exc:
            call()
        assert str(exc.value) == "只有第一作者本人可以修改、提交或撤回这件作品。"
    entry.refresh_from_db()
    assert (entry.title, entry.status) == ("函数的概念", E.DRAFT)


def test_a_returned_entry_is_corrected_after_the_window_and_keeps_its_code(world):
    _, group = competition_with_group()
    entry = submitted(world.teacher_a, group)
    entry_return(actor=school_admin(world), entry=entry, reason="教学设计缺少板书设计")
    entry.refresh_from_db()
    assert (entry.status, entry.status_reason) == (E.RETURNED, "教学设计缺少板书设计")
    after_window = group.competition.entry_closes + timedelta(days=1)
    entry_update(actor=world.teacher_a.user, entry=entry, data=full_input("函数的概念（修改稿）"),
                 submit=True, now=after_window)
    entry.refresh_from_db()
    assert (entry.status, entry.code, entry.status_reason, entry.submitted_at) == (
        E.SUBMITTED, "A0001", "", after_window)


def test_withdraw_before_recommendation_and_restore(world):
    _, group = competition_with_group()
    entry = submitted(world.teacher_a, group)
    entry_withdraw(actor=world.teacher_a.user, entry=entry, reason="重新选题")
    entry_restore(actor=world.teacher_a.user, entry=entry)
    entry.refresh_from_db()
    assert (entry.status, entry.code) == (E.DRAFT, "A0001")
    entry_submit(actor=world.teacher_a.user, entry=entry)
    entry_recommend(actor=school_admin(world), entry=entry)
    with pytest.raises(ValidationError) as exc:
        entry_withdraw(actor=world.teacher_a.user, entry=entry)
    assert _messages(exc) == ["学校已作出推荐决定，不能再撤回；如需撤回请联系学校管理员。"]
    actions = list(AuditLog.objects.filter(object_id=str(entry.pk), action__startswith=
                                           "review.entry.").exclude(action="review.entry.save")
                   .values_list("action", flat=True).order_by("pk"))
    assert actions == ["review.entry.submit", "review.entry.withdraw", "review.entry.restore",
                       "review.entry.submit", "review.entry.recommend"]


def test_the_group_changes_only_before_the_code(world):
    competition, group = competition_with_group()
    other = group.__class__.objects.create(competition=competition, name="小学数学组",
                                           code_prefix="B")
    entry = entry_create(actor=world.teacher_a.user, group=group, data=full_input())
    entry_update(actor=world.teacher_a.user, entry=entry, data=full_input(), group=other,
                 submit=True)
    entry.refresh_from_db()
    assert (entry.group_id, entry.code) == (other.pk, "B0001")
    entry_return(actor=staff(world), entry=entry, reason="请补充")
    entry.refresh_from_db()
    with pytest.raises(ValidationError) as exc:
        entry_update(actor=world.teacher_a.user, entry=entry, data=full_input(), group=group)
    assert _messages(exc) == ["作品已有编号，不能再更换组别。"]


# --- co-authors ----------------------------------------------------------------------------------


def test_co_authors_by_number_or_by_name_within_the_school(world):
    colleague = TeacherFactory(school=world.school_a, name="王丽", employee_no="A0002")
    assert resolve_co_authors(world.teacher_a, "B0001、王丽") == [world.teacher_b, colleague]
    with pytest.raises(ValidationError) as exc:
        resolve_co_authors(world.teacher_a, "李秋华, A0001, Z9999")
    assert _messages(exc) == [
        "没有找到「李秋华」：请填写本区教师的工号，或本校教师的姓名。",
        "「A0001」是第一作者本人，不必列为其他作者。",
        "没有找到「Z9999」：请填写本区教师的工号，或本校教师的姓名。",
    ]


def test_a_number_used_in_two_schools_prefers_the_lead_authors(world):
    same_school = TeacherFactory(school=world.school_a, employee_no="007")
    TeacherFactory(school=world.school_b, employee_no="007", user__username="b-007")
    assert resolve_co_authors(world.teacher_a, "007") == [same_school]
    assert resolve_co_authors(world.teacher_a, "") == []
    with pytest.raises(ValidationError) as exc:
        resolve_co_authors(world.teacher_a, "1 2 3 4 5 6")
    assert _messages(exc) == ["其他作者最多 5 人。"]


def test_co_authors_are_saved_and_audited(world):
    _, group = competition_with_group()
    entry = entry_create(actor=world.teacher_a.user, group=group,
                         data=full_input(co_authors="B0001"))
    assert list(entry.co_authors.all()) == [world.teacher_b]
    assert AuditLog.objects.get(action="review.entry.save").after["co_authors"] == [
        world.teacher_b.pk]


# --- serving files ------------------------------------------------------------------------------


def test_file_served_by_name_or_blind(world):
    _, group = competition_with_group()
    entry = submitted(world.teacher_a, group)
    entry_file = EntryFile.objects.select_related("entry__competition").get(entry=entry)
    named = entry_file_response(entry_file)
    assert named["Content-Type"] == "application/pdf"
    assert named["Content-Disposition"] == (
        "attachment; filename=\"-.pdf\"; filename*=UTF-8''%E5%87%BD%E6%95%B0%E7%9A%84%E6%A6%82"
        "%E5%BF%B5-%E6%95%99%E5%AD%A6%E8%AE%BE%E8%AE%A1.pdf")
    assert (named["X-Content-Type-Options"], named["Cache-Control"]) == ("nosniff",
                                                                        "private, no-store")
    assert b"".join(named.streaming_content) == PDF_BYTES
    blind = entry_file_response(entry_file, name=blind_file_name(entry_file))
    assert blind["Content-Disposition"] == (
        "attachment; filename=\"A0001-.pdf\"; filename*=UTF-8''A0001-%E6%95%99%E5%AD%A6%E8%AE"
        "%BE%E8%AE%A1.pdf")
