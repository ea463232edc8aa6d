"""Public request pages: the form, the confirmation, and the private status page.

Status pages are opened with a secret token in the URL; accessreq/headers.py keeps them out of
every cache and their URL out of every Referer sent to another site.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import (Blueprint, Response, abort, current_app, flash, redirect, render_template,
                   request, session, url_for)
from flask_babel import gettext as _

from ..events.models import Event
from ..extensions import db
from ..notifications.services import external_url
from ..ratelimits import public_post_limit
from . import outage, spam
from .calendar import calendar_file, removes_entry
from .forms import CancelForm, MessageForm, NeedsMetForm, request_form_for
from .models import AccessRequest
from .outcomes import NeedsMet
from .services import (
    RequestActionError,
    add_attendee_message,
    answer_needs_met,
    cancel_by_attendee,
    find_by_token,
    submit_request,
)

bp = Blueprint("requests", __name__)

# Where the confirmation page once kept the status link; removed from any old cookie.
OLD_SESSION_KEY = "last_submission"


def _token_in(status_url: str) -> str:
    """The token at the end of a status URL (``…/r/<token>``)."""
    return urlsplit(status_url).path.rsplit("/", 1)[-1]


def _event_or_404(event_id: int) -> Event:
    return db.get_or_404(Event, event_id)


def _request_or_404(token: str) -> AccessRequest:
    found = find_by_token(token)
    if found is None:
        abort(404)
    return found



@bp.route("/events/<int(max=2147483647):event_id>/request", methods=["GET", "POST"])
@public_post_limit
def new(event_id: int):
    event = _event_or_404(event_id)
    form = request_form_for(event, current_app.config["RETENTION_DAYS"])
    outage.remember(event)
    closed = event.requests_closed()
    if closed is not None:
        if not form.is_submitted():
            return render_template("requests/closed.html", event=event, reason=closed)
        # It closed while the person was typing: keep what they wrote so they can copy it.
        return _render_form(event, form, _(
            "This event stopped taking requests before yours arrived. Please email what you "
            "wrote to the access team at %(address)s.",
            address=current_app.config["STAFF_INBOX"]))
    if form.validate_on_submit():
        problem = spam.held_back(form, event.id)
        if problem:
            current_app.logger.info("Request form held back by the spam defences")
            return _render_form(event, form, problem)
        try:
            access_request, status_url = submit_request(event, form.submission())
        except RequestActionError as error:
            return _render_form(event, form, str(error))
        # The confirmation lives under the private link: the token is never put in the
        # (signed but readable) session cookie.
        return redirect(url_for("requests.confirmation", token=_token_in(status_url)), 303)
    return _render_form(event, form)


def _render_form(event: Event, form, page_error: str | None = None):
    return render_template("requests/new.html", event=event, form=form, page_error=page_error,
                           page_has_errors=bool(page_error), ask_by=event.ask_by_dates(),
                           retention_days=current_app.config["RETENTION_DAYS"])


def form_during_outage():
    """The request form sent in this request, drawn again with what was typed and a message
    that nothing was saved, while the database is away; None when this process has not shown
    the event's form before (the caller then shows the general page)."""
    copy = outage.remembered((request.view_args or {}).get("event_id"))
    if copy is None:
        return None
    form = request_form_for(copy, current_app.config["RETENTION_DAYS"])
    return _render_form(copy, form, _(outage.NOTHING_SAVED))


def form_when_rate_limited(wait_words: str):
    """The request form sent in this request, drawn again with everything typed, when the
    rate limit refused it (errors.py answers 429 with it); None for an unknown event."""
    event = db.session.get(Event, (request.view_args or {}).get("event_id"))
    if event is None:
        return None
    form = request_form_for(event, current_app.config["RETENTION_DAYS"])
    return _render_form(event, form, _(
        "We have had a lot of requests from your network in the last hour, so we could not "
        "accept this one yet. Nothing you typed is lost: it is all below. You can send it "
        "again in %(wait)s. If you cannot wait, email the access team at %(address)s.",
        wait=wait_words, address=current_app.config["STAFF_INBOX"]))


def message_when_rate_limited(wait_words: str):
    """The status page with the message just written still in its box, when the rate limit
    refused it; None for an unknown link."""
    token = (request.view_args or {}).get("token")
    access_request = find_by_token(token) if token else None
    if access_request is None:
        return None
    flash(_("We have had a lot of messages from your network in the last hour, so we could "
            "not send yours yet. What you wrote is still in the box below: you can send it "
            "again in %(wait)s.", wait=wait_words), "error")
    return _render_status(access_request, token, MessageForm())


