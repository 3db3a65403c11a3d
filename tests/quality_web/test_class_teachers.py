"""The 任课表 (class–subject–teacher table) of an exam: import, template, cell edits, and the
results per teacher it produces, from each side of the permission line.

The exam is tests/quality_web/exam_data.py (analysed):
语文 (full 100): 城东 1班 90, 60 · 城东 2班 55, 缺考 · 城西 1班 80, 作弊
数学 (full 100): 城东 1班 80, 70 · 城东 2班 60, 40 · 城西 1班 100, 50
Its 任课表 holds one row: 城东实验学校 1班 语文 — 张晓明 (A0001).
"""

import io
import math

import polars as pl
import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from tests.factories import TeacherFactory
from tests.quality_web.exam_data import analysed_exam
from yanxun.core.models import AuditLog
from yanxun.org.enums import TeacherStatus
from yanxun.quality import class_teachers, services, teacher_results
from yanxun.quality.enums import ExamStatus
from yanxun.quality.models import ClassTeacher

HEADER = "学校,班级,科目,工号,姓名\n"
A, B = "城东实验学校", "城西中学"


@pytest.fixture
def exam(world, tmp_path, settings):
    settings.DATA_DIR = tmp_path / "data"
    return analysed_exam(world, tmp_path)


@pytest.fixture
def wang(world):
    """A second teacher of school A."""
    return TeacherFactory(school=world.school_a, name="王丽", employee_no="A0002")


def _rows(exam) -> set[tuple]:
    return set(ClassTeacher.objects.filter(exam=exam).values_list(
        "school__name", "class_name", "subject__name", "teacher__employee_no"))


def _upload(client, exam, text: str, name: str = "任课表.csv"):
    return client.post(reverse("quality:class_teachers_import", args=[exam.pk]),
                       {"file": SimpleUploadedFile(name, text.encode())})


def _stored(exam, school) -> dict[tuple, dict]:
    """The stored per-teacher figures of a school: (工号, subject) → figures."""
    from yanxun.org.models import Teacher

    numbers = dict(Teacher.objects.values_list("pk", "employee_no"))
    rows = teacher_results.stored_rows(exam, [school.pk]).get(school.pk, [])
    return {(numbers[r["teacher"]], r["subject"]): r for r in rows}


# --- import ----------------------------------------------------------------------------


def test_import_previews_then_replaces_only_the_schools_in_the_file(client, world, exam, wang):
    ClassTeacher.objects.create(exam=exam, school=world.school_b, class_name="1班",
                                subject=exam.subjects.get(name="数学"), teacher=world.teacher_b)
    client.force_login(world.users["trainer"])
    text = HEADER + (f"{A},1班,语文,A0001,张晓明\n{A},1班,数学,A0002,王丽\n"
                     f"{A},2班,语文,A0001,张晓明\n{A},2班,数学,,\n")
    response = _upload(client, exam, text)
    assert response["Location"] == reverse("quality:class_teachers_confirm", args=[exam.pk])
    preview = client.get(response["Location"]).context["preview"]
    assert preview == {"original_name": "任课表.csv", "total": 4, "rows": 3, "skipped": 1,
                       "schools": [{"name": A, "before": 1, "after": 3}], "warnings": []}
    assert len(_rows(exam)) == 2  # nothing written before the confirmation

    response = client.post(reverse("quality:class_teachers_confirm", args=[exam.pk]),
                           follow=True)
    assert f"已导入任课表：{A}，共 3 条。" in response.content.decode()
    assert _rows(exam) == {(A, "1班", "语文", "A0001"), (A, "1班", "数学", "A0002"),
                           (A, "2班", "语文", "A0001"), (B, "1班", "数学", "B0001")}
    log = AuditLog.objects.get(action="quality.class_teachers_import")
    assert log.actor == world.users["trainer"]
    assert log.before == {"school": A, "rows": ["1班 语文 A0001 张晓明"]}
    assert log.after == {"school": A, "file": "任课表.csv", "rows": [
        "1班 语文 A0001 张晓明", "1班 数学 A0002 王丽", "2班 语文 A0001 张晓明"]}
    # The figures were rebuilt with the import: 张晓明 now has 1班 and 2班 (90, 60, 55).
    figures = _stored(exam, world.school_a)
    assert set(figures) == {("A0001", "语文"), ("A0002", "数学")}
    assert figures[("A0001", "语文")]["n"] == 3
    assert figures[("A0001", "语文")]["mean"] == pytest.approx(205 / 3)
    assert figures[("A0002", "数学")]["mean"] == 75.0  # 1班: 80, 70


