"""Outcomes (issue 12): after the event staff record what happened to each accommodation; a
request is closed only once each has an outcome; the queue's "Needs outcome" view; the
attendee's "did this meet your needs?" answer on the status page, which staff see."""

from __future__ import annotations

import re
from datetime import timedelta
from urllib.parse import urlsplit

import pytest
from sqlalchemy import select

from accessreq.arranging.outcomes import OutcomeChoice, record_outcomes
from accessreq.extensions import db
from accessreq.requests.models import AccessRequest, HistoryKind
from accessreq.requests.outcomes import ItemOutcome, NeedsMet, OutcomeReason
from accessreq.requests.services import (RequestActionError, StaleRequestError,
                                         answer_needs_met, cancel_by_attendee, purge_expired)
from accessreq.requests.states import RequestStatus
from accessreq.timeutil import utcnow
from accessreq.triage.services import change_status
from helpers import cover_everything, sign_in


def fresh(access_request: AccessRequest) -> AccessRequest:
    db.session.expire_all()
    return db.session.get(AccessRequest, access_request.id)


def end_event(access_request: AccessRequest, days_ago: float = 1) -> None:
    event = access_request.event
    event.starts_at = utcnow() - timedelta(days=days_ago, hours=2)
    event.ends_at = utcnow() - timedelta(days=days_ago)
    db.session.commit()


@pytest.fixture
def world(make_event, make_request, make_type, staff):
    sign = make_type("Sign language interpretation", 14)
    seat = make_type("Wheelchair-accessible seating", 3)
    event = make_event("Roundtable: Archives and memory", types=[sign, seat])
    sam, sam_url = make_request(event=event, types=[sign, seat], contact_name="Sam Attendee")
    cover_everything(sam)
    change_status(sam, staff, RequestStatus.ARRANGED)
    return dict(event=event, sam=sam, sam_path=urlsplit(sam_url).path, sign=sign, seat=seat)


def form_for(access_request: AccessRequest, **choices) -> dict:
    """The outcomes form's fields: ``choices`` maps an item's type name prefix ("sign",
    "seat") to (outcome, reason, note)."""
    access_request = fresh(access_request)
    data = {"version": str(access_request.version)}
    for item in access_request.items:
        key = "sign" if item.accommodation_type.name.startswith("Sign") else "seat"
        outcome, reason, note = choices.get(key, ("", "", ""))
        data |= {f"outcome_{item.id}": outcome, f"reason_{item.id}": reason,
                 f"note_{item.id}": note}
    return {k: v for k, v in data.items() if v != "" or k.startswith(("reason", "note"))}


def page(client, url: str) -> str:
    return client.get(url).get_data(as_text=True)


# --- before the event ---------------------------------------------------------------------------


def test_before_the_event_there_is_nothing_to_record_and_closing_is_refused(
        client, staff, world):
    sam = world["sam"]
    sign_in(client, staff)
    assert 'id="after-event"' not in page(client, f"/staff/requests/{sam.id}")
    outcomes_page = page(client, f"/staff/requests/{sam.id}/outcomes")
    assert "Outcomes are recorded once the event has started" in outcomes_page
    assert "Save outcomes" not in outcomes_page
    response = client.post(f"/staff/requests/{sam.id}/outcomes",
                           data=form_for(sam, sign=("delivered", "", "")))
    assert response.status_code == 303
    assert all(item.outcome is None for item in fresh(sam).items)
    with pytest.raises(RequestActionError, match="The event has not started yet"):
        change_status(fresh(sam), staff, RequestStatus.CLOSED)
    assert fresh(sam).status == RequestStatus.ARRANGED


# --- recording outcomes -------------------------------------------------------------------------


