"""The attendee's and the staff's journeys over HTTPS, through nginx and gunicorn, in Chromium.

These are the defects that only production shows: a Referer policy that breaks the CSRF check
over HTTPS, a session that outlives sign-out, a log line that carries a token. Each journey
names what must never reach the lane's logs (checked after every test).
"""

from __future__ import annotations

import re
import time

import pytest
from sqlalchemy import select

from accessreq.config import DEFAULT_FORM_MIN_SECONDS
from accessreq.extensions import db
from accessreq.requests.models import AccessRequest, HistoryKind
from accessreq.requests.states import RequestStatus

from helpers import TEST_PASSWORD, text_body

pytestmark = [pytest.mark.production, pytest.mark.browser]

NAME = "Quintessa Lanefield"
EMAIL = "quintessa.lanefield@example.net"
DETAILS = "Zanzibar-signing interpreter near the aisle"
MESSAGE = "My companion Oberon Vantablack will come too"
REASON = "Plans changed because of Mirabilis train strike"
STAFF_REPLY = "The interpreter Xerxes Pomodoro is booked"


def wait_for_mail(smtp, address: str, count: int = 1, timeout: float = 20.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        found = smtp.to(address)
        if len(found) >= count:
            return found
        time.sleep(0.2)
    raise AssertionError(f"{count} message(s) to {address} did not arrive within {timeout}s "
                         f"(got {len(smtp.to(address))})")


def status_link(message, base_url: str) -> str:
    match = re.search(re.escape(base_url) + r"/r/[A-Za-z0-9_-]+", text_body(message))
    assert match, text_body(message)
    return match.group(0)


def assert_no_error_page(page) -> None:
    heading = page.locator("h1").first.inner_text()
    assert "could not understand" not in heading and "went wrong" not in heading, (
        f"{page.url}: {heading}")


def test_attendee_sends_a_message_and_cancels_over_https(stack, lane_smtp, lane_context,
                                                         make_event):
    event = make_event(title="Lane lecture over HTTPS")
    page = lane_context().new_page()

    page.goto("/")
    page.get_by_role("link", name=event.title).click()
    page.get_by_role("link", name=re.compile("^Request access")).click()
    page.fill("#contact_name", NAME)
    page.fill("#contact_email", EMAIL)
    page.check("#accommodations-0")
    page.fill(f"#details_{event.offered_types[0].id}", DETAILS)
    page.check("#consent")
    # A person takes longer than the form's minimum fill time (on here, as deployed).
    page.wait_for_timeout((DEFAULT_FORM_MIN_SECONDS + 1) * 1000)
    page.get_by_role("button", name="Send request").click()
    assert_no_error_page(page)
    assert page.title().startswith("Request sent"), page.title()

    # The confirmation email arrives through the sender process, with an HTTPS status link.
    confirmation = wait_for_mail(lane_smtp, EMAIL)[0]
    link = status_link(confirmation, stack.url)
    token = link.rsplit("/", 1)[1]

    page.goto(link)
    page.fill("#body", MESSAGE)
    page.get_by_role("button", name="Send message").click()
    assert_no_error_page(page)
    assert "sent to the access team" in page.locator(".flashes").inner_text()

    page.get_by_role("link", name="Cancel this request").click()
    page.fill("#reason", REASON)
    page.get_by_role("button", name=re.compile("^Yes, cancel")).click()
    assert_no_error_page(page)
    assert "cancelled" in page.locator(".flashes").inner_text().lower()

    db.session.expire_all()
    request = db.session.scalar(select(AccessRequest).where(AccessRequest.contact_email == EMAIL))
    assert request.status == RequestStatus.CANCELLED
    assert any(e.kind == HistoryKind.ATTENDEE_MESSAGE and e.body == MESSAGE
               for e in request.history)

    # The update about the cancellation reaches the attendee too.
    wait_for_mail(lane_smtp, EMAIL, count=2)
    stack.keep_out_of_logs(token, EMAIL, NAME, DETAILS, MESSAGE, REASON)


def test_staff_sign_in_act_and_sign_out_and_the_old_cookie_is_refused(
        stack, lane_smtp, lane_context, make_event, make_request, make_staff):
    event = make_event(title="Lane roundtable over HTTPS")
    request, _ = make_request(event, contact_name=NAME, contact_email=EMAIL)
    coordinator = make_staff("admin", name="Lane Admin", email="lane.admin@example.org")
    context = lane_context()
    page = context.new_page()

    page.goto("/staff/login")
    page.fill("#email", coordinator.email)
    page.fill("#password", TEST_PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    assert_no_error_page(page)
    assert page.title().startswith("Request queue"), page.title()

    cookies = context.cookies()
    session_cookies = [c for c in cookies if c["httpOnly"]]
    assert session_cookies, cookies
    for cookie in session_cookies:
        assert cookie["secure"], cookie
        assert cookie["sameSite"] in ("Lax", "Strict"), cookie

    page.get_by_role("link", name=request.reference).click()
    page.check("#compose-mode-0")  # Reply to the attendee (emailed)
    page.fill("#compose-body", STAFF_REPLY)
    page.select_option("#compose-status", RequestStatus.IN_REVIEW.value)
    page.get_by_role("button", name="Send to attendee").click()
    assert_no_error_page(page)
    assert page.locator(".flashes [role=status]").inner_text().startswith(request.reference)
    db.session.expire_all()
    assert db.session.get(AccessRequest, request.id).status == RequestStatus.IN_REVIEW

    copied = context.cookies()
    page.get_by_role("button", name=re.compile("^Sign out")).click()
    assert "signed out" in page.locator(".flashes").inner_text().lower()

    # Someone who copied the cookie before sign-out gets nothing with it afterwards.
    thief = lane_context()
    thief.add_cookies(copied)
    stolen = thief.new_page()
    response = stolen.goto("/staff/")
    assert "/staff/login" in stolen.url, stolen.url
    assert response.ok
    assert request.reference not in stolen.content()

    # The confirmation (queued by the test's factory) and the status update (by gunicorn),
    # both delivered by the lane's sender.
    delivered = wait_for_mail(lane_smtp, EMAIL, count=2)
    assert any(STAFF_REPLY in text_body(m) for m in delivered), [m["Subject"] for m in delivered]
    stack.keep_out_of_logs(EMAIL, NAME, STAFF_REPLY, TEST_PASSWORD)


def test_wcag_2_2_1_stay_signed_in_works_over_https(stack, lane_context, make_request,
                                                   make_staff):
    """The idle warning's "Stay signed in" is a script POST: over HTTPS it must pass the CSRF
    check (token header and same-origin Referer) like a form does."""
    request, _ = make_request(contact_name=NAME, contact_email=EMAIL)
    admin = make_staff("admin", name="Lane Timer", email="lane.timer@example.org")
    page = lane_context().new_page()
    page.clock.install()
    page.goto("/staff/login")
    page.fill("#email", admin.email)
    page.fill("#password", TEST_PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.get_by_role("link", name=request.reference).click()
    page.fill("#compose-body", STAFF_REPLY)

    page.clock.run_for(29 * 60 * 1000)  # the default 30-minute limit warns 2 minutes before
    dialog = page.get_by_role("alertdialog", name="You will be signed out soon")
    dialog.wait_for()
    with page.expect_response("**/staff/session/extend") as answer:
        page.keyboard.press("Enter")
    assert answer.value.status == 200, answer.value.text()
    assert answer.value.json()["signed_in"] is True
    dialog.wait_for(state="hidden")
    assert page.input_value("#compose-body") == STAFF_REPLY
    stack.keep_out_of_logs(EMAIL, NAME, STAFF_REPLY)
