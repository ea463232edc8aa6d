"""What every fault test asks of the database afterwards: no half-written request."""

from __future__ import annotations

import re
from collections import Counter

from sqlalchemy import func, select

from accessreq.extensions import db
from accessreq.notifications.models import OutgoingEmail
from accessreq.requests import counts
from accessreq.requests.models import (AccessRequest, HistoryEntry, HistoryKind,
                                       RequestedAccommodation, StatusLink)
from accessreq.requests.states import RequestStatus


def stored_requests() -> dict[str, AccessRequest]:
    """Every stored request, by contact email (each test gives every attempt its own)."""
    db.session.expire_all()
    found = list(db.session.scalars(select(AccessRequest)))
    by_email = {r.contact_email: r for r in found}
    assert len(by_email) == len(found), "a submission was stored twice"
    return by_email


def assert_no_half_written_request() -> None:
    """Each stored request has its items, its history, its status link and both emails, and
    nothing belongs to a request that is not there; the queue's counts add up."""
    db.session.expire_all()
    requests = {r.id: r for r in db.session.scalars(select(AccessRequest))}

    def per_request(model, *where) -> Counter:
        rows = db.session.execute(select(model.request_id, func.count()).where(*where)
                                  .group_by(model.request_id))
        return Counter(dict(rows.all()))

    items = per_request(RequestedAccommodation)
    submitted = per_request(HistoryEntry, HistoryEntry.kind == HistoryKind.SUBMITTED)
    routed = per_request(HistoryEntry, HistoryEntry.kind == HistoryKind.ROUTED)
    links = per_request(StatusLink)
    emails: dict[int, list[tuple[str, str]]] = {}
    for request_id, template, to in db.session.execute(
            select(OutgoingEmail.request_id, OutgoingEmail.template, OutgoingEmail.to_address)):
        emails.setdefault(request_id, []).append((template, to))

    for request_id, request in requests.items():
        where = f"request {request.reference}"
        assert items[request_id] >= 1, f"{where} has no accommodations"
        assert submitted[request_id] == 1 and routed[request_id] == 1, f"{where}: history"
        assert links[request_id] == 1, f"{where} has no status link"
        assert sorted(t for t, _ in emails.get(request_id, [])) == [
            "request_received", "staff_new_request"], f"{where}: outbox"
        assert ("request_received", request.contact_email) in emails[request_id]
    for table in (items, submitted, routed, links, emails):
        orphans = set(table) - set(requests) - {None}
        assert not orphans, f"rows of requests that do not exist: {orphans}"
    assert counts.current().get(RequestStatus.SUBMITTED, 0) == len(requests), "queue counts"


class FormFiller:
    """Complete public forms for ``event``: attempt ``n`` has its own name and address.

    Reads the event once, so threads can fill forms without touching the database."""

    def __init__(self, event) -> None:
        kind = event.offered_types[0]
        self.type_id = kind.id
        self.has_details = bool(kind.details_label)

    def fields(self, n: int) -> dict:
        fields = {"contact_name": f"Person {n}", "contact_email": f"person{n}@example.net",
                  "contact_channel": "email", "for_whom": "me",
                  "accommodations": [str(self.type_id)],
                  "anything_else": f"Note {n}: a seat near the front, please", "consent": "y"}
        if self.has_details:
            fields[f"details_{self.type_id}"] = f"Details {n}: British Sign Language"
        return fields


def assert_form_kept(html: str, fields: dict) -> None:
    """The form came back with a plain message and everything that was typed, and no trace
    of the machinery behind it."""
    assert "Nothing was saved" in html
    assert "<title>Error: Request access" in html
    assert f'value="{fields["contact_name"]}"' in html
    assert f'value="{fields["contact_email"]}"' in html
    for name, value in fields.items():
        if name.startswith("details_") or name == "anything_else":
            assert re.search(rf">\s*{re.escape(value)}</textarea>", html), name
    for type_id in fields["accommodations"]:
        assert re.search(rf'<input [^>]*checked[^>]*name="accommodations" [^>]*value="{type_id}"',
                         html), "the ticked accommodation is no longer ticked"
    assert re.search(r'<input [^>]*checked[^>]*name="consent"', html), "consent lost"
    assert_no_internals(html)


def assert_no_internals(html: str) -> None:
    for internal in ("Traceback", "OperationalError", "sqlalchemy", "psycopg", "sqlite3",
                     "INSERT INTO", "SELECT "):
        assert internal not in html, internal
