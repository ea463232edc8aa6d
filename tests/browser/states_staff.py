"""Staff and admin pages in their states, the invitation page, and the error pages."""

from __future__ import annotations

import smtplib
from datetime import timedelta
from email.message import EmailMessage
from pathlib import Path

from sqlalchemy import select

import accessreq.auth.sessions as sessions
from accessreq.auth.models import Role, StaffUser
from accessreq.extensions import db
from accessreq.notifications.catcher import start_catcher
from accessreq.notifications.models import EmailStatus, OutgoingEmail
from accessreq.requests.services import add_attendee_message
from accessreq.requests.states import RequestStatus
from accessreq.routing.models import Organisation, Team
from accessreq.security import hash_token
from accessreq.timeutil import utcnow
from accessreq.triage.services import add_note, assign, change_status, reply

from .helpers import SERVER_ERROR_ENDPOINT, SERVER_ERROR_PATH, State, World, free_port
from .states_public import EVENT_TITLE, catalogue, closed_event, open_event

INVITE_TOKEN = "browser-test-invitation-token-0123456789abcdef"


def full_queue(w: World) -> list:
    """Requests for two events in many statuses, some assigned, one late."""
    events = [open_event(w),
              w.make_event(title="Roundtable: Archives and memory", days_ahead=9, types=catalogue(w)),
              w.make_event(title="Screening: The Long Walk", days_ahead=2, types=catalogue(w))]
    kinds = catalogue(w)
    me, other = w.staff("coordinator"), w.staff("coordinator", "Bea Coordinator")
    people = ["Sam Attendee", "Noor Haddad", "Jo Okafor", "Li Wei", "María José Núñez",
              "Aroha Ngata", "Kwame Mensah", "Ines Duarte"]
    requests = []
    for n, person in enumerate(people):
        request, _url = w.make_request(event=events[n % 3], types=kinds[: 1 + n % 3],
                                       contact_name=person,
                                       contact_email=f"person{n}@example.net")
        requests.append(request)
    assign(requests[0], me, me)
    assign(requests[1], me, other)
    change_status(requests[2], me, RequestStatus.NEEDS_INFO, "Which sign language do you use?")
    change_status(requests[3], me, RequestStatus.IN_REVIEW)
    change_status(requests[4], me, RequestStatus.ARRANGED, "All booked.")
    return requests


ATTENDEES = ["Sam Attendee", "Noor Haddad", "Jo Okafor", "Li Wei", "María José Núñez",
             "Aroha Ngata", "Kwame Mensah", "Ines Duarte", "Tomasz Wiśniewski", "Priya Raman",
             "Ada Lovelace-Byron", "Femi Adeyemi"]
MANY_EVENTS = [("Public lecture: Cities that listen", 40), ("Roundtable: Archives and memory", 12),
               ("Screening: The Long Walk", 2)]


def many_requests(w: World) -> dict:
    """24 requests held by a team the coordinator is in, for three events, asking for one to
    three things; every fifth has an unanswered message from its attendee."""
    if "many" in w._data:
        return w._data["many"]
    centre = Organisation(name="Museum Centre")
    team = Team(organisation=centre, name="Communications access",
                notification_email="comms@example.org", is_default=True)
    db.session.add_all([centre, team])
    team.members = [w.staff("coordinator")]
    db.session.commit()
    kinds = catalogue(w)
    events = [w.make_event(title=title, days_ahead=days, types=kinds, organisation=centre)
              for title, days in MANY_EVENTS]
    requests = []
    for n in range(24):
        person = ATTENDEES[n % len(ATTENDEES)]
        request, _url = w.make_request(event=events[n % 3], types=kinds[: 1 + n % 3],
                                       contact_name=person, contact_email=f"person{n}@example.net")
        requests.append(request)
    waiting = requests[1::5]
    for request in waiting:
        add_attendee_message(request, "My interpreter's name is Alex; they know the venue.")
    w._data["many"] = dict(team=team, requests=requests, waiting=waiting)
    return w._data["many"]


def no_team_queue(w: World) -> list:
    """A coordinator in no team, an admin to ask, and requests no team holds (no routing is set
    up), which every coordinator sees."""
    w.staff("admin")
    event = open_event(w)
    return [w.make_request(event=event, types=catalogue(w)[:n], contact_name=person)[0]
            for n, person in ((1, "Robin Example"), (2, "Noor Haddad"))]


def _waiting_for_us(w: World, page, _data) -> None:
    w.goto(page, w.path("triage.queue"))
    with page.expect_navigation():
        page.get_by_role("link", name="Waiting for us").click()
    assert "waiting=1" in page.url


