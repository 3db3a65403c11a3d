"""The release through the pages: awards preview and confirmation, the notice and its public
page, objections filed and answered, final publication, certificates with their public
verification, and the work-calendar page."""

from datetime import date, timedelta

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from tests.core.pdf_text import read_pdf
from tests.review_web.results_data import hand_round
from tests.training.factories_hours import PDF_BYTES, upload
from yanxun.core.models import WorkCalendarDay
from yanxun.review.awards import awards_confirm
from yanxun.review.certificates import award_certificates_issue, verify_url
from yanxun.review.enums import CompetitionStatus, ObjectionStatus, RoundStatus
from yanxun.review.models import Award, Objection, PublicNotice
from yanxun.review.notices import NoticeInput, notice_publish


def finalised(world, **fields):
    return hand_round(world, status=RoundStatus.FINALISED, **fields)


def test_awards_preview_names_the_boundary_tie_and_confirm_writes(world):
    data = finalised(world, award_tiers=[{"name": "一等奖", "share": "0.5"},
                                         {"name": "二等奖", "share": "0.5"}])
    client = world.client_for("trainer")
    url = reverse("review:awards", args=[data.competition.pk])
    html = client.get(url).content.decode()
    assert html.count("第 2 名 2 件并列，跨越「一等奖」名额线（前 2 名），均获「一等奖」") == 2
    assert "一等奖 名额 2、实得 3" in html
    response = client.post(url)
    assert response["Location"] == url
    assert sorted(Award.objects.values_list("entry__code", "tier")) == [
        ("A0001", "一等奖"), ("A0002", "一等奖"), ("A0003", "一等奖"), ("A0004", "二等奖"),
        ("B0001", "一等奖"), ("B0002", "二等奖")]


@pytest.fixture
def awarded(world):
    data = finalised(world)
    awards_confirm(actor=world.users["trainer"], competition=data.competition)
    return data


def test_notice_published_from_the_form_and_shown_publicly_without_personal_data(
        world, awarded):
    client = world.client_for("trainer")
    today = timezone.localdate()
    hub = client.get(reverse("review:competition_results", args=[awarded.competition.pk]))
    assert 'data-testid="notice-create"' in hub.content.decode()
    form = client.get(reverse("review:notice_create", args=[awarded.competition.pk]))
    assert form.context["form"].initial["title"] == f"关于{awarded.competition.name}评选结果的公示"
    response = client.post(reverse("review:notice_create", args=[awarded.competition.pk]), {
        "title": "关于2026年优质课评比结果的公示", "starts_on": today.isoformat(),
        "working_days": 5, "contact": "中学教研室 0510-12345678", "body": "现予公示。"})
    notice = PublicNotice.objects.get()
    assert response["Location"] == reverse("review:notice_detail", args=[notice.pk])
    awarded.competition.refresh_from_db()
    assert awarded.competition.status == CompetitionStatus.NOTICE
    public = Client().get(reverse("review:notice_public", args=[notice.token]))
    html = public.content.decode()
    assert [(r.tier, r.title, r.author, r.school) for r in public.context["rows"]][:2] == [
        ("一等奖", "课例A0001", "张晓明", "城东实验学校"),
        ("二等奖", "课例A0002", "李秋华", "城西中学")]
    for secret in (world.teacher_a.phone, world.teacher_a.id_number, "88.0000", ">A0001<"):
        assert secret not in html
    assert "登录后实名提出异议" in html
    api = Client().get(f"/api/review/notices/{notice.token}").json()
    assert (api["starts_on"], api["working_days"], api["accepting_objections"]) == (
        today.isoformat(), 5, True)
    assert Client().get(reverse("review:notice_public", args=["nope"])).status_code == 404


def _notice(world, data, start):
    return notice_publish(actor=world.users["trainer"], competition=data.competition,
                          data=NoticeInput(title="公示", starts_on=start, contact="电话"),
                          today=start)