REFUSALS = {
    "unknown subject": (f"{A},1班,物理,A0001,张晓明\n",
                        ["第 3 行「科目」「物理」不是本次考试的科目（本次考试科目：语文、数学）"]),
    "unknown class": (f"{A},3班,语文,A0001,张晓明\n",
                      ["第 3 行「班级」「3班」不是该校参加本次考试的班级（以成绩中的班级为准）"]),
    "unknown 工号": (f"{A},2班,语文,A0077,张晓明\n", ["第 3 行「工号」找不到工号为「A0077」的教师"]),
    "name mismatch": (f"{A},2班,语文,A0001,张小明\n",
                      ["第 3 行「姓名」「张小明」与工号「A0001」的教师姓名不一致"]),
    "duplicate row": (f"{A},1班,语文,A0001,张晓明\n", ["第 3 行与第 2 行重复（同一班级、科目和教师）"]),
    "unknown school": ("城北中学,1班,语文,A0001,张晓明\n",
                       ["第 3 行「学校」找不到学校「城北中学」，请填写学校全称"]),
    "name without 工号": (f"{A},2班,语文,,张晓明\n", ["第 3 行「工号」不能为空（已填写姓名）"]),
    "teacher not active": (f"{A},2班,语文,A0009,赵志远\n",
                           ["第 3 行「工号」工号「A0009」的教师赵志远不是在职教师（退休）"]),
}


@pytest.mark.parametrize("case", list(REFUSALS))
def test_each_refusal_names_row_and_column_and_changes_nothing(client, world, exam, case):
    TeacherFactory(school=world.school_a, name="赵志远", employee_no="A0009",
                   status=TeacherStatus.RETIRED)
    client.force_login(world.users["admin"])
    bad_row, messages = REFUSALS[case]
    before = _rows(exam)
    response = _upload(client, exam, HEADER + f"{A},1班,语文,A0001,张晓明\n" + bad_row)
    assert response.status_code == 200
    assert [str(e) for e in response.context["errors"]] == messages
    assert "没有写入任何数据" in response.content.decode()
    assert _rows(exam) == before
    confirm = client.get(reverse("quality:class_teachers_confirm", args=[exam.pk]))
    assert confirm["Location"] == reverse("quality:class_teachers_import", args=[exam.pk])
    errors = client.get(reverse("quality:class_teachers_errors", args=[exam.pk]))
    sheet = pl.read_excel(io.BytesIO(errors.content))
    assert sheet["错误说明"].to_list() == messages
    assert not AuditLog.objects.filter(action__startswith="quality.class_teacher").exists()


def test_a_school_admin_may_import_only_their_school(client, world, exam):
    client.force_login(world.users["school_admin"])
    before = _rows(exam)
    response = _upload(client, exam, HEADER + f"{A},2班,语文,A0001,张晓明\n"
                                              f"{B},1班,语文,B0001,李秋华\n{B},9班,物理,X,Y\n")
    # The other school's rows say nothing about its classes or subjects.
    assert [str(e) for e in response.context["errors"]] == [
        "第 3 行「学校」不在您的管理范围内：只能导入本单位的数据",
        "第 4 行「学校」不在您的管理范围内：只能导入本单位的数据"]
    assert _rows(exam) == before


def test_a_teacher_of_another_school_is_a_warning_not_an_error(client, world, exam):
    client.force_login(world.users["admin"])
    response = _upload(client, exam, HEADER + f"{A},2班,数学,B0001,李秋华\n")
    preview = client.get(response["Location"]).context["preview"]
    assert preview["warnings"] == [{"row": 2, "column": "工号", "message":
                                    "李秋华（工号 B0001）不是「城东实验学校」的教师，请确认其在该校任教"}]
    client.post(reverse("quality:class_teachers_confirm", args=[exam.pk]))
    assert _rows(exam) == {(A, "2班", "数学", "B0001")}


def test_the_staged_file_is_checked_again_at_the_confirmation(client, world, exam, wang):
    client.force_login(world.users["admin"])
    _upload(client, exam, HEADER + f"{A},2班,数学,A0002,王丽\n")
    wang.status = TeacherStatus.TRANSFERRED
    wang.save()
    response = client.post(reverse("quality:class_teachers_confirm", args=[exam.pk]),
                           follow=True)
    assert "文件「任课表.csv」现在有 1 处错误，没有写入任何数据。" in response.content.decode()
    assert _rows(exam) == {(A, "1班", "语文", "A0001")}