def test_staff_record_outcomes_after_the_event_and_the_history_says_so(client, staff, world):
    sam = world["sam"]
    end_event(sam)
    sign_in(client, staff)
    detail = page(client, f"/staff/requests/{sam.id}")
    assert 'id="after-event"' in detail and "2 of 2 without an outcome yet" in detail
    assert f'href="/staff/requests/{sam.id}/outcomes"' in detail
    form = page(client, f"/staff/requests/{sam.id}/outcomes")
    assert "What happened: Sign language interpretation" in form
    assert "Met without a booking" not in form and "In place (test)" in form  # how it was met

    response = client.post(f"/staff/requests/{sam.id}/outcomes", data=form_for(
        sam, sign=("partly", "provider_cancelled", "Only one interpreter came; no relief"),
        seat=("delivered", "equipment", "ignored: it was delivered")))
    assert response.status_code == 303
    assert response.headers["Location"].endswith(f"/staff/requests/{sam.id}#after-event")
    items = {i.accommodation_type.name: i for i in fresh(sam).items}
    sign, seat = items["Sign language interpretation"], items["Wheelchair-accessible seating"]
    assert (sign.outcome, sign.outcome_reason, sign.outcome_note) == (
        ItemOutcome.PARTLY, OutcomeReason.PROVIDER_CANCELLED,
        "Only one interpreter came; no relief")
    assert sign.outcome_by_id == staff.id and sign.outcome_at is not None
    # A reason only where something went wrong; the note is kept as words.
    assert (seat.outcome, seat.outcome_reason) == (ItemOutcome.DELIVERED, None)
    entry = [e for e in fresh(sam).history if e.kind == HistoryKind.OUTCOME][-1]
    assert not entry.is_public and entry.actor_id == staff.id
    assert ("Sign language interpretation: Partly delivered (the provider cancelled or did not "
            "arrive) — Only one interpreter came; no relief") in entry.body
    detail = page(client, f"/staff/requests/{sam.id}")
    assert "Every accommodation has an outcome." in detail
    assert "Partly delivered: the provider cancelled or did not arrive" in detail
    assert "Outcomes recorded after the event" in detail  # in the history, staff only

    # Saving the same again changes nothing and writes no history.
    client.post(f"/staff/requests/{sam.id}/outcomes", data=form_for(
        sam, sign=("partly", "provider_cancelled", "Only one interpreter came; no relief"),
        seat=("delivered", "", "ignored: it was delivered")))
    assert len([e for e in fresh(sam).history if e.kind == HistoryKind.OUTCOME]) == 1


@pytest.mark.parametrize("choice, field, message", [
    (("not_delivered", "", "The captioner never came"), "reason",
     "Choose why it was not fully delivered"),
    (("partly", "other", ""), "note", "Say what the other reason was"),
])
def test_a_missing_reason_is_refused_beside_the_field_with_everything_typed_kept(
        client, staff, world, choice, field, message):
    sam = world["sam"]
    end_event(sam)
    sign_in(client, staff)
    response = client.post(f"/staff/requests/{sam.id}/outcomes",
                           data=form_for(sam, sign=choice, seat=("did_not_come", "", "")))
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    sign_id = next(i.id for i in fresh(sam).items if i.accommodation_type.name.startswith("Sign"))
    assert f'id="{field}_{sign_id}-error"' in html and message in html
    assert "<title>Error: " in html
    assert re.search(rf'<input checked[^>]*name="outcome_{sign_id}"[^>]*value="{choice[0]}"',
                     html)
    if choice[2]:
        assert choice[2] in html
    assert all(item.outcome is None for item in fresh(sam).items)


def test_record_outcomes_refuses_an_old_version_and_a_cancelled_request(staff, world,
                                                                         make_request):
    sam = world["sam"]
    # Cancelled before the event: nothing to record after it.
    cancelled, _ = make_request(event=world["event"], types=[world["sign"]])
    cancel_by_attendee(cancelled)
    end_event(sam)
    sign_id = fresh(sam).items[0].id
    with pytest.raises(StaleRequestError):
        record_outcomes(fresh(sam), staff, {sign_id: OutcomeChoice(ItemOutcome.DELIVERED)},
                        expected_version=fresh(sam).version - 1)
    with pytest.raises(RequestActionError, match="not cancelled"):
        record_outcomes(fresh(cancelled), staff,
                        {fresh(cancelled).items[0].id: OutcomeChoice(ItemOutcome.DELIVERED)})


# --- closing -----------------------------------------------------------------------------------


def test_closing_is_refused_naming_what_has_no_outcome_then_allowed(client, staff, world):
    sam = world["sam"]
    end_event(sam)
    sign_in(client, staff)
    items = {i.accommodation_type.name: i.id for i in fresh(sam).items}
    record_outcomes(fresh(sam), staff, {
        items["Wheelchair-accessible seating"]: OutcomeChoice(ItemOutcome.DELIVERED)})
    response = client.post(f"/staff/requests/{sam.id}/status", data={
        "status-status": "closed", "status-version": str(fresh(sam).version)})
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert "No outcome yet: Sign language interpretation." in html
    assert fresh(sam).status == RequestStatus.ARRANGED
    record_outcomes(fresh(sam), staff, {
        items["Sign language interpretation"]: OutcomeChoice(ItemOutcome.DID_NOT_COME)})
    response = client.post(f"/staff/requests/{sam.id}/status", data={
        "status-status": "closed", "status-version": str(fresh(sam).version)})
    assert response.status_code == 303
    assert fresh(sam).status == RequestStatus.CLOSED


# --- the queue's "Needs outcome" view ----------------------------------------------------------