def test_an_objection_is_filed_answered_and_read_by_its_filer(world, awarded):
    notice = _notice(world, awarded, timezone.localdate())
    filer = Client()
    filer.force_login(world.teacher_b.user)
    response = filer.post(reverse("review:objection_create", args=[notice.token]), {
        "entry": awarded.entries["A0001"].pk, "reason": "该课例与去年获奖课例高度相似。",
        "contact_phone": "13912345678", "evidence": [upload("对比.pdf", PDF_BYTES)]})
    objection = Objection.objects.get()
    assert response["Location"] == reverse("review:objection_detail", args=[objection.pk])
    assert objection.evidence.get().original_name == "对比.pdf"
    staff = world.client_for("trainer")
    listed = staff.get(reverse("review:objection_list")).context["table"]["rows"]
    assert [[c["text"] for c in row["cells"]][2:5] for row in listed] == [
        ["A0001", "李秋华", "139****5678"]]
    staff.post(reverse("review:objection_detail", args=[objection.pk]), {
        "decision": "dismissed", "answer": "经复核，两节课的设计与实施均不同，异议不成立。"})
    objection.refresh_from_db()
    assert objection.status == ObjectionStatus.DISMISSED
    mine = filer.get(reverse("review:my_objections")).content.decode()
    assert "答复：经复核，两节课的设计与实施均不同，异议不成立。" in mine
    detail = filer.get(reverse("review:objection_detail", args=[objection.pk]))
    assert "异议不成立" in detail.content.decode() and detail.context["form"] is None
    other = world.client_for("teacher")
    assert other.get(reverse("review:objection_detail", args=[objection.pk])).status_code == 404


def test_an_objection_the_day_after_the_period_is_refused_on_the_page(world, awarded):
    start = timezone.localdate() - timedelta(days=20)
    notice = _notice(world, awarded, start)
    assert notice.ends_on < timezone.localdate()
    client = world.client_for("teacher")
    url = reverse("review:objection_create", args=[notice.token])
    response = client.post(url, {"reason": "评分不公。"})
    assert response.status_code == 200
    assert response.context["form"].non_field_errors() == [
        f"公示期已于 {notice.ends_on.year}年{notice.ends_on.month}月{notice.ends_on.day}日 结束，"
        "不再受理异议。"]
    assert Objection.objects.count() == 0


def test_final_publication_then_certificates_with_public_verification(world, awarded,
                                                                      settings):
    settings.PUBLIC_URL = "https://yanxun.example.cn"
    start = timezone.localdate() - timedelta(days=20)
    notice = _notice(world, awarded, start)
    staff = world.client_for("trainer")
    staff.post(reverse("review:notice_final", args=[notice.pk]))
    awarded.competition.refresh_from_db()
    assert awarded.competition.status == CompetitionStatus.PUBLISHED
    staff.post(reverse("review:certificates_issue", args=[awarded.competition.pk]))
    year = timezone.localdate().year
    awards = list(Award.objects.order_by("serial"))
    assert [a.serial for a in awards] == [f"{year}-PB{n:05d}" for n in range(1, 7)]
    assert [a.entry.code for a in awards] == ["A0001", "A0002", "A0003", "A0004", "B0001",
                                              "B0002"]
    mine = awards[0]
    assert verify_url(mine.verify_code) == (
        f"https://yanxun.example.cn/review/verify/{mine.verify_code}/")
    teacher = world.client_for("teacher")
    assert "下载证书" in teacher.get(reverse("review:my_awards")).content.decode()
    pdf = teacher.get(reverse("review:award_certificate_pdf", args=[mine.pk]))
    facts = read_pdf(b"".join(pdf.streaming_content) if pdf.streaming else pdf.content)
    text = "\n".join(facts.runs)
    assert facts.pages == 1
    assert all(part in text for part in ("荣誉证书", "张晓明", mine.tier, mine.serial)), text
    other = Client()
    other.force_login(world.teacher_b.user)
    assert other.get(reverse("review:award_certificate_pdf",
                             args=[mine.pk])).status_code == 404
    hub = staff.get(reverse("review:competition_results", args=[awarded.competition.pk]))
    assert hub.context["certified"] == 6 and hub.context["published"] is True
    assert reverse("review:group_certificates_pdf", args=[awarded.maths.pk]) in \
        hub.content.decode()
    group = staff.get(reverse("review:group_certificates_pdf", args=[awarded.maths.pk]))
    group_pdf = read_pdf(b"".join(group.streaming_content) if group.streaming else group.content)
    assert group_pdf.pages == 4  # A0001–A0004, one certificate each
    check = Client().get(reverse("review:award_verify_code", args=[mine.verify_code]))
    result = check.context["result"]
    assert (result.masked_name, result.tier, result.group, result.serial) == (
        "张*明", "一等奖", "初中数学组", f"{year}-PB00001")
    assert "张晓明" not in check.content.decode()
    again = award_certificates_issue(actor=world.users["trainer"],
                                     competition=awarded.competition)
    assert again == 0