def test_template_lists_the_classes_and_subjects_of_the_users_schools(client, world, exam):
    client.force_login(world.users["trainer"])
    url = reverse("quality:class_teachers_template", args=[exam.pk])
    sheet = pl.read_excel(io.BytesIO(client.get(url).content), schema_overrides={
        "工号": pl.String, "姓名": pl.String})
    assert sheet.rows() == [(A, "1班", "语文", None, None), (A, "1班", "数学", None, None),
                            (A, "2班", "语文", None, None), (A, "2班", "数学", None, None),
                            (B, "1班", "语文", None, None), (B, "1班", "数学", None, None)]
    client.force_login(world.users["school_admin"])
    sheet = pl.read_excel(io.BytesIO(client.get(url).content))
    assert sheet["学校"].to_list() == [A, A, A, A]


# --- editing cells -----------------------------------------------------------------------


def test_cell_edits_are_audited_and_rebuild_the_figures(client, world, exam, wang):
    client.force_login(world.users["school_admin"])
    url = reverse("quality:class_teacher_cell", args=[exam.pk, world.school_a.pk])
    maths = exam.subjects.get(name="数学")
    page = client.get(url, {"class": "2班", "subject": maths.pk}, HTTP_HX_REQUEST="true")
    assert f'<option value="{wang.pk}">王丽（A0002）</option>' in page.content.decode()
    assert world.teacher_b.name not in page.content.decode()  # only the school's teachers

    response = client.post(url, {"class": "2班", "subject": maths.pk, "teacher": wang.pk},
                           HTTP_HX_REQUEST="true")
    assert '<span class="flex-fill text-nowrap">王丽</span>' in response.content.decode()
    link = ClassTeacher.objects.get(class_name="2班", subject=maths)
    log = AuditLog.objects.get(action="quality.class_teacher_add")
    assert (log.actor, log.object_id) == (world.users["school_admin"], str(link.pk))
    assert log.after == {"school": A, "class": "2班", "subject": "数学",
                         "employee_no": "A0002", "teacher": "王丽"}
    assert _stored(exam, world.school_a)[("A0002", "数学")]["mean"] == 50.0  # 60, 40

    response = client.post(url, {"class": "2班", "subject": maths.pk, "teacher": wang.pk},
                           HTTP_HX_REQUEST="true")
    assert "王丽已是2班数学的任课教师。" in response.content.decode()

    client.post(url, {"class": "2班", "subject": maths.pk, "remove": link.pk},
                HTTP_HX_REQUEST="true")
    assert not ClassTeacher.objects.filter(pk=link.pk).exists()
    log = AuditLog.objects.get(action="quality.class_teacher_remove")
    assert log.before == {"school": A, "class": "2班", "subject": "数学",
                          "employee_no": "A0002", "teacher": "王丽"}
    assert ("A0002", "数学") not in _stored(exam, world.school_a)


def test_cells_work_without_htmx_too(client, world, exam, wang):
    client.force_login(world.users["trainer"])
    url = reverse("quality:class_teacher_cell", args=[exam.pk, world.school_a.pk])
    chinese = exam.subjects.get(name="语文")
    response = client.post(url, {"class": "1班", "subject": chinese.pk, "teacher": wang.pk},
                           follow=True)
    assert response.redirect_chain[0][0] == f"{url}?class=1%E7%8F%AD&subject={chinese.pk}"
    assert "已保存。" in response.content.decode()
    view = client.get(url, {"class": "1班", "subject": chinese.pk, "view": "1"},
                      HTTP_HX_REQUEST="true").content.decode()
    assert ('<span class="flex-fill"><span class="text-nowrap">张晓明</span>、'
            '<span class="text-nowrap">王丽</span></span>') in view


def test_the_grid_shows_names_only(client, world, exam):
    world.teacher_a.phone = "13912345678"
    world.teacher_a.save()
    client.force_login(world.users["school_admin"])
    response = client.get(reverse("quality:class_teacher_grid", args=[exam.pk, world.school_a.pk]))
    grid = response.context["grid"]
    assert [(r["class_name"], [[link.teacher.name for link in c["links"]] for c in r["cells"]])
            for r in grid.rows()] == [("1班", [["张晓明"], []]), ("2班", [[], []])]
    page = response.content.decode()
    assert world.teacher_a.id_number not in page and "13912345678" not in page


