"""小题分 in the web application: the upload and its refusals, the stored item analysis against
hand-computed figures, the 小题分析 page and downloads, and who sees which school.

The exam is tests/quality_web/item_data.golden_exam: the golden item sheet of
tests/quality/test_items.py (数学) with s1–s4 in 城东实验学校 and s5, s7 present in 城西中学.
The district figures are the golden ones (tests/quality/data/golden_items.md). By hand:

城东实验学校 (s1–s4, totals 19 14 12 10; k = round(0.27·4) = 1: upper s1, lower s4)
| item | Σ | difficulty | D | item–rest r | flags |
| 1 (2) | 6 | 6/8 = 3/4 | (2−1)/2 = 1/2 | 2.5/√(1·38.75) = 10/√620 | 偏易, 很好 |
| 2 (3) | 9 | 9/12 = 3/4 | (3−1)/3 = 2/3 | 4.5/√(2.75·33) = 18/√1452 | 偏易, 很好 |
| 3 (5) | 14 | 14/20 = 7/10 (boundary: 适中) | (5−2)/5 = 3/5 | 9.5/√(5·20.75) = 38/√1660 | 适中, 很好 |
| 4 (4) | 16 | 1 | 0 | none: every score 4 | 偏易, 差 |
| 5 (10) | 10 | 1/4 | (5−2)/10 = 3/10 | 6.5/√(13·18.75) = 26/√3900 | 偏难, 良好 |
α: item variances 1/4, 2.75/4, 5/4, 0, 13/4 (Σ 21.75/4), total variance 44.75/4:
α = 5/4 · (1 − 21.75/44.75) = 115/179.

城西中学 (s5 = 9, s7 = 7; k = 1: upper s5, lower s7)
| item | Σ | difficulty | D | r | flags |
| 1 | 2 | 1/2 | 0 | none | 适中, 差 |
| 2 | 1 | 1/6 | 1/3 | 1 | 偏难, 良好 |
| 3 | 6 | 3/5 | 0 | none | 适中, 差 |
| 4 | 7 | 7/8 | 1/4 | 1 | 偏易, 需修改 |
| 5 | 0 | 0 | 0 | none | 偏难, 差 |
α: item variances 0, 1/4, 0, 1/4, 0; total variance 1: α = 5/4 · (1 − 1/2) = 5/8.
"""

import copy
import io
from datetime import UTC, datetime

import polars as pl
import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from tests.quality.helpers import assert_rows
from tests.quality.test_items import EXPECTED, SHEET
from tests.quality_web.exam_data import new_exam
from tests.quality_web.item_data import CHINESE, GOLDEN_SHEETS, golden_exam, item_book
from yanxun.core.models import AuditLog
from yanxun.quality import item_scores
from yanxun.quality.models import Exam, ExamItem, ExamTable, ItemScores
from yanxun.quality.scores_io import InputError

