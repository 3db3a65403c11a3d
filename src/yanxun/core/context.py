"""The request being served, for the audit log (who and from where) without threading it
through every service call. Services still take the acting user explicitly."""

import ipaddress
from contextvars import ContextVar
from functools import lru_cache

from django.conf import settings

current_ip: ContextVar[str | None] = ContextVar("current_ip", default=None)
Address = ipaddress.IPv4Address | ipaddress.IPv6Address


def client_ip(request) -> str | None:
    """The client's address. X-Forwarded-For is believed only from a trusted proxy
    (settings.TRUSTED_PROXIES, the connection's peer) and read from the right: each proxy
    appends the address it was reached from, so the last address that is not itself a
    trusted proxy is the client — the entries to its left are whatever the client sent."""
    peer = _address(request.META.get("REMOTE_ADDR", ""))
    if peer is None:
        return None
    forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
    if not forwarded or not _trusted(peer):
        return str(peer)
    client = peer
    for entry in reversed(forwarded.split(",")):
        address = _address(entry)
        if address is None:
            break  # not an address: nothing left of it can be believed
        client = address
        if not _trusted(address):
            break
    return str(client)


def _address(text: str) -> Address | None:
    try:
        return ipaddress.ip_address(text.strip())
    except ValueError:
        return None


def _trusted(address: Address) -> bool:
    return any(address in network for network in _networks(tuple(settings.TRUSTED_PROXIES)))


@lru_cache(maxsize=8)
def _networks(proxies: tuple[str, ...]) -> tuple:
    return tuple(ipaddress.ip_network(p, strict=False) for p in proxies)
