"""The staff inbox: unmatched mail, one email's page (also for matched mail, opened from a
request's history), its original and its kept attachments as downloads, and the actions on it
(accessreq/inbound/inbox holds the rules). Turning an email into a request is the record form
with ``?inbound=``.
"""

from __future__ import annotations

import io

from flask import (Blueprint, abort, current_app, flash, redirect, render_template, request,
                   send_file, url_for)
from sqlalchemy.exc import SQLAlchemyError

from ..extensions import db
from ..guards import current_staff, staff_required
from ..inbound import attachments, inbox
from ..inbound.inbox import InboxActionError
from ..inbound.models import InboundMessage, InboundOutcome
from ..pagination import redirect_if_out_of_range, requested_page
from ..requests.models import AccessRequest
from ..requests.services import RequestActionError, StaleRequestError
from .inbox_forms import AttachForm, DismissForm, InboxSearchForm, RequestSearchForm
from .queries import positive_id

bp = Blueprint("inbox", __name__, url_prefix="/staff/inbox")
MESSAGE_URL = "/<int(max=2147483647):inbound_id>"


def _waiting_in_inbox() -> int | None:
    """How many unmatched emails wait for the signed-in person (the count beside "Inbox" in
    the navigation): one statement, run only when a page draws the staff navigation. None
    when it cannot be counted (an error page while the database is away): no count then."""
    try:
        return inbox.inbox_count(current_staff())
    except SQLAlchemyError as error:
        current_app.logger.warning("Inbox count for the navigation failed (%s)",
                                   type(getattr(error, "orig", None) or error).__name__)
        db.session.rollback()
        return None


@bp.app_context_processor
def _navigation_values() -> dict:
    return {"inbox_waiting": _waiting_in_inbox}


def message_or_404(inbound_id: int) -> InboundMessage:
    """The stored email, if this person may see it; Not Found otherwise (as requests)."""
    message = db.session.get(InboundMessage, inbound_id)
    if message is None or not inbox.can_see(current_staff(), message):
        abort(404)
    return message


@bp.get("/")
@staff_required
def index():
    form = InboxSearchForm(request.args)
    q = inbox.clean_search(request.args.get("q"))
    page = inbox.inbox_page(current_staff(), q, requested_page(request.args.get("page")))
    moved = redirect_if_out_of_range(page.page, page.pages)
    if moved:
        return moved
    return render_template("triage/inbox.html", page=page, form=form, q=q)


def _render_message(message: InboundMessage, dismiss_form=None, code: int = 200):
    access_request = (db.session.get(AccessRequest, message.request_id)
                      if message.request_id else None)
    return render_template(
        "triage/inbox_message.html", message=message, access_request=access_request,
        dismiss_form=dismiss_form or DismissForm(), in_inbox=message.outcome == InboundOutcome.UNMATCHED,
        labels=inbox.ACTION_LABELS), code


@bp.get(MESSAGE_URL)
@staff_required
def message(inbound_id: int):
    found = message_or_404(inbound_id)
    inbox.record_view(found, current_staff())
    return _render_message(found)


@bp.get(MESSAGE_URL + "/original.eml")
@staff_required
def original(inbound_id: int):
    found = message_or_404(inbound_id)
    inbox.record_view(found, current_staff(), original=True)
    return found.raw, 200, {
        "Content-Type": "message/rfc822",
        "Content-Disposition": f'attachment; filename="email-{found.id}.eml"',
        "X-Content-Type-Options": "nosniff",
    }


@bp.get(MESSAGE_URL + "/attachments/<int(min=1, max=1000):number>")
@staff_required
def attachment(inbound_id: int, number: int):
    """One kept file, as a download only: never shown inline, never sniffed, never cached."""
    found = message_or_404(inbound_id)
    entries = found.attachments or []
    entry = entries[number - 1] if number <= len(entries) else None
    data = attachments.read_back(found.raw, entry) if entry else None
    if data is None:
        abort(404)
    name = attachments.download_name(entry, number)
    inbox.record_attachment_download(found, current_staff(), name)
    response = send_file(io.BytesIO(data), mimetype=entry["content_type"], as_attachment=True,
                         download_name=name, max_age=0)
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.post(MESSAGE_URL + "/dismiss")
@staff_required
def dismiss(inbound_id: int):
    found = message_or_404(inbound_id)
    form = DismissForm()
    if not form.validate_on_submit():
        return _render_message(found, dismiss_form=form, code=422)
    try:
        inbox.dismiss(found, current_staff(), form.reason.data or "")
    except InboxActionError as error:
        flash(str(error), "info")
        return redirect(url_for("inbox.message", inbound_id=found.id), 303)
    flash("The email was dismissed: it is out of the inbox, and kept until the retention "
          "purge.", "success")
    return redirect(url_for("inbox.index"), 303)


@bp.get(MESSAGE_URL + "/attach")
@staff_required
def attach_choose(inbound_id: int):
    found = message_or_404(inbound_id)
    if found.outcome != InboundOutcome.UNMATCHED:
        return redirect(url_for("inbox.message", inbound_id=found.id), 303)
    form = RequestSearchForm(request.args)
    q = inbox.clean_search(request.args.get("q"))
    results = inbox.requests_to_attach(current_staff(), q)
    return render_template("triage/inbox_attach.html", message=found, form=form, q=q,
                           results=results, attach_form=AttachForm())


@bp.post(MESSAGE_URL + "/attach")
@staff_required
def attach(inbound_id: int):
    found = message_or_404(inbound_id)
    form = AttachForm()
    target_id = positive_id(form.request_id.data) if form.validate_on_submit() else None
    access_request = db.session.get(AccessRequest, target_id) if target_id else None
    if access_request is None or not current_staff().can_see(access_request):
        flash("Choose a request from the list.", "error")
        return redirect(url_for("inbox.attach_choose", inbound_id=found.id), 303)
    try:
        as_message = inbox.attach(found, access_request, current_staff())
    except (InboxActionError, RequestActionError, StaleRequestError) as error:
        db.session.rollback()
        flash(str(error), "error")
        return redirect(url_for("inbox.message", inbound_id=found.id), 303)
    if as_message:
        flash(f"The email was added to request {access_request.reference} as the attendee's "
              "message.", "success")
    else:
        flash(f"The email was attached to request {access_request.reference} as a staff-only "
              "entry: it is not from the request's contact address, or the request no longer "
              "takes messages.", "success")
    return redirect(url_for("triage.detail", request_id=access_request.id), 303)
