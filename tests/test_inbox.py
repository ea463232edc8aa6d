"""The staff inbox (issue 11): unmatched mail scoped by team, listed, searched and paged; one
email's page and its original; turning it into a routed request, attaching it to a request,
dismissing it, each in history and in the email's own log; the one automatic answer a day."""

from __future__ import annotations

from datetime import timedelta
from email import message_from_bytes, policy
from pathlib import Path

import pytest
from sqlalchemy import select

from accessreq.extensions import db
from accessreq.inbound import inbox
from accessreq.inbound.models import InboundLogEntry, InboundMessage, InboundOutcome
from accessreq.inbound.services import store_message
from accessreq.notifications.models import OutgoingEmail
from accessreq.requests.models import AccessRequest, HistoryKind
from accessreq.requests.states import RequestStatus
from accessreq.triage.services import change_status
from accessreq.timeutil import utcnow
from helpers import sign_in

CORPUS_DIR = Path(__file__).parent / "data" / "mail"
ACK = "inbound_unmatched_ack"

pytestmark = pytest.mark.app_config(MAIL_DEFAULT_SENDER="Access team <access@example.org>")


def mail(*, sender="robin@example.com", name="Robin Stranger", subject="Access question",
         body="Hello, can I bring my assistance dog?", message_id=None, headers=""):
    message_id = message_id or f"<{abs(hash((sender, subject, body)))}@example.com>"
    return (f"From: {name} <{sender}>\r\nTo: access@example.org\r\nSubject: {subject}\r\n"
            f"Message-ID: {message_id}\r\n{headers}"
            f"Content-Type: text/plain; charset=utf-8\r\n\r\n{body}\r\n").encode()


def store(raw: bytes) -> InboundMessage:
    result = store_message(raw, source="pipe")
    return db.session.get(InboundMessage, result.message_id)


def answers() -> list[OutgoingEmail]:
    return list(db.session.scalars(select(OutgoingEmail).where(OutgoingEmail.template == ACK)))


def log_actions(message: InboundMessage) -> list[tuple[str, int | None]]:
    db.session.expire_all()
    return [(e.action, e.staff_id) for e in db.session.scalars(
        select(InboundLogEntry).where(InboundLogEntry.inbound_id == message.id)
        .order_by(InboundLogEntry.id))]


@pytest.fixture
def teams(make_teams):
    return make_teams(route_seating=True, members=True)


# --- scope ------------------------------------------------------------------------------------


def test_unmatched_mail_goes_to_the_host_default_team_and_is_not_found_by_others(
        client, teams, admin, staff):
    message = store(mail())
    assert message.outcome == InboundOutcome.UNMATCHED
    assert message.team_id == teams["comms"].id
    url = f"/staff/inbox/{message.id}"
    sign_in(client, teams["comms_member"])
    assert "Access question" in client.get("/staff/inbox/").get_data(as_text=True)
    assert client.get(url).status_code == 200
    for outsider in (teams["front_member"], staff):  # another team; in no team
        sign_in(client, outsider)
        assert client.get(url).status_code == 404
        assert client.get(url + "/original.eml").status_code == 404
        assert client.post(url + "/dismiss").status_code == 404
        assert client.get(f"/staff/requests/new?inbound={message.id}").status_code == 404
        assert "Access question" not in client.get("/staff/inbox/").get_data(as_text=True)
    sign_in(client, admin)
    assert client.get(url).status_code == 200


def test_without_a_default_team_every_coordinator_sees_unmatched_mail(client, app, staff):
    message = store(mail())
    assert message.team_id is None
    sign_in(client, staff)
    assert client.get(f"/staff/inbox/{message.id}").status_code == 200


def test_refused_mail_is_for_admins_only(client, staff, admin):
    message = store(mail(headers="Precedence: bulk\r\n"))
    assert message.outcome == InboundOutcome.REFUSED
    sign_in(client, staff)
    assert client.get(f"/staff/inbox/{message.id}").status_code == 404
    sign_in(client, admin)
    assert client.get(f"/staff/inbox/{message.id}").status_code == 200


# --- the list -----------------------------------------------------------------------------------


