"""Public pages in every state a person meets them: events, the request form, status pages."""

from __future__ import annotations

import re
import time
from contextlib import contextmanager
from datetime import timedelta

from flask_babel import force_locale, gettext
from sqlalchemy import event as sa_event
from sqlalchemy import select
from sqlalchemy.exc import OperationalError

from accessreq.extensions import db
from accessreq.requests.models import AccessRequest
from accessreq.requests.outage import NOTHING_SAVED
from accessreq.requests.services import cancel_by_attendee
from accessreq.requests.spam import CHECK_AND_SEND_AGAIN
from accessreq.requests.states import RequestStatus
from accessreq.timeutil import utcnow
from accessreq.triage.services import change_status, reply
from helpers import cover_everything, ready_to_close, reason_for

from .helpers import State, World

EVENT_TITLE = "Public lecture: Cities that listen"
CLOSED_TITLE = "Roundtable: Archives and memory"


def catalogue(w: World) -> list:
    """A small catalogue shared by every event a state makes."""
    if "catalogue" not in w._data:
        w._data["catalogue"] = [
            w.make_type("Sign language interpretation", 14, details_label="Which sign language?",
                        details_hint="For example BSL, ASL or International Sign.",
                        description="A qualified interpreter at the event."),
            w.make_type("Human real-time captioning (CART)", 14,
                        description="A trained captioner writes what is said as it happens."),
            w.make_type("Wheelchair-accessible seating", 3,
                        description="A space for a wheelchair, with a route without steps."),
        ]
    return w._data["catalogue"]


def open_event(w: World, title: str = EVENT_TITLE, days_ahead: float = 40):
    return w.make_event(title=title, days_ahead=days_ahead, types=catalogue(w),
                        description="How urban design can work with the people who use it.",
                        access_provided="Step-free venue. Automated captions on the livestream.",
                        is_online=True)


PROVIDED_TITLE = "Talk: Hearing the city"


def provided_event(w: World):
    """An event that gives everyone a sign language interpreter (from the catalogue) and a
    hearing loop (not in it)."""
    from accessreq.events.provisions import ProvisionDetails, add_provision

    event = w.make_event(title=PROVIDED_TITLE, days_ahead=30, types=catalogue(w),
                         access_provided="The lift is at the back of the building.")
    add_provision(event, ProvisionDetails(accommodation_type=catalogue(w)[0],
                                          how="A BSL interpreter on the stage throughout"))
    add_provision(event, ProvisionDetails(name="Hearing loop", how="In rows A to F"))
    return event


def closed_event(w: World):
    return w.make_event(title=CLOSED_TITLE, days_ahead=20, types=catalogue(w),
                        requests_open=False, access_provided="Hearing loop in the room.")


def submitted_request(w: World):
    event = open_event(w)
    kinds = catalogue(w)
    request, url = w.make_request(event=event, types=kinds[:2], details={kinds[0].id: "BSL"},
                                  anything_else="A seat near the interpreter, please.")
    return request, w.local(url)


STATUS_MESSAGES = {
    RequestStatus.NEEDS_INFO: "Which sign language do you use: BSL or International Sign?",
    RequestStatus.ARRANGED: "A BSL interpreter is booked and a captioner will join online.",
    RequestStatus.PARTIALLY_ARRANGED: "The interpreter is booked. We could not find a captioner; "
                                      "a full transcript will be sent to you within a week.",
    RequestStatus.UNABLE: "We could not book an interpreter for this date. The recording will "
                          "have captions and BSL, sent to you within two weeks.",
}
# How staff get a request to each status from "submitted".
PATHS = {
    RequestStatus.SUBMITTED: [],
    RequestStatus.IN_REVIEW: [RequestStatus.IN_REVIEW],
    RequestStatus.NEEDS_INFO: [RequestStatus.NEEDS_INFO],
    RequestStatus.ARRANGED: [RequestStatus.IN_REVIEW, RequestStatus.ARRANGED],
    RequestStatus.PARTIALLY_ARRANGED: [RequestStatus.PARTIALLY_ARRANGED],
    RequestStatus.UNABLE: [RequestStatus.UNABLE],
    RequestStatus.CLOSED: [RequestStatus.ARRANGED, RequestStatus.CLOSED],
    RequestStatus.CANCELLED: None,  # the attendee cancels
}


