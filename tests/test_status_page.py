"""The private status link: what it shows, what it never shows, messages and cancelling."""

from __future__ import annotations

import re
from html import unescape
from urllib.parse import urlsplit

import pytest
from sqlalchemy import select

from accessreq.extensions import db
from accessreq.notifications.models import OutgoingEmail
from accessreq.requests.models import ContactChannel, HistoryKind
from accessreq.requests.states import RequestStatus
from accessreq.triage.services import add_note, change_status, reply


def html_of(response) -> str:
    return response.get_data(as_text=True)


def path_of(status_url: str) -> str:
    return urlsplit(status_url).path


def templates_queued() -> list[str]:
    return sorted(row.template for row in db.session.scalars(select(OutgoingEmail)))


@pytest.fixture
def event(make_event, make_type):
    kinds = [make_type("Sign language interpretation", 14, details_label="Which sign language?"),
             make_type("Reserved seating", 3)]
    return make_event("Public lecture", types=kinds)


@pytest.fixture
def submitted(make_request, event):
    """A request with details, made for someone else; returns (request, status path)."""
    sign, seating = event.offered_types
    access_request, url = make_request(
        event, types=[sign, seating], details={sign.id: "BSL, please"},
        contact_name="Robin Example", contact_email="robin@example.net",
        contact_phone="07700 900 982", contact_channel=ContactChannel.PHONE,
        attendee_name="Kim Ōno", anything_else="Near the front")
    return access_request, path_of(url)


def test_the_right_token_shows_the_request(client, submitted):
    access_request, path = submitted
    response = client.get(path)
    html = html_of(response)

    assert response.status_code == 200
    assert f"<title>Your request {access_request.reference} — Public lecture — " in html
    assert html.count("<h1") == 1
    assert access_request.reference in html
    assert "Public lecture" in html
    assert RequestStatus.SUBMITTED.attendee_label in html
    assert RequestStatus.SUBMITTED.attendee_explanation in html
    assert "Sign language interpretation" in html and "BSL, please" in html
    assert "Reserved seating" in html and "Near the front" in html
    for value in ("Robin Example", "robin@example.net", "07700 900 982", "Kim Ōno",
                  ContactChannel.PHONE.label):
        assert value in html
    assert "You sent your request." in html
    assert f'href="{path}/cancel"' in html
    assert f'action="{path}/message"' in html


def test_status_pages_are_not_cached_or_leaked_by_referer(client, submitted):
    # same-origin (not no-referrer, which broke the CSRF check over HTTPS): other sites get
    # no Referer at all, so the token in the path never leaves the service.
    _, path = submitted
    for page in (path, f"{path}/cancel"):
        response = client.get(page)
        assert response.headers["Cache-Control"] == "no-store"
        assert response.headers["Referrer-Policy"] == "same-origin"


@pytest.mark.parametrize("token", ["nope", "A" * 43, "x" * 5000, "%E2%98%83", "..%2F..",
                                   "0"])
def test_unknown_tokens_are_a_plain_404(client, submitted, token):
    for page in (f"/r/{token}", f"/r/{token}/cancel"):
        response = client.get(page)
        html = html_of(response)
        assert response.status_code == 404
        assert "Page not found" in html
        assert submitted[0].reference not in html
    assert client.post(f"/r/{token}/message", data={"body": "hi"}).status_code == 404
    assert client.post(f"/r/{token}/cancel", data={}).status_code == 404


def test_a_token_shows_only_its_own_request(client, make_request, event):
    first, first_url = make_request(event, contact_name="Alex First",
                                    contact_email="alex@example.net")
    second, second_url = make_request(event, contact_name="Blake Second",
                                      contact_email="blake@example.net",
                                      anything_else="Only for Blake")

    html_first = html_of(client.get(path_of(first_url)))
    html_second = html_of(client.get(path_of(second_url)))

    assert first.reference in html_first and second.reference not in html_first
    for private in ("Blake Second", "blake@example.net", "Only for Blake"):
        assert private not in html_first
    assert second.reference in html_second and "Alex First" not in html_second


def test_internal_notes_and_email_log_are_never_shown(client, submitted, make_staff):
    access_request, path = submitted
    staff = make_staff(name="Casey Coordinator")
    add_note(access_request, staff, "INTERNAL: interpreter agency owes us a call")
    reply(access_request, staff, "We have booked a BSL interpreter for you.")

    html = html_of(client.get(path))

    assert "INTERNAL" not in html and "agency owes us" not in html
    assert "Confirmation to" not in html and "notice to" not in html.lower()
    assert "We have booked a BSL interpreter for you." in html
    assert "Message from the access team." in html


def test_status_changes_show_plain_words_and_the_team_message(client, submitted, make_staff):
    access_request, path = submitted
    staff = make_staff()
    change_status(access_request, staff, RequestStatus.NEEDS_INFO,
                  "Which sign language do you use?")

    html = unescape(html_of(client.get(path)))

    assert RequestStatus.NEEDS_INFO.attendee_label in html
    assert RequestStatus.NEEDS_INFO.attendee_explanation in html
    assert "Which sign language do you use?" in html
    assert "Reply to the access team" in html


# --- adding a message ---------------------------------------------------------------------


def test_adding_a_message(client, submitted):
    access_request, path = submitted
    before = templates_queued()

    response = client.post(f"{path}/message", data={"body": "  I also use a wheelchair ✓  "})

    assert response.status_code == 303
    assert response.headers["Location"].endswith(path)
    db.session.refresh(access_request)
    messages = [h for h in access_request.history if h.kind == HistoryKind.ATTENDEE_MESSAGE]
    assert [m.body for m in messages] == ["I also use a wheelchair ✓"]
    assert templates_queued() == sorted(before + ["staff_attendee_message"])
    page = html_of(client.get(path))
    assert "Your message was sent to the access team." in page
    assert "You sent a message." in page and "I also use a wheelchair ✓" in page


