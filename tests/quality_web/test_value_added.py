"""增值评价 stored with the analysis when an exam names its intake exam."""

import random

import pytest
from django.urls import reverse

from tests.factories import SchoolFactory
from tests.quality_web.exam_data import new_exam, write_csv
from yanxun.quality import services
from yanxun.quality.enums import ExamStatus
from yanxun.quality.models import ExamTable


def _csv(schools, rng, shift):
    lines = ["考号,学籍号,姓名,学校,班级,语文,数学"]
    number = 0
    for index, school in enumerate(schools):
        for _ in range(25):
            number += 1
            ability = rng.gauss(0, 1) + index * 0.3
            bonus = shift * (1 if index == 0 else 0)
            cells = [str(max(0, min(100, round(65 + 12 * ability + bonus + rng.gauss(0, 5)))))
                     for _ in range(2)]
            lines.append(f"{number:04d},G{number:08d},学生{number},{school.name},1班,"
                         + ",".join(cells))
    return "\n".join(lines) + "\n"


@pytest.fixture
def pair(world, tmp_path):
    admin = world.users["admin"]
    schools = [world.school_a, world.school_b, SchoolFactory(name="城南中学"),
               SchoolFactory(name="城北中学")]
    rng = random.Random(5)
    exams = []
    for name, shift in (("八年级期末", 0), ("九年级联考", 15)):
        exam = new_exam(admin, name=name)
        if exams:
            exam.intake_exam = exams[0]
            exam.save(update_fields=["intake_exam"])
        path = write_csv(tmp_path, _csv(schools, random.Random(5), shift), f"{name}.csv")
        services.scores_stage(actor=admin, exam=exam, upload=path, original_name=path.name)
        services.scores_write(actor=admin, exam=exam)
        services.exam_transition(exam, ExamStatus.ANALYSING)
        services.exam_analyse(exam_id=exam.pk)
        exam.refresh_from_db()
        exams.append(exam)
    del rng
    return exams


def test_value_added_is_stored_per_subject_and_total(pair):
    outcome = pair[1]
    names = sorted(ExamTable.objects.filter(exam=outcome, name__startswith="value_added:")
                   .values_list("name", flat=True))
    assert names == ["value_added:总分", "value_added:数学", "value_added:语文"]
    table = ExamTable.objects.get(exam=outcome, name="value_added:总分").rows[0]
    assert table["model"]["n"] == 100
    assert table["model"]["key"] == "学籍号"
    assert table["model"]["unmatched"] == 0
    first = max(table["schools"], key=lambda r: r["value_added"])
    assert first["school"] == outcome.students.filter(exam_no="0001").get().school_id
    assert first["significant"] is True


def test_school_admin_sees_own_school_named_and_others_anonymous(client, world, pair):
    client.force_login(world.users["school_admin"])
    response = client.get(reverse("quality:value_added", args=[pair[1].pk]))
    schools = [r["school"] for r in response.context["result"].schools]
    assert sorted(schools) == ["其他学校", "其他学校", "其他学校", world.school_a.name]
    page = response.content.decode()
    assert world.school_b.name not in page and "城南中学" not in page


def test_trainer_sees_every_school_and_the_chart(client, world, pair):
    client.force_login(world.users["trainer"])
    response = client.get(reverse("quality:value_added", args=[pair[1].pk]) + "?subject=语文")
    result = response.context["result"]
    assert result.subject == "语文"
    assert "其他学校" not in [r["school"] for r in result.schools]
    chart = response.context["chart"]
    assert chart["series"][0]["type"] == "boxplot"
    assert len(chart["series"][0]["data"]) == 4
    values = [box[2] for box in chart["series"][0]["data"]]
    assert values == sorted(values)  # lowest first


def test_downloads_carry_every_subject_and_hide_other_schools(client, world, pair):
    import io

    import polars as pl

    from tests.core.pdf_text import read_pdf

    outcome = pair[1]
    stored = ExamTable.objects.get(exam=outcome, name="value_added:语文").rows[0]
    client.force_login(world.users["school_admin"])
    data = client.get(reverse("quality:value_added_xlsx", args=[outcome.pk])).content
    book = pl.read_excel(io.BytesIO(data), sheet_id=0, engine="calamine")
    assert list(book) == ["模型", "语文", "数学", "总分"]
    chinese = book["语文"]
    assert sorted(chinese["学校"].to_list()) == ["其他学校"] * 3 + [world.school_a.name]
    mine = next(r for r in stored["schools"] if r["school"] == world.school_a.pk)
    row = chinese.filter(pl.col("学校") == world.school_a.name).row(0, named=True)
    assert row["人数"] == mine["n"] == 25
    assert row["增值"] == pytest.approx(mine["value_added"], abs=1e-12)
    response = client.get(reverse("quality:value_added_pdf", args=[outcome.pk]))
    assert response["Content-Type"] == "application/pdf"
    text = "\n".join(read_pdf(response.content).runs)
    assert f"{outcome.name} 增值评价" in text
    assert world.school_a.name in text and world.school_b.name not in text
    assert "匹配学生 100 人（按学籍号）" in text
