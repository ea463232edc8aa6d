"""Arbitrary text in every public form: the request form, a status-page message, a cancel, and
the staff sign-in. Never a 5xx; text without control characters is accepted and stored exactly
as documented (strip, CRLF to LF); text with them is refused and shown again without them; every
echo is escaped (checked in ``inputs.send`` for every response)."""

from __future__ import annotations

from urllib.parse import urlsplit

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st
from .inputs import (SHORT_TEXT, TEXT, as_received, kept_multi_line, multi_line_ok, send,
                    shows_again, single_line_ok, stored_multi_line)
from sqlalchemy import select

from accessreq.extensions import db
from accessreq.forms import LONG_TEXT_MAX as MESSAGE_MAX
from accessreq.requests.forms import DETAILS_MAX, NAME_MAX
from accessreq.requests.models import AccessRequest, HistoryEntry, HistoryKind
from accessreq.requests.states import RequestStatus


@pytest.fixture
def event(app, make_event):
    return make_event("Public lecture")


def newest_request() -> AccessRequest | None:
    db.session.expire_all()
    return db.session.scalars(select(AccessRequest).order_by(AccessRequest.id.desc())).first()


def required_single_line_ok(value: str, limit: int) -> bool:
    return single_line_ok(value) and 0 < len(value.strip()) <= limit


def optional_multi_line_ok(value: str, limit: int) -> bool:
    if not value.strip():  # blank (spaces, line breaks and whitespace-like controls) is empty
        return True
    return multi_line_ok(value) and len(stored_multi_line(value)) <= limit


def optional_multi_line_stored(value: str) -> str:
    return stored_multi_line(value) if value.strip() else ""


@given(name=TEXT, attendee=SHORT_TEXT, details=SHORT_TEXT, anything_else=TEXT)
def test_asvs_5_1_4_request_form_with_any_text(client, event, name, attendee, details,
                                               anything_else):
    sign = event.offered_types[0]
    before = newest_request()
    response = send(client, f"/events/{event.id}/request", {
        "contact_name": name, "contact_email": "robin@example.net", "contact_channel": "email",
        "for_whom": "someone_else", "attendee_name": attendee,
        "accommodations": str(sign.id), f"details_{sign.id}": details,
        "anything_else": anything_else, "consent": "y"})
    got = {k: as_received(v) for k, v in
           dict(name=name, attendee=attendee, details=details, anything_else=anything_else).items()}
    acceptable = (required_single_line_ok(got["name"], NAME_MAX)
                  and required_single_line_ok(got["attendee"], NAME_MAX)
                  and optional_multi_line_ok(got["details"], DETAILS_MAX)
                  and optional_multi_line_ok(got["anything_else"], MESSAGE_MAX))
    created = newest_request()
    if response.status_code == 303:
        assert acceptable
        assert created is not None and created is not before
        assert created.contact_name == got["name"].strip()
        assert created.attendee_name == got["attendee"].strip()
        assert [i.details for i in created.items] == [optional_multi_line_stored(got["details"])]
        assert created.anything_else == optional_multi_line_stored(got["anything_else"])
    else:
        assert response.status_code in (200, 413)
        assert (created.id if created else None) == (before.id if before else None)
        if response.status_code == 200:
            assert not acceptable
            assert "<title>Error: " in response.get_data(as_text=True)


@given(email=SHORT_TEXT, phone=SHORT_TEXT,
       channel=st.one_of(st.sampled_from(["email", "phone", "video_relay"]), SHORT_TEXT),
       for_whom=st.one_of(st.sampled_from(["me", "someone_else"]), SHORT_TEXT))
def test_asvs_5_1_3_request_form_contact_fields_with_any_text(client, event, email, phone,
                                                              channel, for_whom):
    sign = event.offered_types[0]
    response = send(client, f"/events/{event.id}/request", {
        "contact_name": "Robin Example", "contact_email": email, "contact_channel": channel,
        "contact_phone": phone, "for_whom": for_whom, "attendee_name": "Kim Ōno",
        "accommodations": str(sign.id), "consent": "y"})
    if response.status_code == 303:
        created = newest_request()
        assert created.contact_email == as_received(email).strip()
        assert created.contact_phone == as_received(phone).strip()
        assert single_line_ok(created.contact_email) and single_line_ok(created.contact_phone)


@pytest.fixture
def status_path(make_request, event):
    _, url = make_request(event)
    return urlsplit(url).path


def newest_entry(kind: HistoryKind) -> HistoryEntry | None:
    db.session.expire_all()
    return db.session.scalars(select(HistoryEntry).where(HistoryEntry.kind == kind)
                              .order_by(HistoryEntry.id.desc())).first()


@given(body=TEXT)
def test_asvs_5_1_4_status_page_message_with_any_text(client, status_path, body):
    before = newest_entry(HistoryKind.ATTENDEE_MESSAGE)
    response = send(client, f"{status_path}/message", {"body": body})
    got = as_received(body)
    stored = stored_multi_line(got)
    acceptable = multi_line_ok(got) and 0 < len(stored) <= MESSAGE_MAX
    after = newest_entry(HistoryKind.ATTENDEE_MESSAGE)
    if acceptable:
        assert response.status_code == 303
        assert after is not before and after.body == stored
    else:
        assert response.status_code in (200, 413)
        assert after is before
        if response.status_code == 200:
            assert shows_again(response, kept_multi_line(got, strip=True))


@given(reason=TEXT)
def test_asvs_5_1_4_cancel_with_any_text(client, make_request, event, reason):
    access_request, url = make_request(event)  # a fresh one: a cancel finishes a request
    response = send(client, f"{urlsplit(url).path}/cancel", {"reason": reason})
    got = as_received(reason)
    db.session.expire_all()
    status = db.session.get(AccessRequest, access_request.id).status
    if optional_multi_line_ok(got, MESSAGE_MAX):
        assert response.status_code == 303
        assert status == RequestStatus.CANCELLED
        entry = newest_entry(HistoryKind.STATUS_CHANGED)
        assert entry.request_id == access_request.id
        assert (entry.body or "") == optional_multi_line_stored(got)
    else:
        assert response.status_code in (200, 413)
        assert status == RequestStatus.SUBMITTED


@pytest.fixture
def staff_email(make_staff):
    return make_staff(email="ada@example.org").email


@given(email=st.one_of(SHORT_TEXT, st.just("ada@example.org")), password=TEXT)
def test_asvs_5_1_3_sign_in_with_any_text(client, staff_email, email, password):
    assume(email != staff_email or password != "correct horse battery staple")
    response = send(client, "/staff/login", {"email": email, "password": password})
    assert response.status_code in (200, 413, 429)
