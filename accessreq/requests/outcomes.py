"""After the event: what happened to each requested accommodation, why something was not
delivered, and the attendee's own answer to "did this meet your needs?".

The words here are the ones staff choose from and the ones the attendee reads on their status
page; the staff pages that record outcomes live in accessreq/arranging.
"""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from ..columns import LabelledEnum


class ItemOutcome(LabelledEnum):
    DELIVERED = "delivered", "Delivered"
    PARTLY = "partly", "Partly delivered"
    NOT_DELIVERED = "not_delivered", "Not delivered"
    DID_NOT_COME = "did_not_come", "The attendee did not come"

    @property
    def needs_reason(self) -> bool:
        """Something went wrong: staff say why (a reason from the list, and words)."""
        return self in (ItemOutcome.PARTLY, ItemOutcome.NOT_DELIVERED)

    @property
    def attendee_words(self) -> str:
        """What the attendee reads beside the accommodation on their status page."""
        return str(_ATTENDEE_WORDS[self])


_ATTENDEE_WORDS = {
    ItemOutcome.DELIVERED: _l("Provided"),
    ItemOutcome.PARTLY: _l("Only partly provided"),
    ItemOutcome.NOT_DELIVERED: _l("Not provided"),
    ItemOutcome.DID_NOT_COME: _l("Not used: we recorded that you could not come"),
}


class OutcomeReason(LabelledEnum):
    """Why an accommodation was not (fully) delivered: a short list, so the team can see
    patterns later, plus staff's own words on each outcome."""

    PROVIDER_CANCELLED = "provider_cancelled", "The provider cancelled or did not arrive"
    NOT_BOOKED = "not_booked", "It could not be booked in time"
    EQUIPMENT = "equipment", "Equipment or a connection failed"
    NOT_PASSED_ON = "not_passed_on", "The people on the day did not know about it"
    VENUE = "venue", "The venue could not provide it"
    EVENT_CHANGED = "event_changed", "The event changed (moved, shortened, went online)"
    OTHER = "other", "Another reason (say which)"


class ShortfallReason(LabelledEnum):
    """Why a request could only be partly arranged, or not at all: chosen by staff with that
    status (never shown to the attendee, who reads staff's message instead), so the reports
    can say what stands in the way and keep saying it after the retention purge."""

    NO_PROVIDER = "no_provider", "No provider was available"
    NOTICE = "notice", "Too little notice"
    COST = "cost", "The cost was beyond the budget"
    VENUE = "venue", "The venue or its equipment could not allow it"
    FORMAT = "format", "Not possible in this event's format"
    NO_REPLY = "no_reply", "The attendee did not answer our questions"
    OTHER = "other", "Another reason"


class NeedsMet(LabelledEnum):
    """The attendee's one-question answer after the event. The history keeps the answer in
    English (``requests.services.answer_needs_met``); the page shows it in the visitor's."""

    # Translators: answers to "Did what we arranged meet your needs?"
    YES = "yes", _l("Yes")
    PARTLY = "partly", _l("Partly")
    NO = "no", _l("No")
