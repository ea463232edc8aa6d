"""A request's staff page: everything shown, the full history, the access log, and each action
(assign, status, reply, note) through its form, with errors that keep what was typed."""

from __future__ import annotations

import re

import pytest
from helpers import count_statements, sign_in
from flask import g
from sqlalchemy import func, select, update

from accessreq.auth.models import Role
from accessreq.extensions import db
from accessreq.notifications.models import EmailStatus, OutgoingEmail
from accessreq.requests.models import (AccessLogEntry, AccessRequest, ContactChannel,
                                       HistoryEntry, HistoryKind)
from accessreq.requests.services import add_attendee_message
from accessreq.requests.states import RequestStatus
from accessreq.timeutil import utcnow
from accessreq.triage import services

ACTIONS = ["assign", "status", "compose"]


@pytest.fixture
def req(make_request, make_event, make_type):
    sign = make_type("Sign language interpretation", 14, details_label="Which sign language?")
    seat = make_type("Wheelchair-accessible seating", 3)
    event = make_event(title="Lecture on captioning", types=[sign, seat])
    request, _url = make_request(
        event=event, types=[sign, seat], details={sign.id: "BSL, please"},
        contact_name="Sam Attendee", contact_email="sam@example.net",
        contact_phone="+44 20 7946 0000", contact_channel=ContactChannel.VIDEO_RELAY,
        attendee_name="Alex Attendee", anything_else="Arriving with a guide dog.")
    return request


def url(request, action: str | None = None) -> str:
    base = f"/staff/requests/{request.id}"
    return f"{base}/{action}" if action else base


def html_of(client, request) -> str:
    response = client.get(url(request))
    assert response.status_code == 200
    return response.get_data(as_text=True)


def fresh(request) -> AccessRequest:
    db.session.expire_all()
    return db.session.get(AccessRequest, request.id)


def emails_to(address: str) -> list[OutgoingEmail]:
    return list(db.session.scalars(select(OutgoingEmail).where(OutgoingEmail.to_address == address)
                                   .order_by(OutgoingEmail.id)))


def history_count(request) -> int:
    return db.session.scalar(select(func.count()).select_from(HistoryEntry)
                             .where(HistoryEntry.request_id == request.id))


# --- what the page shows --------------------------------------------------------------------


def test_the_page_shows_every_detail(signed_in, req):
    html = html_of(signed_in, req)
    for text in (req.reference, "Lecture on captioning", "Sam Attendee",
                 '<a href="mailto:sam@example.net">sam@example.net</a>', "+44 20 7946 0000",
                 "Video relay service", "Someone else: Alex Attendee",
                 "Sign language interpretation", "BSL, please", "Wheelchair-accessible seating",
                 "Arriving with a guide dog.", "Consent to store", "Submitted"):
        assert text in html, text
    assert f"<title>Request {req.reference} — Lecture on captioning" in html
    assert html.count("<h1") == 1


def test_the_page_is_not_cached(signed_in, req):
    response = signed_in.get(url(req))
    assert response.headers["Cache-Control"] == "no-store"


def test_history_is_complete_and_in_order(signed_in, staff, make_staff, req):
    colleague = make_staff(name="Robin Colleague")
    services.assign(req, staff, colleague, expected_version=req.version)
    services.change_status(req, staff, RequestStatus.NEEDS_INFO, "Which day do you attend?",
                           expected_version=req.version)
    add_attendee_message(req, "Only the Tuesday.")
    services.reply(req, colleague, "Thanks, booked for Tuesday.", expected_version=req.version)
    services.add_note(req, staff, "Agency confirmed by phone.", expected_version=req.version)

    html = html_of(signed_in, req)
    history = html.split('id="history"', 1)[1]
    expected_in_order = [
        "Request submitted", "Email: Confirmation to sam@example.net",
        "Assigned to Robin Colleague",
        "Status changed from “Submitted” to “Needs information”", "Which day do you attend?",
        "Email: Update to sam@example.net",
        "Message from the attendee", "Only the Tuesday.",
        "Status changed from “Needs information” to “In review”",
        "Reply to the attendee (emailed)", "Thanks, booked for Tuesday.",
        "Internal note — not shown to the attendee", "Agency confirmed by phone.",
    ]
    positions = [history.find(text) for text in expected_in_order]
    assert -1 not in positions, dict(zip(expected_in_order, positions))
    assert positions == sorted(positions)
    entries = re.findall(r'<li id="history-\d+"', history)
    assert len(entries) == history_count(req)
    assert "by Robin Colleague" in history and "by Attendee" in history
    assert "by Casey Coordinator" in history


