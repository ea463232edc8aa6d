"""Time helpers: everything is stored in UTC and shown in the event's own timezone."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from flask import current_app


def institution_zone() -> ZoneInfo:
    """The institution's own time zone (the TIMEZONE setting, checked when the app starts)."""
    return ZoneInfo(current_app.config["TIMEZONE"])


def utcnow() -> datetime:
    return datetime.now(UTC)


def local(value: datetime, tz_name: str) -> datetime:
    return value.astimezone(ZoneInfo(tz_name))


def format_short(value: datetime, tz_name: str = "UTC") -> str:
    """'Tue 8 Dec, 14:00 GMT' in the given timezone: a deadline in a sentence."""
    moment = local(value, tz_name)
    return f"{moment:%a} {moment.day} {moment:%b, %H:%M} {moment.tzname()}"


def format_when(value: datetime | None, tz_name: str = "UTC") -> str:
    """'Thursday 10 December 2026, 18:30 GMT' in the given timezone."""
    if value is None:
        return ""
    moment = local(value, tz_name)
    return f"{moment:%A} {moment.day} {moment:%B %Y, %H:%M} {moment.tzname()}"


def format_date(value: datetime | None, tz_name: str = "UTC") -> str:
    if value is None:
        return ""
    moment = local(value, tz_name)
    return f"{moment:%a} {moment.day} {moment:%b %Y}"


def format_long_day(value: datetime, tz_name: str) -> str:
    """The day in words, in the event's time zone: "Thursday 21 January 2027" (emails' and
    canned replies' {event_date})."""
    day = local(value, tz_name)
    return f"{day:%A} {day.day} {day:%B %Y}"