def test_certificates_wait_for_final_publication(world, awarded):
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError, match="正式发布后"):
        award_certificates_issue(actor=world.users["trainer"], competition=awarded.competition)


def test_publish_final_through_the_page_is_refused_with_an_open_objection(world, awarded):
    notice = _notice(world, awarded, timezone.localdate() - timedelta(days=20))
    Objection.objects.create(notice=notice, filed_by=world.teacher_b.user, reason="不公")
    response = world.client_for("trainer").post(reverse("review:notice_final",
                                                        args=[notice.pk]), follow=True)
    assert "还有 1 条异议未答复，请全部答复后再发布最终结果。" in response.content.decode()
    awarded.competition.refresh_from_db()
    assert awarded.competition.status == CompetitionStatus.NOTICE


def test_the_calendar_page_adds_and_removes_a_day(world):
    client = world.client_for("admin")
    response = client.post(reverse("review:calendar"), {"day": "2026-10-10", "is_workday": "1",
                                                        "note": "国庆调休"})
    assert response["Location"] == reverse("review:calendar") + "?year=2026"
    day = WorkCalendarDay.objects.get()
    assert (day.date, day.is_workday, day.note) == (date(2026, 10, 10), True, "国庆调休")
    page = client.get(reverse("review:calendar") + "?year=2026")
    assert [(d["weekday"], d["restates"]) for d in page.context["days"]] == [("周六", False)]
    client.post(reverse("review:calendar_delete", args=[day.pk]))
    assert WorkCalendarDay.objects.count() == 0


def test_the_public_award_check_refuses_unknown_codes_and_too_many_lookups(db, settings):
    from yanxun.training.certificates import VERIFY_PER_MINUTE

    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache",
                                   "LOCATION": "award-verify-limit"}}
    url = reverse("review:award_verify_code", args=["ZZZZZZZZZZZZ"])
    anyone = Client()
    unknown = anyone.get(url, REMOTE_ADDR="10.0.0.7")
    assert (unknown.status_code, unknown.context["result"].found) == (200, False)
    assert "未找到该证书，请核对验证码。" in unknown.content.decode()
    statuses = [anyone.get(url, REMOTE_ADDR="10.0.0.7").status_code
                for _ in range(VERIFY_PER_MINUTE)]
    assert statuses == [200] * (VERIFY_PER_MINUTE - 1) + [429]
    limited = anyone.get(url, REMOTE_ADDR="10.0.0.7")
    assert limited.status_code == 429
    assert "查询过于频繁，请一分钟后再试。" in limited.content.decode()
    assert "result" not in limited.context
    assert anyone.get(url, REMOTE_ADDR="10.0.0.8").status_code == 200  # its own budget
