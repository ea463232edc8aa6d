"""The per-request reply address (``access+r12-k3x…@example.org``): made here for outbound
mail and checked here for inbound mail, so the two sides cannot disagree.

The token is the request's id and an HMAC of it under SECRET_KEY with its own purpose string,
written in lowercase base32: mail systems may change the case of the part before the @, so a
case-sensitive signature (itsdangerous' base64) could be broken in transit. A token signed with
a key in SECRET_KEY_FALLBACKS is still accepted after a key change.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
from email.utils import getaddresses, parseaddr

from flask import current_app

_PURPOSE = b"accessreq inbound reply address v1\0"
_TOKEN = re.compile(r"r(\d{1,12})-([a-z2-7]{16})")


def reply_base_address() -> str:
    """The access address replies go to: INBOUND_REPLY_ADDRESS, else MAIL_DEFAULT_SENDER's."""
    configured = current_app.config.get("INBOUND_REPLY_ADDRESS") or ""
    return parseaddr(configured or current_app.config["MAIL_DEFAULT_SENDER"])[1].lower()


def _signature(key: str | bytes, request_id: int) -> str:
    key_bytes = key.encode() if isinstance(key, str) else key
    digest = hmac.new(key_bytes, _PURPOSE + str(request_id).encode(), hashlib.sha256).digest()
    return base64.b32encode(digest[:10]).decode("ascii").lower()  # 80 bits, 16 characters


def reply_token(request_id: int) -> str:
    return f"r{request_id}-{_signature(current_app.config['SECRET_KEY'], request_id)}"


def reply_address(request_id: int) -> str | None:
    """Where the attendee's replies about request ``request_id`` go: the per-request address
    when INBOUND_PLUS_ADDRESSING is on, else the plain access address (None when no address
    is configured: the message then has no Reply-To, and replies go to its From)."""
    base = reply_base_address()
    if "@" not in base:
        return None
    if not current_app.config.get("INBOUND_PLUS_ADDRESSING"):
        return base
    local, _, domain = base.rpartition("@")
    return f"{local}+{reply_token(request_id)}@{domain}"


def request_id_from_token(token: str) -> int | None:
    """The request id a reply token names, or None when it is not one of ours."""
    found = _TOKEN.fullmatch(token.strip().lower())
    if not found:
        return None
    request_id = int(found.group(1))
    keys = [current_app.config["SECRET_KEY"], *current_app.config.get("SECRET_KEY_FALLBACKS", [])]
    if any(hmac.compare_digest(_signature(key, request_id), found.group(2)) for key in keys):
        return request_id
    return None


def request_id_from_addresses(values: list[str]) -> int | None:
    """The first request named by a valid per-request address among header values (To, Cc,
    Delivered-To…): the access address's own local part, ``+``, a valid token, its domain."""
    base_local, _, base_domain = reply_base_address().rpartition("@")
    for _name, address in getaddresses(values):
        local, _, domain = address.lower().rpartition("@")
        head, plus, token = local.partition("+")
        if plus and head == base_local and domain == base_domain:
            request_id = request_id_from_token(token)
            if request_id is not None:
                return request_id
    return None


def is_access_address(address: str) -> bool:
    """The access address itself, or any ``+`` variant of it."""
    base_local, _, base_domain = reply_base_address().rpartition("@")
    local, _, domain = address.lower().rpartition("@")
    return domain == base_domain and local.partition("+")[0] == base_local