def _filters_open(w: World, page, _data) -> None:
    w.goto(page, w.path("triage.queue", q="Noor"))
    open_filters(page)


def request_with_history(w: World):
    request, _url = w.make_request(event=open_event(w), types=catalogue(w)[:2],
                                   details={catalogue(w)[0].id: "BSL"},
                                   anything_else="I lip-read too; a seat near the front helps.")
    me = w.staff("coordinator")
    assign(request, me, me)
    change_status(request, me, RequestStatus.NEEDS_INFO, "Do you need the interpreter for the Q&A too?")
    add_attendee_message(request, "Yes please, for the whole evening.")
    add_note(request, me, "Asked the agency for two interpreters (over 2 hours).")
    reply(request, me, "Thank you, we are booking two interpreters.")
    return request


def _detail(w: World, page, request) -> None:
    w.goto(page, w.path("triage.detail", request_id=request.id))


def _detail_action_error(w: World, page, request) -> None:
    _detail(w, page, request)
    w.submit(page, form=f"main form[action='{w.path('triage.reply', request_id=request.id)}']")


def _stale_reply(w: World, page, request) -> None:
    """Someone else acts on the request while this page is open; this reply is then refused."""
    _detail(w, page, request)
    reply(request, w.staff("coordinator", "Bea Coordinator"), "We have booked the interpreter.")
    page.fill("#reply-body", "Thank you, the interpreter is booked.")
    w.submit(page, form=f"main form[action='{w.path('triage.reply', request_id=request.id)}']")


def open_filters(page) -> None:
    """Unfold the queue's "Filter and sort" (a <details>, closed so the rows come first)."""
    page.locator("main details.queue-filters > summary").click()


def _filter_queue(w: World, page, _data) -> None:
    w.goto(page, w.path("triage.queue"))
    open_filters(page)
    page.select_option("main form[method=get] select[name=status]", "all")
    w.submit(page, form="main form[method=get]")
    assert "status=all" in page.url


def _login_error(w: World, page, _data) -> None:
    w.goto(page, w.path("auth.login"))
    page.fill("input[name=email]", "cory@example.org")
    page.fill("input[name=password]", "not the password")
    w.submit(page)


def invited(w: World) -> StaffUser:
    user = StaffUser(email="new.person@example.org", name="New Person", role=Role.COORDINATOR,
                     invite_token_hash=hash_token(INVITE_TOKEN),
                     invite_expires_at=utcnow() + timedelta(days=7))
    db.session.add(user)
    db.session.commit()
    return user


def _invite_errors(w: World, page, _user) -> None:
    w.goto(page, w.path("auth.accept_invite", token=INVITE_TOKEN))
    w.submit(page)


def _submit_empty(endpoint: str):
    def open_(w: World, page, _data) -> None:
        w.goto(page, w.path(endpoint))
        w.submit(page)

    return open_


def _edit(endpoint: str, errors: bool = False):
    """Open an edit page; with ``errors``, empty its first required text box and save."""
    def open_(w: World, page, thing) -> None:
        w.goto(page, w.path_for(endpoint, thing.id))
        if errors:
            page.locator("main form input[required]:visible").first.fill("")
            w.submit(page)

    return open_


def outbox(w: World) -> None:
    w.make_request(event=open_event(w))
    failed = db.session.scalars(select(OutgoingEmail)).first()
    failed.status = EmailStatus.DEAD
    failed.attempts = 8
    failed.last_error = "550 5.1.1 mailbox unavailable"
    # The other one was sent: listed with "Send again", its content deleted.
    sent = db.session.scalars(select(OutgoingEmail).where(OutgoingEmail.id != failed.id)).first()
    sent.status, sent.sent_at = EmailStatus.SENT, failed.created_at
    sent.sealed_text = sent.sealed_html = sent.sealed_mime = None
    db.session.commit()


def caught_mail(w: World) -> str:
    """Deliver one real queued email through the local mail catcher; return its id."""
    w.make_request(event=open_event(w))
    row = db.session.scalars(select(OutgoingEmail).where(
        OutgoingEmail.template == "request_received")).one()
    folder = Path(w.app.config["MAIL_CATCHER_DIR"])
    controller = start_catcher(folder, port=free_port())
    try:
        message = EmailMessage()
        message["From"], message["To"], message["Subject"] = (
            w.app.config["MAIL_DEFAULT_SENDER"], row.to_address, row.subject)
        message["Message-ID"] = row.message_id
        message.set_content(row.body_text)
        message.add_alternative(row.body_html, subtype="html")
        with smtplib.SMTP(controller.hostname, controller.port) as smtp:
            smtp.send_message(message)
    finally:
        controller.stop()
    return next(folder.glob("*.eml")).stem