def test_a_purged_exam_keeps_its_table(world, exam, wang):
    exam.purged_at = timezone.now()
    with pytest.raises(ValidationError) as caught:
        class_teachers.class_teacher_add(
            actor=world.users["admin"], exam=exam, school=world.school_a, class_name="2班",
            subject=exam.subjects.get(name="数学"), teacher=wang)
    assert caught.value.messages == ["该考试的学生明细已按保存期限删除，任课表不能再修改。"]


def test_a_large_school_is_refreshed_in_the_background(client, world, exam, wang, settings,
                                                       django_capture_on_commit_callbacks):
    settings.QUALITY_INLINE_REFRESH_STUDENTS = 0  # every school counts as large
    client.force_login(world.users["admin"])
    url = reverse("quality:class_teacher_cell", args=[exam.pk, world.school_a.pk])
    maths = exam.subjects.get(name="数学")
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        client.post(url, {"class": "1班", "subject": maths.pk, "teacher": wang.pk})
    assert len(callbacks) == 1
    assert teacher_results.stale_schools(exam, [world.school_a.pk]) == {world.school_a.pk}
    page = client.get(reverse("quality:class_teacher_grid", args=[exam.pk, world.school_a.pk]))
    assert ("任课表已修改，任课教师统计正在后台更新，请稍后刷新本页（如长时间未更新，请重新分析本次考试）。"
            in page.content.decode())
    teacher_results.teacher_results_refresh(exam_id=exam.pk, school_ids=[world.school_a.pk])
    assert teacher_results.stale_schools(exam, [world.school_a.pk]) == set()
    assert _stored(exam, world.school_a)[("A0002", "数学")]["mean"] == 75.0


def test_a_refresh_overtaken_by_a_newer_change_writes_nothing(world, exam, wang):
    """A refresh computed from one 任课表 is not stored once another change has landed."""
    maths = exam.subjects.get(name="数学")
    ClassTeacher.objects.create(exam=exam, school=world.school_a, class_name="1班",
                                subject=maths, teacher=wang)
    schools = [world.school_a.pk]
    links, made = teacher_results.teacher_results_compute(exam, schools)
    ClassTeacher.objects.create(exam=exam, school=world.school_a, class_name="2班",
                                subject=maths, teacher=wang)  # lands while it computed
    assert teacher_results.teacher_results_save(exam, schools, links, made) is False
    assert set(_stored(exam, world.school_a)) == {("A0001", "语文")}  # as analysed
    assert teacher_results.stale_schools(exam, schools) == {world.school_a.pk}
    links, made = teacher_results.teacher_results_compute(exam, schools)
    assert teacher_results.teacher_results_save(exam, schools, links, made) is True
    assert set(_stored(exam, world.school_a)) == {("A0001", "语文"), ("A0002", "数学")}
    assert teacher_results.stale_schools(exam, schools) == set()


# --- results per teacher -----------------------------------------------------------------


@pytest.fixture
def taught(world, exam, wang):
    """张晓明: 语文 in 城东 1班 and 2班; 王丽: 数学 in 城东 1班 and 2班; 李秋华: 语文 in 城西 1班;
    then the exam is analysed again."""
    chinese, maths = exam.subjects.get(name="语文"), exam.subjects.get(name="数学")
    ClassTeacher.objects.bulk_create([
        ClassTeacher(exam=exam, school=world.school_a, class_name="2班", subject=chinese,
                     teacher=world.teacher_a),
        ClassTeacher(exam=exam, school=world.school_a, class_name="1班", subject=maths,
                     teacher=wang),
        ClassTeacher(exam=exam, school=world.school_a, class_name="2班", subject=maths,
                     teacher=wang),
        ClassTeacher(exam=exam, school=world.school_b, class_name="1班", subject=chinese,
                     teacher=world.teacher_b),
    ])
    services.exam_transition(exam, ExamStatus.ANALYSING)
    services.exam_analyse(exam_id=exam.pk)
    exam.refresh_from_db()
    return exam


def _pstd(values: list[float]) -> float:
    mean = sum(values) / len(values)
    return math.sqrt(sum((v - mean) ** 2 for v in values) / len(values))


