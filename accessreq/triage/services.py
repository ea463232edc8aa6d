"""State changes staff make to a request; each checks, records history, notifies and commits.

Every change takes the ``version`` the person's form was built from: a save based on an older
version is refused (``StaleRequestError``) so nobody overwrites a colleague's work unseen.
"""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import Integer, String, insert, literal, select, update
from sqlalchemy.orm import aliased

from ..arranging.outcomes import check_can_close
from ..arranging.queries import uncovered
from ..auth.models import StaffUser
from ..columns import UTCDateTime
from ..events.models import Event
from ..extensions import db
from ..feedback.models import AccessibilityReport
from ..inbound import inbox
from ..inbound.models import InboundMessage
from ..notifications.models import OutgoingEmail
from ..notifications.rebuild import CannotRebuild, build_again
from ..requests import counts, notifications
from ..requests.models import (AccessLogEntry, AccessRequest, HistoryEntry, HistoryKind,
                               ReceivedVia)
from ..requests.services import (Recording, RequestActionError, StaleRequestError, Submission,
                                 commit_or_stale, flush_or_stale, submit_request, transition_to)
from ..requests.outcomes import ShortfallReason
from ..requests.states import SHORTFALL_STATUSES, RequestStatus, can_transition
from ..routing.models import Team
from ..timeutil import utcnow
from .queries import latest_attendee_email


def _check_can_change(access_request: AccessRequest, expected_version: int | None) -> None:
    """Refuse a change built on an old version, or to a request whose details were deleted."""
    if expected_version is not None and expected_version != access_request.version:
        raise StaleRequestError()
    if access_request.purged_at is not None:
        raise RequestActionError("This request's personal and access details were deleted, "
                                 "so it can no longer be changed.")


def _save_change(access_request: AccessRequest, entry: HistoryEntry, **changes) -> None:
    """Add ``entry``, apply ``changes`` to the request and write them now.

    Touching ``updated_at`` bumps the request's version, so colleagues' open forms go stale. The
    history is loaded before the row is dirtied, so no autoflush can fail outside our guard.
    """
    access_request.history.append(entry)
    for name, value in changes.items():
        setattr(access_request, name, value)
    access_request.updated_at = entry.at
    flush_or_stale()  # a lost race is refused before any email is rendered


# access_log.action values: the request's own page, or a row of the staff queue (name, event,
# accommodations asked for).
VIEW_PAGE = "view"
VIEW_QUEUE = "queue"
# A row of an event's access plan, of its printable run sheet, or of the run sheet's CSV file.
VIEW_PLAN = "plan"
VIEW_RUN_SHEET = "run_sheet"
VIEW_RUN_SHEET_CSV = "run_sheet_csv"
# A row of a CSV export of requests (accessreq/exports), without or with the contact's name,
# email and phone and what the attendee wrote.
EXPORT = "export"
EXPORT_PERSONAL = "export_personal"
# A request listed in the person's daily digest email (triage/digest.py).
VIEW_DIGEST = "digest"
# A person reloading a request after each action is one look, not six: a sighting is logged
# once per person, request and kind of view in this window.
VIEW_WINDOW = timedelta(minutes=10)


def _log_sightings(staff_id: int, request_ids: list[int], action: str,
                   commit: bool = True) -> None:
    """Log that ``staff_id`` saw these requests, skipping those they saw the same way within
    VIEW_WINDOW. One INSERT … SELECT … WHERE NOT EXISTS for all of them, so a page's statement
    count does not grow with its rows, and the check and the insert are one statement.
    ``commit=False`` leaves the rows in the caller's transaction."""
    _log_matching(staff_id, [AccessRequest.id.in_(request_ids)], action, commit=commit)


