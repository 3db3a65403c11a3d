"""学时达标情况 from cached ledgers: served from the cache until a write of what ledgers are
computed from changes the ledger version (a database trigger, in the writing transaction);
then the page shows the new numbers."""

from datetime import date
from decimal import Decimal as D

import pytest
from django.core.cache import cache
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from tests.training.factories import CategoryFactory
from tests.training.factories_hours import SessionFactory, claim_rule, policy, record
from yanxun.core import versions
from yanxun.core.models import AuditLog
from yanxun.org.models import School, Teacher
from yanxun.training import ledger_cache, programs
from yanxun.training.claims import ClaimInput, claim_submit, claim_transition
from yanxun.training.enums import ClaimStatus
from yanxun.training.files import check_evidence
from yanxun.training.ledger import Cycle
from yanxun.training.models import (
    Attendance,
    Category,
    ClaimRule,
    HourClaim,
    HourRecord,
    LedgerRequirement,
    TrainingPolicy,
)

URL = reverse("training:compliance") + "?cycle=2021"
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def test_every_table_the_ledgers_read_has_the_trigger(db):
    ledger_tables = set(versions.tables(ledger_cache.CHANNEL))
    assert ledger_tables == {
        "training_hourrecord", "training_hourclaim", "training_category", "training_claimrule",
        "training_ledgerrequirement", "training_ledgerrequirement_categories",
        "training_trainingpolicy", "org_teacher", "org_school"}
    assert ledger_tables <= versions.installed_triggers()
    assert versions.version(ledger_cache.CHANNEL) is not None


def _changes(write) -> bool:
    before = versions.version(ledger_cache.CHANNEL)
    write()
    return versions.version(ledger_cache.CHANNEL) != before


def test_every_kind_of_write_changes_the_version_and_nothing_else_does(world):
    current = policy()
    ethics = CategoryFactory(name="师德师风")
    made = record(world.teacher_a, "10", category=ethics)
    rule = claim_rule()
    line = LedgerRequirement.objects.filter(policy=current).first()
    it = CategoryFactory(name="信息技术")
    writes = {
        "record insert": lambda: record(world.teacher_b, "6"),
        "record update past the ORM's save": lambda: HourRecord.objects.filter(
            pk=made.pk).update(hours=D("12")),
        "record delete": lambda: HourRecord.objects.filter(pk=made.pk).delete(),
        "claim insert": lambda: HourClaim.objects.create(
            teacher=world.teacher_a, rule=rule, title="公开课", happened_on=date(2025, 3, 1)),
        "category cap": lambda: Category.objects.filter(pk=ethics.pk).update(annual_cap=20),
        "claim rule cap": lambda: ClaimRule.objects.filter(pk=rule.pk).update(cycle_cap=12),
        "requirement": lambda: LedgerRequirement.objects.filter(pk=line.pk).update(minimum=300),
        "requirement categories": lambda: line.categories.add(ethics),
        "insert or ignore": lambda: LedgerRequirement.categories.through.objects.bulk_create(
            [LedgerRequirement.categories.through(ledgerrequirement=line, category=it)],
            ignore_conflicts=True),
        "policy": lambda: TrainingPolicy.objects.filter(pk=current.pk).update(
            hours_per_credit=D("12")),
        "teacher": lambda: Teacher.objects.filter(pk=world.teacher_b.pk).update(
            status="retired"),
        "school": lambda: School.objects.filter(pk=world.school_b.pk).update(name="城西二中"),
        "raw SQL": lambda: connection.cursor().execute(
            "UPDATE training_hourrecord SET title = 'x'"),
    }
    assert {name: _changes(write) for name, write in writes.items()} == dict.fromkeys(
        writes, True)
    session = SessionFactory()
    unrelated = {
        "attendance": lambda: Attendance.objects.create(
            session=session, teacher=world.teacher_a, status="present", method="manual"),
        "audit log": lambda: AuditLog.objects.create(action="x"),
    }
    assert {name: _changes(write) for name, write in unrelated.items()} == dict.fromkeys(
        unrelated, False)


@pytest.fixture
def district(world):
    policy()
    record(world.teacher_a, "300", year=2022)
    record(world.teacher_b, "50", year=2023)


def _figures(response) -> list[tuple]:
    return [(r.name, r.counted, r.short, r.state) for r in response.context["rows"]]


def _ledger_queries(client) -> tuple[object, bool]:
    """The page, and whether the ledgers were computed for it: load_rules reads the claim
    rules (the records themselves are read with COPY on PostgreSQL, past Django's cursor)."""
    with CaptureQueriesContext(connection) as queries:
        response = client.get(URL)
    return response, any('"training_claimrule"' in q["sql"] for q in queries.captured_queries)