def test_internal_notes_are_marked(signed_in, staff, req):
    services.add_note(req, staff, "Keep this between us.", expected_version=req.version)
    html = html_of(signed_in, req)
    note = re.search(r'<li id="history-\d+" class="note-internal">(.*?)</li>', html, re.S)
    assert note is not None
    assert "Internal note — not shown to the attendee" in note.group(1)
    assert "Keep this between us." in note.group(1)


def test_email_entries_show_the_emails_current_status(signed_in, req):
    confirmation = emails_to("sam@example.net")[0]
    html = html_of(signed_in, req)
    assert "Email status: Waiting to send" in html
    confirmation.status = EmailStatus.SENT
    confirmation.sent_at = utcnow()
    db.session.commit()
    assert "Email status: Sent, sent" in html_of(signed_in, req)


def test_viewing_writes_the_access_log_and_lists_viewers(signed_in, staff, make_staff, client, req):
    html_of(signed_in, req)
    entries = list(db.session.scalars(select(AccessLogEntry)
                                      .where(AccessLogEntry.request_id == req.id)))
    assert [(e.staff_id, e.action) for e in entries] == [(staff.id, "view")]
    admin = make_staff(role=Role.ADMIN, name="Ada Admin")
    sign_in(client, admin)
    html = html_of(client, req)
    viewers = html.split("Who has viewed this request", 1)[1]
    assert viewers.index("Ada Admin") < viewers.index("Casey Coordinator")  # newest first


def test_unknown_and_out_of_range_ids_are_404(signed_in):
    assert signed_in.get("/staff/requests/999999").status_code == 404
    assert signed_in.get("/staff/requests/99999999999999999999").status_code == 404
    assert signed_in.post("/staff/requests/999999/compose",
                          data={"compose-body": "x"}).status_code == 404


def test_a_purged_request_says_its_details_were_deleted(signed_in, staff, req):
    req.purged_at = utcnow()
    req.contact_name = "Deleted"
    db.session.commit()
    html = html_of(signed_in, req)
    assert "details of this request were deleted" in html
    assert "Send to attendee" not in html
    response = post(signed_in, req, "note", body="x")
    assert response.status_code == 422
    assert "deleted" in response.get_data(as_text=True)


# --- actions ---------------------------------------------------------------------------------


def post(client, request, action: str, **fields):
    """Post an action form; "reply" and "note" are the composer in that mode, sent with the
    button that matches it."""
    if action in ("reply", "note"):
        fields = {"mode": action, "action": action, **fields}
        action = "compose"
    data = {f"{action}-{k}": v for k, v in fields.items()}
    data.setdefault(f"{action}-version", str(fresh(request).version))
    return client.post(url(request, action), data=data)


def assert_redirected_to_history(response, request) -> None:
    assert response.status_code == 303
    assert response.headers["Location"].endswith(f"/staff/requests/{request.id}#history")


def test_assign_to_me_with_one_click(signed_in, staff, req):
    html = html_of(signed_in, req)
    assert "Assign to me" in html
    response = post(signed_in, req, "assign", assignee="me")
    assert_redirected_to_history(response, req)
    assert fresh(req).assignee_id == staff.id
    entry = fresh(req).history[-1]
    assert (entry.kind, entry.assignee_id, entry.actor_id) == (HistoryKind.ASSIGNED, staff.id,
                                                               staff.id)
    page = signed_in.get(url(req)).get_data(as_text=True)
    assert "now assigned to you" in page
    assert "Assign to me" not in page


def test_assign_to_a_colleague_and_back_to_nobody(signed_in, make_staff, req):
    colleague = make_staff(name="Robin Colleague")
    assert f'<option value="{colleague.id}">Robin Colleague</option>' in html_of(signed_in, req)
    assert_redirected_to_history(post(signed_in, req, "assign", assignee=str(colleague.id)), req)
    assert fresh(req).assignee_id == colleague.id
    assert_redirected_to_history(post(signed_in, req, "assign", assignee="unassigned"), req)
    assert fresh(req).assignee_id is None
    assert [h.kind for h in fresh(req).history].count(HistoryKind.ASSIGNED) == 2


@pytest.mark.parametrize("value", ["", "nobody", "-1", "99999"])
def test_assigning_to_someone_not_in_the_list_is_a_field_error(signed_in, make_staff, req, value):
    make_staff(name="Gone Person", active=False)
    response = post(signed_in, req, "assign", assignee=value)
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert "<title>Error: " in html
    assert "Choose who to assign the request to from the list." in html
    assert fresh(req).assignee_id is None


def test_a_deactivated_colleague_cannot_be_chosen(signed_in, make_staff, req):
    gone = make_staff(name="Gone Person", active=False)
    assert "Gone Person" not in html_of(signed_in, req)
    assert post(signed_in, req, "assign", assignee=str(gone.id)).status_code == 422
    assert fresh(req).assignee_id is None


