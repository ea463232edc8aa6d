"""Canned replies (issue 13): admins write replies the team sends often, with placeholders
checked when saved; a request's page offers the ones that fit it, and choosing one fills the
composer, to be sent (or not) as a normal reply."""

from __future__ import annotations

import html
import re

import pytest
from sqlalchemy import select

from accessreq.auth.models import Role
from accessreq.extensions import db
from accessreq.notifications.sender import send_due_emails
from accessreq.requests.models import AccessRequest, HistoryKind
from accessreq.requests.states import RequestStatus
from accessreq.triage import canned
from accessreq.triage.models import CannedReply
from accessreq.triage.services import change_status
from helpers import sign_in, text_body

ATTENDEE = "sam@example.net"


def fresh(access_request) -> AccessRequest:
    db.session.expire_all()
    return db.session.get(AccessRequest, access_request.id)


def add(title: str, body: str, kind=None, status=None) -> CannedReply:
    return canned.save_canned_reply(None, None, canned.CannedReplyDetails(
        title=title, body=body, accommodation_type=kind, status=status))


def composer_body(page: str) -> str:
    found = re.search(r'<textarea[^>]*name="compose-body"[^>]*>(.*?)</textarea>', page, re.S)
    assert found, "no composer"
    return html.unescape(found.group(1)).strip()


def canned_titles(page: str) -> list[str]:
    if 'id="canned-title"' not in page:
        return []
    block = page.split('id="canned-title"', 1)[1].split("</ul>", 1)[0]
    return [html.unescape(t) for t in re.findall(r">Use “(.*?)”</a>", block)]


@pytest.fixture
def interpreting(make_type):
    return make_type("Sign language interpretation")


@pytest.fixture
def seating(make_type):
    return make_type("Step-free seating")


@pytest.fixture
def req(make_event, make_request, interpreting, seating):
    event = make_event(title="Cities that listen", types=[interpreting, seating])
    return make_request(event=event, types=[interpreting], contact_name="Sam Q Attendee",
                        contact_email=ATTENDEE)[0]


# --- the admin pages ----------------------------------------------------------------------


def test_an_admin_adds_changes_and_deletes_a_canned_reply(admin_client, admin, interpreting):
    page = admin_client.get("/admin/replies").get_data(as_text=True)
    assert "There are no canned replies yet." in page
    assert admin_client.get("/admin/replies/new").status_code == 200

    response = admin_client.post("/admin/replies/new", data={
        "title": "Interpreter confirmed", "body": "Hello {first_name},\r\n\r\nBooked.\r\n{team}",
        "accommodation": str(interpreting.id), "status": "in_review", "position": ""})
    assert response.status_code == 303
    reply = db.session.scalars(select(CannedReply)).one()
    assert (reply.title, reply.body) == ("Interpreter confirmed",
                                         "Hello {first_name},\n\nBooked.\n{team}")
    assert reply.accommodation_type_id == interpreting.id
    assert reply.for_status is RequestStatus.IN_REVIEW
    assert reply.updated_by_id == admin.id
    page = admin_client.get("/admin/replies").get_data(as_text=True)
    assert "Interpreter confirmed" in page and "Sign language interpretation" in page

    edit = admin_client.get(f"/admin/replies/{reply.id}").get_data(as_text=True)
    assert "Hello {first_name}," in edit
    response = admin_client.post(f"/admin/replies/{reply.id}", data={
        "title": "Interpreter booked", "body": "Booked for {event} on {event_date}.",
        "accommodation": "", "status": "", "position": "7"})
    assert response.status_code == 303
    db.session.expire_all()
    reply = db.session.get(CannedReply, reply.id)
    assert (reply.title, reply.accommodation_type_id, reply.for_status, reply.position) == (
        "Interpreter booked", None, None, 7)

    assert admin_client.post(f"/admin/replies/{reply.id}/delete").status_code == 303
    assert db.session.scalars(select(CannedReply)).all() == []
    assert admin_client.get(f"/admin/replies/{reply.id}").status_code == 404


