"""Bounces staff can act on (issue 11): the request page warns when the attendee's latest email
bounced, and staff correct the address, which sends that email again to the new one."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import func, select

from accessreq.auth.models import Role
from accessreq.extensions import db
from accessreq.inbound.services import store_message
from accessreq.notifications.models import OutgoingEmail
from accessreq.notifications.sender import send_due_emails
from accessreq.requests.models import AccessRequest, HistoryKind
from accessreq.requests.states import RequestStatus
from accessreq.routing.models import Organisation, Team
from accessreq.triage.services import change_status, correct_contact_email
from helpers import sign_in

CORPUS_DIR = Path(__file__).parent / "data" / "mail"

pytestmark = pytest.mark.app_config(MAIL_DEFAULT_SENDER="Access team <access@example.org>")


def fresh(access_request: AccessRequest) -> AccessRequest:
    db.session.expire_all()
    return db.session.get(AccessRequest, access_request.id)


def attendee_emails(access_request: AccessRequest, to: str | None = None) -> list[OutgoingEmail]:
    query = select(OutgoingEmail).where(
        OutgoingEmail.request_id == access_request.id,
        OutgoingEmail.template.in_(("request_received", "attendee_update")))
    if to is not None:
        query = query.where(OutgoingEmail.to_address == to)
    return list(db.session.scalars(query.order_by(OutgoingEmail.id)))


def bounce(access_request: AccessRequest, email: OutgoingEmail) -> None:
    """The corpus's delivery report (tests/data/mail/dsn_bounce.eml) on ``email``."""
    raw = (CORPUS_DIR / "dsn_bounce.eml").read_bytes()
    for key, value in {"OUR_MESSAGE_ID": email.message_id, "REFERENCE": access_request.reference,
                       "CONTACT": email.to_address}.items():
        raw = raw.replace(f"{{{{{key}}}}}".encode(), value.encode())
    # Each report is its own message (the same Message-ID would be stored once).
    raw = raw.replace(b"<dsn-0001@", f"<dsn-{email.id}@".encode())
    result = store_message(raw, source="pipe")
    assert (result.outcome, result.duplicate) == ("bounce", False)


@pytest.fixture
def bounced(make_request, staff, smtp_server):
    """A request waiting on the attendee whose latest email (the question) was sent and
    bounced: the address had a typo."""
    access_request, status_url = make_request(contact_email="sam@exmaple.net")
    change_status(access_request, staff, RequestStatus.NEEDS_INFO, message="Which language?")
    send_due_emails()
    bounce(access_request, attendee_emails(access_request)[-1])
    return fresh(access_request), status_url


def page(client, access_request: AccessRequest):
    return client.get(f"/staff/requests/{access_request.id}")


def correct(client, access_request: AccessRequest, email: str, version: int | None = None):
    return client.post(f"/staff/requests/{access_request.id}/correct-email", data={
        "correct_email-email": email,
        "correct_email-version": str(access_request.version if version is None else version)})


def test_the_request_page_warns_with_the_servers_words(bounced, signed_in, client):
    access_request, status_url = bounced
    html = page(client, access_request).get_data(as_text=True)
    top = html[:html.index("<dl class=\"facts\">")]  # at the top, before the request's facts
    assert "Emails to sam@exmaple.net are not arriving" in top
    assert "550 5.1.1 No such user" in top
    assert "Check the address with the attendee by another way" in top
    assert "Correct the email address and send again" in top
    assert 'name="correct_email-email"' in top
    # The attendee's status page shows none of it.
    public = client.get(status_url).get_data(as_text=True)
    assert "bounced" not in public and "not arriving" not in public
    assert "550" not in public and "Correct the email" not in public


def test_no_warning_without_a_bounce(make_request, signed_in, client):
    access_request, _ = make_request()
    html = page(client, access_request).get_data(as_text=True)
    assert "are not arriving" not in html and "correct-email" not in html


def test_correcting_records_history_changes_the_address_and_sends_the_email_again(
        bounced, staff, signed_in, client, smtp_server):
    access_request, status_url = bounced
    before = db.session.scalar(select(func.count(OutgoingEmail.id)))
    response = correct(client, access_request, "  sam@example.net ")
    assert response.status_code == 303
    assert response.headers["Location"].endswith(f"/staff/requests/{access_request.id}#history")
    access_request = fresh(access_request)
    assert access_request.contact_email == "sam@example.net"
    entry = next(e for e in reversed(access_request.history)
                 if e.kind == HistoryKind.EMAIL_CORRECTED)
    assert not entry.is_public and entry.actor_id == staff.id
    assert "sam@exmaple.net" in entry.body and "sam@example.net" in entry.body
    # Exactly one email more, to the new address: the update that bounced, built again.
    assert db.session.scalar(select(func.count(OutgoingEmail.id))) == before + 1
    [again] = attendee_emails(access_request, to="sam@example.net")
    assert again.template == "attendee_update" and again.bounced_at is None
    html = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "The email address is now sam@example.net" in html
    assert "queued again" in html
    assert "are not arriving" not in html  # the latest email to the attendee did not bounce
    assert "The attendee's email address was corrected" in html
    # It goes out with a fresh status link that works; the old one was replaced as usual.
    send_due_emails()
    [message] = smtp_server.to("sam@example.net")
    assert "Which language?" in message.get_body(("plain",)).get_content()
    link = next(w for w in message.get_body(("plain",)).get_content().split()
                if w.startswith("http://accessreq.test/r/"))
    assert link != status_url
    assert client.get(link.removeprefix("http://accessreq.test")).status_code == 200
    public = client.get(link.removeprefix("http://accessreq.test")).get_data(as_text=True)
    assert "corrected" not in public and "exmaple" not in public


