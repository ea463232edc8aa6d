"""Which request an email belongs to, and whether it may become a conversation at all.

Matching, in order: our Message-IDs in In-Reply-To/References (an email we sent to the
attendee); the signed per-request reply address; the reference in the subject, but only when the
sender is that request's contact address (anyone can type a reference). Anything else is
unmatched.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from email.utils import parseaddr

from flask import current_app
from sqlalchemy import select

from ..extensions import db
from ..notifications.addresses import is_access_address, request_id_from_addresses
from ..notifications.models import OutgoingEmail
from ..requests.models import AccessRequest
from ..requests.notifications import ATTENDEE_TEMPLATES
from ..routing.models import Team
from .parsing import Parsed

_REFERENCE = re.compile(r"\bAR-([A-Z0-9]{4})-([A-Z0-9]{2})\b", re.IGNORECASE)
_DAEMON_LOCALS = re.compile(r"^(mailer-daemon|postmaster|no-?reply|do-?not-?reply|bounces?)"
                            r"([+\-.].*)?$", re.IGNORECASE)
# Subjects that out-of-office programs write (English, German, French); nothing a person
# would start a subject with, so a real message is not mistaken for one.
_OUT_OF_OFFICE_SUBJECT = re.compile(
    r"^(auto(matic)?[ -]?(reply|response)\s*:|out of (the )?office\b|abwesenheitsnotiz\b|"
    r"automatische antwort\s*:|réponse automatique\s*:)", re.IGNORECASE)


@dataclass(frozen=True)
class Match:
    access_request: AccessRequest | None
    how: str  # in words, for the message's record


# Look-ups that cannot change while one batch is stored (our own addresses, the inbox's
# team), kept for the batch instead of asked again for every message.
_batch_cache: ContextVar[dict | None] = ContextVar("inbound_batch_cache", default=None)


@contextmanager
def cached_lookups() -> Iterator[None]:
    """Within this block, :func:`cached` computes each value once."""
    token = _batch_cache.set({})
    try:
        yield
    finally:
        _batch_cache.reset(token)


def cached(name: str, compute: Callable[[], object]):
    cache = _batch_cache.get()
    if cache is None:
        return compute()
    if name not in cache:
        cache[name] = compute()
    return cache[name]


def _own_addresses() -> set[str]:
    return cached("own_addresses", _read_own_addresses)


def _read_own_addresses() -> set[str]:
    config = current_app.config
    addresses = {parseaddr(config["MAIL_DEFAULT_SENDER"])[1], config["STAFF_INBOX"]}
    addresses |= set(db.session.scalars(select(Team.notification_email)))
    return {a.lower() for a in addresses if a}


def is_auto_reply(parsed: Parsed) -> str:
    """Why this is an out-of-office or other automatic reply to a person ("" when it is not)."""
    auto = parsed.headers.get("auto-submitted", "").lower()
    if auto.startswith("auto-replied"):
        return "Auto-Submitted: auto-replied"
    for header in ("x-autoreply", "x-autorespond"):
        if parsed.headers.get(header):
            return f"{header} header"
    if _OUT_OF_OFFICE_SUBJECT.match(parsed.subject.strip()):
        return "an out-of-office subject"
    return ""


def refusal(parsed: Parsed) -> str:
    """Why this mail must not become a conversation ("" when it may)."""
    sender = parsed.from_address
    if is_own_address(sender):
        return "sent from one of our own addresses"
    auto = parsed.headers.get("auto-submitted", "").lower()
    if auto and auto != "no" and not auto.startswith("no;"):
        return f"Auto-Submitted: {auto[:60]}"
    precedence = parsed.headers.get("precedence", "").lower()
    if precedence in ("bulk", "list", "junk"):
        return f"Precedence: {precedence}"
    if parsed.headers.get("list-id"):
        return "a mailing list (List-Id)"
    local = sender.rpartition("@")[0]
    if not sender or _DAEMON_LOCALS.match(local):
        return f"an automatic sender ({sender or 'no sender'})"
    return ""


def is_own_address(address: str) -> bool:
    return bool(address) and (address.lower() in _own_addresses() or is_access_address(address))


def _by_message_ids(parsed: Parsed) -> AccessRequest | None:
    ids = parsed.in_reply_to + parsed.references
    if not ids:
        return None
    request_id = db.session.scalar(
        select(OutgoingEmail.request_id)
        .where(OutgoingEmail.message_id.in_(ids), OutgoingEmail.request_id.is_not(None),
               OutgoingEmail.template.in_(ATTENDEE_TEMPLATES))
        .order_by(OutgoingEmail.id.desc()).limit(1))
    return db.session.get(AccessRequest, request_id) if request_id is not None else None


def _by_subject(parsed: Parsed) -> AccessRequest | None:
    for found in _REFERENCE.finditer(parsed.subject):
        reference = f"AR-{found.group(1)}-{found.group(2)}".upper()
        access_request = db.session.scalar(
            select(AccessRequest).where(AccessRequest.reference == reference))
        if (access_request is not None and access_request.contact_email and parsed.from_address
                and access_request.contact_email.lower() == parsed.from_address.lower()):
            return access_request
    return None


def match_request(parsed: Parsed) -> Match:
    access_request = _by_message_ids(parsed)
    if access_request is not None:
        return Match(access_request, "a reply to our email (In-Reply-To/References)")
    request_id = request_id_from_addresses(parsed.recipient_headers)
    if request_id is not None:
        access_request = db.session.get(AccessRequest, request_id)
        if access_request is not None:
            return Match(access_request, "sent to the request's reply address")
    access_request = _by_subject(parsed)
    if access_request is not None:
        return Match(access_request, "the reference in the subject, from the contact address")
    return Match(None, "no match")
