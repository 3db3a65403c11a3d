"""The ledger's JSON API gives what the pages show, in the same data scope."""

from tests.training.factories_hours import policy, record
from yanxun.training.enums import ProgramLevel


def test_a_teachers_ledger_as_json(world):
    policy()
    record(world.teacher_a, "120", year=2022, level=ProgramLevel.CITY)
    record(world.teacher_a, "30.5", year=2024, level=ProgramLevel.SCHOOL)
    body = world.client_for("school_admin").get(
        f"/api/training/hours/teachers/{world.teacher_a.pk}/ledger?cycle=2023").json()
    assert {k: body[k] for k in ("teacher", "school", "cycle_start", "cycle_end", "total",
                                 "counted", "credits")} == {
        "teacher": "张晓明", "school": "城东实验学校", "cycle_start": 2021, "cycle_end": 2025,
        "total": "150.5", "counted": "150.5", "credits": "15.05"}
    assert [(r["name"], r["done"], r["short"], r["met"]) for r in body["requirements"]] == [
        ("周期总学时", "150.5", "209.5", False), ("区级及以上培训学时", "120.0", "60.0", False)]
    assert [(b["label"], b["counted"]) for b in body["by_level"]] == [
        ("市培", "120.0"), ("校本", "30.5")]
    other = world.client_for("school_admin").get(
        f"/api/training/hours/teachers/{world.teacher_b.pk}/ledger")
    assert (other.status_code, other.json()) == (404, {"detail": "未找到该记录，或无权查看。"})


def test_my_ledger(world):
    policy()
    record(world.teacher_a, "6", year=2026)
    body = world.client_for("teacher").get("/api/training/hours/me/ledger?cycle=2026").json()
    assert (body["teacher"], body["counted"], body["state"]) == ("张晓明", "6.0", "far_behind")
    assert body["cycle_start"] == 2026
    none = world.client_for("admin").get("/api/training/hours/me/ledger")
    assert (none.status_code, none.json()) == (404, {"detail": "未找到该记录，或无权查看。"})