def request_in(status: RequestStatus):
    def build(w: World):
        request, path = submitted_request(w)
        staff = w.staff("coordinator")
        if status == RequestStatus.CANCELLED:
            cancel_by_attendee(request, "My plans changed.")
        else:
            cover_everything(request)  # "Arranged" needs every accommodation covered
            for step in PATHS[status]:
                if step == RequestStatus.CLOSED:
                    ready_to_close(request)  # closed after the event, with its outcomes
                change_status(request, staff, step, STATUS_MESSAGES.get(step, ""),
                              shortfall=reason_for(step))
            if status == RequestStatus.IN_REVIEW:
                reply(request, staff, "Thank you. We are contacting interpreters now.")
        db.session.commit()
        return path

    return build


ONLINE_TITLE = "Online roundtable: Listening at a distance"


def online_request(w: World):
    """A request for an online-only event with a long joining link (it must wrap at 320 px)."""
    event = w.make_event(title=ONLINE_TITLE, days_ahead=25, types=catalogue(w), venue="",
                         is_online=True,
                         online_url="https://meet.example.org/j/88213377401?pwd="
                                    "Zm9yIHRoZSBhY2Nlc3MgdGVhbSBvbmx5LCB0aGFuayB5b3U")
    _request, url = w.make_request(event=event, types=catalogue(w)[:1])
    return w.local(url)


def request_after_the_event(w: World):
    """An arranged request whose event is over: readable, no actions, and why."""
    path = request_in(RequestStatus.ARRANGED)(w)
    request = db.session.scalars(select(AccessRequest)).one()
    request.event.starts_at = utcnow() - timedelta(days=2)
    request.event.ends_at = utcnow() - timedelta(days=2) + timedelta(hours=2)
    db.session.commit()
    return path


def request_with_outcomes(w: World):
    """After the event, the team recorded that the interpreter came and the captioner did
    not: the attendee reads it in plain words and is asked whether it met their needs."""
    from accessreq.arranging.outcomes import OutcomeChoice, record_outcomes
    from accessreq.requests.outcomes import ItemOutcome, OutcomeReason

    path = request_after_the_event(w)
    request = db.session.scalars(select(AccessRequest)).one()
    sign, captions = request.items
    record_outcomes(request, w.staff("coordinator"), {
        sign.id: OutcomeChoice(ItemOutcome.DELIVERED),
        captions.id: OutcomeChoice(ItemOutcome.NOT_DELIVERED, OutcomeReason.PROVIDER_CANCELLED,
                                   "The captioner's connection failed")})
    return path


def _needs_met_error(w: World, page, path: str) -> None:
    """The answer sent without choosing yes, partly or no: refused, the words kept."""
    w.goto(page, path)
    page.fill("#comment", "The interpreter was excellent.")
    w.submit(page, form="main form[action$='/needs-met']")
    assert page.input_value("#comment") == "The interpreter was excellent."


def _needs_met_answered(w: World, page, path: str) -> None:
    w.goto(page, path)
    page.check("#answer-1")
    page.fill("#comment", "The interpreter was excellent; without captions I missed the Q&A.")
    w.submit(page, form="main form[action$='/needs-met']")
    assert page.locator(".flashes [role=status]").count() == 1, "no thanks shown"


def _message_after_the_event(w: World, page, path: str) -> None:
    """A message typed before the event ended, sent after: refused with the reason."""
    request = db.session.scalars(select(AccessRequest)).one()
    ends_at = request.event.ends_at
    request.event.ends_at = utcnow() + timedelta(hours=1)
    db.session.commit()
    w.goto(page, path)
    page.fill("#body", "Thank you, it worked well.")
    request.event.ends_at = ends_at
    db.session.commit()
    w.submit(page, form="main form[action$='/message']")
    assert page.locator(".flashes [role=status]").count() == 1, "the reason is not shown"


def fill_request_form(page, name: str = "Sam Attendee", email: str = "sam@example.net") -> None:
    page.fill("#contact_name", name)
    page.fill("#contact_email", email)
    page.check("#accommodations-0")
    page.fill("#anything_else", "A seat near the front, please.")
    page.check("#consent")