def _log_matching(staff_id: int, conditions: list, action: str, commit: bool = True) -> None:
    """``_log_sightings`` for every request matching ``conditions`` (and commit, unless
    ``commit`` is False)."""
    now = utcnow()
    earlier = aliased(AccessLogEntry)
    seen_recently = select(earlier.id).where(
        earlier.staff_id == staff_id, earlier.request_id == AccessRequest.id,
        earlier.action == action, earlier.at > now - VIEW_WINDOW)
    rows = select(literal(staff_id, Integer()), AccessRequest.id, literal(action, String(32)),
                  literal(now, UTCDateTime())
                  ).where(*conditions, ~seen_recently.exists())
    db.session.execute(insert(AccessLogEntry).from_select(
        ["staff_id", "request_id", "action", "at"], rows))
    if commit:
        db.session.commit()


def record_view(access_request: AccessRequest, staff: StaffUser) -> None:
    """Log that ``staff`` saw this request's details (health data: who looked is kept), once
    per VIEW_WINDOW however often they reload it."""
    _log_sightings(staff.id, [access_request.id], VIEW_PAGE)


def answers_for(staff: StaffUser, access_request: AccessRequest) -> bool:
    """Whether ``staff`` opening the request means its team has read the attendee's message: a
    member of the team holding it. A request no team holds is in every coordinator's queue, so
    anyone who can see it answers for it. An admin outside the team looking in does not."""
    if access_request.team_id is None:
        return staff.can_see(access_request)
    return access_request.team_id in staff.team_ids


def mark_attendee_message_read(access_request: AccessRequest, staff: StaffUser) -> None:
    """Clear the "Attendee replied" marker when someone who answers for the request opens it.

    One UPDATE, not an ORM change: reading a request must not bump its version, or every
    colleague's open form would go stale just because someone looked. The page is read after
    this, so it shows every message the mark stood for; a later message sets it again.
    """
    if access_request.attendee_waiting_since is None or not answers_for(staff, access_request):
        return
    db.session.execute(
        update(AccessRequest).where(AccessRequest.id == access_request.id)
        .values(attendee_waiting_since=None).execution_options(synchronize_session=False))
    db.session.commit()


def record_queue_view(request_ids: list[int], staff_id: int) -> None:
    """Log that ``staff_id`` saw these requests as rows of the queue (once per VIEW_WINDOW
    each), in one statement for the whole page."""
    if request_ids:
        _log_sightings(staff_id, request_ids, VIEW_QUEUE)


def record_digest_view(request_ids: list[int], staff_id: int) -> None:
    """Log that ``staff_id``'s daily digest listed these requests, in the caller's transaction
    (the one that queues the digest), in one statement."""
    if request_ids:
        _log_sightings(staff_id, request_ids, VIEW_DIGEST, commit=False)


def record_plan_view(request_ids: list[int], staff_id: int, action: str) -> None:
    """Log that ``staff_id`` saw these requests on an event's access plan or run sheet
    (``action``: VIEW_PLAN, VIEW_RUN_SHEET or VIEW_RUN_SHEET_CSV), in one statement."""
    if request_ids:
        _log_sightings(staff_id, request_ids, action)


def record_export(staff_id: int, conditions: list, personal: bool) -> None:
    """Log that ``staff_id`` exported every request matching ``conditions`` (the export's own
    filter, team scope included) as a CSV file: one row per request, as for the queue, in one
    INSERT … SELECT however many requests the file holds. ``personal``: the file carried the
    contact's details or the attendee's own words."""
    _log_matching(staff_id, conditions, EXPORT_PERSONAL if personal else EXPORT)


def assign(access_request: AccessRequest, actor: StaffUser, assignee: StaffUser | None,
           expected_version: int | None = None) -> None:
    """Give the request to ``assignee`` (None: nobody) and record who did it."""
    _check_can_change(access_request, expected_version)
    if assignee is not None and not assignee.active:
        raise RequestActionError("That account is deactivated; choose someone else.")
    if assignee is not None and not assignee.can_see(access_request):
        raise RequestActionError(f"{assignee.name} is not in {access_request.team.name}, so they "
                                 "cannot see this request; move it to their team instead.")
    if assignee == access_request.assignee:
        raise RequestActionError("The request is already assigned that way.")
    _save_change(access_request, HistoryEntry(kind=HistoryKind.ASSIGNED, at=utcnow(), actor=actor,
                                       assignee=assignee), assignee=assignee)
    commit_or_stale()