SCHOOL_A = [
    {"item": "1", "full_mark": 2, "n": 4, "mean": "3/2", "difficulty": "3/4",
     "discrimination": "1/2", "item_rest_r": "10/sqrt(620)", "difficulty_flag": "偏易",
     "discrimination_flag": "很好"},
    {"item": "2", "full_mark": 3, "n": 4, "mean": "9/4", "difficulty": "3/4",
     "discrimination": "2/3", "item_rest_r": "18/sqrt(1452)", "difficulty_flag": "偏易",
     "discrimination_flag": "很好"},
    {"item": "3", "full_mark": 5, "n": 4, "mean": "7/2", "difficulty": "7/10",
     "discrimination": "3/5", "item_rest_r": "38/sqrt(1660)", "difficulty_flag": "适中",
     "discrimination_flag": "很好"},
    {"item": "4", "full_mark": 4, "n": 4, "mean": "4", "difficulty": "1", "discrimination": "0",
     "item_rest_r": None, "difficulty_flag": "偏易", "discrimination_flag": "差"},
    {"item": "5", "full_mark": 10, "n": 4, "mean": "5/2", "difficulty": "1/4",
     "discrimination": "3/10", "item_rest_r": "26/sqrt(3900)", "difficulty_flag": "偏难",
     "discrimination_flag": "良好"},
]
SCHOOL_B = [
    {"item": "1", "n": 2, "difficulty": "1/2", "discrimination": "0", "item_rest_r": None,
     "difficulty_flag": "适中", "discrimination_flag": "差"},
    {"item": "2", "n": 2, "difficulty": "1/6", "discrimination": "1/3", "item_rest_r": "1",
     "difficulty_flag": "偏难", "discrimination_flag": "良好"},
    {"item": "3", "n": 2, "difficulty": "3/5", "discrimination": "0", "item_rest_r": None,
     "difficulty_flag": "适中", "discrimination_flag": "差"},
    {"item": "4", "n": 2, "difficulty": "7/8", "discrimination": "1/4", "item_rest_r": "1",
     "difficulty_flag": "偏易", "discrimination_flag": "需修改"},
    {"item": "5", "n": 2, "difficulty": "0", "discrimination": "0", "item_rest_r": None,
     "difficulty_flag": "偏难", "discrimination_flag": "差"},
]


def _import(world, exam, folder, sheets, name="小题分.xlsx"):
    path = item_book(folder / "items.xlsx", sheets)
    return item_scores.item_scores_import(actor=world.users["trainer"], exam=exam, upload=path,
                                          original_name=name)


def _stored_items(exam):
    return list(ExamItem.objects.filter(exam=exam).order_by("subject__position", "position")
                .values_list("subject__name", "label", "position", "full_mark"))


def _stored_scores(exam, subject):
    return dict(ItemScores.objects.filter(student__exam=exam, subject__name=subject)
                .values_list("student__exam_no", "points"))


def _snapshot(exam):
    tables = sorted((t.name, t.school_id or 0, str(t.rows))
                    for t in ExamTable.objects.filter(exam=exam))
    return (_stored_items(exam), _stored_scores(exam, "数学"), _stored_scores(exam, "语文"),
            tables, AuditLog.objects.count())


def _table(exam, subject, school=None):
    return ExamTable.objects.get(exam=exam, name=f"items:{subject}", school=school).rows[0]


@pytest.fixture
def exam(world, tmp_path):
    exam = golden_exam(world, tmp_path)
    _import(world, exam, tmp_path, GOLDEN_SHEETS)
    return exam


# --- the import ----------------------------------------------------------------------------


def test_upload_writes_items_and_item_scores_exactly(world, tmp_path):
    exam = golden_exam(world, tmp_path, analyse=False)
    counts = _import(world, exam, tmp_path, GOLDEN_SHEETS)
    assert counts == {"数学": 6, "语文": 7}
    assert [(s, label, p, float(full)) for s, label, p, full in _stored_items(exam)] == [
        ("数学", "1", 0, 2.0), ("数学", "2", 1, 3.0), ("数学", "3", 2, 5.0), ("数学", "4", 3, 4.0),
        ("数学", "5", 4, 10.0), ("语文", "一", 0, 4.0), ("语文", "二", 1, 6.0)]
    # hundredths of a point; s6 (缺考) and s8 (作弊) have no row, s7's empty cell is 0
    assert _stored_scores(exam, "数学") == {
        "s1": [200, 300, 500, 400, 500], "s2": [100, 200, 400, 400, 300],
        "s3": [200, 300, 300, 400, 0], "s4": [100, 100, 200, 400, 200],
        "s5": [100, 100, 300, 400, 0], "s7": [100, 0, 300, 300, 0]}
    assert _stored_scores(exam, "语文") == {
        "s1": [400, 600], "s2": [300, 500], "s3": [300, 400], "s4": [200, 300],
        "s5": [200, 400], "s6": [100, 300], "s8": [400, 500]}
    audit = AuditLog.objects.get(action="quality.item_scores_import")
    assert audit.after == {"file": "小题分.xlsx", "subjects": {
        "数学": {"items": 5, "students": 6}, "语文": {"items": 2, "students": 7}}}
    # Not analysed yet: the item tables come with the analysis.
    assert not ExamTable.objects.filter(exam=exam, name__startswith="items:").exists()