def token_of(status_path: str) -> str:
    return status_path.rsplit("/", 1)[-1]


def _event_path(w: World, event) -> str:
    return w.path("events.detail", event_id=event.id)


def _form_path(w: World, event) -> str:
    return w.path("requests.new", event_id=event.id)


def _submit_empty_form(w: World, page, event) -> None:
    w.goto(page, _form_path(w, event))
    w.submit(page)


def wait_as_a_person(w: World, opened_at: float) -> None:
    """A script fills the form faster than any person; the minimum fill time (requests/spam.py,
    on in the live server) would rightly hold it back. Wait until a person could have sent it."""
    left = w.app.config["PUBLIC_FORM_MIN_SECONDS"] + 0.2 - (time.monotonic() - opened_at)
    if left > 0:
        time.sleep(left)


def _submit_good_form(w: World, page, event) -> None:
    opened_at = time.monotonic()
    w.goto(page, _form_path(w, event))
    fill_request_form(page)
    wait_as_a_person(w, opened_at)
    w.submit(page)
    assert re.search(r"/r/[^/]+/submitted$", page.url), page.inner_text("main")[:500]


def _message_error(w: World, page, path: str) -> None:
    w.goto(page, path)
    w.submit(page, form="main form[action$='/message']")


def _message_sent(w: World, page, path: str) -> None:
    w.goto(page, path)
    page.fill("#body", "Yes: BSL, please.")
    w.submit(page, form="main form[action$='/message']")
    assert page.locator(".flashes [role=status]").count() == 1, "no success message shown"


@contextmanager
def _database_away(w: World, writes_only: bool):
    """The database refuses statements as if it had gone away (tests/faults has the real
    outage; here only the pages people then see are checked)."""
    def refuse(_conn, _cursor, statement, *_args):
        if not writes_only or not statement.lstrip().upper().startswith("SELECT"):
            raise OperationalError(statement, None, Exception("the database went away"))

    with w.app.app_context():
        engine = db.engine
    sa_event.listen(engine, "before_cursor_execute", refuse)
    try:
        yield
    finally:
        sa_event.remove(engine, "before_cursor_execute", refuse)


def in_page_language(w: World, page, text: str) -> str:
    """``text`` (an English constant marked N_) as the page shows it, in the page's language
    (the states also run in Spanish, Hebrew and a pseudo-locale)."""
    with w.app.test_request_context(), force_locale(page.evaluate("document.documentElement.lang")):
        return gettext(text)


def _submit_while_database_away(w: World, page, event) -> None:
    opened_at = time.monotonic()
    w.goto(page, _form_path(w, event))
    fill_request_form(page)
    wait_as_a_person(w, opened_at)
    with _database_away(w, writes_only=True), page.expect_navigation() as navigation:
        page.locator("main form [type=submit]").first.click()
    assert navigation.value.status == 503
    assert in_page_language(w, page, NOTHING_SAVED) in page.inner_text("main")


def _page_while_database_away(w: World, page, _data) -> None:
    with _database_away(w, writes_only=False):
        w.goto(page, w.path("events.index"), status=503)


def _late_event(w: World):
    return w.make_event(title="Screening: The Long Walk", types=catalogue(w), days_ahead=1)


def _report_with_errors(w: World, page, _data) -> None:
    w.goto(page, w.path("feedback.report"))
    page.fill("input[name=email]", "not an address")
    w.submit(page)


def _report_sent(w: World, page, _data) -> None:
    w.goto(page, w.path("feedback.report"))
    page.fill("textarea[name=description]", "The date picker cannot be used with a keyboard.")
    w.submit(page)


# --- deadlines (issue 10, item 10) ------------------------------------------------------------

SOON_TITLE = "Workshop: Reading the city"


def soon_event(w: World):
    """Six days ahead: sign language and CART (14 days) are past their date, seating (3) not."""
    return w.make_event(title=SOON_TITLE, days_ahead=6, types=catalogue(w))


def late_request(w: World):
    """A request for sign language made 6 days before: accepted, with the late note."""
    kinds = catalogue(w)
    _request, url = w.make_request(event=soon_event(w), types=kinds[:1])
    return w.local(url)


# --- the rate limit and the spam defences (item 11) ------------------------------------------