def check_can_arrange(access_request: AccessRequest, target: RequestStatus) -> None:
    """“Arranged” says everything asked for is in place: refused, naming what is not, while an
    accommodation has neither a confirmed booking nor staff's note of how it is met."""
    if target != RequestStatus.ARRANGED or not can_transition(access_request.status, target):
        return  # not this rule's business; an illegal move is refused by transition_to
    missing = uncovered(access_request)
    if missing:
        names = ", ".join(item.accommodation_type.name for item in missing)
        raise RequestActionError(
            f"“Arranged” needs every accommodation covered by a confirmed booking or a note "
            f"saying how it is met. Not covered yet: {names}. Book a provider or note how it "
            f"is met (under “Arrangements”), or choose “Partially arranged”.")


def check_move(access_request: AccessRequest, target: RequestStatus) -> None:
    """The arranging rules on top of the state table: “Arranged” needs everything covered,
    “Closed” needs every accommodation's outcome."""
    check_can_arrange(access_request, target)
    check_can_close(access_request, target)


def change_status(access_request: AccessRequest, actor: StaffUser, target: RequestStatus,
                  message: str = "", expected_version: int | None = None,
                  shortfall: ShortfallReason | None = None) -> None:
    """Move the request on and tell the attendee, with the message staff wrote (and, for
    "Partially arranged" or "Unable to arrange", the main reason: ``shortfall``)."""
    _check_can_change(access_request, expected_version)
    check_move(access_request, target)
    _check_shortfall(access_request, target, shortfall, message)
    entry = transition_to(access_request, target, actor=actor, message=message,
                          shortfall=shortfall)
    notifications.attendee_update(access_request, entry)
    commit_or_stale()


def reply(access_request: AccessRequest, actor: StaffUser, body: str,
          expected_version: int | None = None, new_status: RequestStatus | None = None,
          shortfall: ShortfallReason | None = None) -> None:
    """A public message to the attendee, emailed and shown on their status page.

    With ``new_status`` the request also moves there (through ``transition_to``), and the
    reply is that move's message: one history entry and one email carrying both, never a
    status email followed by a reply email in the same second. A move to "Partially arranged"
    or "Unable to arrange" needs ``shortfall``, its main reason (for the reports).
    """
    _check_can_change(access_request, expected_version)
    body = body.strip()
    if not body:
        raise RequestActionError("Write the message to send to the attendee.")
    if new_status is not None:
        check_move(access_request, new_status)
        _check_shortfall(access_request, new_status, shortfall, body)
        entry = transition_to(access_request, new_status, actor=actor, message=body,
                              shortfall=shortfall)
        access_request.attendee_waiting_since = None
        flush_or_stale()
    else:
        entry = HistoryEntry(kind=HistoryKind.STAFF_REPLY, at=utcnow(), actor=actor, body=body)
        _save_change(access_request, entry, attendee_waiting_since=None)
    notifications.attendee_update(access_request, entry)
    commit_or_stale()


def _check_shortfall(access_request: AccessRequest, target: RequestStatus,
                     shortfall: ShortfallReason | None, message: str) -> None:
    """A move to "Partially arranged" or "Unable to arrange" needs its main reason. A move the
    state table refuses, or a missing message, is reported first (by ``transition_to``)."""
    if (target in SHORTFALL_STATUSES and shortfall is None and message.strip()
            and can_transition(access_request.status, target)):
        raise RequestActionError(f"Choose the main reason it is “{target.label}”.")


def add_note(access_request: AccessRequest, actor: StaffUser, body: str,
             expected_version: int | None = None) -> None:
    """An internal note: never shown or emailed to the attendee."""
    _check_can_change(access_request, expected_version)
    body = body.strip()
    if not body:
        raise RequestActionError("Write the note.")
    _save_change(access_request,
                 HistoryEntry(kind=HistoryKind.NOTE, at=utcnow(), actor=actor, body=body))
    commit_or_stale()


