"""Student-level results: the records stored at analysis time (ranks, combination ranks,
临界生 lines), the student list and its export per role, the pseudonymous export, and the
bottom-20 % follow-up. Expected values are worked out by hand from student_data.py."""

import hashlib
import hmac
import io
from datetime import date

import polars as pl
import pytest
from django.conf import settings
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from tests.quality_web.student_data import (
    INTAKE_CSV,
    OUTCOME_CSV,
    elective_exam,
    stored_exam,
)
from yanxun.core.models import AuditLog
from yanxun.quality import engine, retention, services
from yanxun.quality.enums import ExamStatus
from yanxun.quality.models import ExamStudent, ExamTable, StudentResults
from yanxun.quality.students import (
    BOTTOM_FOLLOWUP,
    FIELDS,
    bottom_followup,
    pseudonym,
    school_frame,
)


@pytest.fixture
def exam(world, tmp_path):
    return elective_exam(world, tmp_path)


SUBJECTS = ["语文", "数学", "物理", "历史", "总分"]


def _records(exam, school) -> dict[str, dict]:
    """The stored rows as {考号: {..., "scores": {subject: [points, status, rank in district,
    rank in school, 临界生 bits] (总分: then the rank within the combination)}}}."""
    out = {}
    for row in school_frame(exam, school).iter_rows(named=True):
        scores = {s: [row[f"{s}:{f}"] for f in FIELDS] for s in SUBJECTS}
        scores["总分"].append(row["总分:rank_combination"])
        out[row["exam_no"]] = {"id": row["id"], "exam_no": row["exam_no"],
                               "class": row["class"], "combination": row["combination"],
                               "scores": scores}
    return out


def _client(client, world, role):
    client.force_login(world.users[role])
    return client


def _url(exam, school, query=""):
    return reverse("quality:students", args=[exam.pk, school.pk]) + query


def _column(response, key) -> list[str]:
    return [next(c["text"] for c in row["cells"] if c["key"] == key)
            for row in response.context["table"]["rows"]]


def _sheet(response) -> pl.DataFrame:
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    return pl.read_excel(io.BytesIO(response.content), engine="calamine",
                         infer_schema_length=0)


# --- the stored records ------------------------------------------------------------------


def test_records_hold_exact_ranks_ties_combinations_and_borderline_lines(world, exam):
    a, b = _records(exam, world.school_a), _records(exam, world.school_b)
    ids = dict(ExamStudent.objects.filter(exam=exam).values_list("exam_no", "pk"))
    # [points, status, rank in district, rank in school, 临界生 bits (1 优秀 2 良好 4 合格)]
    assert a["01"] == {"id": ids["01"], "exam_no": "01", "class": "1班", "combination": "物理",
                       "scores": {"语文": [9000, 0, 1, 1, 0], "数学": [8000, 0, 2, 2, 1],
                                  "物理": [7000, 0, 3, 2, 2], "历史": [None, 5, None, None, 0],
                                  "总分": [24000, 0, 2, 1, 1, 1]}}
    assert a["02"]["combination"] == "历史"
    assert a["02"]["scores"] == {"语文": [8000, 0, 3, 2, 1], "数学": [9000, 0, 1, 1, 0],
                                 "物理": [None, 5, None, None, 0], "历史": [7000, 0, 2, 1, 2],
                                 "总分": [24000, 0, 2, 1, 1, 2]}
    assert a["03"]["scores"] == {"语文": [5850, 0, 5, 3, 4], "数学": [7000, 0, 4, 3, 2],
                                 "物理": [7200, 0, 2, 1, 2], "历史": [None, 5, None, None, 0],
                                 "总分": [20050, 0, 5, 3, 0, 3]}
    assert a["04"]["scores"] == {"语文": [None, 1, None, None, 0], "数学": [6000, 0, 6, 4, 0],
                                 "物理": [6000, 0, 4, 3, 0], "历史": [None, 5, None, None, 0],
                                 "总分": [None, 1, None, None, 0, None]}
    assert b["05"]["scores"] == {"语文": [9000, 0, 1, 1, 0], "数学": [8000, 0, 2, 1, 1],
                                 "物理": [None, 5, None, None, 0], "历史": [8000, 0, 1, 1, 1],
                                 "总分": [25000, 0, 1, 1, 1, 1]}
    assert b["06"]["scores"] == {"语文": [7000, 0, 4, 2, 2], "数学": [7000, 0, 4, 2, 2],
                                 "物理": [9000, 0, 1, 1, 0], "历史": [None, 5, None, None, 0],
                                 "总分": [23000, 0, 4, 2, 0, 2]}
    assert list(a) == ["01", "02", "03", "04"]  # class order
    assert school_frame(exam, world.school_a).columns[:5] == [
        "id", "exam_no", "class", "combination", "语文:points"]
    assert [(r.school_id, r.students) for r in StudentResults.objects.filter(exam=exam)
            .order_by("school__code")] == [(world.school_a.pk, 4), (world.school_b.pk, 2)]
    stored = str([school_frame(exam, s).rows() for s in (world.school_a, world.school_b)])
    assert "甲一" not in stored and "G001" not in stored


