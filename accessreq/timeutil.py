"""Time helpers: everything is stored in UTC and shown in the event's own timezone."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from babel import Locale, dates
from flask import current_app
from flask_babel import get_locale


def institution_zone() -> ZoneInfo:
    """The institution's own time zone (the TIMEZONE setting, checked when the app starts)."""
    return ZoneInfo(current_app.config["TIMEZONE"])


def utcnow() -> datetime:
    return datetime.now(UTC)


def local(value: datetime, tz_name: str) -> datetime:
    return value.astimezone(ZoneInfo(tz_name))


# Date patterns per language (CLDR pattern letters; Hebrew letters are literal). English keeps
# the house style, "Thursday 10 December 2026"; a language not listed uses its CLDR formats.
_PATTERNS: dict[str, dict[str, str]] = {
    "en": {"short": "EEE d MMM, HH:mm", "when": "EEEE d MMMM y, HH:mm",
           "date": "EEE d MMM y", "day": "EEEE d MMMM y"},
    "es": {"short": "EEE d MMM, HH:mm", "when": "EEEE d 'de' MMMM 'de' y, HH:mm",
           "date": "EEE d MMM y", "day": "EEEE d 'de' MMMM 'de' y"},
    "he": {"short": "EEE, d בMMM, HH:mm", "when": "EEEE, d בMMMM y, HH:mm",
           "date": "EEE, d בMMM y", "day": "EEEE, d בMMMM y"},
}
_CLDR_FALLBACK = {"short": "medium", "when": "full", "date": "medium", "day": "full"}


def _in_language(moment: datetime, kind: str) -> str:
    """``moment`` written the ``kind`` way in the current page's or email's language."""
    locale = get_locale() or Locale.parse("en")
    pattern = _PATTERNS.get(locale.language, {}).get(kind)
    if pattern is None:
        day = dates.format_date(moment, _CLDR_FALLBACK[kind], locale=locale)
        if kind in ("date", "day"):
            return day
        return f"{day}, {dates.format_time(moment, 'HH:mm', tzinfo=moment.tzinfo, locale=locale)}"
    return dates.format_datetime(moment, pattern, tzinfo=moment.tzinfo, locale=locale)


def format_short(value: datetime, tz_name: str = "UTC") -> str:
    """'Tue 8 Dec, 14:00 GMT' in the given timezone: a deadline in a sentence."""
    moment = local(value, tz_name)
    return f"{_in_language(moment, 'short')} {moment.tzname()}"


def format_when(value: datetime | None, tz_name: str = "UTC") -> str:
    """'Thursday 10 December 2026, 18:30 GMT' in the given timezone."""
    if value is None:
        return ""
    moment = local(value, tz_name)
    return f"{_in_language(moment, 'when')} {moment.tzname()}"


def format_date(value: datetime | None, tz_name: str = "UTC") -> str:
    """'Tue 8 Dec 2026' in the given timezone."""
    if value is None:
        return ""
    return _in_language(local(value, tz_name), "date")


def format_long_day(value: datetime, tz_name: str) -> str:
    """The day in words, in the event's time zone: "Thursday 21 January 2027" (emails' and
    canned replies' {event_date})."""
    return _in_language(local(value, tz_name), "day")