def move_to_team(access_request: AccessRequest, actor: StaffUser, team: Team, reason: str,
                 expected_version: int | None = None) -> None:
    """Hand the whole request to another team, saying why; the new team is emailed.

    The attendee is not told: for them it is still one request and one conversation. An
    assignee who is not in the new team is unassigned, so the request shows up as untaken.
    """
    _check_can_change(access_request, expected_version)
    reason = reason.strip()
    if not reason:
        raise RequestActionError("Say why the request is moving, for the team that gets it.")
    if team.id == access_request.team_id:
        raise RequestActionError(f"The request is already with {team.name}.")
    old_team_id = access_request.team_id
    old_name = access_request.team.name if access_request.team is not None else "no team"
    body = f"Moved from {old_name} to {team.name}\nReason: {reason}"
    changes: dict = {"team": team}
    if access_request.assignee is not None and access_request.assignee not in team.members:
        changes["assignee"] = None
        body += f"\n{access_request.assignee.name} is not in {team.name}, so it is now unassigned."
    entry = HistoryEntry(kind=HistoryKind.ROUTED, at=utcnow(), actor=actor, body=body)
    _save_change(access_request, entry, **changes)
    counts.bump(access_request.status, -1, old_team_id)
    counts.bump(access_request.status, +1, team.id)
    notifications.staff_request_moved(access_request, old_name)
    commit_or_stale()


def correct_contact_email(access_request: AccessRequest, actor: StaffUser, new_email: str,
                          expected_version: int | None = None) -> OutgoingEmail | None:
    """After the latest email to the attendee bounced: put the address staff checked with the
    attendee in its place, say so in the staff-only history (old and new, by whom), and queue
    that email again, built afresh for the new address with a new status link. Returns the new
    email (None when the attendee asked for no email updates)."""
    _check_can_change(access_request, expected_version)
    bounced = latest_attendee_email(access_request)
    if bounced is None or bounced.bounced_at is None:
        raise RequestActionError("The latest email to the attendee did not bounce, so there is "
                                 "nothing to send again. Reload the page to see it.")
    new_email = new_email.strip()
    old_email = access_request.contact_email
    if new_email.casefold() == old_email.casefold():
        raise RequestActionError(f"{old_email} is the address that bounced. Enter the address "
                                 "the attendee gave you.")
    entry = HistoryEntry(kind=HistoryKind.EMAIL_CORRECTED, at=utcnow(), actor=actor,
                         body=f"Email address changed from {old_email} to {new_email} after "
                              "an email bounced.")
    _save_change(access_request, entry, contact_email=new_email)
    try:
        email = build_again(bounced, actor)
    except CannotRebuild as error:
        db.session.rollback()
        raise RequestActionError(str(error)) from None
    commit_or_stale()
    return email


def record_request(event: Event, submission: Submission, actor: StaffUser, via: ReceivedVia,
                   report: AccessibilityReport | None = None,
                   inbound: InboundMessage | None = None) -> tuple[AccessRequest, str]:
    """Record a request that reached staff by phone, email, in person, video relay, letter or
    otherwise: the same submission as the public form (routed, counted, confirmed by email when
    the attendee has an address and wants updates), with ``actor`` and ``via`` in its history.

    From an accessibility problem ``report``, the report is linked to the new request in the
    same transaction, and the history says where it came from. So for an unmatched email from
    the staff inbox (``inbound``): it leaves the inbox, linked to the new request.
    """
    if report is not None and report.request_id is not None:
        raise RequestActionError("This problem report was already recorded as a request.")
    if inbound is not None:
        inbox.check_in_inbox(inbound)
        return submit_request(event, submission, Recording(
            by=actor, via=via, origin=inbox.origin_text(inbound),
            then=lambda access_request: inbox.made_request(inbound, actor, access_request)))

    def link_report(access_request: AccessRequest) -> None:
        report.request_id = access_request.id

    recording = Recording(
        by=actor, via=via,
        origin=f"It came from accessibility problem report {report.id}." if report else "",
        then=link_report if report is not None else None)
    return submit_request(event, submission, recording)