def test_change_status_emails_the_attendee(signed_in, staff, req):
    html = html_of(signed_in, req)
    options = re.search(r'<select[^>]*name="status-status".*?</select>', html, re.S).group(0)
    assert "Closed" not in options and "In review" in options  # only allowed next statuses
    # Moves that need a message are made with a reply (one email with both), not here.
    assert "Needs information" not in options and "Unable to arrange" not in options
    response = post(signed_in, req, "status", status="in_review")
    assert_redirected_to_history(response, req)
    request = fresh(req)
    assert request.status == RequestStatus.IN_REVIEW
    change = [h for h in request.history if h.kind == HistoryKind.STATUS_CHANGED][-1]
    assert (change.actor_id, change.body) == (staff.id, "")
    update = emails_to("sam@example.net")[-1]
    assert update.template == "attendee_update"
    assert "Being arranged" in update.body_text


def test_the_status_form_refuses_a_move_that_needs_a_message(signed_in, req):
    response = post(signed_in, req, "status", status="needs_info")
    assert response.status_code == 422
    assert "Write a message to the attendee" in response.get_data(as_text=True)
    assert fresh(req).status == RequestStatus.SUBMITTED


def test_a_status_that_needs_a_message_keeps_the_choice_on_error(signed_in, req):
    response = post(signed_in, req, "reply", status="unable", body="   ")
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert "<title>Error: " in html
    assert 'class="error-summary"' in html and 'href="#compose-body"' in html
    assert re.search(r'<option selected value="unable">|<option value="unable" selected>', html)
    assert fresh(req).status == RequestStatus.SUBMITTED


@pytest.mark.parametrize("value,message", [("", "Choose the new status."),
                                           ("bogus", "Choose one of the statuses in the list.")])
def test_a_missing_or_unknown_status_is_a_field_error(signed_in, req, value, message):
    response = post(signed_in, req, "status", status=value)
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert message in html and 'href="#status-status"' in html
    assert fresh(req).status == RequestStatus.SUBMITTED


def test_an_illegal_status_is_refused_with_the_reason(signed_in, req):
    before = history_count(req)
    response = post(signed_in, req, "status", status="closed")
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert "cannot be moved to “Closed”" in html
    assert fresh(req).status == RequestStatus.SUBMITTED
    assert history_count(req) == before


def test_a_final_request_offers_no_status_change(signed_in, req):
    # Straight into the status, behind the state machine's back (the app cannot: transition_to).
    db.session.execute(update(AccessRequest).where(AccessRequest.id == req.id)
                       .values(status=RequestStatus.CANCELLED))
    db.session.commit()
    html = html_of(signed_in, req)
    assert "its status cannot change any more" in html
    assert 'name="status-status"' not in html


def test_reply_is_emailed_and_public(signed_in, staff, req):
    before = len(emails_to("sam@example.net"))
    response = post(signed_in, req, "reply", body="An interpreter is booked.")
    assert_redirected_to_history(response, req)
    reply = fresh(req).public_history[-1]
    assert (reply.kind, reply.body, reply.actor_id) == (HistoryKind.STAFF_REPLY,
                                                        "An interpreter is booked.", staff.id)
    emails = emails_to("sam@example.net")
    assert len(emails) == before + 1
    assert "An interpreter is booked." in emails[-1].body_text


def test_note_queues_no_email_and_is_not_public(signed_in, req):
    emails_before = db.session.scalar(select(func.count()).select_from(OutgoingEmail))
    response = post(signed_in, req, "note", body="Prefers BSL interpreter Jo.")
    assert_redirected_to_history(response, req)
    request = fresh(req)
    assert request.history[-1].kind == HistoryKind.NOTE
    assert all(h.kind != HistoryKind.NOTE for h in request.public_history)
    assert db.session.scalar(select(func.count()).select_from(OutgoingEmail)) == emails_before


@pytest.mark.parametrize("action", ["reply", "note"])
def test_empty_text_is_a_field_error(signed_in, req, action):
    before = history_count(req)
    response = post(signed_in, req, action, body="  ")
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert "<title>Error: " in html
    assert 'href="#compose-body"' in html
    assert 'aria-invalid="true"' in html
    assert history_count(req) == before


@pytest.mark.parametrize("action", ["reply", "note"])
def test_too_long_text_is_refused_and_kept(signed_in, req, action):
    text = "é" * 5001
    response = post(signed_in, req, action, body=text)
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert "under 5000 characters" in html
    assert text in html


