"""The retention purge reaches every copy: after it, no column of any table holds the
attendee's or the reporter's name, address, phone or words, sealed or not."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from accessreq.auth.models import Role
from accessreq.extensions import db
from accessreq.feedback.models import AccessibilityReport
from accessreq.feedback.services import resolve_report, submit_report
from accessreq.notifications.models import EmailStatus, OutgoingEmail
from accessreq.notifications.rebuild import send_again
from accessreq.notifications.sender import send_due_emails
from accessreq.requests.services import add_attendee_message, cancel_by_attendee
from accessreq.requests.states import RequestStatus
from accessreq.timeutil import utcnow
from accessreq.triage.services import add_note, change_status, record_view, reply
from db_scan import find_in_database
from test_outbox import RefusingSMTPServer

ATTENDEE = {
    "contact_name": "Zephyrine Quillfeather",
    "contact_email": "zephyrine.quill@purge-test.example",
    "contact_phone": "+44 7700 900123",
    "attendee_name": "Ottoline Vexworth",
    "anything_else": "My wheelchair is called Bartholomew-Ferris",
}
DETAILS = "A tactile map of the Orion-Ribbon hall"
MESSAGE = "Attendee says violet-harbour-7731"
REPLY = "Staff answer marmalade-lantern-4410"
NOTE = "Internal: phoned about copper-kettle-5512"
CANCEL = "Cancelled because of sapphire-meadow-9034"
# A second attendee of the same event, whose request went ahead: outcomes, their answer, a
# follow-up, and an email to the provider with their details ticked in.
SECOND = {"contact_name": "Barnaby Thistlewood", "contact_email": "barnaby.t@purge-test.example",
          "contact_phone": "+44 7700 900456"}
SECOND_DETAILS = "Interpreter facing row K, indigo-lattice-2290"
OUTCOME_NOTE = "Only one interpreter, amber-quarry-8841"
ANSWER = "I missed the questions, cobalt-willow-6612"
FOLLOW_UP = "We will send a transcript, pewter-harbour-3307"
FOLLOW_UP_SUBJECT = "Your transcript, linen-falcon-5529"
PROVIDER_WORDS = "Please bring a second interpreter, russet-prism-7746"
REPORTERS = [  # resolved long ago; never resolved, older than REPORT_RETENTION_DAYS
    {"name": "Persephone Drumwell", "email": "persephone.d@purge-test.example",
     "description": "The menu traps focus: tangerine-orbit-6620", "where": "saffron-gate-page"},
    {"name": "Leopold Marchbank", "email": "leopold.m@purge-test.example",
     "description": "Captions missing on the video: walnut-comet-3381", "where": "ochre-page"},
]
RECENT_REPORTER = {"name": "Winifred Stillwater", "email": "winifred.s@purge-test.example",
                   "description": "Low contrast on the footer: juniper-signal-1207", "where": ""}


@pytest.fixture
def smtp_server():
    """Overrides conftest's server: one that can refuse an address with a 550."""
    server = RefusingSMTPServer()
    server.start()
    yield server
    server.stop()


def _needles() -> list[str]:
    people = [v for person in REPORTERS for v in person.values() if v]
    second = [*SECOND.values(), SECOND_DETAILS, OUTCOME_NOTE, ANSWER, FOLLOW_UP,
              FOLLOW_UP_SUBJECT, PROVIDER_WORDS]
    return [*ATTENDEE.values(), DETAILS, MESSAGE, REPLY, NOTE, CANCEL, *people, *second]