@pytest.mark.parametrize("body, words", [
    ("Hello {name}, it is booked.", "“{name}” is not a placeholder a canned reply can use"),
    ("Hello {first_name, it is booked.", "without its partner"),
    ("Hello first_name}, it is booked.", "without its partner"),
])
def test_an_unknown_placeholder_or_a_lone_brace_is_refused_beside_the_body(
        admin_client, body, words):
    response = admin_client.post("/admin/replies/new", data={
        "title": "Booked", "body": body, "accommodation": "", "status": ""})
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert words in html.unescape(page)
    assert re.search(r'id="body-error"', page)
    assert html.escape(body, quote=False) in page  # what was typed is kept
    assert 'value="Booked"' in page
    assert db.session.scalars(select(CannedReply)).all() == []


def test_a_refused_change_keeps_the_reply_as_it_was(admin_client):
    reply = add("Booked", "Booked, {first_name}.")
    response = admin_client.post(f"/admin/replies/{reply.id}", data={
        "title": "Booked", "body": "Booked, {attendee_name}.", "accommodation": "",
        "status": ""})
    assert response.status_code == 422
    db.session.expire_all()
    assert db.session.get(CannedReply, reply.id).body == "Booked, {first_name}."


def test_filters_must_be_from_the_lists(admin_client):
    response = admin_client.post("/admin/replies/new", data={
        "title": "Booked", "body": "Booked.", "accommodation": "99999", "status": "sleeping"})
    assert response.status_code == 422
    page = html.unescape(response.get_data(as_text=True))
    assert "Choose an accommodation from the list" in page
    assert "Choose a status from the list" in page


def test_a_coordinator_cannot_reach_the_admin_pages(client, make_staff):
    reply = add("Booked", "Booked.")
    sign_in(client, make_staff(Role.COORDINATOR))
    for url in ("/admin/replies", "/admin/replies/new", f"/admin/replies/{reply.id}"):
        assert client.get(url).status_code == 403, url
    for url in ("/admin/replies/new", f"/admin/replies/{reply.id}",
                f"/admin/replies/{reply.id}/delete"):
        assert client.post(url, data={"title": "Mine", "body": "x"}).status_code == 403, url
    db.session.expire_all()
    assert [r.title for r in db.session.scalars(select(CannedReply))] == ["Booked"]


# --- on a request's page --------------------------------------------------------------------


def test_the_request_page_lists_only_the_replies_that_fit(signed_in, staff, req,
                                                           interpreting, seating):
    add("For anyone", "Thank you.")
    add("Interpreter confirmed", "Booked.", kind=interpreting)
    add("Seat reserved", "Reserved.", kind=seating)
    # A status is the one the reply goes with: offered while the request may move there.
    add("Still looking", "Looking.", status=RequestStatus.IN_REVIEW)
    add("Interpreter booked", "Booked.", kind=interpreting, status=RequestStatus.ARRANGED)
    add("Closing", "Thank you for coming.", status=RequestStatus.CLOSED)
    page = signed_in.get(f"/staff/requests/{req.id}").get_data(as_text=True)
    assert canned_titles(page) == ["For anyone", "Interpreter confirmed", "Still looking",
                                   "Interpreter booked"]
    change_status(req, staff, RequestStatus.IN_REVIEW)
    page = signed_in.get(f"/staff/requests/{req.id}").get_data(as_text=True)
    assert canned_titles(page) == ["For anyone", "Interpreter confirmed", "Interpreter booked"]


def test_no_list_when_nothing_fits(signed_in, req, seating):
    add("Seat reserved", "Reserved.", kind=seating)
    page = signed_in.get(f"/staff/requests/{req.id}").get_data(as_text=True)
    assert 'id="canned-title"' not in page
    assert composer_body(page) == ""


