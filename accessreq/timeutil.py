"""Time helpers: everything is stored in UTC and shown in the event's own timezone."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from sqlalchemy import DateTime
from sqlalchemy.types import TypeDecorator


def utcnow() -> datetime:
    return datetime.now(UTC)


class UTCDateTime(TypeDecorator):
    """A timezone-aware UTC datetime on every database (SQLite keeps no offset)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given where an aware UTC one is required")
        return value.astimezone(UTC)

    def process_result_value(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


def local(value: datetime, tz_name: str) -> datetime:
    return value.astimezone(ZoneInfo(tz_name))


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
