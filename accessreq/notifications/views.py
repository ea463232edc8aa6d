"""Admin pages for email: the outbox's health with a retry for failed messages, and the mail
that the local catcher received (for development, where no real mail leaves the machine)."""

from __future__ import annotations

from flask import Blueprint, Response, abort, flash, redirect, render_template, url_for
from flask_login import current_user
from sqlalchemy import func, select

from ..guards import admin_required
from ..extensions import db
from .catcher import catcher_folder, list_caught, read_caught
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
        new_row = send_again(row, current_user._get_current_object())
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


@admin_bp.get("/caught/<message_id>")
@admin_required
def caught_message(message_id: str):
    return render_template("notifications/caught_message.html",
                           message=_caught_or_404(message_id))


@admin_bp.get("/caught/<message_id>/html")
@admin_required
def caught_message_html(message_id: str):
    """The email's own HTML, for the sandboxed frame of the page above. Its response has a
    policy of its own (accessreq/headers.py): inline styles only, no script, no requests."""
    message = _caught_or_404(message_id)
    if not message.html:
        abort(404)
    return Response(message.html, mimetype="text/html")
