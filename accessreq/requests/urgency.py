"""How pressing an open request is: a level with the words staff see and the tag style.

Computed here, once, so templates only present it (and a later translation has a key to use).
"""

from __future__ import annotations

import enum

from ..events.models import short_notice_hours


class Urgency(enum.Enum):
    """The tag beside a request's due date; ``AccessRequest.urgency`` picks one, or None when
    the request is on track or no longer open. Never colour alone: the label is always shown."""

    EVENT_STARTED = "event_started"
    SHORT_NOTICE = "short_notice"  # the event starts within events.models.SHORT_NOTICE
    OVERDUE = "overdue"
    AT_RISK = "at_risk"  # asked for with less notice than the accommodations usually need
    DUE_SOON = "due_soon"

    @property
    def label(self) -> str:
        if self is Urgency.SHORT_NOTICE:
            return f"Under {short_notice_hours()} hours"
        return _LABELS[self]

    @property
    def is_urgent(self) -> bool:
        """Needs action now (shown in the error colour), rather than a warning."""
        return self in _URGENT

    @property
    def css_modifier(self) -> str:
        """The tag's modifier class: ``tag--urgent`` or ``tag--warn``."""
        return "tag--urgent" if self.is_urgent else "tag--warn"


_LABELS = {
    Urgency.EVENT_STARTED: "Event started",
    Urgency.OVERDUE: "Overdue",
    Urgency.AT_RISK: "At risk: late request",
    Urgency.DUE_SOON: "Due soon",
}

_URGENT = frozenset({Urgency.EVENT_STARTED, Urgency.SHORT_NOTICE, Urgency.OVERDUE})
