"""When to ask, in days people read: the one place that turns lead times into dates.

A kind of help is *due* on the calendar day (in the event's own timezone) that is its lead time
before the day the event starts: "ask by Saturday 26 December — 14 days before". The attendee
is told that day; a request made after the end of that day is *late*; the staff tags count days
to the same day. Late requests are always accepted: the attendee is told, kindly, that the team
will try and when they will hear back (``tell_by_day``).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import TYPE_CHECKING

from flask_babel import gettext as _
from flask_babel import ngettext

from ..timeutil import format_long_day, local
from .leadtime import day_count

if TYPE_CHECKING:
    from .models import AccommodationType, Event

# A late request is answered within this many working days (Monday to Friday, in the event's
# timezone) of the day it was made, or before the event if that comes first. The confirmation
# page already promises a first read "usually within 2 working days".
LATE_REPLY_WORKING_DAYS = 2


def long_day(day: date) -> str:
    """'Saturday 26 December 2026', in the page's or email's language (timeutil's day)."""
    return format_long_day(datetime.combine(day, time(12), tzinfo=UTC), "UTC")


def local_day(moment: datetime, tz_name: str) -> date:
    return local(moment, tz_name).date()


def due_day(starts_at: datetime, lead_time_days: int, tz_name: str) -> date:
    """The last day to ask for something needing ``lead_time_days`` of notice."""
    return local_day(starts_at, tz_name) - timedelta(days=max(lead_time_days, 0))


def add_working_days(day: date, count: int) -> date:
    """``count`` working days (Monday to Friday) after ``day``."""
    while count > 0:
        day += timedelta(days=1)
        if day.weekday() < 5:
            count -= 1
    return day


def tell_by_day(asked_on: date, event_day: date) -> date | None:
    """When the attendee of a late request hears back: LATE_REPLY_WORKING_DAYS working days
    after asking, or None when that is not before the event day (then: "before the event")."""
    day = add_working_days(asked_on, LATE_REPLY_WORKING_DAYS)
    return day if day < event_day else None


def lead_weeks(days: int) -> int | None:
    """A lead time said in whole weeks (from four weeks up), or None: say it in days."""
    return days // 7 if days >= 28 and days % 7 == 0 else None


def lead_words(days: int) -> str:
    """'14 days', '1 day'; whole weeks from four weeks up: '12 weeks'."""
    weeks = lead_weeks(days)
    if weeks is not None:
        return ngettext("%(num)d week", "%(num)d weeks", weeks)
    return day_count(days)


@dataclass(frozen=True)
class AskBy:
    """When to ask for one kind of help at one event, and the words for it."""

    kind: AccommodationType
    day: date  # the last day to ask (the due day, or the closing day if that comes first)
    passed: bool  # that day is over
    closes_first: bool  # online requests close before the due day

    @property
    def words(self) -> str:
        """'ask by Saturday 26 December 2026 — 14 days before', or, once passed, the same
        with 'that date has passed: ask as soon as you can — we will try'."""
        lead = self.kind.lead_time_days
        day = long_day(self.day)
        weeks = lead_weeks(lead)
        if self.closes_first:
            # Translators: the "ask by" phrases follow an accommodation's name and a colon
            # (lower case first); a page also shows them as a sentence (first letter made
            # upper case).
            when = _("ask by %(day)s, when online requests close", day=day)
        elif lead <= 0:
            when = _("ask any time before the event")
        elif weeks is not None:
            # Translators: a lead time of whole weeks (four or more)
            when = ngettext("ask by %(day)s — %(num)d week before",
                            "ask by %(day)s — %(num)d weeks before", weeks, day=day)
        else:
            when = ngettext("ask by %(day)s — %(num)d day before",
                            "ask by %(day)s — %(num)d days before", lead, day=day)
        if self.passed:
            # Translators: %(ask_by)s is one of the "ask by …" phrases
            return _("%(ask_by)s. That date has passed: ask as soon as you can — we will try",
                     ask_by=when)
        return when

    @property
    def sentence(self) -> str:
        """The words as a sentence of their own: 'Ask by … before.'"""
        return f"{self.words[:1].upper()}{self.words[1:]}."


def ask_by(event: Event, kind: AccommodationType, now: datetime) -> AskBy:
    tz = event.timezone
    day = due_day(event.starts_at, kind.lead_time_days, tz)
    closes_first = False
    if event.requests_close_at is not None:
        closing_day = local_day(event.requests_close_at, tz)
        if closing_day < day:
            day, closes_first = closing_day, True
    return AskBy(kind=kind, day=day, passed=local_day(now, tz) > day, closes_first=closes_first)


def late_words(kinds: list[AccommodationType]) -> str:
    """'sign language interpretation and CART': the kinds asked for with too little notice."""
    names = [k.name[:1].lower() + k.name[1:] if not k.name[:2].isupper() else k.name
             for k in kinds]
    if len(names) <= 1:
        return "".join(names)
    first = ", ".join(names[:-1])
    # Translators: the end of a list of accommodations: "captioning, a ramp and BSL".
    return _("%(names)s and %(last)s", names=first, last=names[-1])
