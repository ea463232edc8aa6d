"""The periods a report covers ("this month", "last quarter", custom dates), turned into
local days and the UTC instants the database compares with, and the buckets a period's
"requests received" chart is split into (weeks for a short period, months for a long one)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from ..timeutil import institution_zone, utcnow

# A period this long or shorter is charted week by week; longer ones month by month.
WEEKLY_UP_TO_DAYS = 92
CUSTOM = "custom"
PERIODS = (
    ("this_month", "This month"),
    ("last_month", "Last month"),
    ("this_quarter", "This quarter"),
    ("last_quarter", "Last quarter"),
    ("this_year", "This year"),
    ("last_year", "Last year"),
    ("last_12_months", "The last 12 months"),
    (CUSTOM, "Dates I choose"),
)
DEFAULT_PERIOD = "last_12_months"
# The longest custom period (a bucket per month keeps the chart readable up to ten years).
LONGEST_DAYS = 3660


@dataclass(frozen=True)
class Period:
    first: date  # the first local day in the period
    last: date  # the last local day, included

    @property
    def days(self) -> int:
        return (self.last - self.first).days + 1

    @property
    def starts_at(self) -> datetime:
        return _utc_midnight(self.first)

    @property
    def ends_before(self) -> datetime:
        return _utc_midnight(self.last + timedelta(days=1))

    @property
    def words(self) -> str:
        return f"{_day_words(self.first)} to {_day_words(self.last)}"

    def buckets(self) -> list[Bucket]:
        """Consecutive pieces of the period, each with its first local day and words."""
        if self.days <= WEEKLY_UP_TO_DAYS:
            starts = [self.first]
            monday = self.first - timedelta(days=self.first.weekday()) + timedelta(days=7)
            while monday <= self.last:
                starts.append(monday)
                monday += timedelta(days=7)
            return [Bucket(start, f"Week of {_day_words(start)}",
                           f"the week of {_day_words(start)}") for start in starts]
        starts = [self.first]
        month = _next_month(self.first.replace(day=1))
        while month <= self.last:
            starts.append(month)
            month = _next_month(month)
        return [Bucket(start, f"{start:%B %Y}", f"{start:%B %Y}") for start in starts]


@dataclass(frozen=True)
class Bucket:
    first: date
    label: str  # for the chart and the table ("March 2026", "Week of 2 Mar 2026")
    phrase: str  # after "in" in a sentence ("March 2026", "the week of 2 Mar 2026")

    @property
    def starts_at(self) -> datetime:
        return _utc_midnight(self.first)


def resolve(key: str, today: date, first: date | None = None,
            last: date | None = None) -> Period:
    """The period ``key`` names, as seen on ``today`` (a local day); CUSTOM takes its dates."""
    if key == CUSTOM:
        assert first is not None and last is not None
        return Period(first, last)
    if key == "this_month":
        return Period(today.replace(day=1), today)
    if key == "last_month":
        end = today.replace(day=1) - timedelta(days=1)
        return Period(end.replace(day=1), end)
    quarter_start = today.replace(month=(today.month - 1) // 3 * 3 + 1, day=1)
    if key == "this_quarter":
        return Period(quarter_start, today)
    if key == "last_quarter":
        end = quarter_start - timedelta(days=1)
        return Period(end.replace(month=(end.month - 1) // 3 * 3 + 1, day=1), end)
    if key == "this_year":
        return Period(today.replace(month=1, day=1), today)
    if key == "last_year":
        return Period(date(today.year - 1, 1, 1), date(today.year - 1, 12, 31))
    # The last 12 months: from the first of the month a year ago, so every bar is a whole month
    # but the current one.
    start = today.replace(day=1)
    start = start.replace(year=start.year - 1)
    return Period(_next_month(start), today)


def local_today(now: datetime | None = None) -> date:
    return (now or utcnow()).astimezone(institution_zone()).date()


def _utc_midnight(day: date) -> datetime:
    local = datetime.combine(day, time(0), tzinfo=institution_zone())
    return local.astimezone(ZoneInfo("UTC"))


def _next_month(day: date) -> date:
    return date(day.year + day.month // 12, day.month % 12 + 1, 1)


def _day_words(day: date) -> str:
    return f"{day.day} {day:%b %Y}"
