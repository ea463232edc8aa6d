"""How pressing an open request is: a level with the words staff see and the tag style.

Computed here, once, so templates only present it (and a later translation has a key to use).
"""

from __future__ import annotations

import enum
from dataclasses import dataclass

from ..events.models import short_notice_hours


class Urgency(enum.Enum):
    """The tag beside a request's due date; ``AccessRequest.urgency`` picks one, or None when
    the request is on track or no longer open. Never colour alone: the label is always shown."""

    EVENT_STARTED = "event_started"
    SHORT_NOTICE = "short_notice"  # the event starts within events.models.SHORT_NOTICE
    OVERDUE = "overdue"
    AT_RISK = "at_risk"  # asked for with less notice than the accommodations usually need
    DUE_SOON = "due_soon"  # due within DUE_SOON_DAYS

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


# A request due within this many days (or today) is tagged "Due soon" as a warning.
DUE_SOON_DAYS = 7


@dataclass(frozen=True)
class DueTag:
    """The tag staff see beside every open request's due date: its level (None: on track) and
    the due date in words ("Due in 6 days", "Due today", "Overdue by 2 days", "Late request:
    answer by Thu 3 Dec 2026"). Same ``label``/``css_modifier``/``is_urgent`` as ``Urgency``,
    so a template shows either the same way. Made by ``AccessRequest.due_tag``."""

    level: Urgency | None
    label: str
    # Fewer words for a dense row (the queue), where ``label`` is long; None: ``label`` is short.
    short: str | None = None

    @property
    def short_label(self) -> str:
        return self.short or self.label

    @property
    def is_urgent(self) -> bool:
        return self.level is not None and self.level.is_urgent

    @property
    def css_modifier(self) -> str:
        """``tag--urgent``, ``tag--warn``, or nothing for a request on track."""
        return self.level.css_modifier if self.level is not None else ""


def days_left_words(days: int) -> str:
    """'Due today', 'Due tomorrow', 'Due in 6 days', 'Overdue by 1 day', 'Overdue by 2 days'."""
    if days == 0:
        return "Due today"
    if days == 1:
        return "Due tomorrow"
    if days > 1:
        return f"Due in {days} days"
    return "Overdue by 1 day" if days == -1 else f"Overdue by {-days} days"


_LABELS = {
    Urgency.EVENT_STARTED: "Event started",
    Urgency.OVERDUE: "Overdue",
    Urgency.AT_RISK: "Late request",
    Urgency.DUE_SOON: "Due soon",
}

_URGENT = frozenset({Urgency.EVENT_STARTED, Urgency.SHORT_NOTICE, Urgency.OVERDUE})
