"""Keep the public request form usable while the database is away.

When the database cannot be reached (a restart, a network cut, a full disk), a submitted form
must come back with everything the person typed and a plain message that nothing was saved,
not a bare error page. Drawing the form needs its event (title, date, the accommodations
offered), so each process keeps a small copy of what the form showed last, made from the
event every time the form is opened or sent. The copy only draws the page again; nothing is
decided from it, and the next submission is checked against the database as usual.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from datetime import datetime

from ..events.deadlines import AskBy, ask_by
from ..events.models import Event, where_words
from ..timeutil import utcnow
from ..translatable import N_

MAX_EVENTS = 256  # the events whose form this process has shown most recently
# English here; translated where it is shown (``gettext(NOTHING_SAVED)``).
NOTHING_SAVED = N_("We could not save your request because our records are unavailable for a "
                   "moment. Nothing was saved, and what you typed is still here. Please check "
                   "it and send it again in a minute.")


@dataclass(frozen=True)
class OfferedCopy:
    """What the form shows of one accommodation."""

    id: int
    name: str
    description: str
    lead_time_days: int
    details_label: str | None
    details_hint: str | None


@dataclass(frozen=True)
class EventCopy:
    """What the form shows of its event: enough for ``request_form_for`` and the template."""

    id: int
    title: str
    starts_at: datetime
    timezone: str
    venue: str
    is_online: bool
    requests_close_at: datetime | None
    offered_types: tuple[OfferedCopy, ...]

    @property
    def where(self) -> str:
        """As ``Event.where``, in the language of the page drawing it."""
        return where_words(self.venue, self.is_online)

    def ask_by_dates(self, now: datetime | None = None) -> list[AskBy]:
        """As ``Event.ask_by_dates``: the day to ask by for each kind the form offers."""
        return [ask_by(self, kind, now or utcnow()) for kind in self.offered_types]


_copies: dict[int, EventCopy] = {}
_lock = threading.Lock()


def remember(event: Event) -> None:
    """Keep a copy of ``event`` as its form shows it (its offered types are loaded already)."""
    copy = EventCopy(
        id=event.id, title=event.title, starts_at=event.starts_at, timezone=event.timezone,
        venue=event.venue, is_online=event.is_online, requests_close_at=event.requests_close_at,
        offered_types=tuple(
            OfferedCopy(id=t.id, name=t.name, description=t.description,
                        lead_time_days=t.lead_time_days, details_label=t.details_label,
                        details_hint=t.details_hint)
            for t in event.offered_types),
    )
    with _lock:
        _copies.pop(event.id, None)
        _copies[event.id] = copy  # most recent last
        while len(_copies) > MAX_EVENTS:
            del _copies[next(iter(_copies))]


def remembered(event_id: int) -> EventCopy | None:
    with _lock:
        return _copies.get(event_id)