def _refused_by_the_rate_limit(w: World, page, event) -> None:
    """One request sent uses up a limit of one an hour; the next comes back with its values."""
    _submit_good_form(w, page, event)
    opened_at = time.monotonic()
    w.goto(page, _form_path(w, event))
    fill_request_form(page, name="Kit Second-Request", email="kit@example.net")
    wait_as_a_person(w, opened_at)
    response = w.submit(page)
    assert response.status == 429, response.status
    assert page.input_value("#contact_name") == "Kit Second-Request"
    assert page.input_value("#contact_email") == "kit@example.net"
    assert page.is_checked("#accommodations-0") and page.is_checked("#consent")
    assert page.locator("main .notice--error, main [role=alert]").count() >= 1


def _caught_by_the_honeypot(w: World, page, event) -> None:
    """A program that fills every box, the hidden one too: shown again, nothing lost."""
    opened_at = time.monotonic()
    w.goto(page, _form_path(w, event))
    fill_request_form(page)
    page.evaluate("document.querySelector('input[name=website]').value = 'http://spam.example'")
    wait_as_a_person(w, opened_at)
    w.submit(page)
    assert in_page_language(w, page, CHECK_AND_SEND_AGAIN) in page.inner_text("main")
    assert page.input_value("#contact_name") == "Sam Attendee"
    assert page.input_value("input[name=website]") == ""


# --- why an event is not taking requests (item 12) -------------------------------------------

def _closed_for(reason: str):
    def build(w: World):
        title = f"Closed: {reason}"
        if reason == "deadline_passed":
            return w.make_event(title=title, days_ahead=20, types=catalogue(w),
                                requests_close_at=utcnow() - timedelta(hours=2))
        if reason == "started":
            return w.make_event(title=title, days_ahead=-1 / 24, types=catalogue(w))
        if reason == "ended":
            return w.make_event(title=title, days_ahead=-3, types=catalogue(w))
        if reason == "cancelled":
            return w.make_event(title=title, days_ahead=20, types=catalogue(w),
                                cancelled_at=utcnow(),
                                cancellation_reason="The speaker is ill. We hope to hold the "
                                                    "talk in the spring.")
        return w.make_event(title=title, days_ahead=20, types=[])  # no_types

    return build


CLOSED_REASONS = ["deadline_passed", "started", "ended", "no_types", "cancelled"]

