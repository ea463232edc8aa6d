"""Staff record a request that came by phone, email, in person, video relay or letter.

First the event (those taking requests and those closed to the public form), then the public
form's questions with staff wording; the new request's page follows, with its reference. A
problem report (``?report=``) or an email from the staff inbox (``?inbound=``) can open the form
filled in from what its author wrote.
"""

from __future__ import annotations

from flask import (Blueprint, abort, current_app, flash, redirect, render_template, request,
                   session, url_for)

from ..events.models import Event
from ..events.queries import events_staff_can_record
from ..extensions import db
from ..feedback.models import AccessibilityReport
from ..guards import current_staff, staff_required
from ..inbound import inbox
from ..inbound.models import InboundMessage, InboundOutcome
from ..notifications.sealing import SESSION_LINK, ContentUnreadable, seal, unseal
from ..requests.models import AccessRequest, ReceivedVia
from ..requests.services import RequestActionError
from ..timeutil import utcnow
from . import services
from .record_forms import UPDATES_NO, UPDATES_YES, staff_request_form_for

bp = Blueprint("record", __name__, url_prefix="/staff/requests")

# The private status link of a request just recorded for someone without email, shown once on
# its page so staff can read it out or post it. Sealed: the session cookie is only signed.
LINK_KEY = "recorded_status_link"
_MAX_ID = 2147483647



def _id_arg(name: str) -> int | None:
    """A positive id from the query string; None when absent; 404 when unreadable."""
    value = request.args.get(name, "")
    if not value:
        return None
    if not (value.isascii() and value.isdigit() and 0 < int(value) <= _MAX_ID):
        abort(404)
    return int(value)


def _prefill(report: AccessibilityReport) -> dict:
    """What a problem report tells us, in the record form's fields."""
    where = f" (page or task: {report.where})" if report.where else ""
    return {
        "received_via": ReceivedVia.EMAIL.value if report.email else ReceivedVia.OTHER.value,
        "contact_name": report.name, "contact_email": report.email,
        "email_updates": UPDATES_YES if report.email else None,
        "anything_else": f"From accessibility problem report {report.id}{where}: "
                         f"{report.description}",
    }


def _prefill_from_email(message: InboundMessage) -> dict:
    """What an email tells us: the sender, the channel, and its text under "anything else"."""
    text = message.reply_text or message.body_text
    subject = f" ({message.subject})" if message.subject else ""
    return {
        "received_via": ReceivedVia.EMAIL.value,
        "contact_name": message.from_name, "contact_email": message.from_address,
        "email_updates": UPDATES_YES if message.from_address else None,
        "anything_else": f"From their email{subject}: {text}"[:4000],
    }


def _inbound_or_404() -> InboundMessage | None:
    """The unmatched email the form is filled in from (``?inbound=``), if this person may see
    it and it is still in the inbox. On a POST, one dealt with meanwhile is kept, so the
    service's refusal shows above what they typed."""
    inbound_id = _id_arg("inbound")
    if inbound_id is None:
        return None
    message = db.session.get(InboundMessage, inbound_id)
    if message is None or not inbox.can_see(current_staff(), message):
        abort(404)
    if request.method == "GET" and message.outcome != InboundOutcome.UNMATCHED:
        abort(404)
    return message


@bp.route("/new", methods=["GET", "POST"])
@staff_required
def new():
    report_id = _id_arg("report")
    report = db.get_or_404(AccessibilityReport, report_id) if report_id else None
    inbound = None if report is not None else _inbound_or_404()
    event_id = _id_arg("event")
    now = utcnow()
    if event_id is None:
        events = events_staff_can_record(now)
        return render_template("triage/record_choose.html", events=events, report=report,
                               inbound=inbound, now=now)
    event = db.get_or_404(Event, event_id)
    if event.has_ended(now) or not event.offered_types:
        abort(404)
    retention = current_app.config["RETENTION_DAYS"]
    if request.method == "GET" and report is not None:
        form = staff_request_form_for(event, retention, data=_prefill(report))
    elif request.method == "GET" and inbound is not None:
        form = staff_request_form_for(event, retention, data=_prefill_from_email(inbound))
    else:
        form = staff_request_form_for(event, retention)
    if not form.validate_on_submit():
        code = 422 if form.is_submitted() else 200
        return _render(event, form, report, inbound, code=code)
    me = current_staff()
    submission = form.submission(email_updates=form.email_updates.data != UPDATES_NO)
    submission.language = form.language.data
    try:
        access_request, status_url = services.record_request(
            event, submission, me,
            ReceivedVia(form.received_via.data), report, inbound)
    except (RequestActionError, inbox.InboxActionError) as error:
        db.session.rollback()
        return _render(event, form, report, inbound, page_error=str(error), code=422)
    _say_recorded(access_request, status_url, visible=me.can_see(access_request))
    if not me.can_see(access_request):
        # Routed to a team this person is not in: its page would be Not Found for them.
        return redirect(url_for("triage.queue"), 303)
    return redirect(url_for("triage.detail", request_id=access_request.id), 303)


def _render(event: Event, form, report, inbound, page_error: str | None = None, code: int = 200):
    return render_template("triage/record.html", event=event, form=form, report=report,
                           inbound=inbound, page_error=page_error, now=utcnow()), code


def _say_recorded(access_request: AccessRequest, status_url: str, visible: bool) -> None:
    reference = access_request.reference
    routed = ("" if visible else
              f" It went to {access_request.team.name}, a team you are not in, so it is in "
              "their queue, not yours.")
    if access_request.gets_email:
        flash(f"Request {reference} recorded. The confirmation with its reference and private "
              f"status link was emailed to {access_request.contact_email}.{routed}", "success")
        return
    flash(f"Request {reference} recorded. They get no email, so tell them their reference: "
          f"{reference}. {access_request.contact_instead}{routed}", "success")
    if not visible:
        return  # its page, where the link would be shown once, is not theirs to open
    session[LINK_KEY] = {"id": access_request.id,
                         "link": seal(status_url.encode(), SESSION_LINK).decode("ascii")}


def recorded_status_link(request_id: int) -> str | None:
    """The status link of the request just recorded, once: taken out of the session."""
    kept = session.get(LINK_KEY)
    if not isinstance(kept, dict) or kept.get("id") != request_id:
        return None
    session.pop(LINK_KEY, None)
    try:
        return unseal(str(kept.get("link", "")).encode("ascii"), SESSION_LINK).decode()
    except (ContentUnreadable, UnicodeError, ValueError):
        return None
