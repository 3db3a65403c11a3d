"""The teacher list keeps rendered pages per worker under the org data version (ADR 0012):
a repeated page reads no org table, any write of an org table shows on the next request,
and the data scope is part of the key."""

import io
import re
from datetime import date

import polars as pl
import pytest
from django.db import connection
from django.http import QueryDict
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from tests.factories import SubjectFactory, TeacherFactory
from yanxun.core import versions
from yanxun.core.enums import Role
from yanxun.core.listing import SPECS, page_of, parse_query
from yanxun.core.permissions import scope_key
from yanxun.org.models import Teacher
from yanxun.org.services import teacher_transfer, teacher_update

URL = reverse("org:teacher_list")


def _names(response) -> list[str]:
    return re.findall(r'<td data-label="name"><a href="[^"]+">([^<]+)</a></td>',
                      response.content.decode())


def _tables_read(sql_list: list[str]) -> set[str]:
    known = set(connection.introspection.table_names())
    return {name for sql in sql_list for name in re.findall(r'\w+', sql) if name in known}


def test_a_repeated_page_reads_no_org_table_and_shows_the_same_rows(world):
    client = world.client_for(Role.TRAINER)
    first = client.get(URL + "?sort=employee_no")
    with CaptureQueriesContext(connection) as ctx:
        second = client.get(URL + "?sort=employee_no")
    assert _names(first) == _names(second) == ["张晓明", "李秋华"]
    read = _tables_read([q["sql"] for q in ctx.captured_queries])
    assert not {t for t in read if t.startswith("org_")}
    assert "core_dataversion" in read
    assert "共 <strong>2</strong> 条" in second.content.decode()


def test_every_write_shows_on_the_next_request(world):
    client = world.client_for(Role.TRAINER)
    url = URL + "?sort=employee_no"
    assert _names(client.get(url)) == ["张晓明", "李秋华"]
    teacher_update(actor=world.users[Role.ADMIN], teacher=world.teacher_a, name="张晓鸣")
    assert _names(client.get(url)) == ["张晓鸣", "李秋华"]
    TeacherFactory(school=world.school_b, name="王一", employee_no="C0001")
    assert _names(client.get(url)) == ["张晓鸣", "李秋华", "王一"]
    Teacher.objects.filter(name="王一").delete()
    page = client.get(url).content.decode()
    assert _names(client.get(url)) == ["张晓鸣", "李秋华"]
    assert "共 <strong>2</strong> 条" in page
    # What a row shows from another org table: its subjects.
    world.teacher_a.subjects.add(SubjectFactory(name="地理"))
    assert "地理" in client.get(url).content.decode()


def test_the_scope_is_part_of_the_key(world):
    trainer = world.client_for(Role.TRAINER)
    school_admin = world.client_for(Role.SCHOOL_ADMIN)
    assert _names(trainer.get(URL)) == ["张晓明", "李秋华"]
    assert _names(school_admin.get(URL)) == ["张晓明"]  # school A only, same query string
    assert _names(trainer.get(URL)) == ["张晓明", "李秋华"]
    # A transfer to school A (an org write) brings the teacher into the school's list.
    teacher_transfer(actor=world.users[Role.ADMIN], teacher=world.teacher_b,
                     to_school=world.school_a, on=date(2026, 9, 1), note="调入")
    assert _names(school_admin.get(URL)) == ["张晓明", "李秋华"]


@pytest.mark.parametrize("name", sorted(n for n, s in SPECS.items() if s.versioned_by))
def test_a_cached_list_reads_only_tables_of_its_channel(world, name):
    """What keeps the cache right: a page of a list `versioned_by` a channel is computed from
    the channel's tables alone (a column reading another table would go stale)."""
    spec = SPECS[name]
    user = world.users[Role.ADMIN]
    scope_key(user)  # the user's roles (accounts tables) are read once per request, not here
    with CaptureQueriesContext(connection) as ctx:
        page_of(spec, user, parse_query(spec, QueryDict("")))
    read = _tables_read([q["sql"] for q in ctx.captured_queries])
    assert read, "the page read nothing"
    assert read <= set(versions.tables(spec.versioned_by)), read


def test_a_school_administrator_is_not_shown_the_school_column(world):
    """It would name their own school on every row; the export keeps it."""
    own = world.client_for(Role.SCHOOL_ADMIN).get(URL).content.decode()
    everyone = world.client_for(Role.TRAINER).get(URL).content.decode()
    assert 'data-testid="sort-school"' not in own and 'data-label="school"' not in own
    assert 'data-testid="sort-school"' in everyone
    assert '<td data-label="school">城东实验学校</td>' in everyone
    headers = re.findall(r"<th>(?:<a [^>]+>)?([^<]+)", own)
    assert headers == ["工号", "姓名", "性别", "学段", "任教学科", "职称", "荣誉称号", "手机号",
                       "状态"]
    export = world.client_for(Role.SCHOOL_ADMIN).get(URL + "?format=xlsx")
    sheet = pl.read_excel(io.BytesIO(export.content), engine="calamine",
                          read_options={"header_row": 0})
    assert sheet["学校"].to_list() == ["城东实验学校"]