def test_analysing_stores_the_item_tables(world, tmp_path):
    from yanxun.quality import services
    from yanxun.quality.enums import ExamStatus

    exam = golden_exam(world, tmp_path, analyse=False)
    _import(world, exam, tmp_path, GOLDEN_SHEETS)
    services.exam_transition(exam, ExamStatus.ANALYSING)
    services.exam_analyse(exam_id=exam.pk)
    tables = sorted((t.name, t.school_id or 0) for t in
                    ExamTable.objects.filter(exam=exam, name__startswith="items:"))
    a, b = world.school_a.pk, world.school_b.pk
    assert tables == sorted([("items:数学", 0), ("items:数学", a), ("items:数学", b),
                             ("items:语文", 0), ("items:语文", a), ("items:语文", b)])
    assert_rows(_table(exam, "数学")["items"], EXPECTED)


def test_district_and_school_figures_against_the_hand_computation(world, exam):
    """Items reach an analysed exam: its item tables are recomputed at once."""
    district = _table(exam, "数学")
    assert_rows(district["items"], EXPECTED)
    assert_rows([district["paper"]], [{"subject": "数学", "n": 6, "items": 5,
                                       "alpha": "82/109"}])
    school_a = _table(exam, "数学", world.school_a)
    assert_rows(school_a["items"], SCHOOL_A)
    assert_rows([school_a["paper"]], [{"n": 4, "items": 5, "alpha": "115/179"}])
    school_b = _table(exam, "数学", world.school_b)
    assert_rows(school_b["items"], SCHOOL_B)
    assert_rows([school_b["paper"]], [{"n": 2, "items": 5, "alpha": "5/8"}])


def test_a_new_workbook_replaces_its_subjects_only(world, exam, tmp_path):
    before = _stored_scores(exam, "数学")
    chinese = [["考号", "阅读", "作文"], ["满分", 5, 5],
               ["s1", 5, 5], ["s2", 4, 4], ["s3", 3, 4], ["s4", 2, 3], ["s5", 3, 3],
               ["s6", 2, 2], ["s8", 4, 5]]
    assert _import(world, exam, tmp_path, {"语文": chinese}) == {"语文": 7}
    assert _stored_scores(exam, "数学") == before
    assert _stored_scores(exam, "语文")["s1"] == [500, 500]
    assert [label for s, label, _, _ in _stored_items(exam) if s == "语文"] == ["阅读", "作文"]
    assert [r["item"] for r in _table(exam, "语文")["items"]] == ["阅读", "作文"]
    assert_rows(_table(exam, "数学")["items"], EXPECTED)


def _sheet(rows_changed: dict[int, list]) -> dict[str, list]:
    sheet = copy.deepcopy(SHEET)
    for index, row in rows_changed.items():
        sheet[index] = row
    return {"数学": sheet}