def test_per_teacher_figures_are_exact(world, taught):
    # District 语文: 90, 60, 55, 80 (缺考 and 作弊 excluded); 数学: 80, 70, 60, 40, 100, 50.
    chinese_mean, chinese_std = 285 / 4, _pstd([90, 60, 55, 80])
    maths_mean, maths_std = 400 / 6, _pstd([80, 70, 60, 40, 100, 50])
    school_a = _stored(taught, world.school_a)
    zhang = school_a[("A0001", "语文")]  # 90, 60, 55 and one 缺考
    assert {k: zhang[k] for k in ("classes", "n", "absent", "excluded", "max", "min",
                                  "median")} == {"classes": 2, "n": 3, "absent": 1,
                                                 "excluded": 0, "max": 90.0, "min": 55.0,
                                                 "median": 60.0}
    assert zhang["mean"] == pytest.approx(205 / 3)
    assert zhang["std"] == pytest.approx(_pstd([90, 60, 55]))
    assert (zhang["excellent_rate"], zhang["good_rate"], zhang["pass_rate"],
            zhang["low_rate"]) == pytest.approx((1 / 3, 1 / 3, 2 / 3, 0))
    assert zhang["above_mean_rate"] == pytest.approx((205 / 3 - chinese_mean) / chinese_mean)
    assert zhang["mean_ratio"] == pytest.approx((205 / 3) / chinese_mean)
    assert zhang["t_score"] == pytest.approx(50 + 10 * (205 / 3 - chinese_mean) / chinese_std)
    wang = school_a[("A0002", "数学")]  # 80, 70, 60, 40: 40 is not below the low line 40
    assert (wang["classes"], wang["n"], wang["mean"], wang["median"]) == (2, 4, 62.5, 65.0)
    assert (wang["excellent_rate"], wang["good_rate"], wang["pass_rate"],
            wang["low_rate"]) == (0.0, 0.25, 0.75, 0.0)
    assert wang["t_score"] == pytest.approx(50 + 10 * (62.5 - maths_mean) / maths_std)
    assert wang["above_mean_rate"] == pytest.approx(-0.0625)
    li = _stored(taught, world.school_b)[("B0001", "语文")]  # 80 and one 作弊
    assert (li["n"], li["excluded"], li["cheating"], li["mean"]) == (1, 1, 1, 80.0)


def test_teacher_report_shows_classes_beside_school_and_district(client, world, taught):
    client.force_login(world.users["teacher"])
    response = client.get(reverse("quality:my_teacher_report", args=[taught.pk]))
    url = reverse("quality:teacher_report", args=[taught.pk, world.teacher_a.pk])
    assert response["Location"] == url
    response = client.get(url)
    (section,) = response.context["sections"]
    assert (section["section"].subject, section["section"].school.name) == ("语文", A)
    table = [(item["line"].label, item["cells"][:2] + item["cells"][-3:])
             for item in section["lines"]]
    assert table == [
        ("本人（任教班级合计）", ["3", "68.33", "-4.09%", "0.959", "47.96"]),
        ("1班", ["2", "75.00", "5.26%", "1.053", "52.62"]),
        ("2班", ["1", "55.00", "-22.81%", "0.772", "38.64"]),
        ("本校", ["3", "68.33", "-4.09%", "0.959", "47.96"]),
        ("全区", ["4", "71.25", "—", "—", "—"]),
    ]
    assert section["chart"] == [{"name": "本人", "value": 68.33}, {"name": "1班", "value": 75.0},
                                {"name": "2班", "value": 55.0}, {"name": "本校", "value": 68.33},
                                {"name": "全区", "value": 71.25}]


def test_a_teacher_sees_only_their_own_report(client, world, taught):
    wang = ClassTeacher.objects.filter(teacher__name="王丽").first().teacher
    client.force_login(world.users["teacher"])
    for teacher in (wang, world.teacher_b):
        url = reverse("quality:teacher_report", args=[taught.pk, teacher.pk])
        assert client.get(url).status_code == 404
    url = reverse("quality:school_teachers", args=[taught.pk, world.school_a.pk])
    assert client.get(url).status_code == 404
    page = client.get(reverse("quality:teacher_report", args=[taught.pk, world.teacher_a.pk]))
    assert "王丽" not in page.content.decode() and "李秋华" not in page.content.decode()


