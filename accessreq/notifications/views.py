"""Admin pages for email: the outbox's health with a retry for failed messages, and the mail
that the local catcher received (for development, where no real mail leaves the machine)."""

from __future__ import annotations

from flask import (Blueprint, Response, abort, current_app, flash, redirect, render_template,
                   url_for)
from sqlalchemy import func, select
from wtforms import TextAreaField
from wtforms.validators import DataRequired, Length

from ..forms import LONG_TEXT_MAX, AppForm
from ..guards import admin_required, current_staff
from ..extensions import db
from .catcher import (CannotDeliver, attendee_reply, catcher_folder, list_caught, read_caught,
                      send_to_mail_server)
from .models import EmailStatus, OutgoingEmail
from .rebuild import CannotRebuild, send_again

admin_bp = Blueprint("mail_admin", __name__, url_prefix="/admin/email")

LIST_LIMIT = 100


def _status_counts() -> dict[EmailStatus, int]:
    rows = db.session.execute(select(OutgoingEmail.status, func.count(OutgoingEmail.id))
                              .group_by(OutgoingEmail.status))
    counts = {status: 0 for status in EmailStatus}
    counts.update({EmailStatus(status): count for status, count in rows})
    return counts


def _rows(*statuses: EmailStatus, newest_first: bool) -> list[OutgoingEmail]:
    order = (OutgoingEmail.created_at.desc() if newest_first else OutgoingEmail.next_attempt_at,
             OutgoingEmail.id.desc() if newest_first else OutgoingEmail.id)
    return list(db.session.scalars(select(OutgoingEmail).where(OutgoingEmail.status.in_(statuses))
                                   .order_by(*order).limit(LIST_LIMIT)))


@admin_bp.get("/")
@admin_required
def outbox():
    return render_template(
        "notifications/outbox.html", counts=_status_counts(), limit=LIST_LIMIT,
        dead=_rows(EmailStatus.DEAD, newest_first=True),
        waiting=_rows(EmailStatus.PENDING, EmailStatus.SENDING, newest_first=False),
        sent=_rows(EmailStatus.SENT, newest_first=True),
    )


@admin_bp.post("/<int:email_id>/retry")
@admin_required
def retry(email_id: int):
    """Retry a failed message or send a sent one again: built afresh, with new links."""
    row = db.get_or_404(OutgoingEmail, email_id)
    try:
        new_row = send_again(row, current_staff())
    except CannotRebuild as error:
        flash(str(error), "info")
    else:
        if new_row is row:
            flash(f"The message “{row.subject}” will be sent again shortly.", "success")
        else:
            flash(f"The message “{new_row.subject}” was built again, with new links, and "
                  "will be sent shortly.", "success")
    return redirect(url_for("mail_admin.outbox"))


@admin_bp.get("/caught")
@admin_required
def caught():
    folder = catcher_folder()
    return render_template("notifications/caught.html", messages=list_caught(folder),
                           folder=folder, limit=LIST_LIMIT)


def _caught_or_404(message_id: str):
    message = read_caught(catcher_folder(), message_id) if len(message_id) <= 100 else None
    if message is None:
        abort(404)
    return message


# Where "Reply as the attendee" may send: a mail server on this machine (the catcher).
LOCAL_MAIL_HOSTS = frozenset({"127.0.0.1", "localhost", "::1"})


class AttendeeReplyForm(AppForm):
    body = TextAreaField(
        "The attendee's reply",
        default="Thank you. Yes, that works for me.",
        validators=[DataRequired("Write the attendee's reply."),
                    Length(max=LONG_TEXT_MAX,
                           message=f"Keep the reply under {LONG_TEXT_MAX} characters.")],
        description="Sent from the attendee's address to the access address, threaded as a "
                    "mail program does, with this email quoted below it.",
        render_kw={"rows": 4},
    )


def _replies_allowed() -> bool:
    """"Reply as the attendee" exists only in development: debug mode (``make run``) with
    outgoing mail going to a server on this machine, the local catcher; never a real one."""
    return current_app.debug and current_app.config.get("MAIL_SERVER") in LOCAL_MAIL_HOSTS


def _render_caught_message(message, form: AttendeeReplyForm | None = None, code: int = 200):
    if form is None and _replies_allowed() and message.answerable:
        form = AttendeeReplyForm(formdata=None)
    return render_template("notifications/caught_message.html", message=message,
                           reply_form=form, page_has_errors=bool(form and form.errors)), code


@admin_bp.get("/caught/<message_id>")
@admin_required
def caught_message(message_id: str):
    return _render_caught_message(_caught_or_404(message_id))


@admin_bp.post("/caught/<message_id>/reply")
@admin_required
def reply_as_attendee(message_id: str):
    """Development only: answer a caught email to an attendee as the attendee would, through
    the mail server (the catcher), which stores it as email in; then show its request."""
    message = _caught_or_404(message_id)
    if not (_replies_allowed() and message.answerable):
        abort(404)
    form = AttendeeReplyForm()
    if not form.validate_on_submit():
        return _render_caught_message(message, form, 422)
    try:
        send_to_mail_server(attendee_reply(message, form.body.data),
                            current_app.config["MAIL_SERVER"], current_app.config["MAIL_PORT"],
                            current_app.config["OUTBOX_SMTP_TIMEOUT_SECONDS"])
    except CannotDeliver as error:
        form.body.errors.append(str(error))
        return _render_caught_message(message, form, 422)
    request_id = db.session.scalar(select(OutgoingEmail.request_id)
                                   .where(OutgoingEmail.message_id == message.message_id))
    if request_id is None:
        flash("The reply was sent to the mail catcher. No request of ours sent this email, so "
              "it is among the email that came in on no request.", "success")
        return redirect(url_for(".caught"), code=303)
    flash("The attendee's reply was sent to the mail catcher, which stored it as email in: "
          "see the request's history.", "success")
    return redirect(url_for("triage.detail", request_id=request_id, _anchor="history"), code=303)


@admin_bp.get("/caught/<message_id>/html")
@admin_required
def caught_message_html(message_id: str):
    """The email's own HTML, for the sandboxed frame of the page above. Its response has a
    policy of its own (accessreq/headers.py): inline styles only, no script, no requests."""
    message = _caught_or_404(message_id)
    if not message.html:
        abort(404)
    return Response(message.html, mimetype="text/html")
