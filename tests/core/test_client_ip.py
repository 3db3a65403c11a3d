"""The client's address behind a reverse proxy: X-Forwarded-For is believed only from a trusted
proxy and read from the right, so a client cannot choose the address the 操作日志, the 登录日志
and the verify pages' rate limit see."""

import pytest
from django.test import Client, RequestFactory

from tests.factories import PASSWORD
from yanxun.accounts.models import LoginLog
from yanxun.core.context import client_ip


def _ip(remote: str, forwarded: str | None = None) -> str | None:
    extra = {"HTTP_X_FORWARDED_FOR": forwarded} if forwarded is not None else {}
    return client_ip(RequestFactory().get("/", REMOTE_ADDR=remote, **extra))


@pytest.mark.parametrize(("remote", "forwarded", "expected"), [
    ("10.1.2.3", None, "10.1.2.3"),  # served directly (yanxun serve on a LAN)
    ("10.1.2.3", "1.2.3.4", "10.1.2.3"),  # a client's own header: not believed
    ("127.0.0.1", "10.1.2.3", "10.1.2.3"),  # nginx on the same machine
    ("127.0.0.1", "6.6.6.6, 10.1.2.3", "10.1.2.3"),  # the client prepended a lie
    ("::1", "10.1.2.3", "10.1.2.3"),
    ("127.0.0.1", "10.1.2.3, 127.0.0.1", "10.1.2.3"),  # two proxies on the machine
    ("127.0.0.1", "127.0.0.1", "127.0.0.1"),  # everything local
    ("127.0.0.1", "not-an-ip", "127.0.0.1"),  # garbage: the proxy is all we know
    ("127.0.0.1", "10.1.2.3, <script>", "127.0.0.1"),
    ("127.0.0.1", " 2001:db8::1 ", "2001:db8::1"),
    ("", "10.1.2.3", None),
])
def test_the_client_address(remote, forwarded, expected):
    assert _ip(remote, forwarded) == expected


def test_a_trusted_proxy_network_from_the_settings(settings):
    settings.TRUSTED_PROXIES = ["10.0.0.0/8"]
    assert _ip("10.0.0.5", "192.168.1.20, 10.0.0.9") == "192.168.1.20"
    assert _ip("127.0.0.1", "192.168.1.20") == "127.0.0.1"  # loopback no longer trusted


def test_the_login_log_records_the_address_behind_the_proxy(world):
    Client().post("/accounts/login/", {"login": "trainer", "password": PASSWORD},
                  REMOTE_ADDR="127.0.0.1", HTTP_X_FORWARDED_FOR="9.9.9.9, 10.20.30.40")
    Client().post("/accounts/login/", {"login": "trainer", "password": "wrong-password"},
                  REMOTE_ADDR="127.0.0.1", HTTP_X_FORWARDED_FOR="bogus")
    assert list(LoginLog.objects.order_by("pk").values_list("success", "ip")) == [
        (True, "10.20.30.40"), (False, "127.0.0.1")]
