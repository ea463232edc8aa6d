"""The request page's one composer (issue 10, items 5 and 9): a reply to the attendee or an
internal note, chosen unmistakably; and a reply that also changes the status is one action, one
history entry and one email carrying both."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import func, select

from accessreq.extensions import db
from accessreq.notifications.models import OutgoingEmail
from accessreq.requests.models import AccessRequest, HistoryKind
from accessreq.requests.states import RequestStatus
from helpers import cover_everything

ATTENDEE = "sam@example.net"


@pytest.fixture
def req(make_request):
    access_request = make_request(contact_name="Sam Attendee", contact_email=ATTENDEE)[0]
    cover_everything(access_request)  # so a reply may set "Arranged"
    return access_request


def fresh(access_request) -> AccessRequest:
    db.session.expire_all()
    return db.session.get(AccessRequest, access_request.id)


def compose(client, access_request, **fields):
    data = {f"compose-{k}": v for k, v in fields.items()}
    data.setdefault("compose-version", str(fresh(access_request).version))
    return client.post(f"/staff/requests/{access_request.id}/compose", data=data)


def attendee_emails() -> list[OutgoingEmail]:
    return list(db.session.scalars(select(OutgoingEmail).where(OutgoingEmail.to_address == ATTENDEE)
                                   .order_by(OutgoingEmail.id)))


def history_count(access_request) -> int:
    return len(fresh(access_request).history)


# --- one composer, an unmistakable choice (item 5) --------------------------------------------


def test_the_page_has_one_composer_with_a_choice_and_two_differently_worded_buttons(
        signed_in, req):
    html = signed_in.get(f"/staff/requests/{req.id}").get_data(as_text=True)
    composer = html.split('id="compose-title"', 1)[1].split("</section>", 1)[0]
    assert "<legend" in composer and "Who is this for?" in composer
    assert re.search(r'<input[^>]*type="radio"[^>]*value="reply"', composer)
    assert ">Reply to the attendee (emailed)</label>" in composer
    assert ">Internal note (staff only)</label>" in composer
    assert "checked" not in composer  # nobody's choice is made for them
    assert re.search(r'name="compose-action" value="reply"[^>]*>Send to attendee</button>', composer)
    assert re.search(r'name="compose-action" value="note"[^>]*>Save note</button>', composer)
    # The status form has no text box of its own any more: one place to write to the attendee.
    assert 'name="status-message"' not in html
    assert 'name="reply-body"' not in html and 'name="note-body"' not in html
    assert html.count("<textarea") == 1 + ('name="move-reason"' in html)


def test_a_reply_is_emailed_and_a_note_is_not(signed_in, staff, req):
    before = len(attendee_emails())
    assert compose(signed_in, req, mode="reply", action="reply",
                   body="The interpreter is booked.").status_code == 303
    assert compose(signed_in, req, mode="note", action="note",
                   body="Booked Jo via the agency.").status_code == 303
    assert len(attendee_emails()) == before + 1
    assert "The interpreter is booked." in attendee_emails()[-1].body_text
    kinds = [(h.kind, h.body) for h in fresh(req).history
             if h.kind in (HistoryKind.STAFF_REPLY, HistoryKind.NOTE)]
    assert kinds == [(HistoryKind.STAFF_REPLY, "The interpreter is booked."),
                     (HistoryKind.NOTE, "Booked Jo via the agency.")]


@pytest.mark.parametrize("mode,pressed,words", [
    ("note", "reply", "You chose “Internal note (staff only)” but pressed “Send to attendee”"),
    ("reply", "note", "You chose “Reply to the attendee (emailed)” but pressed “Save note”"),
])
def test_a_button_that_disagrees_with_the_choice_sends_and_saves_nothing(
        signed_in, req, mode, pressed, words):
    before, emails = history_count(req), len(attendee_emails())
    response = compose(signed_in, req, mode=mode, action=pressed, body="Private: the agency")
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert words in html and 'href="#compose-mode-0"' in html
    assert re.search(r">\s*Private: the agency</textarea>", html)  # kept
    assert re.search(rf'<input[^>]* checked [^>]*value="{mode}"', html)
    assert history_count(req) == before and len(attendee_emails()) == emails


def test_nothing_happens_until_the_person_says_who_it_is_for(signed_in, req):
    before, emails = history_count(req), len(attendee_emails())
    response = compose(signed_in, req, action="reply", body="Hello")
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert "<title>Error: " in html
    assert "Choose whether this is a reply to the attendee or an internal note." in html
    assert history_count(req) == before and len(attendee_emails()) == emails


def test_a_note_cannot_change_the_status(signed_in, req):
    response = compose(signed_in, req, mode="note", action="note", body="Arranged, I think",
                       status="arranged")
    assert response.status_code == 422
    assert "An internal note cannot change the status" in response.get_data(as_text=True)
    assert fresh(req).status == RequestStatus.SUBMITTED


def test_the_history_marks_internal_notes_in_words(signed_in, staff, req):
    compose(signed_in, req, mode="note", action="note", body="Booked Jo via the agency.")
    html = signed_in.get(f"/staff/requests/{req.id}").get_data(as_text=True)
    history = html.split('id="history"', 1)[1].split("</ol>", 1)[0]
    note = history.split("Booked Jo via the agency.", 1)[0].rsplit("<li", 1)[1]
    assert "Staff only" in note and "Internal note — not shown to the attendee" in note


def test_the_attendee_sees_the_reply_and_never_the_note(client, signed_in, make_request):
    access_request, status_url = make_request(contact_email=ATTENDEE)
    compose(signed_in, access_request, mode="reply", action="reply", body="See you there.")
    compose(signed_in, access_request, mode="note", action="note", body="Secret arrangements.")
    page = client.get(status_url).get_data(as_text=True)
    assert "See you there." in page and "Secret arrangements." not in page


# --- a reply and a status change: one action, one email (item 9) ------------------------------


def test_the_composer_offers_only_allowed_statuses_and_says_which_need_the_reply(signed_in, req):
    html = signed_in.get(f"/staff/requests/{req.id}").get_data(as_text=True)
    options = re.search(r'<select[^>]*name="compose-status".*?</select>', html, re.S).group(0)
    assert "No change (keep “Submitted”)" in options
    assert "Needs information (needs your reply as its message)" in options
    assert ">Arranged<" in options and "Closed" not in options


def test_a_reply_with_a_status_change_is_one_entry_and_one_email_with_both(
        signed_in, staff, req):
    before = len(attendee_emails())
    response = compose(signed_in, req, mode="reply", action="reply", status="arranged",
                       body="Two interpreters are booked for the whole evening.")
    assert response.status_code == 303
    access_request = fresh(req)
    assert access_request.status == RequestStatus.ARRANGED
    emails = attendee_emails()
    assert len(emails) == before + 1
    text = emails[-1].body_text
    assert "is now: Arranged" in text
    assert "Two interpreters are booked for the whole evening." in text
    assert emails[-1].subject.endswith(": Arranged")
    change = access_request.history[-2]  # then the "Update to …" email entry
    assert (change.kind, change.to_status, change.body, change.actor_id) == (
        HistoryKind.STATUS_CHANGED, RequestStatus.ARRANGED,
        "Two interpreters are booked for the whole evening.", staff.id)
    assert all(h.kind != HistoryKind.STAFF_REPLY for h in access_request.history)
    page = signed_in.get(response.headers["Location"]).get_data(as_text=True)
    assert "is now “Arranged”" in page and "with the new status, in one email" in page
    assert "Message to the attendee, emailed with the new status:" in page


def test_a_status_that_needs_a_message_takes_the_reply_as_it(signed_in, req):
    before = len(attendee_emails())
    response = compose(signed_in, req, mode="reply", action="reply", status="needs_info",
                       body="Which sign language do you use?")
    assert response.status_code == 303
    assert fresh(req).status == RequestStatus.NEEDS_INFO
    emails = attendee_emails()
    assert len(emails) == before + 1
    assert "We need more information from you" in emails[-1].body_text
    assert "Which sign language do you use?" in emails[-1].body_text


def test_a_status_the_request_cannot_move_to_is_refused_beside_the_list(signed_in, req):
    before, emails = history_count(req), len(attendee_emails())
    response = compose(signed_in, req, mode="reply", action="reply", status="closed", body="Hi")
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert "Choose a status from the list" in html and 'href="#compose-status"' in html
    assert history_count(req) == before and len(attendee_emails()) == emails


def test_every_action_queues_at_most_one_attendee_email(signed_in, req):
    def count() -> int:
        return db.session.scalar(select(func.count()).select_from(OutgoingEmail)
                                 .where(OutgoingEmail.to_address == ATTENDEE))

    steps = [("status", {"status-status": "in_review"}),
             ("compose", {"compose-mode": "reply", "compose-action": "reply",
                          "compose-body": "Nearly there.", "compose-status": "needs_info"}),
             ("compose", {"compose-mode": "reply", "compose-action": "reply",
                          "compose-body": "Thanks."}),
             ("compose", {"compose-mode": "note", "compose-action": "note",
                          "compose-body": "Internal."})]
    expected = [1, 1, 1, 0]
    for (action, data), more in zip(steps, expected):
        before = count()
        prefix = action
        data[f"{prefix}-version"] = str(fresh(req).version)
        response = signed_in.post(f"/staff/requests/{req.id}/{action}", data=data)
        assert response.status_code == 303, response.get_data(as_text=True)[:500]
        assert count() - before == more