def test_a_message_answers_a_request_for_information(client, submitted, make_staff):
    access_request, path = submitted
    change_status(access_request, make_staff(), RequestStatus.NEEDS_INFO, "Which language?")

    client.post(f"{path}/message", data={"body": "BSL"})

    db.session.refresh(access_request)
    assert access_request.status == RequestStatus.IN_REVIEW
    html = html_of(client.get(path))
    assert RequestStatus.IN_REVIEW.attendee_label in html


@pytest.mark.parametrize("body, message", [
    ("", "Write your message"),
    ("   ", "Write your message"),
    ("x" * 5001, "Your message must be 5000 characters or fewer"),
])
def test_a_bad_message_is_a_field_error(client, submitted, body, message):
    access_request, path = submitted
    history_before = len(access_request.history)

    response = client.post(f"{path}/message", data={"body": body})
    html = html_of(response)

    assert response.status_code == 200
    assert "<title>Error: " in html
    assert f'<a href="#body">{message}</a>' in html
    assert 'id="body"' in html and 'aria-describedby="body-hint body-error"' in html
    assert response.headers["Cache-Control"] == "no-store"
    db.session.refresh(access_request)
    assert len(access_request.history) == history_before


# --- cancelling ---------------------------------------------------------------------------


def test_cancel_asks_for_confirmation_first(client, submitted):
    access_request, path = submitted
    response = client.get(f"{path}/cancel")
    html = html_of(response)

    assert response.status_code == 200
    assert "Yes, cancel my request" in html
    assert f'href="{path}">No, go back' in html
    assert 'name="reason"' in html and "(optional)" in html
    db.session.refresh(access_request)
    assert access_request.status == RequestStatus.SUBMITTED


def test_cancelling(client, submitted):
    access_request, path = submitted
    response = client.post(f"{path}/cancel", data={"reason": "I cannot come after all"})

    assert response.status_code == 303
    assert response.headers["Location"].endswith(path)
    db.session.refresh(access_request)
    assert access_request.status == RequestStatus.CANCELLED
    change = [h for h in access_request.history if h.kind == HistoryKind.STATUS_CHANGED][-1]
    assert change.to_status == RequestStatus.CANCELLED and change.actor_id is None
    assert change.body == "I cannot come after all"
    assert "staff_attendee_cancelled" in templates_queued()
    html = html_of(client.get(path))
    assert "Your request is cancelled." in html
    assert RequestStatus.CANCELLED.attendee_label in html
    assert "You cancelled the request." in html
    # Nothing more can be done with a cancelled request.
    assert f'href="{path}/cancel"' not in html and f'action="{path}/message"' not in html


def test_cancelling_twice_is_a_clear_message(client, submitted):
    access_request, path = submitted
    client.post(f"{path}/cancel", data={})
    db.session.refresh(access_request)
    history_after_first = len(access_request.history)
    emails_after_first = templates_queued()

    again = client.post(f"{path}/cancel", data={})
    confirm_again = client.get(f"{path}/cancel")

    assert again.status_code == 303 and confirm_again.status_code == 303
    assert "This request is already cancelled." in html_of(client.get(path))
    db.session.refresh(access_request)
    assert len(access_request.history) == history_after_first
    assert templates_queued() == emails_after_first


def test_a_message_on_a_cancelled_request_is_refused_clearly(client, submitted):
    access_request, path = submitted
    client.post(f"{path}/cancel", data={})

    response = client.post(f"{path}/message", data={"body": "Actually, wait"})

    assert response.status_code == 303
    # The reason comes from the one rule (attendee_actions_closed_reason) since issue 8.
    assert "This request is already cancelled" in html_of(client.get(path))
    db.session.refresh(access_request)
    assert not [h for h in access_request.history if h.kind == HistoryKind.ATTENDEE_MESSAGE]


def test_a_too_long_cancel_reason_is_a_field_error(client, submitted):
    access_request, path = submitted
    html = html_of(client.post(f"{path}/cancel", data={"reason": "r" * 5001}))
    assert "<title>Error: " in html
    assert '<a href="#reason">The reason must be 5000 characters or fewer</a>' in html
    db.session.refresh(access_request)
    assert access_request.status == RequestStatus.SUBMITTED


# --- CSRF ---------------------------------------------------------------------------------


@pytest.mark.app_config(WTF_CSRF_ENABLED=True)
@pytest.mark.parametrize("suffix, data", [("/message", {"body": "hello"}), ("/cancel", {})])
def test_status_forms_without_csrf_token_are_a_400_page(client, submitted, suffix, data):
    access_request, path = submitted
    response = client.post(f"{path}{suffix}", data=data)
    assert response.status_code == 400
    assert "reload the page" in html_of(response)
    db.session.refresh(access_request)
    assert access_request.status == RequestStatus.SUBMITTED


@pytest.mark.app_config(WTF_CSRF_ENABLED=True)
def test_cancel_with_csrf_token_works(client, submitted):
    access_request, path = submitted
    html = html_of(client.get(f"{path}/cancel"))
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', html).group(1)
    assert client.post(f"{path}/cancel", data={"csrf_token": token}).status_code == 303
    db.session.refresh(access_request)
    assert access_request.status == RequestStatus.CANCELLED
