"""Who is acting and from where, for the audit trail, without threading `request` through every service."""

import contextvars
import functools
import ipaddress
from contextlib import contextmanager

_address = contextvars.ContextVar("audit_address", default="")


def current_address():
    return _address.get()


@contextmanager
def acting_from(address):
    token = _address.set(address or "")
    try:
        yield
    finally:
        _address.reset(token)


def _networks():
    from django.conf import settings

    return _parse_networks(tuple(getattr(settings, "TRUSTED_PROXIES", [])))


@functools.lru_cache(maxsize=8)
def _parse_networks(items):
    """Parsed once per value of the setting, not on every request."""
    nets = []
    for item in items:
        try:
            nets.append(ipaddress.ip_network(item, strict=False))
        except ValueError:
            continue  # a typo in the setting must not open the header to everyone
    return tuple(nets)


def _trusted(address, nets):
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return False
    return any(ip in net for net in nets)


def client_address(request):
    """The client's address. Behind nginx the real client is in X-Forwarded-For, but only a request
    that arrives from a trusted proxy may say so: walking the header from the right, the first address
    that is not one of our proxies is the client (anything left of it was written by the client)."""
    remote = request.META.get("REMOTE_ADDR", "")[:64]
    nets = _networks()
    if not nets or not _trusted(remote, nets):
        return remote
    hops = [h.strip() for h in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if h.strip()]
    for hop in reversed(hops):
        try:
            ipaddress.ip_address(hop)
        except ValueError:
            return remote  # a forged or garbled header: fall back to the proxy's own address
        if not _trusted(hop, nets):
            return hop[:64]
    return remote