def test_the_warning_comes_back_when_the_new_address_bounces_too(bounced, signed_in, client):
    access_request, _ = bounced
    correct(client, access_request, "sam@example.net")
    send_due_emails()
    access_request = fresh(access_request)
    bounce(access_request, attendee_emails(access_request)[-1])
    html = page(client, access_request).get_data(as_text=True)
    assert "Emails to sam@example.net are not arriving" in html


@pytest.mark.parametrize(("typed", "error"), [
    ("", "Enter the attendee&#39;s correct email address"),
    ("sam at example", "Enter an email address in the correct format"),
    ("x" * 250 + "@example.net", "254 characters or fewer"),
    ("SAM@exmaple.net", "sam@exmaple.net is the address that bounced"),
])
def test_an_invalid_address_is_shown_beside_the_field_and_nothing_changes(
        bounced, signed_in, client, typed, error):
    access_request, _ = bounced
    before = db.session.scalar(select(func.count(OutgoingEmail.id)))
    history = len(access_request.history)
    response = correct(client, access_request, typed)
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert "<title>Error: " in html and 'class="error-summary"' in html
    field = html[html.index('id="correct_email-email-error"') - 400:]
    assert error in field[:1200]
    assert f'value="{typed.strip()}"' in html or typed == ""  # what was typed is kept
    assert 'aria-invalid="true"' in html
    access_request = fresh(access_request)
    assert access_request.contact_email == "sam@exmaple.net"
    assert len(access_request.history) == history
    assert db.session.scalar(select(func.count(OutgoingEmail.id))) == before


def test_a_stale_version_is_refused(bounced, signed_in, client):
    access_request, _ = bounced
    old_version = access_request.version
    client.post(f"/staff/requests/{access_request.id}/compose", data={
        "compose-mode": "note", "compose-body": "Phoned, no answer.",
        "compose-version": str(old_version)})
    access_request = fresh(access_request)
    assert access_request.version != old_version
    response = correct(client, access_request, "sam@example.net", version=old_version)
    assert response.status_code == 409
    html = response.get_data(as_text=True)
    assert "This request changed while you were editing" in html
    assert 'value="sam@example.net"' in html
    assert fresh(access_request).contact_email == "sam@exmaple.net"
    assert attendee_emails(access_request, to="sam@example.net") == []


def test_another_teams_request_is_not_found(bounced, make_staff, client):
    access_request, _ = bounced
    theirs = Team(organisation=Organisation(name="Museum Centre"), name="Front of house",
                  notification_email="foh@example.org")
    mine = Team(organisation=theirs.organisation, name="Publications",
                notification_email="pub@example.org")
    outsider = make_staff(Role.COORDINATOR)
    mine.members.append(outsider)
    db.session.add_all([theirs, mine])
    access_request.team = theirs
    db.session.commit()
    sign_in(client, outsider)
    assert page(client, access_request).status_code == 404
    assert correct(client, access_request, "sam@example.net").status_code == 404
    assert fresh(access_request).contact_email == "sam@exmaple.net"


def test_a_correction_made_meanwhile_by_a_colleague_refuses_a_second_one(
        bounced, make_staff, signed_in, client):
    access_request, _ = bounced
    old_version = access_request.version
    correct_contact_email(access_request, make_staff(name="Bea"), "sam@example.net",
                          expected_version=old_version)
    response = correct(client, access_request, "sam@example.org", version=old_version)
    assert response.status_code == 409
    html = response.get_data(as_text=True)
    assert "This request changed while you were editing" in html
    assert 'href="#correct_email-email"' in html and 'id="correct_email-email"' in html
    assert 'value="sam@example.org"' in html and "are not arriving" not in html
    assert len(attendee_emails(fresh(access_request), to="sam@example.net")) == 1
    # Sent anyway with the new version: refused, as nothing bounced since.
    response = correct(client, fresh(access_request), "sam@example.org")
    assert response.status_code == 422
    assert "did not bounce" in response.get_data(as_text=True)
    assert fresh(access_request).contact_email == "sam@example.net"