REFUSALS = {
    "unknown subject sheet": (
        {"数学": SHEET, "物理": CHINESE},
        "小题分.xlsx「物理」工作表：本考试没有科目「物理」；工作表名应为科目名（数学、语文）"),
    "unknown 考号": (
        _sheet({2: ["x1", "甲", 2, 3, 5, 4, 5], 5: ["x2", "丁", 1, 1, 2, 4, 2]}),
        "小题分.xlsx：以下考号不是本考试的考生：「数学」工作表第 3 行「x1」、「数学」工作表第 6 行「x2」"),
    "item above its full mark": (
        _sheet({3: ["s2", "乙", 3, 2, 4, 4, 1]}),
        "小题分.xlsx「数学」工作表：第 4 行，「1」列（C 列）：「3」应为 0 到 2 之间的分数，最多两位小数"),
    "full marks not adding up": (
        _sheet({1: ["满分", None, 2, 3, 5, 4, 9]}),
        "小题分.xlsx「数学」工作表：各小题满分合计 23 分，与「数学」的满分 24 分不符"),
    "sums not matching": (
        _sheet({3: ["s2", "乙", 1, 2, 4, 4, 4], 7: ["s6", "己", 1, None, None, None, None],
                8: ["s7", "庚", None, None, None, None, None]}),
        "小题分.xlsx：3 处小题合计与已导入的成绩不符，请核对后重新上传："
        "「数学」工作表第 4 行，考号 s2，小题合计 15，成绩 14；"
        "「数学」工作表第 8 行，考号 s6，小题合计 1，成绩 缺考；"
        "「数学」工作表第 9 行，考号 s7，小题合计 无（空白或缺考等），成绩 7"),
    "考号 twice": (
        _sheet({4: ["s2", "丙", 2, 3, 3, 4, 0]}),
        "小题分.xlsx「数学」工作表：第 5 行：考号「s2」与第 4 行重复"),
}


@pytest.mark.parametrize("case", list(REFUSALS))
def test_a_bad_workbook_is_refused_and_changes_nothing(world, exam, tmp_path, case):
    sheets, message = REFUSALS[case]
    before = _snapshot(exam)
    with pytest.raises(InputError) as error:
        _import(world, exam, tmp_path, sheets)
    assert str(error.value) == message
    assert _snapshot(exam) == before


def test_many_unknown_students_are_listed_up_to_twenty(world, exam, tmp_path):
    sheet = SHEET[:2] + [[f"x{i:02d}", "", 0, 0, 0, 0, 0] for i in range(25)]
    with pytest.raises(InputError) as error:
        _import(world, exam, tmp_path, {"数学": sheet})
    message = str(error.value)
    assert message.count("「数学」工作表第") == 20
    assert message.endswith("「数学」工作表第 22 行「x19」等 25 处")


def test_a_purged_exam_and_an_exam_without_students_are_refused(world, exam, tmp_path):
    Exam.objects.filter(pk=exam.pk).update(purged_at=datetime(2030, 1, 1, tzinfo=UTC))
    exam.refresh_from_db()
    before = _snapshot(exam)
    with pytest.raises(ValidationError) as error:
        _import(world, exam, tmp_path, GOLDEN_SHEETS)
    assert error.value.messages == [
        "考试「2026 小题分析测试」的学生明细已按保存期限删除，不能再导入小题分。"]
    assert _snapshot(exam) == before
    empty = new_exam(world.users["admin"], name="空考试")
    with pytest.raises(ValidationError) as error:
        _import(world, empty, tmp_path, GOLDEN_SHEETS)
    assert error.value.messages == ["考试「空考试」还没有导入成绩（没有考生），请先导入成绩再导入小题分。"]
    assert not ExamItem.objects.filter(exam=empty).exists()


def test_reimporting_scores_drops_the_item_scores(world, exam, tmp_path):
    from tests.quality_web.exam_data import write_csv
    from tests.quality_web.item_data import GOLDEN_CSV
    from yanxun.quality import services

    admin = world.users["admin"]
    services.scores_stage(actor=admin, exam=exam, upload=write_csv(tmp_path, GOLDEN_CSV),
                          original_name="scores.csv")
    services.scores_write(actor=admin, exam=exam)
    assert not ExamItem.objects.filter(exam=exam).exists()
    assert not ItemScores.objects.exists()


# --- pages ---------------------------------------------------------------------------------


