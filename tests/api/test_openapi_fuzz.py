"""The OpenAPI schema fuzzed with schemathesis against a live granian server.

For every operation and every generated request, as an administrator, a school administrator
and a teacher (bearer tokens) and anonymously: no 5xx response, and every refusal is JSON
with a Chinese `detail`. The server runs in its own process on 127.0.0.1 with its own
database (a SQLite file, or a fresh PostgreSQL database when DATABASE_URL is set).
"""

import json
import os
import re
import socket
import subprocess
import sys
import time
import urllib.request
import uuid
from pathlib import Path

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings

ROOT = Path(__file__).resolve().parents[2]
CJK = re.compile(r"[\u4e00-\u9fff]")

SEED = """
import django; django.setup()
from django.core.management import call_command
from tests.factories import SchoolFactory, TeacherFactory, UserFactory, grant
from yanxun.accounts.services import api_token_create
from yanxun.core.enums import Role
a = SchoolFactory(name="城东实验学校", code="S0001")
b = SchoolFactory(name="城西中学", code="S0002")
t = TeacherFactory(school=a, name="张晓明", employee_no="A0001")
TeacherFactory(school=b, name="李秋华", employee_no="B0001")
admin = grant(UserFactory(username="admin"), Role.ADMIN)
sadmin = grant(UserFactory(username="sadmin"), Role.SCHOOL_ADMIN, school=a)
print("TOKENS=" + "|".join(api_token_create(actor=None, user=u, name="fuzz")
                           for u in (admin, sadmin, t.user)))
"""


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _database_env(tmp: Path) -> tuple[dict, callable]:
    """A fresh database for the server: its env and a clean-up function."""
    url = os.environ.get("DATABASE_URL")
    if not url:
        return {"YANXUN_SQLITE_PATH": str(tmp / "fuzz.sqlite3")}, lambda: None
    import psycopg

    name = f"yanxun_fuzz_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')

    def drop():
        with psycopg.connect(url, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')

    return {"DATABASE_URL": url.rsplit("/", 1)[0] + "/" + name}, drop


@pytest.fixture(scope="module")
def live_api(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("fuzz")
    db_env, drop = _database_env(tmp)
    env = {**os.environ, **db_env, "YANXUN_DATA_DIR": str(tmp), "YANXUN_FAST_HASHER": "1",
           "DJANGO_SETTINGS_MODULE": "yanxun.settings", "PYTHONPATH": str(ROOT)}
    env.pop("REDIS_URL", None)
    py = sys.executable
    subprocess.run([py, "manage.py", "migrate", "-v0"], cwd=ROOT, env=env, check=True)
    seeded = subprocess.run([py, "-c", SEED], cwd=ROOT, env=env, check=True,
                            capture_output=True, text=True)
    tokens = seeded.stdout.strip().rsplit("TOKENS=", 1)[1].split("|")
    port = _free_port()
    # The server's log goes to a file: a pipe nobody reads fills up after some thousand
    # logged 4xx responses and then blocks the server on its next write.
    log = open(tmp / "server.log", "wb")  # noqa: SIM115 - closed in the finally below
    server = subprocess.Popen(
        [py, "-m", "granian", "--interface", "wsgi", "--host", "127.0.0.1", "--port", str(port),
         "--workers", "1", "--no-ws", "yanxun.wsgi:application"],
        cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        _wait_for(base + "/api/openapi.json")
        yield {"base": base, "tokens": tokens}
    finally:
        server.terminate()
        server.wait(timeout=10)
        log.close()
        drop()


def _wait_for(url: str, seconds: float = 30) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(url, timeout=2) as response:
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.2)
    raise RuntimeError(f"server at {url} did not start")


@pytest.mark.slow
def test_no_server_error_and_chinese_refusals(live_api):
    schema = schemathesis.openapi.from_url(live_api["base"] + "/api/openapi.json")
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) >= 1
    for operation in operations:
        _fuzz(operation, live_api)


def _fuzz(operation, live_api) -> None:
    @settings(max_examples=25, deadline=None, derandomize=True, database=None,
              suppress_health_check=list(HealthCheck))
    @given(case=operation.as_strategy())
    def check(case):
        for token in [*live_api["tokens"], None]:  # admin, school admin, teacher, anonymous
            headers = {"Authorization": f"Bearer {token}"} if token else {}
            response = case.call(base_url=live_api["base"], headers=headers)
            label = f"{case.method} {case.formatted_path}"
            assert response.status_code < 500, (label, response.text[:500])
            if response.status_code >= 400:
                body = json.loads(response.text)
                assert CJK.search(body["detail"]), (label, body)

    check()
