"""The request state machine: statuses, the words people see, and the allowed transitions."""

from __future__ import annotations

import enum

from flask_babel import lazy_gettext as _l


class RequestStatus(enum.StrEnum):
    SUBMITTED = "submitted"
    IN_REVIEW = "in_review"
    NEEDS_INFO = "needs_info"
    ARRANGED = "arranged"
    PARTIALLY_ARRANGED = "partially_arranged"
    UNABLE = "unable"
    CLOSED = "closed"
    CANCELLED = "cancelled"

    @property
    def label(self) -> str:
        """Short name for staff screens and filters."""
        return STAFF_LABELS[self]

    @property
    def attendee_label(self) -> str:
        """Plain words for the attendee, in the current language."""
        return str(ATTENDEE_LABELS[self])

    @property
    def attendee_explanation(self) -> str:
        return str(ATTENDEE_EXPLANATIONS[self])

    @property
    def is_open(self) -> bool:
        """Still waiting on the access team."""
        return self in OPEN_STATUSES

    @property
    def is_final(self) -> bool:
        return self in FINAL_STATUSES


S = RequestStatus

STAFF_LABELS = {
    S.SUBMITTED: "Submitted",
    S.IN_REVIEW: "In review",
    S.NEEDS_INFO: "Needs information",
    S.ARRANGED: "Arranged",
    S.PARTIALLY_ARRANGED: "Partially arranged",
    S.UNABLE: "Unable to arrange",
    S.CLOSED: "Closed",
    S.CANCELLED: "Cancelled",
}

ATTENDEE_LABELS = {
    # Translators: the status of an access request, as the attendee reads it on their page
    S.SUBMITTED: _l("Received"),
    S.IN_REVIEW: _l("Being arranged"),
    S.NEEDS_INFO: _l("We need more information from you"),
    S.ARRANGED: _l("Arranged"),
    S.PARTIALLY_ARRANGED: _l("Partly arranged"),
    S.UNABLE: _l("We could not arrange this"),
    S.CLOSED: _l("Closed"),
    S.CANCELLED: _l("Cancelled"),
}

ATTENDEE_EXPLANATIONS = {
    S.SUBMITTED: _l("We have your request. A member of the access team will look at it soon."),
    S.IN_REVIEW: _l("The access team is working on your request."),
    S.NEEDS_INFO: _l("Please read the team's message below and reply on this page."),
    S.ARRANGED: _l("Everything you asked for is arranged. The team's message says how it will "
                   "work."),
    S.PARTIALLY_ARRANGED: _l("Some of what you asked for is arranged. The team's message "
                             "explains what is and what is not, and what they can offer "
                             "instead."),
    S.UNABLE: _l("The team could not arrange what you asked for. Their message explains why "
                 "and what they can offer instead."),
    S.CLOSED: _l("This request is finished. If you need anything else, make a new request."),
    S.CANCELLED: _l("This request was cancelled. Nothing will be arranged for it."),
}

OPEN_STATUSES = frozenset({S.SUBMITTED, S.IN_REVIEW, S.NEEDS_INFO})
# Nothing more happens to these: not going ahead (plans, bookings) and needing no outcome.
FINAL_STATUSES = frozenset({S.CLOSED, S.CANCELLED})
OUTCOMES = frozenset({S.ARRANGED, S.PARTIALLY_ARRANGED, S.UNABLE})
# Not (fully) arranged: staff choose the main reason with the move (outcomes.ShortfallReason).
SHORTFALL_STATUSES = frozenset({S.PARTIALLY_ARRANGED, S.UNABLE})

# Every transition staff may make. Cancelling by the attendee uses the same table.
TRANSITIONS: dict[RequestStatus, frozenset[RequestStatus]] = {
    S.SUBMITTED: frozenset({S.IN_REVIEW, S.NEEDS_INFO, *OUTCOMES, S.CANCELLED}),
    S.IN_REVIEW: frozenset({S.NEEDS_INFO, *OUTCOMES, S.CANCELLED}),
    S.NEEDS_INFO: frozenset({S.IN_REVIEW, *OUTCOMES, S.CANCELLED}),
    S.ARRANGED: frozenset({S.IN_REVIEW, S.CLOSED, S.CANCELLED}),
    S.PARTIALLY_ARRANGED: frozenset({S.IN_REVIEW, S.ARRANGED, S.CLOSED, S.CANCELLED}),
    S.UNABLE: frozenset({S.IN_REVIEW, S.CLOSED, S.CANCELLED}),
    S.CLOSED: frozenset(),
    S.CANCELLED: frozenset(),
}

# Moving to these tells the attendee something they must read, so a message is required.
MESSAGE_REQUIRED = frozenset({S.NEEDS_INFO, S.PARTIALLY_ARRANGED, S.UNABLE})


def can_transition(current: RequestStatus, target: RequestStatus) -> bool:
    return target in TRANSITIONS[current]