@bp.get("/request/submitted")
def submitted():
    """The old confirmation address (bookmarks, browser history): it shows nothing now."""
    session.pop(OLD_SESSION_KEY, None)  # a cookie from before still held the status link
    flash(_("There is no request to show here. If you sent one, your reference and private "
            "link are in the email we sent you."), "info")
    return redirect(url_for("events.index"))


@bp.get("/r/<token>/submitted")
def confirmation(token: str):
    """"Request sent", shown only just after sending; later the status page says it all."""
    access_request = _request_or_404(token)
    if not access_request.shows_confirmation():
        return redirect(url_for("requests.status", token=token))
    return render_template("requests/submitted.html", reference=access_request.reference,
                           status_url=external_url("requests.status", token=token),
                           email=access_request.contact_email,
                           late_note=access_request.late_note,
                           items=access_request.items,
                           provided=dict((item.id, provision) for item, provision
                                         in access_request.already_provided))


def _render_status(access_request: AccessRequest, token: str, form: MessageForm | None = None,
                   needs_met_form: NeedsMetForm | None = None):
    if needs_met_form is None:
        needs_met_form = NeedsMetForm(formdata=None, data={
            "answer": access_request.needs_met.value if access_request.needs_met else None,
            "comment": access_request.needs_met_comment})
    return render_template("requests/status.html", access_request=access_request,
                           event=access_request.event,
                           token=token, form=form or MessageForm(),
                           needs_met_form=needs_met_form,
                           page_has_errors=bool(needs_met_form.errors),
                           calendar_removes=removes_entry(access_request))


@bp.get("/r/<token>")
def status(token: str):
    return _render_status(_request_or_404(token), token)


@bp.get("/r/<token>/calendar.ics")
def calendar(token: str):
    """The calendar file the attendee's emails carry, as the request stands now."""
    file = calendar_file(_request_or_404(token))
    return Response(file.data, content_type=file.content_type,
                    headers={"Content-Disposition": f'attachment; filename="{file.filename}"'})


@bp.post("/r/<token>/message")
@public_post_limit
def add_message(token: str):
    access_request = _request_or_404(token)
    if not access_request.can_add_message:  # nothing is read from the form, nothing changes
        flash(access_request.attendee_actions_closed_reason, "info")
        return redirect(url_for("requests.status", token=token), 303)
    form = MessageForm()
    if not form.validate_on_submit():
        return _render_status(access_request, token, form)
    try:
        add_attendee_message(access_request, form.body.data)
    except RequestActionError as error:
        flash(str(error), "error")
    else:
        flash(_("Your message was sent to the access team."), "success")
    return redirect(url_for("requests.status", token=token), 303)


@bp.post("/r/<token>/needs-met")
@public_post_limit
def needs_met(token: str):
    """After the event: "did this meet your needs?" (yes, partly, no, and words)."""
    access_request = _request_or_404(token)
    if not access_request.can_answer_needs_met():
        flash(_("This request can no longer take an answer."), "info")
        return redirect(url_for("requests.status", token=token), 303)
    form = NeedsMetForm()
    if not form.validate_on_submit():
        # 200 when the language switcher sent it: nothing was checked.
        code = 422 if form.errors else 200
        return _render_status(access_request, token, needs_met_form=form), code
    answer_needs_met(access_request, NeedsMet(form.answer.data), form.comment.data or "")
    flash(_("Thank you. The access team will read your answer."), "success")
    return redirect(url_for("requests.status", token=token, _anchor="after-event"), 303)


@bp.route("/r/<token>/cancel", methods=["GET", "POST"])
@public_post_limit
def cancel(token: str):
    access_request = _request_or_404(token)
    if not access_request.can_cancel:
        flash(access_request.attendee_actions_closed_reason, "info")
        return redirect(url_for("requests.status", token=token), 303)
    form = CancelForm()
    if form.validate_on_submit():
        try:
            cancel_by_attendee(access_request, form.reason.data or "")
        except RequestActionError as error:
            flash(str(error), "error")
        else:
            flash(_("Your request is cancelled. We have told the access team."), "success")
        return redirect(url_for("requests.status", token=token), 303)
    return render_template("requests/cancel.html", access_request=access_request,
                           event=access_request.event,
                           token=token, form=form)
