"""The staff inbox: unmatched mail, scoped by team as requests are, and what staff do with it.

Unmatched mail belongs to the host organisation's default team when there is one (set when it
is stored), else to no team: every coordinator sees it then, as requests no team holds. Admins
see all. A stored email on a request is for those who may see the request; other stored mail
(refused, unreadable, bounces on no request) for admins only.

Staff act on an unmatched email in one of three ways, each one service that commits, writes
the email's own log (``InboundLogEntry``: who opened it, downloaded it or acted on it) and,
where there is a request, the request's history:

- **turn it into a request** (the record form, prefilled; ``made_request`` links it),
- **attach it** to a request: from the request's contact address it is the attendee's message
  (as from the status page: a request waiting on them goes back to the team); from anyone else
  it is a staff-only entry, since an attendee message is shown on the attendee's status page
  and a third party's email must not be,
- **dismiss** it: not a request; out of the inbox, kept until the retention purge.
"""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func, or_, select, true, update

from ..auth.models import StaffUser
from ..extensions import db
from ..forms import like_pattern
from ..notifications.rebuild import CannotRebuild, rebuilds
from ..notifications.services import external_url, queue_email
from ..pagination import Page, page_count
from ..requests.models import AccessRequest, HistoryEntry, HistoryKind
from ..requests.services import (RequestActionError, add_attendee_message, commit_or_stale,
                                 flush_or_stale)
from ..routing.services import default_organisation
from ..timeutil import utcnow
from .models import InboundLogEntry, InboundMessage, InboundOutcome

PER_PAGE = 25
SEARCH_MAX_LENGTH = 200
# The outcomes staff act on in the inbox, and those shown with their request or to admins.
IN_INBOX = InboundOutcome.UNMATCHED
TEAM_SCOPED = frozenset({InboundOutcome.UNMATCHED, InboundOutcome.DISMISSED})
AUTO_ANSWER = "inbound_unmatched_ack"
AUTO_ANSWER_EVERY = timedelta(days=1)

VIEW = "view"
ORIGINAL = "original"
ATTACHMENT = "attachment"
DISMISSED = "dismissed"
MADE_REQUEST = "made_request"
ATTACHED = "attached"
AUTO_ANSWERED = "auto_answer"
ACTION_LABELS = {
    VIEW: "Opened", ORIGINAL: "Downloaded the original", ATTACHMENT: "Downloaded an attachment", DISMISSED: "Dismissed",
    MADE_REQUEST: "Turned into a request", ATTACHED: "Attached to a request",
    AUTO_ANSWERED: "Automatic answer queued",
}


class InboxActionError(Exception):
    """An inbox action refused, in words for staff."""


def inbox_team_id() -> int | None:
    """Whose inbox new unmatched mail lands in: the host organisation's default team."""
    host = default_organisation()
    team = host.default_team if host is not None else None
    return team.id if team is not None else None


def _team_condition(user: StaffUser):
    if user.is_admin:
        return true()
    condition = InboundMessage.team_id.is_(None)
    if user.team_ids:
        condition = or_(condition, InboundMessage.team_id.in_(sorted(user.team_ids)))
    return condition


def can_see(user: StaffUser, message: InboundMessage) -> bool:
    if user.is_admin:
        return True
    if message.request_id is not None:
        access_request = db.session.get(AccessRequest, message.request_id)
        return access_request is not None and user.can_see(access_request)
    if message.outcome in TEAM_SCOPED:
        return message.team_id is None or message.team_id in user.team_ids
    return False


def clean_search(value: str | None) -> str:
    return " ".join((value or "").split())[:SEARCH_MAX_LENGTH]


