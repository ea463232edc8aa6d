"""Email wording admins may change: the default wording of each email (in code), the
placeholders each may use, the check that refuses anything else, and the rendering.

Placeholders are ``{name}`` from a fixed list per email. Rendering replaces known names with
their values and nothing else: admin text is never passed to ``str.format`` (which would reach
attributes) or to Jinja (which would run it). A value is never read again for placeholders, so
an event called "{team}" stays "{team}".
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from flask import current_app
from sqlalchemy import select

from ..extensions import db
from ..forms import LONG_TEXT_MAX
from ..timeutil import utcnow
from .models import EmailWording, WordingKey

SUBJECT_MAX = 200
BODY_MAX = LONG_TEXT_MAX

# What each placeholder stands for, as the edit page explains it.
PLACEHOLDER_HELP: dict[str, str] = {
    "event": "The event’s title",
    "event_date": "The day of the event, like Thursday 21 January 2027",
    "event_time": "Its start and end, like 18:00 to 20:00 GMT",
    "venue": "Where it takes place (“Online” for an online event)",
    "provider": "The provider’s name",
    "provider_reference": "The provider’s reference for the job (“none yet” when not known)",
    "booking_times": "The booking’s times on the day (“to be agreed” when not set)",
    "needs": "What is booked: the accommodations’ names only",
    "count": "How many attendees it is for, like “2 attendees”",
    "team": "The access team’s name",
    "reference": "The attendee’s request reference, like AR-7KQ3-M2",
    "attendee_name": "The attendee’s name as they gave it",
}

_PROVIDER = ("event", "event_date", "event_time", "venue", "provider", "provider_reference",
             "booking_times", "needs", "count", "team")
_FOLLOWUP = ("attendee_name", "event", "event_date", "reference", "team")

PLACEHOLDERS: dict[WordingKey, tuple[str, ...]] = {
    WordingKey.PROVIDER_ASK: _PROVIDER,
    WordingKey.PROVIDER_CONFIRM: _PROVIDER,
    WordingKey.PROVIDER_CANCEL: _PROVIDER,
    WordingKey.FOLLOWUP_APOLOGY: _FOLLOWUP,
    WordingKey.FOLLOWUP_RECORDING: _FOLLOWUP,
    WordingKey.FOLLOWUP_TRANSCRIPT: _FOLLOWUP,
}


@dataclass(frozen=True)
class Wording:
    subject: str
    body: str


_SORRY = ("We are sorry that at {event} on {event_date} we did not provide everything you "
          "asked for (request {reference}).")

DEFAULTS: dict[WordingKey, Wording] = {
    WordingKey.PROVIDER_ASK: Wording(
        "Booking request: {event}, {event_date}",
        "Hello {provider},\n\n"
        "We would like to book you for {event} on {event_date}, {event_time}, at {venue}.\n\n"
        "What we need: {needs}, for {count}.\n"
        "Times on the day: {booking_times}.\n\n"
        "Could you tell us whether you are available, and send us your terms and a quote? "
        "We will send the programme, the speakers’ names and any slides as soon as we have "
        "them.\n\n"
        "Kind regards,\n{team}"),
    WordingKey.PROVIDER_CONFIRM: Wording(
        "Confirming our booking: {event}, {event_date}",
        "Hello {provider},\n\n"
        "Thank you for taking this booking. This email confirms it:\n\n"
        "Event: {event}\n"
        "Date: {event_date}, {event_time}\n"
        "Place: {venue}\n"
        "What we need: {needs}, for {count}\n"
        "Times on the day: {booking_times}\n"
        "Your reference: {provider_reference}\n\n"
        "We will send the programme, the speakers’ names and any slides before the event. "
        "Please tell us if anything changes on your side.\n\n"
        "Kind regards,\n{team}"),
    WordingKey.PROVIDER_CANCEL: Wording(
        "Cancelling our booking: {event}, {event_date}",
        "Hello {provider},\n\n"
        "We are sorry, but we need to cancel our booking with you for {event} on "
        "{event_date} ({needs}; your reference: {provider_reference}).\n\n"
        "Thank you for keeping the time for us. Could you confirm the cancellation, and tell "
        "us if a fee applies under your terms?\n\n"
        "Kind regards,\n{team}"),
    WordingKey.FOLLOWUP_APOLOGY: Wording(
        "About your access request for {event}",
        "Hello {attendee_name},\n\n" + _SORRY + " That should not have happened, and we "
        "apologise. We are looking at how to get it right next time.\n\n"
        "If you would like to tell us more, or if there is anything we can still do, please "
        "reply to this email.\n\n"
        "Kind regards,\n{team}"),
    WordingKey.FOLLOWUP_RECORDING: Wording(
        "A recording with captions of {event}",
        "Hello {attendee_name},\n\n" + _SORRY + " We apologise.\n\n"
        "We are preparing a recording of the event with captions, and we will send it to you "
        "as soon as it is ready. If something else would suit you better, please reply to "
        "this email.\n\n"
        "Kind regards,\n{team}"),
    WordingKey.FOLLOWUP_TRANSCRIPT: Wording(
        "A transcript of {event}",
        "Hello {attendee_name},\n\n" + _SORRY + " We apologise.\n\n"
        "We are preparing a written transcript of the event, and we will send it to you as "
        "soon as it is ready. If something else would suit you better, please reply to this "
        "email.\n\n"
        "Kind regards,\n{team}"),
}

# A placeholder, or a lone brace: nothing else in admin text is special.
_TOKEN = re.compile(r"\{([^{}]*)\}|[{}]")


class WordingError(ValueError):
    """Wording that cannot be saved; ``field`` ("subject" or "body") is where to say so."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field