def test_records_agree_with_the_engines_student_ranks(world, exam):
    analysis = engine.analyze(services.scores_frame(exam), services.exam_spec(exam))
    names = analysis.spec.names
    expected = {}
    for r in analysis.student_ranks().join(
            analysis.students.select("student", "考号"), on="student").iter_rows(named=True):
        expected[(r["考号"], names[r["subject"]])] = (r["rank_district"], r["rank_school"],
                                                     r["rank_combination"])
    stored = {}
    for school in (world.school_a, world.school_b):
        for no, record in _records(exam, school).items():
            for subject, values in record["scores"].items():
                if values[1] != 5:  # a not-taken elective has no row in the engine's frame
                    stored[(no, subject)] = (values[2], values[3],
                                             values[5] if subject == "总分" else None)
    assert stored == expected


# --- the page, per role ------------------------------------------------------------------


def test_trainer_sees_names_and_ranks_sorted_by_school_rank(client, world, exam):
    response = _client(client, world, "trainer").get(_url(exam, world.school_a))
    assert _column(response, "exam_no") == ["01", "02", "03", "04"]  # ties in 考号 order
    assert _column(response, "name") == ["甲一", "甲二", "甲三", "甲四"]
    assert _column(response, "student_id") == ["G001", "G002", "G003", "G004"]
    assert _column(response, "combination") == ["物理", "历史", "物理", "物理"]
    assert _column(response, "score0") == ["90", "80", "58.5", "缺考"]
    assert _column(response, "score3") == ["未选考", "70", "未选考", "未选考"]
    assert _column(response, "score4") == ["240", "240", "200.5", "缺考"]
    assert _column(response, "rank_district") == ["2", "2", "5", ""]
    assert _column(response, "rank_school") == ["1", "1", "3", ""]
    assert _column(response, "rank_combination") == ["1", "2", "3", ""]
    assert _column(response, "rank_near") == ["优秀线", "优秀线", "", ""]


