"""After the event: staff record what happened to each requested accommodation (delivered,
partly, not delivered, the attendee did not come), with a reason from a short list when
something went wrong. A request is closed only once every accommodation has an outcome."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import and_, exists, select

from ..auth.models import StaffUser
from ..events.models import Event
from ..notifications.models import WordingKey
from ..notifications.wording import Wording, render_wording, team_signature
from ..requests import notifications
from ..requests.models import AccessRequest, HistoryEntry, HistoryKind, RequestedAccommodation
from ..requests.outcomes import ItemOutcome, OutcomeReason
from ..requests.services import (RequestActionError, StaleRequestError, commit_or_stale,
                                 flush_or_stale)
from ..requests.states import FINAL_STATUSES, RequestStatus, can_transition
from ..timeutil import format_long_day, utcnow

NOTE_MAX = 500
NOT_OPEN = ("Outcomes are recorded once the event has started, for a request that was not "
            "cancelled and still has its details.")


@dataclass(frozen=True)
class OutcomeChoice:
    """What staff chose for one accommodation."""

    outcome: ItemOutcome
    reason: OutcomeReason | None = None
    note: str = ""


def after_event_shown(access_request: AccessRequest, now: datetime | None = None) -> bool:
    """The request page's "After the event" part: from the event's start, for a request that
    was not cancelled."""
    return ((now or utcnow()) >= access_request.event.starts_at
            and access_request.status != RequestStatus.CANCELLED)


def outcomes_open(access_request: AccessRequest, now: datetime | None = None) -> bool:
    """Outcomes are recorded once the event has started, for a request that went ahead."""
    return after_event_shown(access_request, now) and access_request.purged_at is None


def missing_outcomes(access_request: AccessRequest) -> list[RequestedAccommodation]:
    return [item for item in access_request.items if item.outcome is None]


def check_can_close(access_request: AccessRequest, target: RequestStatus) -> None:
    """“Closed” means the event is over and the team knows how it went: refused, naming what
    is missing, while an accommodation has no outcome."""
    if target != RequestStatus.CLOSED or not can_transition(access_request.status, target):
        return  # not this rule's business; an illegal move is refused by transition_to
    if utcnow() < access_request.event.starts_at:
        raise RequestActionError(
            "A request is closed after its event, once each accommodation has an outcome. "
            "The event has not started yet: keep the request as it is, or cancel it if the "
            "attendee no longer needs anything.")
    missing = missing_outcomes(access_request)
    if missing:
        names = ", ".join(item.accommodation_type.name for item in missing)
        raise RequestActionError(
            f"Record what happened to each accommodation before closing (under “After the "
            f"event”). No outcome yet: {names}.")


def _checked(item: RequestedAccommodation, choice: OutcomeChoice) -> OutcomeChoice:
    name = item.accommodation_type.name
    note = " ".join(choice.note.split())[:NOTE_MAX]
    if not choice.outcome.needs_reason:
        return OutcomeChoice(choice.outcome, None, note)
    if choice.reason is None:
        raise RequestActionError(f"{name}: choose why it was not fully delivered.")
    if choice.reason is OutcomeReason.OTHER and not note:
        raise RequestActionError(f"{name}: say what the other reason was.")
    return OutcomeChoice(choice.outcome, choice.reason, note)


def _words(item: RequestedAccommodation) -> str:
    words = f"{item.accommodation_type.name}: {item.outcome.label}"
    if item.outcome_reason is not None:
        words += f" ({item.outcome_reason.label.lower()})"
    if item.outcome_note:
        words += f" — {item.outcome_note}"
    return words


def record_outcomes(access_request: AccessRequest, actor: StaffUser,
                    choices: dict[int, OutcomeChoice],
                    expected_version: int | None = None) -> list[RequestedAccommodation]:
    """Record (or correct) the outcome of the request's accommodations named in ``choices``
    (item id → choice); the history says what changed (staff only). Returns the changed
    items (none: nothing was saved). Commits."""
    if expected_version is not None and expected_version != access_request.version:
        raise StaleRequestError()
    if not outcomes_open(access_request):
        raise RequestActionError(NOT_OPEN)
    items = {item.id: item for item in access_request.items}
    if not set(choices) <= set(items):
        raise RequestActionError("Choose outcomes for this request's accommodations only.")
    checked = {item_id: _checked(items[item_id], choice) for item_id, choice in choices.items()}
    now = utcnow()
    changed = []
    for item_id, choice in checked.items():
        item = items[item_id]
        if (item.outcome, item.outcome_reason, item.outcome_note) == (
                choice.outcome, choice.reason, choice.note):
            continue
        item.outcome, item.outcome_reason, item.outcome_note = (
            choice.outcome, choice.reason, choice.note)
        item.outcome_at, item.outcome_by = now, actor
        changed.append(item)
    if changed:
        access_request.history.append(HistoryEntry(
            kind=HistoryKind.OUTCOME, at=now, actor=actor,
            body="\n".join(_words(item) for item in changed)[:4000]))
        access_request.updated_at = now
        commit_or_stale()
    return changed


# --- follow-ups --------------------------------------------------------------------------------

# The wordings a follow-up starts from (admins may change them: notifications/wording.py).
FOLLOW_UPS = (WordingKey.FOLLOWUP_APOLOGY, WordingKey.FOLLOWUP_RECORDING,
              WordingKey.FOLLOWUP_TRANSCRIPT)


NO_FOLLOW_UP = ("A follow-up is sent after the event has started, for a request that was not "
                "cancelled and still has its details.")


def went_wrong(access_request: AccessRequest) -> list[RequestedAccommodation]:
    """The accommodations recorded as partly or not delivered: what a follow-up is for."""
    return [item for item in access_request.items
            if item.outcome is not None and item.outcome.needs_reason]


def follow_up_values(access_request: AccessRequest) -> dict[str, str]:
    """The follow-up wordings' placeholders for this request."""
    event = access_request.event
    return {
        "attendee_name": access_request.contact_name,
        "event": event.title,
        "event_date": format_long_day(event.starts_at, event.timezone),
        "reference": access_request.reference,
        "team": team_signature(access_request.team.name if access_request.team else None),
    }