def _csrf_failure(w: World, page, _data) -> None:
    """A form posted without its CSRF token, as after a stale page or from another site."""
    w.app.config["WTF_CSRF_ENABLED"] = True
    w.goto(page, w.path("pages.accessibility"))
    with page.expect_navigation() as navigation:
        page.evaluate("""(action) => {
            const form = document.createElement('form');
            form.method = 'post'; form.action = action;
            document.body.append(form); form.submit();
        }""", w.path("auth.login"))
    assert navigation.value.status == 400


def problem_report(w: World) -> int:
    from accessreq.feedback.services import submit_report

    return submit_report("The date picker cannot be used with a keyboard.",
                         where="Admin: new event", name="Robin", email="robin@example.net").id


def _resolve_without_text(w: World, page, report_id) -> None:
    w.goto(page, w.path_for("feedback_staff.report_detail", report_id))
    w.submit(page, form="main form")


def _session_warning(w: World, page, request) -> None:
    """The warning before the idle end, as the script opens it (its clock run forward)."""
    page.clock.install()
    _detail(w, page, request)
    idle, warn = w.app.config["SESSION_IDLE_MINUTES"] * 60, w.app.config["SESSION_WARN_SECONDS"]
    page.clock.run_for((idle - warn + 1) * 1000)
    page.get_by_role("alertdialog").wait_for()


def _posted_after_idle_end(w: World, page, request) -> None:
    """Without the script: a reply sent after the session ended comes back to be copied."""
    _detail(w, page, request)
    page.fill("#reply-body", "Thank you, the interpreters are booked for the whole evening.")
    real = sessions.utcnow
    sessions.utcnow = lambda: real() + timedelta(minutes=w.app.config["SESSION_IDLE_MINUTES"])
    try:  # sent just after the idle limit
        w.submit(page, form=f"main form[action='{w.path('triage.reply', request_id=request.id)}']")
    finally:
        sessions.utcnow = real
    assert page.locator("textarea[readonly]").count() == 1


def _goto(endpoint: str, status: int = 200):
    return lambda w, page, _data: w.goto(page, w.path(endpoint), status=status)


STAFF = {"login_as": "coordinator"}
ADMIN = {"login_as": "admin"}