def test_focus_subject_filters_sort_and_search(client, world, exam):
    c = _client(client, world, "trainer")
    response = c.get(_url(exam, world.school_a, "?subject=数学&near=good"))
    assert _column(response, "exam_no") == ["03"]
    assert response.context["table"]["filter_count"] == 1  # the subject is not a filter
    assert _column(response, "rank_district") == ["4"]
    assert _column(response, "rank_near") == ["良好线"]
    response = c.get(_url(exam, world.school_a, "?subject=数学&sort=-rank_school"))
    assert _column(response, "exam_no") == ["04", "03", "01", "02"]
    response = c.get(_url(exam, world.school_a, "?sort=-score4"))
    assert _column(response, "exam_no") == ["01", "02", "03", "04"]  # no 总分 last
    response = c.get(_url(exam, world.school_a, "?sort=score4"))
    assert _column(response, "exam_no") == ["03", "01", "02", "04"]
    response = c.get(_url(exam, world.school_a, "?class=2班"))
    assert _column(response, "exam_no") == ["03", "04"]
    assert _column(c.get(_url(exam, world.school_a, "?q=甲二")), "exam_no") == ["02"]
    assert _column(c.get(_url(exam, world.school_a, "?q=03")), "exam_no") == ["03"]
    response = c.get(_url(exam, world.school_a, "?class=9班&subject=体育"))
    assert response.context["table"]["errors"] == ["「班级」取值无效：9班", "「排名科目」取值无效：体育"]
    assert _column(response, "exam_no") == ["01", "02", "03", "04"]


def test_leader_sees_exam_numbers_only_in_page_and_export(client, world, exam):
    c = _client(client, world, "leader")
    response = c.get(_url(exam, world.school_a))
    page = response.content.decode()
    assert [h["label"] for h in response.context["table"]["headers"]][:3] == ["考号", "班级",
                                                                              "选考组合"]
    assert "甲一" not in page and "G001" not in page
    assert "只显示考号（无权查看学生姓名与学籍号）" in page
    assert _column(c.get(_url(exam, world.school_a, "?q=甲一")), "exam_no") == []
    sheet = _sheet(c.get(_url(exam, world.school_a, "?format=xlsx")))
    assert sheet.columns[:4] == ["考号", "班级", "选考组合", "语文"]
    assert "姓名" not in sheet.columns and "学籍号" not in sheet.columns
    assert sheet["考号"].to_list() == ["01", "02", "03", "04"]
    log = AuditLog.objects.get(action="quality.students_export")
    assert log.actor == world.users["leader"]
    assert log.after == {"scope": "学校：城东实验学校", "names": False, "rows": 4,
                         "filters": {"sort": "rank_school"}}


def test_school_admin_export_has_names_and_every_subjects_ranks(client, world, exam):
    c = _client(client, world, "school_admin")
    sheet = _sheet(c.get(_url(exam, world.school_a, "?class=1班&format=xlsx")))
    assert sheet.columns == [
        "考号", "姓名", "学籍号", "班级", "选考组合", "语文", "数学", "物理", "历史", "总分",
        "语文区排名", "语文校排名", "语文临界", "数学区排名", "数学校排名", "数学临界",
        "物理区排名", "物理校排名", "物理临界", "历史区排名", "历史校排名", "历史临界",
        "总分区排名", "总分校排名", "组合内排名", "总分临界"]
    assert sheet.rows() == [
        ("01", "甲一", "G001", "1班", "物理", "90", "80", "70", "未选考", "240",
         "1", "1", None, "2", "2", "优秀线", "3", "2", "良好线", None, None, None,
         "2", "1", "1", "优秀线"),
        ("02", "甲二", "G002", "1班", "历史", "80", "90", "未选考", "70", "240",
         "3", "2", "优秀线", "1", "1", None, None, None, None, "2", "1", "良好线",
         "2", "1", "2", "优秀线")]
    log = AuditLog.objects.get(action="quality.students_export")
    assert log.after == {"scope": "学校：城东实验学校", "names": True, "rows": 2,
                         "filters": {"class": "1班", "sort": "rank_school"}}


def test_school_admin_cannot_reach_another_school_by_url_or_export(client, world, exam):
    c = _client(client, world, "school_admin")
    assert c.get(_url(exam, world.school_b)).status_code == 404
    assert c.get(_url(exam, world.school_b, "?format=xlsx")).status_code == 404
    assert c.get(reverse("quality:students_pseudonymous", args=[exam.pk])).status_code == 403
    page = c.get(_url(exam, world.school_a)).content.decode()
    assert "乙一" not in page and "城西中学" not in page
    assert not AuditLog.objects.filter(action="quality.students_export").exists()