def test_the_dashboard_is_served_from_the_cache_until_a_write(world, district):
    client = world.client_for("trainer")
    first, computed = _ledger_queries(client)
    assert computed
    assert _figures(first) == [
        ("李秋华", D("50.0"), [D("310.0"), D("130.0")], "far_behind"),
        ("张晓明", D("300.0"), [D("60.0"), D("0.0")], "behind")]
    again, computed = _ledger_queries(client)
    assert (computed, _figures(again)) == (False, _figures(first))
    # A school administrator's scope is cached apart from the centre's.
    own, computed = _ledger_queries(world.client_for("school_admin"))
    assert (computed, [r.name for r in own.context["rows"]]) == (True, ["张晓明"])

    # A claim accredited through the services (each write in its own transaction).
    rule = claim_rule(hours="6", cap="18")
    claim = claim_submit(actor=world.teacher_a.user,
                         data=ClaimInput(rule, "区级公开课", date(2024, 5, 1)),
                         files=check_evidence([_pdf()]))
    claim_transition(actor=world.users["school_admin"], claim=claim,
                     to=ClaimStatus.SCHOOL_APPROVED)
    assert _figures(client.get(URL))[1][1] == D("300.0")  # not accredited yet
    claim_transition(actor=world.users["trainer"], claim=claim, to=ClaimStatus.ACCREDITED)
    after_claim, computed = _ledger_queries(client)
    assert computed
    assert _figures(after_claim)[1] == ("张晓明", D("306.0"), [D("54.0"), D("0.0")], "behind")

    # A category's annual cap, edited with the category: 300 of 2022 → 100 count.
    category = HourRecord.objects.get(teacher=world.teacher_a, claim=None).category
    programs.category_update(actor=world.users["trainer"], category=category,
                             annual_cap=D("100"))
    assert _figures(client.get(URL))[1] == ("张晓明", D("106.0"), [D("254.0"), D("74.0")],
                                            "far_behind")

    # The cycle's requirement, changed by the administrator on the page.
    total = LedgerRequirement.objects.get(name="周期总学时")
    response = world.client_for("admin").post(
        reverse("training:requirement_edit", args=[total.pk]),
        {"name": "周期总学时", "minimum": "100", "unit": "hours", "min_level": "",
         "position": "0"})
    assert response.status_code == 302
    assert _figures(client.get(URL))[1] == ("张晓明", D("106.0"), [D("0.0"), D("74.0")],
                                            "behind")
    # A teacher who leaves is off the dashboard at once.
    Teacher.objects.filter(pk=world.teacher_b.pk).update(status="retired")
    assert [r.name for r in client.get(URL).context["rows"]] == ["张晓明"]


def _pdf():
    return SimpleUploadedFile("证明.pdf", PDF, content_type="application/octet-stream")


def test_a_frame_computed_while_a_write_commits_is_not_kept(world):
    parts = ("test", 1)
    version = versions.version(ledger_cache.CHANNEL)

    def compute_meanwhile_written():
        record(world.teacher_a, "6")  # another transaction's commit, as seen by this reader
        return "stale"

    assert versions.cached("ledgers", "t", parts, compute_meanwhile_written) == "stale"
    assert cache.get(versions.cache_key("t", version, parts)) is None
    now = versions.version(ledger_cache.CHANNEL)
    assert versions.cached("ledgers", "t", parts, lambda: "fresh") == "fresh"
    assert cache.get(versions.cache_key("t", now, parts)) == "fresh"
    assert versions.cached("ledgers", "t", parts, lambda: "not called") == "fresh"


def test_the_scope_and_the_day_are_part_of_the_key(world, district):
    current = TrainingPolicy.objects.get()
    cycle = Cycle(2021, 5)
    everyone, rules = ledger_cache.ledgers(None, cycle, policy=current, today=date(2025, 12, 31))
    school_a = Teacher.objects.filter(school=world.school_a)
    mine, _ = ledger_cache.ledgers(school_a, cycle, policy=current, today=date(2025, 12, 31))
    assert (everyone.height, mine.height) == (2, 1)
    assert [r.name for r in rules.requirements] == ["周期总学时", "区级及以上培训学时"]
    # Early in the cycle 300 学时 are ahead of the pace; at its end they are behind.
    early, _ = ledger_cache.ledgers(None, cycle, policy=current, today=date(2022, 6, 30))
    assert early["name"].to_list() == ["张晓明", "李秋华"]
    assert early["state"].to_list() == ["on_track", "far_behind"]
    assert everyone["state"].to_list() == ["behind", "far_behind"]


def test_bulk_writes_change_the_version_once_at_the_end(world):
    before = versions.version(ledger_cache.CHANNEL)
    with versions.bulk_writes():
        record(world.teacher_a, "6")
        with versions.bulk_writes():  # nested: the outermost decides
            record(world.teacher_b, "6")
        inside = versions.version(ledger_cache.CHANNEL)
        record(world.teacher_a, "3")
        if connection.vendor == "sqlite":  # row triggers skipped; PostgreSQL's are per statement
            assert versions.version(ledger_cache.CHANNEL) == inside == before
    after = versions.version(ledger_cache.CHANNEL)
    assert after not in (before, None)
    with connection.cursor() as cursor:
        cursor.execute("SELECT name FROM core_dataversion ORDER BY name")
        assert cursor.fetchall() == [("ledgers",), ("org",)]
    with pytest.raises(RuntimeError), versions.bulk_writes():
        record(world.teacher_a, "6")
        raise RuntimeError("rolled back")
    assert versions.version(ledger_cache.CHANNEL) == after
    assert HourRecord.objects.count() == 3