def test_upload_through_the_page(client, world, tmp_path):
    exam = golden_exam(world, tmp_path)
    client.force_login(world.users["trainer"])
    url = reverse("quality:items_upload", args=[exam.pk])
    page = client.get(url).content.decode()
    assert "每科一个工作表，工作表名为科目名" in page
    assert reverse("quality:items_template", args=[exam.pk]) in page
    data = item_book(tmp_path / "u.xlsx", GOLDEN_SHEETS).read_bytes()
    response = client.post(url, {"file": SimpleUploadedFile("九年级小题分.xlsx", data)},
                           follow=True)
    page = response.content.decode()
    assert "已导入小题分：数学 6 人、语文 7 人。小题分析已更新。" in page
    assert 'data-testid="exam-items">数学 5 题、语文 2 题<' in page
    assert reverse("quality:item_analysis", args=[exam.pk]) in page


def test_a_bad_upload_shows_the_problem_and_writes_nothing(client, world, tmp_path):
    exam = golden_exam(world, tmp_path)
    client.force_login(world.users["admin"])
    bad = _sheet({1: ["满分", None, 2, 3, 5, 4, 9]})
    data = item_book(tmp_path / "u.xlsx", bad).read_bytes()
    response = client.post(reverse("quality:items_upload", args=[exam.pk]),
                           {"file": SimpleUploadedFile("坏.xlsx", data)})
    assert response.status_code == 200
    assert ("坏.xlsx「数学」工作表：各小题满分合计 23 分，与「数学」的满分 24 分不符"
            in response.content.decode())
    assert not ExamItem.objects.exists() and not ItemScores.objects.exists()


def test_the_template_has_a_sheet_per_subject(client, world, tmp_path):
    exam = golden_exam(world, tmp_path, analyse=False)
    client.force_login(world.users["trainer"])
    response = client.get(reverse("quality:items_template", args=[exam.pk]))
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    sheets = pl.read_excel(io.BytesIO(response.content), sheet_id=0, has_header=False)
    assert list(sheets) == ["数学", "语文"]
    assert sheets["数学"].rows() == [("考号", "姓名", "学校", "班级", "1", "2", "3"),
                                   ("满分", None, None, None, None, None, None)]


def test_trainer_sees_the_district_and_picks_a_school(client, world, exam):
    client.force_login(world.users["trainer"])
    url = reverse("quality:item_analysis", args=[exam.pk])
    response = client.get(url)
    assert response.context["papers"] == ["全区：实考 6 人，5 道小题，α = 0.752"]
    assert response.context["headers"] == ["题号", "满分", "平均分", "难度", "区分度 D",
                                           "题总相关 r", "难度评价", "区分度评价"]
    first = response.context["rows"][0]
    assert (first["item"], first["cells"]) == ("1", ["2.00", "1.33", "0.667", "0.250", "0.590"])
    assert [f["label"] for f in first["flags"]] == ["适中", "尚可，需修改"]
    assert [[f["label"] for f in r["flags"]] for r in response.context["rows"][3:]] == [
        ["偏易", "差，需淘汰"], ["偏难", "很好"]]
    chart = response.context["chart"]
    assert chart["xAxis"]["data"] == ["1", "2", "3", "4", "5"]
    assert chart["series"][0]["data"] == [0.667, 0.556, 0.667, 0.958, 0.167]
    assert chart["series"][1]["data"] == [0.25, 0.667, 0.3, 0.125, 0.4]
    page = response.content.decode()
    assert world.school_a.name in page and world.school_b.name in page  # the school selector
    response = client.get(url, {"subject": "数学", "school": world.school_b.pk})
    assert response.context["papers"] == ["城西中学：实考 2 人，5 道小题，α = 0.625",
                                          "全区：实考 6 人，5 道小题，α = 0.752"]
    second = response.context["rows"][1]
    assert second["cells"] == ["3.00", "0.50", "0.167", "0.333", "1.000"]
    assert second["district"] == ["1.67", "0.556", "0.667"]
    assert response.context["chart"]["series"][2]["name"] == "全区难度"
    response = client.get(url, {"subject": "语文"})
    assert [r["item"] for r in response.context["rows"]] == ["一", "二"]


