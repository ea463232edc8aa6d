"""The calendar file (RFC 5545) for a request: the event, where, in its own time zone, and what
the access team arranged, attached to the attendee's emails and offered on the status page.

One UID per request (``request-<id>@<host>``), so a later file replaces the entry in the
attendee's calendar; its SEQUENCE is the request's version, which goes up with every change.
A cancelled request sends ``METHOD:CANCEL`` with ``STATUS:CANCELLED``, which removes it.

The file gets copied around (forwarded, synced to shared calendars), so it holds no more than
the attendee's own emails already say: no private status link, nothing of what was asked for
(the accommodation names or details), only the message staff wrote to the attendee when they
arranged it, what the event provides for everyone, and practical details (the online joining
link too: the file is the registered attendee's).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

from flask import current_app
from flask_babel import gettext as _
from icalendar import Calendar, vCalAddress
from icalendar import Event as CalendarEvent

from ..notifications.addresses import reply_base_address
from ..notifications.services import Attachment, external_url
from ..timeutil import utcnow
from .models import AccessRequest, HistoryEntry, HistoryKind
from .states import RequestStatus

CONTENT_TYPE = "text/calendar"
_ARRANGED = (RequestStatus.ARRANGED, RequestStatus.PARTIALLY_ARRANGED)
# Statuses in which the arranged message still holds (closed: the event is over, as arranged).
_SHOWS_ARRANGED = frozenset({*_ARRANGED, RequestStatus.CLOSED})


@dataclass(frozen=True)
class CalendarFile:
    filename: str
    method: str  # PUBLISH, or CANCEL when the request is cancelled
    data: bytes

    @property
    def content_type(self) -> str:
        return f"{CONTENT_TYPE}; charset=utf-8; method={self.method}"

    def attachment(self) -> Attachment:
        return Attachment(self.filename, CONTENT_TYPE, self.data,
                          params=(("charset", "utf-8"), ("method", self.method)))


def removes_entry(access_request: AccessRequest) -> bool:
    """True when the request's calendar file takes the event out of the calendar."""
    return access_request.status == RequestStatus.CANCELLED


def uid_for(access_request: AccessRequest) -> str:
    host = urlsplit(current_app.config["BASE_URL"]).hostname or "accessreq.invalid"
    return f"request-{access_request.id}@{host}"


def arranged_message(access_request: AccessRequest) -> str:
    """What staff wrote to the attendee when they last set the request (partially) arranged,
    while that still holds; "" otherwise."""
    if access_request.status not in _SHOWS_ARRANGED:
        return ""
    entries: list[HistoryEntry] = [
        e for e in access_request.history
        if e.kind == HistoryKind.STATUS_CHANGED and e.to_status in _ARRANGED]
    return entries[-1].body.strip() if entries else ""


def _description(access_request: AccessRequest, cancelled: bool) -> str:
    event = access_request.event
    lines = []
    reference = access_request.reference
    if cancelled:
        lines.append(_("Your access request %(reference)s is cancelled.", reference=reference))
    else:
        lines.append(_("Your access request %(reference)s: %(status)s.", reference=reference,
                       status=access_request.status.attendee_label))
        message = arranged_message(access_request)
        if message:
            lines += ["", _("What the access team arranged:"), message]
        provided = [p.words for p in event.provisions]
        if event.access_provided.strip():
            provided.append(event.access_provided.strip())
        if provided:
            lines += ["", _("Provided for everyone at this event:"), *provided]
    if not cancelled and event.joining_link:
        lines += ["", _("Join online: %(link)s", link=event.joining_link)]
    lines += ["", _("Where: %(where)s", where=event.where),
              _("Questions: email %(address)s and quote %(reference)s. Your private link to the "
                "request is in our emails to you.", address=reply_base_address(),
                reference=reference)]
    return "\n".join(lines)


def calendar_file(access_request: AccessRequest) -> CalendarFile:
    """The calendar file for ``access_request`` as it stands now."""
    event = access_request.event
    config = current_app.config
    cancelled = removes_entry(access_request)
    method = "CANCEL" if cancelled else "PUBLISH"
    zone = ZoneInfo(event.timezone)

    calendar = Calendar()
    calendar.add("prodid", f"-//{config['INSTITUTION_NAME']}//{config['SITE_NAME']}//EN")
    calendar.add("version", "2.0")
    calendar.add("method", method)

    entry = CalendarEvent()
    entry.add("uid", uid_for(access_request))
    entry.add("sequence", access_request.version or 1)
    entry.add("dtstamp", utcnow())
    entry.add("dtstart", event.starts_at.astimezone(zone))
    entry.add("dtend", event.ends_at.astimezone(zone))
    entry.add("summary", event.title)
    # An online-only event is where its joining link is (the link is for attendees only).
    online_only = not cancelled and event.joining_link and not event.venue
    entry.add("location", event.joining_link if online_only else event.where)
    # The event's public page: never the private status link (this file gets copied around).
    entry.add("url", external_url("events.detail", event_id=event.id))
    entry.add("description", _description(access_request, cancelled))
    entry.add("status", "CANCELLED" if cancelled else "CONFIRMED")
    # The access address attendees write to, never the team's internal notification inbox.
    organizer = vCalAddress(f"mailto:{reply_base_address()}")
    organizer.params["cn"] = config["SITE_NAME"]
    entry.add("organizer", organizer)  # RFC 5546: a CANCEL names its organizer
    calendar.add_component(entry)

    # The time zone's rules around the event only (the library's default spans 1970-2038).
    first = event.starts_at.date() - timedelta(days=366)
    calendar.add_missing_timezones(first_date=first,
                                   last_date=max(event.ends_at.date(), first) + timedelta(days=366))
    return CalendarFile(filename=f"{access_request.reference}.ics", method=method,
                        data=calendar.to_ical())