PUBLIC_STATES = [
    State("home-with-events", ("events.index",),
          build=lambda w: [open_event(w), closed_event(w), _late_event(w)],
          open=lambda w, page, _: w.goto(page, w.path("events.index"))),
    State("home-empty", ("events.index",),
          open=lambda w, page, _: w.goto(page, w.path("events.index"))),
    State("event-open", ("events.detail",), event_title=EVENT_TITLE, build=open_event,
          open=lambda w, page, event: w.goto(page, _event_path(w, event))),
    State("event-short-notice", ("events.detail",), event_title="Screening: The Long Walk",
          build=_late_event, open=lambda w, page, event: w.goto(page, _event_path(w, event))),
    State("event-closed", ("events.detail",), event_title=CLOSED_TITLE, build=closed_event,
          open=lambda w, page, event: w.goto(page, _event_path(w, event))),
    State("request-form", ("requests.new",), event_title=EVENT_TITLE, build=open_event,
          open=lambda w, page, event: w.goto(page, _form_path(w, event))),
    State("request-form-errors", ("requests.new",), event_title=EVENT_TITLE, form_error=True,
          build=open_event, open=_submit_empty_form),
    State("request-form-closed", ("requests.new",), event_title=CLOSED_TITLE, build=closed_event,
          open=lambda w, page, event: w.goto(page, _form_path(w, event))),
    State("request-form-database-away", ("requests.new",), event_title=EVENT_TITLE,
          form_error=True, build=open_event, open=_submit_while_database_away),
    State("error-503", (), open=_page_while_database_away),
    State("event-some-dates-passed", ("events.detail",), event_title=SOON_TITLE,
          build=soon_event, open=lambda w, page, event: w.goto(page, _event_path(w, event))),
    State("request-form-some-dates-passed", ("requests.new",), event_title=SOON_TITLE,
          build=soon_event, open=lambda w, page, event: w.goto(page, _form_path(w, event))),
    State("request-submitted-late", ("requests.confirmation",), build=soon_event,
          open=_submit_good_form),
    State("status-late-request", ("requests.status",), event_title=SOON_TITLE,
          build=late_request, open=lambda w, page, path: w.goto(page, path)),
    State("request-form-rate-limited", ("requests.new",), event_title=EVENT_TITLE,
          form_error=True, build=open_event, open=_refused_by_the_rate_limit,
          app_config={"RATELIMIT_ENABLED": True, "PUBLIC_FORM_RATE_LIMIT": "1 per hour"}),
    State("request-form-held-back", ("requests.new",), event_title=EVENT_TITLE,
          form_error=True, build=open_event, open=_caught_by_the_honeypot),
    *[State(f"event-closed-{reason}", ("events.detail",), event_title=f"Closed: {reason}",
            build=_closed_for(reason),
            open=lambda w, page, event: w.goto(page, _event_path(w, event)))
      for reason in CLOSED_REASONS],
    *[State(f"request-form-closed-{reason}", ("requests.new",), event_title=f"Closed: {reason}",
            build=_closed_for(reason),
            open=lambda w, page, event: w.goto(page, _form_path(w, event)))
      for reason in CLOSED_REASONS],
    State("request-submitted", ("requests.confirmation",), build=open_event,
          open=_submit_good_form),
    State("event-provided-to-everyone", ("events.detail",), event_title=PROVIDED_TITLE,
          build=provided_event, open=lambda w, page, event: w.goto(page, _event_path(w, event))),
    State("request-submitted-already-provided", ("requests.confirmation",),
          build=provided_event, open=_submit_good_form),
    # The old confirmation address: home, with a note saying where the link is.
    State("request-submitted-old-address", ("events.index", "requests.submitted"),
          build=open_event, open=lambda w, page, _: w.goto(page, w.path("requests.submitted"))),
    *[State(f"status-{status.value}", ("requests.status",), event_title=EVENT_TITLE,
            build=request_in(status), open=lambda w, page, path: w.goto(page, path))
      for status in RequestStatus],
    State("status-online-joining-link", ("requests.status",), event_title=ONLINE_TITLE,
          build=online_request, open=lambda w, page, path: w.goto(page, path)),
    State("status-after-the-event", ("requests.status",), event_title=EVENT_TITLE,
          build=request_after_the_event, open=lambda w, page, path: w.goto(page, path)),
    State("status-after-the-event-outcomes", ("requests.status",), event_title=EVENT_TITLE,
          build=request_with_outcomes, open=lambda w, page, path: w.goto(page, path)),
    State("status-needs-met-error", ("requests.status", "requests.needs_met"),
          event_title=EVENT_TITLE, form_error=True, build=request_with_outcomes,
          open=_needs_met_error),
    State("status-needs-met-answered", ("requests.status", "requests.needs_met"),
          event_title=EVENT_TITLE, build=request_with_outcomes, open=_needs_met_answered),
    State("status-after-the-event-message-refused", ("requests.status", "requests.add_message"),
          event_title=EVENT_TITLE, build=request_after_the_event, open=_message_after_the_event),
    State("status-message-error", ("requests.status", "requests.add_message"),
          event_title=EVENT_TITLE, form_error=True, build=request_in(RequestStatus.NEEDS_INFO),
          open=_message_error),
    State("status-message-sent", ("requests.status", "requests.add_message"),
          event_title=EVENT_TITLE, build=request_in(RequestStatus.NEEDS_INFO), open=_message_sent),
    State("cancel-confirm", ("requests.cancel",), event_title=EVENT_TITLE,
          build=request_in(RequestStatus.SUBMITTED),
          open=lambda w, page, path: w.goto(page, w.path("requests.cancel", token=token_of(path)))),
    State("accessibility-statement", ("pages.accessibility",),
          open=lambda w, page, _: w.goto(page, w.path("pages.accessibility"))),
    State("report-problem", ("feedback.report",),
          open=lambda w, page, _: w.goto(page, w.path("feedback.report"))),
    State("report-problem-errors", ("feedback.report",), form_error=True,
          open=_report_with_errors),
    State("report-problem-sent", ("feedback.sent",), open=_report_sent),
]