def test_the_list_is_newest_first_searchable_and_paged(client, staff, monkeypatch):
    first = store(mail(sender="ann@example.com", name="Ann Early", subject="Hearing loop"))
    second = store(mail(sender="bo@example.com", name="Bo Later", subject="Ramp at the door",
                        body="<b>Is there a ramp?</b> " + "words " * 60))
    second.received_at = first.received_at + timedelta(minutes=5)
    db.session.commit()
    sign_in(client, staff)
    html = client.get("/staff/inbox/").get_data(as_text=True)
    assert html.index("Ramp at the door") < html.index("Hearing loop")
    assert "&lt;b&gt;Is there a ramp?&lt;/b&gt;" in html and "<b>Is there" not in html
    assert "…" in html  # the preview is cut short
    for q in ("ann@", "early", "HEARING"):
        found = client.get("/staff/inbox/", query_string={"q": q}).get_data(as_text=True)
        assert "Hearing loop" in found and "Ramp at the door" not in found
    nothing = client.get("/staff/inbox/", query_string={"q": "100%_"}).get_data(as_text=True)
    assert "No email in the inbox matches" in nothing
    monkeypatch.setattr(inbox, "PER_PAGE", 1)
    page_two = client.get("/staff/inbox/?page=2").get_data(as_text=True)
    assert "Hearing loop" in page_two and "Ramp at the door" not in page_two
    assert client.get("/staff/inbox/?page=9").status_code == 302


def test_the_empty_inbox_says_what_arrives_there(client, staff):
    sign_in(client, staff)
    html = client.get("/staff/inbox/").get_data(as_text=True)
    assert "The inbox is empty" in html


# --- one email ----------------------------------------------------------------------------------


def test_the_message_page_shows_text_headers_attachments_and_logs_the_view(client, staff):
    raw = (CORPUS_DIR / "attachment_unmatched.eml").read_bytes()
    message = store(raw)
    sign_in(client, staff)
    html = client.get(f"/staff/inbox/{message.id}").get_data(as_text=True)
    assert "I attach the list" in html and "my needs.pdf" in html
    assert "robin@example.com" in html and "Download the original (.eml)" in html
    assert log_actions(message)[-1] == (inbox.VIEW, staff.id)
    response = client.get(f"/staff/inbox/{message.id}/original.eml")
    assert response.data == raw
    assert response.headers["Content-Type"] == "message/rfc822"
    assert response.headers["Content-Disposition"].startswith("attachment;")
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Cache-Control"] == "no-store"
    assert log_actions(message)[-1] == (inbox.ORIGINAL, staff.id)


def test_dismiss_takes_it_out_of_the_inbox_keeps_it_and_logs_who(client, staff):
    message = store(mail())
    sign_in(client, staff)
    response = client.post(f"/staff/inbox/{message.id}/dismiss",
                           data={"reason": "A sales pitch"})
    assert response.status_code == 303
    db.session.expire_all()
    kept = db.session.get(InboundMessage, message.id)
    assert kept.outcome == InboundOutcome.DISMISSED and "A sales pitch" in kept.reason
    assert (inbox.DISMISSED, staff.id) in log_actions(message)
    assert "Access question" not in client.get("/staff/inbox/").get_data(as_text=True)
    again = client.post(f"/staff/inbox/{message.id}/dismiss", data={})
    assert again.status_code == 303
    assert "no longer in the inbox" in client.get(again.location).get_data(as_text=True)


def test_a_too_long_dismiss_reason_is_refused_beside_the_field(client, staff):
    message = store(mail())
    sign_in(client, staff)
    response = client.post(f"/staff/inbox/{message.id}/dismiss", data={"reason": "x" * 400})
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert "<title>Error: " in html and "280 characters or fewer" in html


# --- turn into a request ------------------------------------------------------------------------