def test_teacher_sees_the_classes_they_teach_without_names(client, world, exam):
    c = _client(client, world, "teacher")
    response = c.get(_url(exam, world.school_a))
    assert _column(response, "exam_no") == ["01", "02"]
    assert "name" not in [cell["key"] for cell in response.context["table"]["rows"][0]["cells"]]
    assert "仅含您任教的班级：1班。" in response.content.decode()
    assert c.get(_url(exam, world.school_a, "?class=2班")).context["table"]["errors"] == [
        "「班级」取值无效：2班"]
    sheet = _sheet(c.get(_url(exam, world.school_a, "?format=xlsx")))
    assert sheet["考号"].to_list() == ["01", "02"] and "姓名" not in sheet.columns
    assert c.get(_url(exam, world.school_b)).status_code == 404


def test_exam_page_links_to_the_student_lists(client, world, exam):
    page = _client(client, world, "trainer").get(
        reverse("quality:exam_detail", args=[exam.pk])).content.decode()
    assert "各校学生成绩（2 所学校）" in page
    assert reverse("quality:students_pseudonymous", args=[exam.pk]) in page
    page = _client(client, world, "school_admin").get(
        reverse("quality:exam_detail", args=[exam.pk])).content.decode()
    assert "城东实验学校 学生成绩" in page
    assert reverse("quality:students_pseudonymous", args=[exam.pk]) not in page


# --- the pseudonymous export ---------------------------------------------------------------


def _code(exam, exam_no: str) -> str:
    digest = hmac.new(settings.SECRET_KEY.encode(), f"{exam.pk}:{exam_no}".encode(),
                      hashlib.sha256)
    return digest.hexdigest()[:10]


def _csv(response) -> pl.DataFrame:
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response.content.startswith("\ufeff".encode())  # Excel reads it as UTF-8
    return pl.read_csv(io.BytesIO(response.content), infer_schema_length=0)


def test_pseudonymous_export_has_no_names_and_stable_codes(client, world, exam):
    c = _client(client, world, "leader")
    url = reverse("quality:students_pseudonymous", args=[exam.pk])
    first, second = _csv(c.get(url)), _csv(c.get(url))
    assert first.equals(second)
    assert first.columns == [
        "编号", "学校", "班级", "选考组合", "语文", "语文区排名", "语文校排名", "语文临界",
        "数学", "数学区排名", "数学校排名", "数学临界", "物理", "物理区排名", "物理校排名",
        "物理临界", "历史", "历史区排名", "历史校排名", "历史临界", "总分", "总分区排名",
        "总分校排名", "组合内排名", "总分临界"]
    assert first["编号"].to_list() == [_code(exam, n) for n in ("01", "02", "03", "04", "05",
                                                                "06")]
    assert first["编号"].to_list()[0] == pseudonym(exam, "01")
    assert first["学校"].to_list() == ["城东实验学校"] * 4 + ["城西中学"] * 2
    assert first.row(1) == (
        _code(exam, "02"), "城东实验学校", "1班", "历史", "80", "3", "2", "优秀线", "90", "1", "1",
        None, "未选考", None, None, None, "70", "2", "1", "良好线", "240", "2", "1", "2", "优秀线")
    assert first.row(2)[4:8] == ("58.5", "5", "3", "合格线")
    assert first.row(3)[4:8] == ("缺考", None, None, None)
    text = str(first.rows())
    assert not any(word in text for word in ("甲一", "乙一", "G001", "'01'"))
    logs = AuditLog.objects.filter(action="quality.students_export")
    assert [log.after for log in logs] == [{"scope": "全区（匿名）", "names": False, "rows": 6,
                                            "filters": {}}] * 2


