"""Shared fixtures: a small district and one user per role, each on one side of the
permission line (healthchecks' owner / member / stranger habit, per role)."""

from dataclasses import dataclass

import pytest
from django.test import Client

from tests.factories import PASSWORD, SchoolFactory, TeacherFactory, UserFactory, grant
from yanxun.accounts.models import User
from yanxun.core.enums import Role
from yanxun.org.models import School, Teacher


@pytest.fixture(autouse=True)
def _fast_hasher(settings, tmp_path):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture(autouse=True)
def _fresh_list_choices():
    """Filter options and the subject table are cached for a minute; a rolled-back test must
    not leave its schools in the next test's options (primary keys are reused after a
    rollback)."""
    from yanxun.core.cache import clear_all

    clear_all()


@pytest.fixture(autouse=True)
def _fresh_checkin_cache():
    """Check-in keeps the policy and sessions per worker for a few seconds; a rolled-back test
    must not hand its sessions to the next test (primary keys are reused)."""
    from yanxun.training.checkin import clear_cache

    clear_cache()


@dataclass
class World:
    school_a: School
    school_b: School
    teacher_a: Teacher  # a teacher of school A, with the teacher role
    teacher_b: Teacher  # a teacher of school B
    users: dict[str, User]  # role value -> a user holding only that role

    def client_for(self, role: str) -> Client:
        client = Client()
        client.force_login(self.users[role])
        return client


@pytest.fixture
def world(db) -> World:
    school_a = SchoolFactory(name="城东实验学校", code="S0001")
    school_b = SchoolFactory(name="城西中学", code="S0002")
    teacher_a = TeacherFactory(school=school_a, name="张晓明", employee_no="A0001")
    teacher_b = TeacherFactory(school=school_b, name="李秋华", employee_no="B0001")
    users = {
        Role.ADMIN: grant(UserFactory(username="admin", name="系统管理员"), Role.ADMIN),
        Role.LEADER: grant(UserFactory(username="leader", name="王主任"), Role.LEADER),
        Role.TRAINER: grant(UserFactory(username="trainer", name="赵研训"), Role.TRAINER),
        Role.SCHOOL_ADMIN: grant(UserFactory(username="schooladmin", name="钱教务"),
                                 Role.SCHOOL_ADMIN, school=school_a),
        Role.TEACHER: teacher_a.user,
        Role.JUDGE: grant(UserFactory(username="judge", name="孙评委"), Role.JUDGE),
        Role.STUDIO_HOST: grant(UserFactory(username="host", name="周主持"), Role.STUDIO_HOST),
    }
    return World(school_a, school_b, teacher_a, teacher_b, {str(k): v for k, v in users.items()})


@pytest.fixture
def password() -> str:
    return PASSWORD
