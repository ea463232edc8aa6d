"""Charts as data for templates/reports/_chart.html, which draws them as SVG on the server.

Why our own small SVG and not a charting library: every chart here is one series of
horizontal bars, which Jinja draws in a few lines; the libraries that draw SVG in Python bring
scripts for tooltips, fixed pixel sizes and colour-coded legends, which we would have to undo
to meet WCAG (text that stays readable at 320 px, meaning never carried by colour, a text
summary and a data table). Each bar carries its label and its number in words beside it, so
colour only decorates; the table under the chart holds the same numbers for screen readers and
for copying.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from .periods import Bucket

# Longer labels are cut in the drawing (the table beside it keeps them whole), so a label
# never runs off a 320 px screen.
LABEL_MAX = 34
ROW_HEIGHT = 44
# The widest bar takes this share of the width, leaving room for its number.
BAR_MAX_PERCENT = 78


@dataclass(frozen=True)
class Bar:
    label: str
    value: float
    shown: str  # the value as printed beside the bar and in the table
    percent: float  # the bar's width, as a percentage of the drawing's width

    @property
    def short_label(self) -> str:
        if len(self.label) <= LABEL_MAX:
            return self.label
        return self.label[:LABEL_MAX - 1].rstrip() + "…"


@dataclass(frozen=True)
class Chart:
    id: str
    title: str
    summary: str
    label_header: str  # the table's first column ("Month", "Accommodation")
    value_header: str
    bars: tuple[Bar, ...]

    @property
    def height(self) -> int:
        return ROW_HEIGHT * len(self.bars) + 8


def bars(rows: Sequence[tuple[str, float]], shown=lambda value: f"{value:,}") -> tuple[Bar, ...]:
    largest = max((value for _, value in rows), default=0) or 1
    return tuple(Bar(label, value, shown(value), BAR_MAX_PERCENT * value / largest)
                 for label, value in rows)


def plural(count: int, one: str, many: str | None = None) -> str:
    return f"{count:,} {one if count == 1 else (many or one + 's')}"


def received_summary(series: Sequence[tuple[Bucket, int]], period_words: str) -> str:
    total = sum(count for _, count in series)
    if not total:
        return f"No requests were received from {period_words}."
    words = [f"{plural(total, 'request')} received from {period_words}."]
    if len(series) > 1:
        (first, start), (last, end) = series[0], series[-1]
        if end > start:
            words.append(f"Requests rose from {start:,} in {first.phrase} to {end:,} in "
                         f"{last.phrase}.")
        elif end < start:
            words.append(f"Requests fell from {start:,} in {first.phrase} to {end:,} in "
                         f"{last.phrase}.")
        else:
            words.append(f"There were {start:,} in both {first.phrase} and "
                         f"{last.phrase}.")
        busiest, most = max(series, key=lambda pair: pair[1])
        words.append(f"The busiest was {busiest.phrase}, with {plural(most, 'request')}.")
    return " ".join(words)


def ranking_summary(rows: Sequence[tuple[str, int]], noun: str, empty: str) -> str:
    """"Sign language interpretation was the most asked for (12), then …"."""
    rows = [row for row in rows if row[1]]
    if not rows:
        return empty
    (top, count), rest = rows[0], rows[1:3]
    words = f"{top} came first, with {plural(count, noun)}"
    if rest:
        words += ", then " + " and ".join(f"{name} ({n:,})" for name, n in rest)
    return words + "."


def share(part: int, whole: int) -> str:
    return f"{round(100 * part / whole)}%" if whole else "–"