def test_pseudonyms_differ_between_exams(world, tmp_path, exam):
    other = elective_exam(world, tmp_path, held_on=date(2027, 3, 1))
    assert pseudonym(exam, "01") != pseudonym(other, "01")
    assert len(pseudonym(exam, "01")) == 10


# --- the bottom 20 % followed from the intake exam -------------------------------------------


@pytest.fixture
def followed(world, tmp_path):
    subjects = [("语文", False), ("数学", False)]
    intake = stored_exam(world, tmp_path, INTAKE_CSV, subjects=subjects, name="八年级期末",
                         held_on=date(2025, 6, 20))
    return stored_exam(world, tmp_path, OUTCOME_CSV, subjects=subjects, name="九年级联考",
                       intake=intake)


def test_bottom_followup_is_stored_per_school_and_for_the_district(world, followed):
    tables = {t.school_id: t.rows[0] for t in
              ExamTable.objects.filter(exam=followed, name=BOTTOM_FOLLOWUP)}
    # 城东 intake 总分 100, 150, 120, 90: the bottom 20 % is I04 (90, district percentile 0);
    # matched by 学籍号 to 04, who has 150 later (percentile 3/6) and is no longer the school's
    # lowest (115). 城西 130, 110: I06 (percentile 2/6) → 06, 140 (2/6), still lowest.
    assert tables[world.school_a.pk] == {
        "school": world.school_a.pk, "n_bottom": 1, "matched": 1, "still_bottom": 0,
        "percentile_before": 0.0, "percentile_after": 0.5}
    assert tables[world.school_b.pk] == {
        "school": world.school_b.pk, "n_bottom": 1, "matched": 1, "still_bottom": 1,
        "percentile_before": pytest.approx(1 / 3), "percentile_after": pytest.approx(1 / 3)}
    assert tables[None] == {"school": None, "n_bottom": 2, "matched": 2, "still_bottom": 1,
                            "percentile_before": pytest.approx(1 / 6),
                            "percentile_after": pytest.approx(5 / 12)}


def test_value_added_page_shows_the_followup_in_scope(client, world, followed):
    response = _client(client, world, "trainer").get(
        reverse("quality:value_added", args=[followed.pk]))
    rows = response.context["bottom"].rows
    assert [(r["school_name"], r["n_bottom"], r["still_bottom"]) for r in rows] == [
        ("城东实验学校", 1, 0), ("城西中学", 1, 1), ("全区", 2, 1)]
    page = response.content.decode()
    assert "后 20% 学生跟踪（入口考试：八年级期末）" in page
    response = _client(client, world, "school_admin").get(
        reverse("quality:value_added", args=[followed.pk]))
    rows = response.context["bottom"].rows
    assert [(r["school_name"], r["matched"], r["percentile_after"]) for r in rows] == [
        ("城东实验学校", 1, 0.5), ("全区", 2, pytest.approx(5 / 12))]
    table = response.content.decode().split('data-testid="bottom-followup"')[1]
    assert "城西中学" not in table
    assert "50.00%" in table and "41.67%" in table


def test_followup_after_the_intake_exam_was_purged(client, world, followed):
    retention.exam_purge(actor=None, exam=followed.intake_exam)
    services.exam_transition(followed, ExamStatus.ANALYSING)
    services.exam_analyse(exam_id=followed.pk)
    followed.refresh_from_db()
    result = bottom_followup(world.users["trainer"], followed)
    assert (result.rows, result.error) == (
        [], "入口考试「八年级期末」的学生明细已按保留期限删除，无法跟踪后 20% 学生。")


def test_the_list_costs_the_same_queries_for_any_number_of_students(client, world, exam):
    c = _client(client, world, "trainer")
    counts = []
    for school in (world.school_a, world.school_b):  # 4 and 2 students
        with CaptureQueriesContext(connection) as queries:
            assert c.get(_url(exam, school)).status_code == 200
        counts.append(len(queries))
    assert counts[0] == counts[1]
