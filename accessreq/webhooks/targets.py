"""Where webhooks may go (a guard against server-side request forgery): http or https only,
to a host whose every address is public, unless WEBHOOKS_ALLOW_PRIVATE_TARGETS is true (a
receiver on this machine or the local network). Checked when an endpoint is registered and
again before every send, since a name can be pointed elsewhere after registration."""

from __future__ import annotations

import ipaddress
import socket
from urllib.parse import urlsplit

from flask import current_app


class TargetRefused(ValueError):
    """The URL may not be called; the message says which check refused it."""


def _refused_kind(address: ipaddress.IPv4Address | ipaddress.IPv6Address) -> str | None:
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped:
        address = address.ipv4_mapped
    for kind, flag in (("a loopback", address.is_loopback), ("a link-local", address.is_link_local),
                       ("a multicast", address.is_multicast), ("a private", address.is_private),
                       ("a reserved", address.is_reserved),
                       ("an unspecified", address.is_unspecified),
                       ("a non-public", not address.is_global)):
        if flag:
            return kind
    return None


def check_url(url: str) -> tuple[str, int, list[str]]:
    """Refuse a URL the sender must not call; return its host, port and resolved addresses."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https"):
        raise TargetRefused("Scheme check: only http:// and https:// addresses can receive "
                            "webhooks.")
    if not parts.hostname:
        raise TargetRefused("Host check: the address has no host name.")
    if parts.username or parts.password:
        raise TargetRefused("Host check: the address may not carry a user name or password.")
    try:
        port = parts.port or (443 if parts.scheme == "https" else 80)
    except ValueError:
        raise TargetRefused("Port check: the port is not a number from 1 to 65535.") from None
    try:
        infos = socket.getaddrinfo(parts.hostname, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError) as error:
        raise TargetRefused(f"Name check: {parts.hostname} could not be resolved ({error}).") from None
    addresses = sorted({info[4][0] for info in infos})
    if not current_app.config["WEBHOOKS_ALLOW_PRIVATE_TARGETS"]:
        for text in addresses:
            kind = _refused_kind(ipaddress.ip_address(text.split("%")[0]))
            if kind:
                raise TargetRefused(
                    f"Address check: {parts.hostname} resolves to {text}, {kind} address; "
                    "webhooks go only to public addresses (WEBHOOKS_ALLOW_PRIVATE_TARGETS is off).")
    return parts.hostname, port, addresses