def test_an_unmatched_corpus_email_becomes_a_routed_request(client, teams):
    message = store((CORPUS_DIR / "attachment_unmatched.eml").read_bytes())
    member = teams["comms_member"]
    sign_in(client, member)
    page = client.get(f"/staff/inbox/{message.id}").get_data(as_text=True)
    assert f'href="/staff/requests/new?inbound={message.id}"' in page
    choose = client.get(f"/staff/requests/new?inbound={message.id}").get_data(as_text=True)
    event = teams["event"]
    assert f"/staff/requests/new?event={event.id}&amp;inbound={message.id}" in choose
    form = client.get(f"/staff/requests/new?event={event.id}&inbound={message.id}")
    html = form.get_data(as_text=True)
    assert 'value="robin@example.com"' in html and 'value="Robin Stranger"' in html
    assert "I attach the list" in html
    response = client.post(f"/staff/requests/new?event={event.id}&inbound={message.id}", data={
        "received_via": "email", "contact_name": "Robin Stranger",
        "contact_email": "robin@example.com", "email_updates": "yes",
        "contact_channel": "email", "for_whom": "me",
        "accommodations": [str(teams["seat"].id)], f"details_{teams['seat'].id}": "Aisle",
        "consent": "y", "anything_else": "From their email"})
    assert response.status_code == 303
    access_request = db.session.scalars(select(AccessRequest)).one()
    assert access_request.team == teams["front"]  # routing applied (seating rule)
    db.session.expire_all()
    linked = db.session.get(InboundMessage, message.id)
    assert (linked.outcome, linked.request_id) == (InboundOutcome.MATCHED, access_request.id)
    submitted = next(e for e in access_request.history if e.kind == HistoryKind.SUBMITTED)
    assert submitted.inbound_id == message.id
    assert "It came from an email from Robin Stranger <robin@example.com>" in submitted.body
    assert (inbox.MADE_REQUEST, member.id) in log_actions(message)
    # Once linked, the form no longer opens from it.
    assert client.get(f"/staff/requests/new?inbound={message.id}").status_code == 404


# --- attach -------------------------------------------------------------------------------------


@pytest.fixture
def asked(make_request, staff):
    access_request, _ = make_request(contact_name="Sam Attendee", contact_email="sam@example.net")
    change_status(access_request, staff, RequestStatus.NEEDS_INFO, message="Which language?")
    return access_request


def test_the_chooser_finds_requests_by_reference_or_name(client, staff, asked):
    message = store(mail(sender="sam@example.net", name="Sam"))
    sign_in(client, staff)
    url = f"/staff/inbox/{message.id}/attach"
    for q in (asked.reference.lower(), "sam att"):
        html = client.get(url, query_string={"q": q}).get_data(as_text=True)
        assert f"Attach to {asked.reference}" in html and "From the contact" in html
    none = client.get(url, query_string={"q": "nobody"}).get_data(as_text=True)
    assert "No request you can see matches" in none


def test_attaching_the_contacts_email_makes_it_their_message_and_moves_the_status(
        client, staff, asked):
    message = store(mail(sender="SAM@example.net", name="Sam", body="BSL please, thanks"))
    sign_in(client, staff)
    response = client.post(f"/staff/inbox/{message.id}/attach",
                           data={"request_id": str(asked.id)})
    assert response.location.endswith(f"/staff/requests/{asked.id}")
    db.session.expire_all()
    access_request = db.session.get(AccessRequest, asked.id)
    assert access_request.status == RequestStatus.IN_REVIEW
    entry = access_request.history[-1] if access_request.history[-1].kind == \
        HistoryKind.ATTENDEE_MESSAGE else next(
        e for e in access_request.history if e.kind == HistoryKind.ATTENDEE_MESSAGE)
    assert entry.inbound_id == message.id and "BSL please" in entry.body
    assert db.session.get(InboundMessage, message.id).request_id == asked.id
    assert (inbox.ATTACHED, staff.id) in log_actions(message)
    page = client.get(f"/staff/requests/{asked.id}").get_data(as_text=True)
    assert f'href="/staff/inbox/{message.id}"' in page


def test_attaching_someone_elses_email_is_staff_only_and_changes_nothing(
        client, staff, asked, make_staff):
    message = store(mail(sender="pa@example.org", name="Pat Assistant", body="On Sam's behalf"))
    sign_in(client, staff)
    client.post(f"/staff/inbox/{message.id}/attach", data={"request_id": str(asked.id)})
    db.session.expire_all()
    access_request = db.session.get(AccessRequest, asked.id)
    assert access_request.status == RequestStatus.NEEDS_INFO
    kinds = [e.kind for e in access_request.history]
    assert HistoryKind.ATTENDEE_MESSAGE not in kinds
    entry = next(e for e in access_request.history if e.kind == HistoryKind.EMAIL_ATTACHED)
    assert entry.inbound_id == message.id
    assert "Email from Pat Assistant <pa@example.org> attached by Casey Coordinator" in entry.body