STAFF_STATES = [
    State("staff-login", ("auth.login",), open=_goto("auth.login")),
    State("staff-login-error", ("auth.login",), form_error=True, open=_login_error),
    State("staff-login-after-idle-post", ("auth.login",), **STAFF, build=request_with_history,
          open=_posted_after_idle_end),
    State("invite", ("auth.accept_invite",), build=invited,
          open=lambda w, page, _: w.goto(page, w.path("auth.accept_invite", token=INVITE_TOKEN))),
    State("invite-errors", ("auth.accept_invite",), form_error=True, build=invited,
          open=_invite_errors),
    State("invite-invalid", ("auth.accept_invite",),
          open=lambda w, page, _: w.goto(page, w.path("auth.accept_invite", token="no-such"),
                                         status=404)),
    State("queue-empty", ("triage.queue",), **STAFF, open=_goto("triage.queue")),
    State("session-warning", ("triage.detail",), **STAFF, event_title=EVENT_TITLE,
          build=request_with_history, open=_session_warning),
    State("queue-full", ("triage.queue",), **STAFF, build=full_queue, open=_goto("triage.queue")),
    State("queue-filtered", ("triage.queue",), **STAFF, build=full_queue, open=_filter_queue),
    State("queue-many", ("triage.queue",), **STAFF, build=many_requests,
          open=_goto("triage.queue")),
    State("queue-waiting-for-us", ("triage.queue",), **STAFF, build=many_requests,
          open=_waiting_for_us),
    State("queue-filters-open", ("triage.queue",), **STAFF, build=many_requests,
          open=_filters_open),
    State("queue-no-team", ("triage.queue",), **STAFF, build=no_team_queue,
          open=_goto("triage.queue")),
    State("request-detail", ("triage.detail",), **STAFF, event_title=EVENT_TITLE,
          build=request_with_history, open=_detail),
    State("request-detail-action-error", ("triage.detail", "triage.reply"), **STAFF,
          event_title=EVENT_TITLE, form_error=True, build=request_with_history,
          open=_detail_action_error),
    State("request-detail-stale", ("triage.detail", "triage.reply"), **STAFF,
          event_title=EVENT_TITLE, form_error=True, build=request_with_history, open=_stale_reply),
    State("admin-staff", ("staff_admin.list_staff",), **ADMIN,
          build=lambda w: [w.staff("coordinator"), invited(w)],
          open=_goto("staff_admin.list_staff")),
    State("admin-staff-new", ("staff_admin.new_staff",), **ADMIN,
          open=_goto("staff_admin.new_staff")),
    State("admin-staff-new-errors", ("staff_admin.new_staff",), **ADMIN, form_error=True,
          open=_submit_empty("staff_admin.new_staff")),
    State("admin-staff-edit", ("staff_admin.edit_staff",), **ADMIN,
          build=lambda w: w.staff("coordinator"), open=_edit("staff_admin.edit_staff")),
    State("admin-staff-edit-errors", ("staff_admin.edit_staff",), **ADMIN, form_error=True,
          build=lambda w: w.staff("coordinator"), open=_edit("staff_admin.edit_staff", True)),
    State("admin-events-empty", ("events_admin.events",), **ADMIN,
          open=_goto("events_admin.events")),
    State("admin-events", ("events_admin.events",), **ADMIN,
          build=lambda w: [open_event(w), closed_event(w)], open=_goto("events_admin.events")),
    State("admin-event-new", ("events_admin.new_event",), **ADMIN, build=catalogue,
          open=_goto("events_admin.new_event")),
    State("admin-event-new-errors", ("events_admin.new_event",), **ADMIN, form_error=True,
          build=catalogue, open=_submit_empty("events_admin.new_event")),
    State("admin-event-edit", ("events_admin.edit_event",), **ADMIN, build=open_event,
          open=_edit("events_admin.edit_event")),
    State("admin-event-edit-errors", ("events_admin.edit_event",), **ADMIN, form_error=True,
          build=open_event, open=_edit("events_admin.edit_event", True)),
    State("admin-catalogue-empty", ("events_admin.catalogue",), **ADMIN,
          open=_goto("events_admin.catalogue")),
    State("admin-catalogue", ("events_admin.catalogue",), **ADMIN, build=catalogue,
          open=_goto("events_admin.catalogue")),
    State("admin-type-new", ("events_admin.new_type",), **ADMIN,
          open=_goto("events_admin.new_type")),
    State("admin-type-new-errors", ("events_admin.new_type",), **ADMIN, form_error=True,
          open=_submit_empty("events_admin.new_type")),
    State("admin-type-edit", ("events_admin.edit_type",), **ADMIN,
          build=lambda w: catalogue(w)[0], open=_edit("events_admin.edit_type")),
    State("admin-type-edit-errors", ("events_admin.edit_type",), **ADMIN, form_error=True,
          build=lambda w: catalogue(w)[0], open=_edit("events_admin.edit_type", True)),
    State("admin-outbox-empty", ("mail_admin.outbox",), **ADMIN,
          open=_goto("mail_admin.outbox")),
    State("admin-outbox", ("mail_admin.outbox",), **ADMIN, build=outbox,
          open=_goto("mail_admin.outbox")),
    State("reports-empty", ("feedback_staff.reports",), **STAFF,
          open=_goto("feedback_staff.reports")),
    State("reports", ("feedback_staff.reports",), **STAFF, build=problem_report,
          open=_goto("feedback_staff.reports")),
    State("report-detail", ("feedback_staff.report_detail",), **STAFF, build=problem_report,
          open=lambda w, page, report_id: w.goto(
              page, w.path_for("feedback_staff.report_detail", report_id))),
    State("report-detail-error", ("feedback_staff.report_detail", "feedback_staff.resolve"),
          **STAFF, form_error=True, build=problem_report, open=_resolve_without_text),
    State("admin-caught-mail-empty", ("mail_admin.caught",), **ADMIN,
          open=_goto("mail_admin.caught")),
    State("admin-caught-mail", ("mail_admin.caught",), **ADMIN, build=caught_mail,
          open=_goto("mail_admin.caught")),
    State("admin-caught-message", ("mail_admin.caught_message", "mail_admin.caught_message_html"),
          **ADMIN, build=caught_mail,
          open=lambda w, page, message_id: w.goto(page, w.path_for("mail_admin.caught_message",
                                                                  message_id))),
]

ERROR_STATES = [
    State("error-404", (), open=lambda w, page, _: w.goto(page, "/events/999999", status=404)),
    State("error-403", (), **STAFF, open=_goto("staff_admin.list_staff", status=403)),
    State("error-400-csrf", (), open=_csrf_failure),
    State("error-500", (SERVER_ERROR_ENDPOINT,),
          open=lambda w, page, _: w.goto(page, SERVER_ERROR_PATH, status=500)),
]