def test_choosing_one_fills_the_composer_for_this_request(signed_in, req, interpreting):
    reply = add("Interpreter confirmed",
                "Hello {first_name},\n\nAn interpreter is booked for {event} on {event_date} "
                "({reference}).\n\n{team}", kind=interpreting)
    page = signed_in.get(f"/staff/requests/{req.id}").get_data(as_text=True)
    link = f'/staff/requests/{req.id}?reply={reply.id}#compose'
    assert f'href="{link}"' in page
    assert composer_body(page) == ""  # nothing is filled until one is chosen

    response = signed_in.get(f"/staff/requests/{req.id}?reply={reply.id}")
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    starts = req.event.starts_at
    values = canned.values_for(req)
    assert values["first_name"] == "Sam"
    assert values["event_date"].endswith(f"{starts:%B %Y}")
    assert composer_body(page) == (
        f"Hello Sam,\n\nAn interpreter is booked for Cities that listen on "
        f"{values['event_date']} ({req.reference}).\n\n{values['team']}")
    assert "“Interpreter confirmed” is in the box below" in html.unescape(page)
    # Nothing was sent or saved by choosing it, and nobody's choice is made for them.
    assert all(h.kind is not HistoryKind.STAFF_REPLY for h in fresh(req).history)
    composer = page.split('id="compose-title"', 1)[1].split("</section>", 1)[0]
    assert "checked" not in composer


def test_a_reply_that_does_not_fit_or_does_not_exist_fills_nothing(signed_in, req, seating):
    other = add("Seat reserved", "Reserved.", kind=seating)
    for value in (str(other.id), "99999", "not-a-number", "-1", "99999999999"):
        response = signed_in.get(f"/staff/requests/{req.id}?reply={value}")
        assert response.status_code == 200, value
        assert composer_body(response.get_data(as_text=True)) == "", value


def test_sending_it_is_a_normal_reply_emailed_through_the_outbox(
        signed_in, staff, req, interpreting, smtp_server):
    reply = add("Interpreter confirmed", "Hello {first_name}, an interpreter is booked.",
                kind=interpreting)
    page = signed_in.get(f"/staff/requests/{req.id}?reply={reply.id}").get_data(as_text=True)
    text = composer_body(page) + " Jo will meet you."  # staff may change it before sending
    response = signed_in.post(f"/staff/requests/{req.id}/compose", data={
        "compose-mode": "reply", "compose-action": "reply", "compose-body": text,
        "compose-version": str(fresh(req).version)})
    assert response.status_code == 303
    replies = [h for h in fresh(req).history if h.kind is HistoryKind.STAFF_REPLY]
    assert [(h.body, h.actor_id) for h in replies] == [
        ("Hello Sam, an interpreter is booked. Jo will meet you.", staff.id)]
    assert send_due_emails().dead == 0
    [message] = [m for m in smtp_server.to(ATTENDEE)
                 if "an interpreter is booked" in text_body(m)]
    assert "Jo will meet you." in text_body(message)


def test_a_reply_that_goes_with_a_status_chooses_it_in_the_composer(signed_in, staff, req,
                                                                    interpreting):
    """"Need more details" goes with Needs information: choosing it fills the box and chooses
    that status, which staff may still change; sending moves the request with one email."""
    reply = add("Need more details", "Hello {first_name}, which sign language do you use?",
                kind=interpreting, status=RequestStatus.NEEDS_INFO)
    page = signed_in.get(f"/staff/requests/{req.id}?reply={reply.id}").get_data(as_text=True)
    selected = re.search(r'<select[^>]*name="compose-status".*?</select>', page, re.S).group(0)
    assert re.search(r'<option selected value="needs_info">|<option value="needs_info" '
                     r'selected>', selected), selected
    assert "with the status “Needs information” chosen under it" in html.unescape(page)
    response = signed_in.post(f"/staff/requests/{req.id}/compose", data={
        "compose-mode": "reply", "compose-action": "reply", "compose-body": composer_body(page),
        "compose-status": "needs_info", "compose-version": str(fresh(req).version)})
    assert response.status_code == 303
    assert fresh(req).status == RequestStatus.NEEDS_INFO
    # Once the request needs information, the reply no longer fits (it cannot move there).
    page = signed_in.get(f"/staff/requests/{req.id}").get_data(as_text=True)
    assert "Need more details" not in canned_titles(page)


def test_submitted_is_not_a_status_a_reply_goes_with(admin_client):
    page = admin_client.get("/admin/replies/new").get_data(as_text=True)
    assert 'value="submitted"' not in page and 'value="needs_info"' in page