def test_school_admin_sees_own_school_beside_the_district_only(client, world, exam):
    client.force_login(world.users["school_admin"])
    url = reverse("quality:item_analysis", args=[exam.pk])
    response = client.get(url)
    assert response.context["papers"] == ["城东实验学校：实考 4 人，5 道小题，α = 0.642",
                                          "全区：实考 6 人，5 道小题，α = 0.752"]
    assert [r["cells"][2] for r in response.context["rows"]] == [
        "0.750", "0.750", "0.700", "1.000", "0.250"]
    assert response.context["rows"][3]["cells"][4] == "—"  # r undefined: every score 4
    page = response.content.decode()
    assert world.school_b.name not in page
    assert 'data-testid="item-school-form"' not in page
    assert client.get(url, {"school": world.school_b.pk}).status_code == 404
    assert client.get(url, {"school": world.school_a.pk}).status_code == 200
    teacher = world.client_for("teacher")
    assert teacher.get(url).status_code == 403


def test_reports_link_to_the_item_analysis(client, world, exam):
    client.force_login(world.users["school_admin"])
    link = reverse("quality:item_analysis", args=[exam.pk])
    page = client.get(reverse("quality:school_report",
                              args=[exam.pk, world.school_a.pk])).content.decode()
    assert f'href="{link}?school={world.school_a.pk}"' in page
    page = client.get(reverse("quality:exam_detail", args=[exam.pk])).content.decode()
    assert f'href="{link}"' in page
    assert reverse("quality:items_upload", args=[exam.pk]) not in page  # staff only


def test_report_xlsx_has_an_item_sheet_per_subject(client, world, exam):
    client.force_login(world.users["trainer"])
    response = client.get(reverse("quality:district_report_xlsx", args=[exam.pk]))
    sheets = pl.read_excel(io.BytesIO(response.content), sheet_id=0, has_header=False)
    assert list(sheets)[-2:] == ["小题分析-数学", "小题分析-语文"]
    math = sheets["小题分析-数学"].rows()
    assert math[1][0] == "数学：实考 6 人，5 道小题，α = 0.752"
    assert math[2] == ("题号", "满分", "平均分", "难度", "区分度 D", "题总相关 r", "难度评价",
                       "区分度评价")
    assert math[3][0] == "1" and math[3][6:] == ("适中", "尚可，需修改")
    # columns mixing text and numbers come back as text
    assert [float(v) for v in math[3][1:6]] == pytest.approx([2, 4 / 3, 2 / 3, 0.25,
                                                             36 / (8 * 465) ** 0.5], rel=1e-8)

    client.force_login(world.users["school_admin"])
    response = client.get(reverse("quality:school_report_xlsx",
                                  args=[exam.pk, world.school_a.pk]))
    sheets = pl.read_excel(io.BytesIO(response.content), sheet_id=0, has_header=False)
    math = sheets["小题分析-数学"].rows()
    assert math[1][0] == "数学：实考 4 人，5 道小题，α = 0.642"
    assert math[2][0] == "全区：实考 6 人，5 道小题，α = 0.752"
    assert math[3][-3:] == ("全区平均分", "全区难度", "全区区分度 D")
    assert math[4][6:8] == ("偏易", "很好")
    assert [float(v) for v in math[4][1:6] + math[4][-3:]] == pytest.approx(
        [2, 1.5, 0.75, 0.5, 10 / 620 ** 0.5, 4 / 3, 2 / 3, 0.25], rel=1e-8)
    assert world.school_b.name not in str(sheets)


def test_school_report_pdf_has_an_item_section(client, world, exam):
    from tests.core.pdf_text import read_pdf

    client.force_login(world.users["school_admin"])
    response = client.get(reverse("quality:school_report_pdf",
                                  args=[exam.pk, world.school_a.pk]))
    text = "\n".join(read_pdf(response.content).runs)
    assert "小题分析 · 数学" in text
    assert "本校：实考 4 人，5 道小题，α = 0.642；全区：实考 6 人，5 道小题，α = 0.752" in text
    assert "数学 本校各题难度与区分度" in text
    assert world.school_b.name not in text