def test_the_needs_outcome_view_lists_ended_events_requests_missing_an_outcome(
        client, staff, world, make_request, make_event):
    sam, past = world["sam"], world["event"]
    waiting, _ = make_request(event=past, types=[world["sign"]], contact_name="Wanda Waiting")
    recorded, _ = make_request(event=past, types=[world["sign"]], contact_name="Rita Recorded")
    gone, _ = make_request(event=past, types=[world["sign"]], contact_name="Carl Cancelled")
    cancel_by_attendee(gone)
    end_event(sam)
    record_outcomes(fresh(recorded), staff,
                    {fresh(recorded).items[0].id: OutcomeChoice(ItemOutcome.DELIVERED)})
    future, _ = make_request(event=make_event("Later lecture", types=[world["sign"]]),
                             types=[world["sign"]], contact_name="Fred Future")
    sign_in(client, staff)
    html = page(client, "/staff/?outcome=1&status=all")
    assert "Needs outcome:" in html  # the caption says which view this is
    assert sam.reference in html and waiting.reference in html
    assert recorded.reference not in html and future.reference not in html
    assert gone.reference not in html
    queue = page(client, "/staff/")
    assert 'href="/staff/?status=all&amp;outcome=1"' in queue
    # Once everything has an outcome, a helpful empty state.
    for r in (sam, waiting):
        record_outcomes(fresh(r), staff, {i.id: OutcomeChoice(ItemOutcome.DELIVERED)
                                          for i in fresh(r).items})
    html = page(client, "/staff/?outcome=1&status=all")
    assert "Nothing needs an outcome" in html


# --- the attendee's answer -----------------------------------------------------------------------


def test_the_status_page_after_the_event_shows_what_was_provided_and_takes_an_answer(
        client, staff, world):
    sam, path = world["sam"], world["sam_path"]
    assert "Did what we arranged meet your needs?" not in page(client, path)  # not yet
    end_event(sam)
    html = page(client, path)
    assert "has not yet recorded how each thing you asked for went" in html
    items = {i.accommodation_type.name: i.id for i in fresh(sam).items}
    record_outcomes(fresh(sam), staff, {
        items["Sign language interpretation"]: OutcomeChoice(
            ItemOutcome.NOT_DELIVERED, OutcomeReason.PROVIDER_CANCELLED, "Agency double-booked"),
        items["Wheelchair-accessible seating"]: OutcomeChoice(ItemOutcome.DELIVERED)})
    html = page(client, path)
    assert "Not provided" in html and "Provided" in html
    assert "Agency double-booked" not in html  # staff's words stay with staff
    assert "Did what we arranged meet your needs?" in html

    # No answer chosen: refused beside the field, the words kept.
    response = client.post(f"{path}/needs-met", data={"comment": "The seat was great."})
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert "Choose yes, partly or no" in html and "The seat was great." in html
    assert "<title>Error: " in html

    response = client.post(f"{path}/needs-met", data={
        "answer": "partly", "comment": "The seat was great; without an interpreter I "
        "followed little."})
    assert response.status_code == 303
    assert response.headers["Location"].endswith("#after-event")
    answered = fresh(sam)
    assert answered.needs_met == NeedsMet.PARTLY and answered.needs_met_at is not None
    assert answered.attendee_waiting_since is not None  # staff are shown it in the queue
    html = page(client, path)
    assert "You told us: <strong>Partly</strong>" in html
    assert "You answered “did this meet your needs?”" in html

    sign_in(client, staff)
    detail = page(client, f"/staff/requests/{sam.id}")
    assert "<strong>Partly</strong>, the attendee answered" in detail
    assert "without an interpreter I followed little." in detail


def test_no_answer_for_a_cancelled_request_nor_before_the_event(client, world, make_request):
    cancelled, url = make_request(event=world["event"], types=[world["sign"]])
    cancel_by_attendee(cancelled)
    with pytest.raises(RequestActionError):
        answer_needs_met(fresh(world["sam"]), NeedsMet.YES)  # before the event
    end_event(cancelled)
    path = urlsplit(url).path
    assert "Did what we arranged meet your needs?" not in page(client, path)
    response = client.post(f"{path}/needs-met", data={"answer": "yes"})
    assert response.status_code == 303
    assert fresh(cancelled).needs_met is None


def test_the_purge_deletes_the_words_and_keeps_the_outcomes(app, staff, world):
    sam = world["sam"]
    end_event(sam, days_ago=app.config["RETENTION_DAYS"] + 2)
    record_outcomes(fresh(sam), staff, {
        i.id: OutcomeChoice(ItemOutcome.NOT_DELIVERED, OutcomeReason.VENUE, "Lift broken")
        for i in fresh(sam).items})
    answer_needs_met(fresh(sam), NeedsMet.NO, "I could not get in.")
    assert purge_expired() == 1
    purged = fresh(sam)
    assert purged.needs_met == NeedsMet.NO and purged.needs_met_comment == ""
    assert all(i.outcome == ItemOutcome.NOT_DELIVERED and i.outcome_reason == OutcomeReason.VENUE
               and i.outcome_note == "" for i in purged.items)
    assert db.session.scalar(select(AccessRequest.id).where(
        AccessRequest.needs_met_comment.contains("get in"))) is None