def prefilled_follow_up(access_request: AccessRequest, key: WordingKey) -> Wording:
    return render_wording(key, follow_up_values(access_request))


def send_follow_up(access_request: AccessRequest, actor: StaffUser, key: WordingKey,
                   subject: str, body: str, expected_version: int | None = None) -> None:
    """After the event, write to the attendee from one of the follow-up wordings (as staff
    left it): shown on their status page and in the history, and emailed through the outbox
    in the same transaction. Commits."""
    if key not in FOLLOW_UPS:
        raise RequestActionError("Choose one of the follow-ups.")
    if expected_version is not None and expected_version != access_request.version:
        raise StaleRequestError()
    if not outcomes_open(access_request):
        raise RequestActionError(NO_FOLLOW_UP)
    subject, body = " ".join(subject.split()), body.strip()
    if not subject or not body:
        raise RequestActionError("Write the subject and the message.")
    now = utcnow()
    entry = HistoryEntry(kind=HistoryKind.FOLLOW_UP, at=now, actor=actor, body=body)
    access_request.history.append(entry)
    access_request.updated_at = now
    flush_or_stale()
    notifications.attendee_follow_up(access_request, entry, subject, key.label.lower())
    commit_or_stale()


def needs_outcome_condition(now: datetime):
    """For a query on AccessRequest joined to nothing else: the request's event has ended, it
    went ahead and is not closed, and an accommodation has no outcome yet."""
    ended = select(Event.id).where(Event.id == AccessRequest.event_id,
                                   Event.ends_at <= now).exists()
    missing = exists().where(and_(RequestedAccommodation.request_id == AccessRequest.id,
                                  RequestedAccommodation.outcome.is_(None)))
    return and_(ended, AccessRequest.status.not_in(FINAL_STATUSES),
                AccessRequest.purged_at.is_(None), missing)