def placeholder_problem(key: WordingKey, text: str) -> str | None:
    """Why ``text`` cannot be used for ``key`` (an unknown placeholder, a lone brace), in
    words for the admin; None when it can."""
    return placeholders_problem(text, PLACEHOLDERS[key])


def placeholders_problem(text: str, allowed: Sequence[str],
                         user: str = "this email") -> str | None:
    """Why ``text`` cannot be used where only ``allowed`` are filled in (an unknown
    placeholder, a lone brace), in words for the admin; None when it can. ``user`` names what
    the text is for, in the refusal: "“{x}” is not a placeholder <user> can use"."""
    for found in _TOKEN.finditer(text):
        name = found.group(1)
        if name is None:
            return (f"There is a “{found.group(0)}” without its partner. Braces are only for "
                    f"placeholders such as {{{allowed[0]}}}: remove it or complete the "
                    f"placeholder")
        if name not in allowed:
            listed = ", ".join(f"{{{n}}}" for n in allowed)
            return (f"“{{{name}}}” is not a placeholder {user} can use. Use only: "
                    f"{listed}")
    return None


def fill(text: str, values: Mapping[str, str]) -> str:
    """``text`` with each ``{name}`` in ``values`` replaced by its value, in one pass (a value
    is not read again); anything else is left as written."""
    return _TOKEN.sub(lambda m: str(values[m.group(1)]) if m.group(1) in values
                      else m.group(0), text)


def team_signature(team_name: str | None) -> str:
    """Who signs an email to an attendee or a provider: the team's name, or the institution's
    access team when no single team holds what it is about."""
    return team_name or f"{current_app.config['INSTITUTION_NAME']} access team"


def stored_wording(key: WordingKey) -> EmailWording | None:
    return db.session.scalar(select(EmailWording).where(EmailWording.key == key))


def current_wording(key: WordingKey) -> Wording:
    """The admins' wording of ``key``, or the default when they have not changed it."""
    row = stored_wording(key)
    return Wording(row.subject, row.body) if row is not None else DEFAULTS[key]


def render_wording(key: WordingKey, values: Mapping[str, str]) -> Wording:
    """The current wording of ``key`` with its placeholders filled from ``values``.

    ``values`` must name exactly the placeholders of ``key`` (``PLACEHOLDERS[key]``), each a
    plain string (use "" for one that does not apply); a missing or extra name raises
    ``ValueError``, so a caller cannot leave a placeholder showing or pass data the email is
    not meant to carry. The subject comes back on one line."""
    expected, given = set(PLACEHOLDERS[key]), set(values)
    if expected != given:
        raise ValueError(f"values for {key.value} must be exactly {sorted(expected)}; "
                         f"missing {sorted(expected - given)}, extra {sorted(given - expected)}")
    wording = current_wording(key)
    subject = " ".join(fill(wording.subject, values).split())
    return Wording(subject, fill(wording.body, values))


def _checked(key: WordingKey, subject: str, body: str) -> tuple[str, str]:
    subject = " ".join(subject.split())
    body = body.replace("\r\n", "\n").strip()
    for field, text, limit in (("subject", subject, SUBJECT_MAX), ("body", body, BODY_MAX)):
        if not text:
            raise WordingError(field, f"Enter the {field}")
        if len(text) > limit:
            raise WordingError(field, f"The {field} must be {limit} characters or fewer")
        problem = placeholder_problem(key, text)
        if problem:
            raise WordingError(field, problem)
    return subject, body


def save_wording(key: WordingKey, actor, subject: str, body: str) -> EmailWording:
    """Save an admin's wording of ``key`` (refused with ``WordingError`` when it uses a
    placeholder the email cannot fill or has a lone brace). Commits."""
    subject, body = _checked(key, subject, body)
    row = stored_wording(key)
    if row is None:
        row = EmailWording(key=key)
        db.session.add(row)
    row.subject, row.body = subject, body
    row.updated_at = utcnow()
    row.updated_by_id = actor.id if actor is not None else None
    db.session.commit()
    return row


def restore_default_wording(key: WordingKey) -> None:
    """Go back to the default wording of ``key`` (the admins' wording is deleted). Commits."""
    row = stored_wording(key)
    if row is not None:
        db.session.delete(row)
    db.session.commit()