def inbox_page(user: StaffUser, q: str, page: int,
               per_page: int | None = None) -> Page[InboundMessage]:
    """One page of the unmatched mail this person may see, newest first; ``q`` searches the
    sender's address and name and the subject."""
    per_page = per_page or PER_PAGE
    conditions = [InboundMessage.outcome == IN_INBOX, _team_condition(user)]
    if q:
        pattern = like_pattern(q)
        conditions.append(or_(*(func.lower(column).like(pattern, escape="\\") for column in (
            InboundMessage.from_address, InboundMessage.from_name, InboundMessage.subject))))
    total = db.session.scalar(select(func.count(InboundMessage.id)).where(*conditions)) or 0
    pages = page_count(total, per_page)
    shown = min(max(page, 1), pages)
    messages = list(db.session.scalars(
        select(InboundMessage).where(*conditions)
        .order_by(InboundMessage.received_at.desc(), InboundMessage.id.desc())
        .limit(per_page).offset((shown - 1) * per_page)))
    return Page(items=messages, total=total, page=page, pages=pages)


def inbox_count(user: StaffUser) -> int:
    """How many unmatched emails wait for this person (one indexed count)."""
    return db.session.scalar(select(func.count(InboundMessage.id)).where(
        InboundMessage.outcome == IN_INBOX, _team_condition(user))) or 0


def requests_to_attach(user: StaffUser, q: str, limit: int = 20) -> list[AccessRequest]:
    """Requests this person may see whose reference or contact name matches ``q``."""
    if not q:
        return []
    conditions = [AccessRequest.purged_at.is_(None),
                  or_(func.upper(AccessRequest.reference) == q.upper(),
                      func.lower(AccessRequest.contact_name).like(like_pattern(q), escape="\\"))]
    if not user.is_admin:
        team = AccessRequest.team_id.is_(None)
        if user.team_ids:
            team = or_(team, AccessRequest.team_id.in_(sorted(user.team_ids)))
        conditions.append(team)
    return list(db.session.scalars(select(AccessRequest).where(*conditions)
                                   .order_by(AccessRequest.id.desc()).limit(limit)))


def _log(message: InboundMessage, staff: StaffUser | None, action: str, detail: str = "") -> None:
    message.log.append(InboundLogEntry(staff=staff, action=action, detail=detail[:500]))


def record_view(message: InboundMessage, staff: StaffUser, *, original: bool = False) -> None:
    """Log that ``staff`` opened the email (or downloaded its original); commits."""
    _log(message, staff, ORIGINAL if original else VIEW)
    db.session.commit()


def record_attachment_download(message: InboundMessage, staff: StaffUser, name: str) -> None:
    """Log that ``staff`` downloaded one of the email's files (named in the log); commits."""
    _log(message, staff, ATTACHMENT, name)
    db.session.commit()


def _sender(message: InboundMessage) -> str:
    if message.from_name and message.from_address:
        return f"{message.from_name} <{message.from_address}>"
    return message.from_address or message.from_name or "an unknown sender"


def check_in_inbox(message: InboundMessage) -> None:
    if message.outcome != IN_INBOX:
        raise InboxActionError(
            "This email is no longer in the inbox: someone has dealt with it already.")


def _claim(message: InboundMessage, outcome: InboundOutcome, request_id: int | None = None):
    """Take the email out of the inbox, once: of two people acting on it at the same moment,
    the second is refused (the UPDATE finds it no longer unmatched)."""
    claimed = db.session.execute(
        update(InboundMessage)
        .where(InboundMessage.id == message.id, InboundMessage.outcome == IN_INBOX)
        .values(outcome=outcome, request_id=request_id)
        .execution_options(synchronize_session=False)).rowcount
    if not claimed:
        raise InboxActionError(
            "This email is no longer in the inbox: someone has dealt with it already.")
    message.outcome, message.request_id = outcome, request_id


def dismiss(message: InboundMessage, staff: StaffUser, reason: str = "") -> None:
    """Not a request: out of the inbox, kept until the retention purge; commits."""
    check_in_inbox(message)
    _claim(message, InboundOutcome.DISMISSED)
    message.reason = (f"Dismissed by {staff.name}" + (f": {reason}" if reason else ""))[:300]
    _log(message, staff, DISMISSED, reason)
    db.session.commit()