def test_a_request_the_person_cannot_see_cannot_be_attached_to(client, teams, make_request):
    access_request, _ = make_request(event=teams["event"], types=[teams["seat"]])
    assert access_request.team == teams["front"]
    message = store(mail())
    sign_in(client, teams["comms_member"])
    found = client.get(f"/staff/inbox/{message.id}/attach",
                       query_string={"q": access_request.reference}).get_data(as_text=True)
    assert f"Attach to {access_request.reference}" not in found
    client.post(f"/staff/inbox/{message.id}/attach", data={"request_id": str(access_request.id)})
    db.session.expire_all()
    assert db.session.get(InboundMessage, message.id).outcome == InboundOutcome.UNMATCHED


# --- the automatic answer -----------------------------------------------------------------------


def test_one_automatic_answer_per_sender_per_day(app):
    store(mail(subject="One"))
    store(mail(sender="ROBIN@example.com", subject="Two"))
    store(mail(sender="other@example.com", subject="Three"))
    sent = answers()
    assert sorted(e.to_address.lower() for e in sent) == ["other@example.com",
                                                          "robin@example.com"]
    headers = message_from_bytes(sent[0].mime, policy=policy.default)
    assert headers["Auto-Submitted"] == "auto-replied"
    assert headers["In-Reply-To"]
    db.session.execute(InboundLogEntry.__table__.update().values(
        at=utcnow() - timedelta(days=2)))
    db.session.commit()
    store(mail(subject="Four"))
    assert len(answers()) == 3


@pytest.mark.parametrize("headers", ["Auto-Submitted: auto-generated\r\n",
                                     "Precedence: bulk\r\n", "List-Id: <news.example.com>\r\n"])
def test_no_automatic_answer_to_automatic_mail(app, headers):
    store(mail(headers=headers))
    assert answers() == []


def test_no_automatic_answer_to_our_own_address_or_a_daemon(app):
    store(mail(sender="access@example.org"))
    store(mail(sender="mailer-daemon@example.com"))
    store(mail(sender="no-reply@example.com"))
    assert answers() == []


def test_the_answer_links_to_the_events_list(app):
    store(mail())
    email = answers()[0]
    assert "/events" in email.body_text or "http" in email.body_text


def test_the_purge_deletes_old_dismissed_and_unmatched_mail_with_its_log(client, staff):
    from accessreq.inbound.services import purge_inbound

    old, dismissed, recent = (store(mail(subject=s)) for s in ("Old", "Dismissed", "Recent"))
    sign_in(client, staff)
    client.get(f"/staff/inbox/{old.id}")
    client.post(f"/staff/inbox/{dismissed.id}/dismiss", data={"reason": "Spam"})
    long_ago = utcnow() - timedelta(days=400)
    for message in (old, dismissed):
        db.session.get(InboundMessage, message.id).received_at = long_ago
    db.session.commit()
    logged = {e.inbound_id for e in db.session.scalars(select(InboundLogEntry))}
    assert logged == {old.id, dismissed.id}  # (the day's one automatic answer went with "Old")
    assert purge_inbound(utcnow()) == 2
    left = db.session.scalars(select(InboundMessage.subject)).all()
    assert left == ["Recent"]
    assert db.session.scalars(select(InboundLogEntry)).all() == []


def test_an_email_dealt_with_while_the_form_was_open_is_refused_above_the_form(client, teams):
    message = store(mail())
    event = teams["event"]
    sign_in(client, teams["comms_member"])
    client.post(f"/staff/inbox/{message.id}/dismiss", data={})
    response = client.post(f"/staff/requests/new?event={event.id}&inbound={message.id}", data={
        "received_via": "email", "contact_name": "Robin Stranger",
        "contact_email": "robin@example.com", "email_updates": "yes",
        "contact_channel": "email", "for_whom": "me",
        "accommodations": [str(teams["sign"].id)], "consent": "y"})
    assert response.status_code == 422
    assert "no longer in the inbox" in response.get_data(as_text=True)
    assert 'value="Robin Stranger"' in response.get_data(as_text=True)
    assert db.session.scalars(select(AccessRequest)).all() == []
