"""core.rowread reads the instance `.get()` would (same values, same Python types) on SQLite
and PostgreSQL; the session engines and the login backend read through it."""

from datetime import timedelta

import pytest
from django.contrib.sessions.models import Session
from django.db import connection
from django.utils import timezone

from tests.factories import UserFactory
from yanxun.accounts.backends import LoginNameOrPhoneBackend
from yanxun.accounts.models import User
from yanxun.accounts.sessions.db import SessionStore
from yanxun.core.rowread import get_row

pytestmark = pytest.mark.django_db


def _values(instance) -> dict:
    return {f.attname: getattr(instance, f.attname) for f in type(instance)._meta.concrete_fields}


def test_a_user_row_equals_the_orm_instance():
    user = UserFactory(username="rowread", name="王小明", phone="13900001111")
    user.last_login = timezone.now() - timedelta(hours=2)
    user.expires_at = timezone.now() + timedelta(days=3)
    user.save()
    fast, orm = get_row(User, "id", user.pk), User.objects.get(pk=user.pk)
    assert _values(fast) == _values(orm)
    assert type(fast.is_active) is bool and type(fast.must_change_password) is bool
    assert fast.last_login.tzinfo is not None and fast.expires_at == orm.expires_at
    assert fast._state.adding is False and fast._state.db == "default"


def test_a_missing_row_is_none():
    assert get_row(User, "id", 987654) is None


def test_the_extra_condition_filters_expired_sessions():
    store = SessionStore()
    store["k"] = "v"
    store.create()
    now = connection.ops.adapt_datetimefield_value(timezone.now())
    later = connection.ops.adapt_datetimefield_value(timezone.now() + timedelta(days=400))
    extra = " AND expire_date > %s"
    assert get_row(Session, "session_key", store.session_key, extra=extra,
                   params=(now,)).get_decoded() == {"k": "v"}
    assert get_row(Session, "session_key", store.session_key, extra=extra,
                   params=(later,)) is None


def test_the_session_engine_loads_and_forgets_expired_sessions():
    store = SessionStore()
    store["answer"] = 42
    store.create()
    assert SessionStore(store.session_key).load() == {"answer": 42}
    Session.objects.filter(pk=store.session_key).update(
        expire_date=timezone.now() - timedelta(seconds=1))
    expired = SessionStore(store.session_key)
    assert expired.load() == {}
    assert expired.session_key is None


def test_the_backend_refuses_inactive_and_expired_users():
    backend = LoginNameOrPhoneBackend()
    active = UserFactory(username="active")
    inactive = UserFactory(username="inactive", is_active=False)
    expired = UserFactory(username="expired", expires_at=timezone.now() - timedelta(minutes=1))
    assert backend.get_user(active.pk).username == "active"
    assert backend.get_user(str(active.pk)).pk == active.pk
    assert backend.get_user(inactive.pk) is None
    assert backend.get_user(expired.pk) is None
    assert backend.get_user("not-a-number") is None
    assert backend.get_user(active.pk + 1000) is None