# --- follow-ups ---------------------------------------------------------------------------------


def test_a_follow_up_starts_from_the_wording_is_emailed_and_recorded(
        client, staff, admin, world, smtp_server):
    from accessreq.notifications.models import OutgoingEmail
    from accessreq.notifications.rebuild import send_again
    from accessreq.notifications.sender import send_due_emails
    from helpers import text_body

    sam = world["sam"]
    end_event(sam)
    items = {i.accommodation_type.name: i.id for i in fresh(sam).items}
    record_outcomes(fresh(sam), staff, {
        items["Sign language interpretation"]: OutcomeChoice(
            ItemOutcome.NOT_DELIVERED, OutcomeReason.PROVIDER_CANCELLED, "Agency double-booked"),
        items["Wheelchair-accessible seating"]: OutcomeChoice(ItemOutcome.DELIVERED)})
    send_due_emails()  # what the set-up queued, out of the way
    smtp_server.messages.clear()
    sign_in(client, staff)
    detail = page(client, f"/staff/requests/{sam.id}")
    assert "Something was not fully delivered." in detail
    url = f"/staff/requests/{sam.id}/follow-up/transcript"
    assert f'href="{url}"' in detail
    form = page(client, url)
    assert "A transcript of Roundtable: Archives and memory" in form  # the wording's subject
    assert "Hello Sam Attendee," in form and sam.reference in form
    assert "Sign language interpretation (not delivered)" in form

    # An empty message is refused beside the field, the subject kept.
    response = client.post(url, data={"subject": "A transcript for you", "body": " ",
                                      "version": str(fresh(sam).version)})
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert "Enter the message" in html and 'value="A transcript for you"' in html

    body = ("Hello Sam,\n\nWe are sorry the interpreters did not come. A transcript of the "
            "roundtable will reach you by Friday.\n\nCommunications access")
    response = client.post(url, data={"subject": "A transcript for you", "body": body,
                                      "version": str(fresh(sam).version)})
    assert response.status_code == 303
    entry = [e for e in fresh(sam).history if e.kind == HistoryKind.FOLLOW_UP][-1]
    assert entry.is_public and entry.actor_id == staff.id and entry.body == body
    assert send_due_emails().sent == 1
    [message] = smtp_server.to("sam@example.net")
    assert message["Subject"] == f"A transcript for you [{sam.reference}]"
    text = text_body(message)
    assert "A transcript of the roundtable will reach you by Friday." in text
    assert "/r/" in text  # the status link
    assert "Agency double-booked" not in text
    # The attendee reads it on their status page too.
    assert "Message from the access team after the event." in page(client, world["sam_path"])
    # The outbox can build it again from its recipe, which holds no words in the open.
    row = db.session.scalars(select(OutgoingEmail).where(
        OutgoingEmail.template == "attendee_follow_up")).one()
    assert "transcript" not in str(row.recipe)
    send_again(row, admin)
    assert send_due_emails().sent == 1
    assert smtp_server.to("sam@example.net")[-1]["Subject"] == message["Subject"]


def test_no_follow_up_before_the_event_or_of_an_unknown_kind(client, staff, world):
    sam = world["sam"]
    sign_in(client, staff)
    before = page(client, f"/staff/requests/{sam.id}/follow-up/apology")
    assert "A follow-up is sent after the event has started" in before
    assert "Send to attendee" not in before
    response = client.post(f"/staff/requests/{sam.id}/follow-up/apology",
                           data={"subject": "Sorry", "body": "Sorry."})
    assert response.status_code == 303
    assert not [e for e in fresh(sam).history if e.kind == HistoryKind.FOLLOW_UP]
    end_event(sam)
    assert client.get(f"/staff/requests/{sam.id}/follow-up/bribe").status_code == 404
    assert client.get(f"/staff/requests/{sam.id}/follow-up/apology").status_code == 200


def test_a_form_built_on_an_older_version_is_refused_with_everything_kept(client, staff, world):
    sam = world["sam"]
    end_event(sam)
    sign_in(client, staff)
    data = form_for(sam, sign=("partly", "venue", "Only half the room could see"))
    data["version"] = str(fresh(sam).version - 1)  # a colleague saved in between
    response = client.post(f"/staff/requests/{sam.id}/outcomes", data=data)
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert "The outcomes were not saved" in html and "changed while you were editing" in html
    assert "Only half the room could see" in html
    assert f'name="version" type="hidden" value="{fresh(sam).version}"' in html
    assert all(item.outcome is None for item in fresh(sam).items)
