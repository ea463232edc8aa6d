"""Canned replies (issue 13): replies the team sends often, written once by an admin with
placeholders, offered on the request pages they fit, and sent as normal replies.

A reply fits a request when it has no accommodation filter or the request asks for that
accommodation, and goes with no status or with one the request may move to now ("Interpreter
confirmed" goes with Arranged; "Need more details" with Needs information). Choosing one fills
the composer with its text for this request (``render_for``) and chooses its status in "Also
change the status to"; nothing is sent until staff press "Send to attendee", which goes through
``services.reply`` like any reply. Placeholders are
checked and filled as the email wording's are (``notifications.wording``): a plain
substitution of known names, never ``str.format`` or Jinja.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, or_, select

from ..auth.models import StaffUser
from ..events.models import AccommodationType
from ..extensions import db
from ..forms import LONG_TEXT_MAX
from ..notifications.wording import fill, placeholders_problem, team_signature
from ..requests.models import AccessRequest
from ..requests.states import TRANSITIONS, RequestStatus
from ..timeutil import format_long_day, utcnow
from .models import TITLE_MAX, CannedReply

BODY_MAX = LONG_TEXT_MAX

# What each placeholder stands for, as the admin form explains it; the order is the list's.
PLACEHOLDER_HELP: dict[str, str] = {
    "first_name": "The contact’s first name: the first word of the name they gave",
    "event": "The event’s title",
    "event_date": "The day of the event, like Thursday 21 January 2027",
    "reference": "The request’s reference, like AR-7KQ3-M2",
    "team": "The access team’s name",
}
PLACEHOLDERS = tuple(PLACEHOLDER_HELP)


class CannedReplyError(ValueError):
    """A canned reply that cannot be saved; ``field`` ("title" or "body") is where to say so."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field


@dataclass(frozen=True)
class CannedReplyDetails:
    title: str
    body: str
    accommodation_type: AccommodationType | None = None
    status: RequestStatus | None = None
    # None: after the others.
    position: int | None = None


def all_replies() -> list[CannedReply]:
    return list(db.session.scalars(
        select(CannedReply).order_by(CannedReply.position, CannedReply.title, CannedReply.id)))


def replies_for(access_request: AccessRequest) -> list[CannedReply]:
    """The canned replies that fit ``access_request``, in the admins' order."""
    asked = [item.accommodation_type_id for item in access_request.items]
    moves = sorted(TRANSITIONS[access_request.status])
    return list(db.session.scalars(
        select(CannedReply)
        .where(or_(CannedReply.accommodation_type_id.is_(None),
                   CannedReply.accommodation_type_id.in_(asked)),
               or_(CannedReply.for_status.is_(None), CannedReply.for_status.in_(moves)))
        .order_by(CannedReply.position, CannedReply.title, CannedReply.id)))


def fitting_reply(access_request: AccessRequest, reply_id: int) -> CannedReply | None:
    """The canned reply ``reply_id`` if it fits ``access_request``; None otherwise."""
    return next((r for r in replies_for(access_request) if r.id == reply_id), None)


def values_for(access_request: AccessRequest) -> dict[str, str]:
    """The placeholders' values for ``access_request``."""
    event = access_request.event
    name = access_request.contact_name.split()
    return {
        "first_name": name[0] if name else "",
        "event": event.title,
        "event_date": format_long_day(event.starts_at, event.timezone),
        "reference": access_request.reference,
        "team": team_signature(access_request.team.name if access_request.team else None),
    }


def render_for(reply: CannedReply, access_request: AccessRequest) -> str:
    """The text of ``reply`` for ``access_request``: its placeholders filled in."""
    return fill(reply.body, values_for(access_request))


def _checked(details: CannedReplyDetails) -> CannedReplyDetails:
    title = " ".join(details.title.split())
    body = details.body.replace("\r\n", "\n").strip()
    for field, text, limit in (("title", title, TITLE_MAX), ("body", body, BODY_MAX)):
        if not text:
            raise CannedReplyError(field, f"Enter the {field}")
        if len(text) > limit:
            raise CannedReplyError(field, f"The {field} must be {limit} characters or fewer")
    problem = placeholders_problem(body, PLACEHOLDERS, "a canned reply")
    if problem:
        raise CannedReplyError("body", problem)
    return CannedReplyDetails(title, body, details.accommodation_type, details.status,
                              details.position)


def save_canned_reply(reply: CannedReply | None, actor: StaffUser | None,
                      details: CannedReplyDetails) -> CannedReply:
    """Add a canned reply (``reply`` None) or change one. Refused with ``CannedReplyError``
    when the title or body is empty or too long, or the body uses a placeholder that cannot be
    filled or has a lone brace. Commits."""
    details = _checked(details)
    if reply is None:
        last = db.session.scalar(select(func.max(CannedReply.position)))
        reply = CannedReply(position=(last or 0) + 1)
        db.session.add(reply)
    if details.position is not None:
        reply.position = details.position
    reply.title, reply.body = details.title, details.body
    reply.accommodation_type = details.accommodation_type
    reply.for_status = details.status
    reply.updated_at = utcnow()
    reply.updated_by_id = actor.id if actor is not None else None
    db.session.commit()
    return reply


def delete_canned_reply(reply: CannedReply) -> None:
    """Delete a canned reply; replies already sent from it stay in their requests' history
    (they were copied into the composer). Commits."""
    db.session.delete(reply)
    db.session.commit()