def test_school_admin_sees_their_teachers_and_no_other_school(client, world, taught):
    client.force_login(world.users["school_admin"])
    response = client.get(reverse("quality:school_teachers", args=[taught.pk, world.school_a.pk])
                          + "?subject=数学")
    assert [(item["row"].teacher.name, item["row"].classes, item["cells"][:2])
            for item in response.context["rows"]] == [("王丽", ["1班", "2班"], ["4", "62.50"])]
    assert response.context["school_cells"][:2] == ["4", "62.50"]
    assert response.context["district_cells"][:2] == ["6", "66.67"]
    xlsx = client.get(reverse("quality:school_teachers_xlsx", args=[taught.pk, world.school_a.pk]))
    sheet = pl.read_excel(io.BytesIO(xlsx.content), has_header=False)
    assert [row[:3] for row in sheet.rows()[2:]] == [
        ("语文", "全区", None), ("语文", "本校", None), ("语文", "张晓明", "1班、2班"),
        ("数学", "全区", None), ("数学", "本校", None), ("数学", "王丽", "1班、2班")]
    assert "李秋华" not in response.content.decode()
    teacher_b = reverse("quality:teacher_report", args=[taught.pk, world.teacher_b.pk])
    for url in (reverse("quality:school_teachers", args=[taught.pk, world.school_b.pk]),
                reverse("quality:school_teachers_xlsx", args=[taught.pk, world.school_b.pk]),
                reverse("quality:class_teacher_grid", args=[taught.pk, world.school_b.pk]),
                teacher_b):
        assert client.get(url).status_code == 404, url
    cell = reverse("quality:class_teacher_cell", args=[taught.pk, world.school_b.pk])
    chinese = taught.subjects.get(name="语文")
    assert client.get(cell, {"class": "1班", "subject": chinese.pk}).status_code == 404
    assert client.post(cell, {"class": "1班", "subject": chinese.pk,
                              "remove": ClassTeacher.objects.get(school=world.school_b).pk}
                       ).status_code == 404
    assert ClassTeacher.objects.filter(school=world.school_b).count() == 1
    overview = client.get(reverse("quality:class_teachers", args=[taught.pk]))
    assert [e.school.name for e in overview.context["schools"]] == [A]


def test_center_staff_see_every_school(client, world, taught):
    client.force_login(world.users["leader"])
    response = client.get(reverse("quality:school_teachers", args=[taught.pk, world.school_b.pk]))
    assert [(item["row"].teacher.name, item["cells"][:2])
            for item in response.context["rows"]] == [("李秋华", ["1", "80.00"])]
    url = reverse("quality:teacher_report", args=[taught.pk, world.teacher_b.pk])
    assert client.get(url).context["teacher"].name == "李秋华"
    # 中心领导 read the reports but do not keep the 任课表.
    assert client.get(reverse("quality:class_teachers", args=[taught.pk])).status_code == 403


def test_teacher_and_school_teacher_reports_download_as_xlsx_and_pdf(client, world, taught):
    """The same figures as the pages: 张晓明 语文 (城东 1班 90, 60; 2班 55) mean 205/3."""
    import io

    import polars as pl

    from tests.core.pdf_text import read_pdf

    client.force_login(world.users["teacher"])
    args = [taught.pk, world.teacher_a.pk]
    data = client.get(reverse("quality:teacher_report_xlsx", args=args)).content
    sheet = pl.read_excel(io.BytesIO(data), engine="calamine", read_options={"header_row": 2})
    assert sheet["对象"].to_list() == ["本人（任教班级合计）", "1班", "2班", "本校", "全区"]
    assert sheet["平均分"].to_list()[:3] == pytest.approx([205 / 3, 75, 55], abs=1e-12)
    assert sheet["科目 · 学校"].unique().to_list() == [f"语文 · {A}"]
    text = "\n".join(read_pdf(client.get(reverse("quality:teacher_report_pdf", args=args))
                              .content).runs)
    assert f"{taught.name} {world.teacher_a.name} 任教成绩" in text and "68.33" in text
    assert "王丽" not in text
    client.force_login(world.users["school_admin"])
    response = client.get(reverse("quality:school_teachers_pdf",
                                  args=[taught.pk, world.school_a.pk]))
    text = "\n".join(read_pdf(response.content).runs)
    assert "王丽（1班、2班）" in text and "62.50" in text and "李秋华" not in text
    other = reverse("quality:school_teachers_pdf", args=[taught.pk, world.school_b.pk])
    assert client.get(other).status_code == 404