def made_request(message: InboundMessage, staff: StaffUser, access_request: AccessRequest) -> None:
    """In the transaction recording ``access_request`` from the email: the email is linked
    to it, and its history's first entry names the email (staff open it from there)."""
    _claim(message, InboundOutcome.MATCHED, access_request.id)
    message.reason = f"Turned into request {access_request.reference} by {staff.name}"[:300]
    for entry in access_request.history:
        if entry.kind == HistoryKind.SUBMITTED:
            entry.inbound_id = message.id
    _log(message, staff, MADE_REQUEST, access_request.reference)


def origin_text(message: InboundMessage) -> str:
    """What the new request's history says about where it came from."""
    return f"It came from an email from {_sender(message)} (stored email {message.id})."


def attach(message: InboundMessage, access_request: AccessRequest, staff: StaffUser) -> bool:
    """Attach the email to ``access_request``; commits. True when it became the attendee's
    message (from the contact address, on a request that takes messages); False when it was
    kept as a staff-only entry."""
    check_in_inbox(message)
    if access_request.purged_at is not None:
        raise InboxActionError("That request's details were deleted; it cannot take an email.")
    _claim(message, InboundOutcome.MATCHED, access_request.id)
    from_contact = bool(message.from_address) and bool(access_request.contact_email) and (
        message.from_address.casefold() == access_request.contact_email.casefold())
    as_message = from_contact and access_request.can_add_message
    if as_message:
        message.reason = f"Attached as the attendee's message by {staff.name}"
        body = message.reply_text or message.body_text or "(The email had no text of its own.)"
        try:
            add_attendee_message(access_request, body, inbound_id=message.id,
                                 mail_message_id=message.message_id, commit=False)
        except RequestActionError:
            as_message = False
    if not as_message:
        message.reason = f"Attached as a staff-only entry by {staff.name}"
        access_request.history.append(HistoryEntry(
            kind=HistoryKind.EMAIL_ATTACHED, actor=staff, inbound_id=message.id,
            body=f"Email from {_sender(message)} attached by {staff.name}. "
                 f"Subject: {message.subject or '(none)'}"[:4000]))
        flush_or_stale()
    _log(message, staff, ATTACHED, access_request.reference)
    commit_or_stale()
    return as_message


# --- The one automatic answer per sender per day ----------------------------------------------


def auto_answer(message: InboundMessage) -> bool:
    """Queue the automatic answer to unmatched mail, in the caller's transaction, unless this
    sender had one in the last day. The caller has already refused automatic, bulk, list and
    our own mail (they never reach here). True when one was queued."""
    address = message.from_address
    if not address or "@" not in address:
        return False
    since = utcnow() - AUTO_ANSWER_EVERY
    already = db.session.scalar(
        select(InboundLogEntry.id).join(InboundMessage)
        .where(InboundLogEntry.action == AUTO_ANSWERED, InboundLogEntry.at > since,
               func.lower(InboundMessage.from_address) == address.lower()).limit(1))
    if already is not None:
        return False
    _queue_answer(message)
    _log(message, None, AUTO_ANSWERED)
    return True


def _queue_answer(message: InboundMessage):
    return queue_email(AUTO_ANSWER, message.from_address, message=message,
                       events_url=external_url("events.index"),
                       recipe={"inbound_id": message.id},
                       references=(message.message_id,) if message.message_id else ())


@rebuilds(AUTO_ANSWER)
def _rebuild_answer(recipe: dict, actor):
    message = db.session.get(InboundMessage, recipe.get("inbound_id"))
    if message is None or not message.from_address:
        raise CannotRebuild("The email this answered was deleted by the retention purge, so "
                            "the answer cannot be built again.")
    return _queue_answer(message)