@pytest.mark.app_config(RETENTION_DAYS=30, REPORT_RETENTION_DAYS=365)
def test_asvs_8_3_8_purge_leaves_no_copy_of_personal_data_in_any_column(
        app, smtp_server, runner, make_event, make_request, make_staff):
    admin = make_staff(Role.ADMIN)
    event = make_event()
    request, status_url = make_request(event=event, types=event.offered_types[:1],
                                       details={event.offered_types[0].id: DETAILS},
                                       **ATTENDEE)
    reports = [submit_report(**reporter) for reporter in REPORTERS]
    recent = submit_report(**RECENT_REPORTER)
    assert send_due_emails().sent == 2 + 2 * 3  # request: 2; each report: notice + reply

    # Staff look, note, reply; the attendee writes; one delivery is refused with a 550 that
    # quotes the address; a resend is rebuilt; a cancellation is still waiting in the outbox.
    record_view(request, admin)
    add_note(request, admin, NOTE)
    change_status(request, admin, RequestStatus.NEEDS_INFO, REPLY)
    add_attendee_message(request, MESSAGE)
    smtp_server.refuse[ATTENDEE["contact_email"]] = (
        f"550 5.1.1 <{ATTENDEE['contact_email']}>: Recipient address rejected")
    reply(request, admin, REPLY + " again")
    result = send_due_emails()
    assert result.dead == 2 and result.sent == 1  # both updates refused; the notice sent
    dead = db.session.scalars(select(OutgoingEmail)
                              .where(OutgoingEmail.status == EmailStatus.DEAD)).first()
    assert ATTENDEE["contact_email"] in dead.last_error
    send_again(db.session.scalars(select(OutgoingEmail).where(
        OutgoingEmail.template == "request_received")).one(), admin)
    db.session.commit()
    cancel_by_attendee(request, CANCEL)
    pending = db.session.scalars(select(OutgoingEmail).where(
        OutgoingEmail.status == EmailStatus.PENDING)).all()
    assert len(pending) == 3  # the rebuilt confirmation, the cancellation and its notice

    # The second attendee: an email to the provider with their details ticked in (still in
    # the outbox), and after the event outcomes, their answer and a follow-up.
    from accessreq.arranging.models import ProviderKind
    from accessreq.arranging.outcomes import OutcomeChoice, record_outcomes, send_follow_up
    from accessreq.arranging.provider_mail import ProviderEmailKind, email_provider
    from accessreq.arranging.services import BookingDetails, ProviderDetails, create_booking, \
        save_provider
    from accessreq.notifications.models import WordingKey
    from accessreq.requests.outcomes import ItemOutcome, NeedsMet, OutcomeReason
    from accessreq.requests.services import answer_needs_met
    from helpers import ready_to_close

    kind = event.offered_types[0]
    second, _ = make_request(event=event, types=[kind], details={kind.id: SECOND_DETAILS},
                             **SECOND)
    provider = save_provider(None, ProviderDetails(name="Hands Up", kind=ProviderKind.OTHER,
                                                   email="bookings@handsup.example"))
    booking = create_booking(event, admin, BookingDetails(provider=provider,
                                                          items=list(second.items)))
    email_provider(booking, admin, ProviderEmailKind.ASK, "Booking request", PROVIDER_WORDS,
                   contacts=True, needs=True)
    ready_to_close(second)  # the event is over (set-up): outcomes may be recorded
    for item in second.items:
        item.outcome = None
    db.session.commit()
    record_outcomes(second, admin, {second.items[0].id: OutcomeChoice(
        ItemOutcome.PARTLY, OutcomeReason.PROVIDER_CANCELLED, OUTCOME_NOTE)})
    answer_needs_met(second, NeedsMet.PARTLY, ANSWER)
    send_follow_up(second, admin, WordingKey.FOLLOWUP_TRANSCRIPT, FOLLOW_UP_SUBJECT, FOLLOW_UP)

    # The scan sees everything before the purge (sealed content included).
    found = {needle for _t, _c, needle in find_in_database(*_needles())}
    assert found == {n.lower() for n in _needles()}

    # Time passes: the event ended past RETENTION_DAYS; one report was resolved that long
    # ago, the other was never resolved and is older than REPORT_RETENTION_DAYS.
    event.ends_at = utcnow() - timedelta(days=31)
    event.starts_at = event.ends_at - timedelta(hours=2)
    resolve_report(reports[0], admin, "Fixed the menu")
    reports[0].resolved_at = utcnow() - timedelta(days=31)
    reports[1].created_at = utcnow() - timedelta(days=366)
    db.session.commit()

    dry = runner.invoke(args=["requests", "purge", "--dry-run"])
    assert "2 request(s) whose event ended over 30 days ago would be purged" in dry.output
    assert ("1 email(s) to providers about events that ended over 30 days ago would lose "
            "their content") in dry.output
    assert "1 accessibility report(s) resolved over 30 days ago and 1 unresolved" in dry.output
    out = runner.invoke(args=["requests", "purge"])
    assert out.exit_code == 0, out.output
    assert "Purged 2 request(s) whose event ended over 30 days ago." in out.output
    assert ("Deleted the content of 1 email(s) to providers about events that ended over 30 "
            "days ago.") in out.output
    assert ("Deleted 1 accessibility report(s) resolved over 30 days ago and 1 unresolved "
            "one(s) received over 365 days ago") in out.output

    assert find_in_database(*_needles(), status_url.rsplit("/", 1)[1]) == []
    db.session.expire_all()
    assert set(db.session.scalars(select(AccessibilityReport.id))) == {recent.id}
    # The scan would have seen them: the recent report is kept, whole, with its reply.
    assert {t for t, _c, _n in find_in_database(RECENT_REPORTER["email"])} == {
        "accessibility_report", "outgoing_email"}
    rows = db.session.scalars(select(OutgoingEmail)).all()
    assert not [r for r in rows if r.status in (EmailStatus.PENDING, EmailStatus.SENDING)]
    assert all(r.last_error == "Deleted by the retention purge before it was sent."
               for r in rows if r.id in {p.id for p in pending})