@pytest.mark.parametrize("action,fields", [
    ("reply", {"body": "Hello\x00 there\x1b"}),
    ("note", {"body": "\x00Hello there"}),
    ("reply", {"status": "in_review", "body": "Hello\x00 there"}),
])
def test_control_characters_are_refused_not_a_server_error(signed_in, req, action, fields):
    # Since issue 8 control characters are refused with a message (they used to be dropped
    # silently): the text is kept without them, for the person to check and send again.
    before = history_count(req)
    response = post(signed_in, req, action, **fields)
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert "hidden control characters" in html
    assert "\nHello there</textarea>" in html
    assert "\x00" not in html and "\x1b" not in html
    assert history_count(req) == before


@pytest.mark.parametrize("action,fields", [
    ("reply", {"body": "Typed <b>carefully</b>"}),
    ("note", {"body": "Typed <b>carefully</b>"}),
    ("reply", {"status": "arranged", "body": "Typed <b>carefully</b>"}),
])
def test_a_stale_form_is_refused_and_keeps_what_was_typed(signed_in, staff, req, action, fields):
    old_version = fresh(req).version
    services.add_note(req, staff, "Someone else got there first.", expected_version=old_version)
    before = history_count(req)

    response = post(signed_in, req, action, version=str(old_version), **fields)

    assert response.status_code == 409
    html = response.get_data(as_text=True)
    assert "This request changed while you were editing" in html
    assert "Typed &lt;b&gt;carefully&lt;/b&gt;" in html
    assert f'href="/staff/requests/{req.id}"' in html  # reload link
    assert "<title>Error: " in html
    assert history_count(req) == before
    # the form now carries the current version, so sending it again works
    current = fresh(req).version
    assert f'name="compose-version" type="hidden" value="{current}"' in html


def test_a_missing_or_garbled_version_counts_as_stale(signed_in, req):
    response = post(signed_in, req, "note", body="Hello", version="not-a-number")
    assert response.status_code == 409
    assert history_count(req) == len(fresh(req).history)
    assert all(h.kind != HistoryKind.NOTE for h in fresh(req).history)


def test_every_form_carries_the_version(signed_in, req):
    html = html_of(signed_in, req)
    version = fresh(req).version
    for action in ACTIONS:
        assert f'name="{action}-version" type="hidden" value="{version}"' in html


def test_a_coordinator_can_act_on_a_request_assigned_to_someone_else(
        signed_in, staff, make_staff, req):
    colleague = make_staff(name="Robin Colleague")
    req.assignee = colleague
    db.session.commit()
    assert_redirected_to_history(post(signed_in, req, "note", body="Covering for Robin."), req)
    assert_redirected_to_history(post(signed_in, req, "status", status="in_review"), req)
    assert fresh(req).status == RequestStatus.IN_REVIEW


def test_an_admin_uses_the_dashboard_too(client, make_staff, req):
    sign_in(client, make_staff(role=Role.ADMIN))
    assert client.get("/staff/").status_code == 200
    assert_redirected_to_history(post(client, req, "reply", body="Hello from the admin."), req)


# --- sign-in required ---------------------------------------------------------------------------


def test_signed_out_get_redirects_to_sign_in(client, req):
    response = client.get(url(req))
    assert response.status_code == 302
    assert "/staff/login" in response.headers["Location"]
    assert db.session.scalar(select(func.count()).select_from(AccessLogEntry)) == 0


@pytest.mark.parametrize("action", ACTIONS)
def test_signed_out_post_redirects_and_does_nothing(client, req, action):
    before = history_count(req)
    emails_before = db.session.scalar(select(func.count()).select_from(OutgoingEmail))
    response = post(client, req, action, assignee="unassigned", status="in_review",
                    message="x", body="x")
    assert response.status_code == 302
    assert "/staff/login" in response.headers["Location"]
    assert history_count(req) == before
    assert db.session.scalar(select(func.count()).select_from(OutgoingEmail)) == emails_before


# --- cost -----------------------------------------------------------------------------------------


def test_page_cost_does_not_grow_with_history(signed_in, staff, make_staff, req):
    request_id = req.id

    def measure() -> int:
        # As in production, each request starts with an empty session and no cached user
        # (the test's own app context would otherwise keep both across requests).
        db.session.remove()
        g.pop("_login_user", None)
        with count_statements() as statements:
            response = signed_in.get(f"/staff/requests/{request_id}")
        assert response.status_code == 200
        return len(statements)

    short = measure()
    req = db.session.get(AccessRequest, request_id)
    staff = db.session.merge(staff)
    colleague = make_staff()
    for i in range(6):
        services.assign(req, staff, colleague if i % 2 else staff, expected_version=req.version)
        services.reply(req, colleague, f"Reply {i}", expected_version=req.version)
        services.add_note(req, staff, f"Note {i}", expected_version=req.version)
    services.change_status(req, staff, RequestStatus.IN_REVIEW, expected_version=req.version)
    for _ in range(3):
        html_of(signed_in, req)  # a few more access-log rows too
    assert history_count(req) > 25
    assert measure() == short
