"""The columns of a CSV export of requests, one definition for the staff page and the shell.

Always: what the team needs to count and follow up (reference, status, event, team, what was
asked for, dates, assignee, how it came, outcomes). Only when the person exporting ticks them:
the contact's name, email and phone and the attendee's name (``personal``), and what the
attendee wrote in their own words (``free_text``). A request whose details were deleted under
the retention schedule shows what remains: its personal and free-text cells are empty.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass

from ..requests.models import AccessRequest
from ..timeutil import local

ITEM_SEPARATOR = "; "


@dataclass(frozen=True)
class Column:
    header: str
    value: Callable[[AccessRequest], object]


def _names(request: AccessRequest) -> str:
    return ITEM_SEPARATOR.join(item.accommodation_type.name for item in request.items)


def _outcomes(request: AccessRequest) -> str:
    """Each accommodation's recorded outcome after the event: "Captioning: Delivered"."""
    return ITEM_SEPARATOR.join(f"{item.accommodation_type.name}: {item.outcome.label}"
                               for item in request.items if item.outcome is not None)


def _details(request: AccessRequest) -> str:
    """The attendee's own words per accommodation: "Sign language: BSL"."""
    return ITEM_SEPARATOR.join(f"{item.accommodation_type.name}: {item.details}"
                               for item in request.items if item.details)


def _kept(value: Callable[[AccessRequest], object]) -> Callable[[AccessRequest], object]:
    """A personal value, empty once the retention purge deleted it (the purge leaves
    placeholders such as "Deleted", which are not the person's)."""
    return lambda request: "" if request.purged_at is not None else value(request)


BASE_COLUMNS = (
    Column("Reference", lambda r: r.reference),
    Column("Status", lambda r: r.status),
    Column("Event", lambda r: r.event.title),
    # The day the event starts where it happens (its own time zone): the day people say.
    Column("Event date", lambda r: local(r.event.starts_at, r.event.timezone).date()),
    Column("Team", lambda r: r.team.name if r.team else "No team"),
    Column("Accommodations", _names),
    Column("Received (UTC)", lambda r: r.created_at),
    Column("Due (UTC)", lambda r: r.due_at),
    Column("Late request", lambda r: r.was_late),
    Column("Assignee", lambda r: r.assignee.name if r.assignee else ""),
    Column("Received via", lambda r: r.received_via),
    Column("Outcomes", _outcomes),
    Column("Met their needs (attendee's answer)", lambda r: r.needs_met),
    Column("Details deleted (UTC)", lambda r: r.purged_at),
)
PERSONAL_COLUMNS = (
    Column("Contact name", _kept(lambda r: r.contact_name)),
    Column("Contact email", _kept(lambda r: r.contact_email)),
    Column("Contact phone", _kept(lambda r: r.contact_phone)),
    Column("Preferred contact", _kept(lambda r: r.contact_channel)),
    Column("Attendee (when not the contact)", _kept(lambda r: r.attendee_name)),
)
FREE_TEXT_COLUMNS = (
    Column("Accommodation details", _kept(_details)),
    Column("Anything else", _kept(lambda r: r.anything_else)),
    Column("Attendee's comment after the event", _kept(lambda r: r.needs_met_comment)),
)


@dataclass(frozen=True)
class ColumnChoice:
    """Which optional groups of columns the person chose."""

    personal: bool = False
    free_text: bool = False

    @property
    def columns(self) -> tuple[Column, ...]:
        return (BASE_COLUMNS + (PERSONAL_COLUMNS if self.personal else ())
                + (FREE_TEXT_COLUMNS if self.free_text else ()))

    @property
    def header(self) -> list[str]:
        return [column.header for column in self.columns]

    @property
    def any_personal(self) -> bool:
        return self.personal or self.free_text

    def rows(self, requests: Iterable[AccessRequest]) -> Iterator[list]:
        """One list of values per request; closing this closes ``requests`` (a query's
        result), so a download cut short releases its database cursor at once."""
        columns = self.columns
        try:
            for request in requests:
                yield [column.value(request) for column in columns]
        finally:
            close = getattr(requests, "close", None)
            if close is not None:
                close()
