"""Words for the queue's rows and its filter summary: how far off a due date is, what was asked
for in short, and which filters are on. How urgent a request is stays with
``AccessRequest.due_tag``, shown for open requests; these words are for the others."""

from __future__ import annotations

from collections.abc import Iterable

from wtforms import Form

from ..events.leadtime import day_count
from . import queries

ASKED_FOR_CHARS = 32  # a second accommodation name is shown only if both fit in this


def due_in_words(days: int) -> str:
    """'Today', 'In 3 days', '2 days ago' for a due day ``days`` away
    (``AccessRequest.days_left``: calendar days in the event's timezone). Shown under the
    heading "Due" (and beside the label "Due" on narrow screens)."""
    if days == 0:
        return "Today"
    if days == 1:
        return "Tomorrow"
    if days == -1:
        return "Yesterday"
    if days > 0:
        return f"In {day_count(days)}"
    return f"{day_count(-days)} ago"


def asked_for(names: Iterable[str]) -> tuple[str, int]:
    """What was asked for in short, and how many more things: the first name, and the second
    too when both are short ("BSL interpreter, Captions" with 1 more)."""
    names = list(names)
    if not names:
        return "", 0
    shown = names[:2] if len(", ".join(names[:2])) <= ASKED_FOR_CHARS else names[:1]
    return ", ".join(shown), len(names) - len(shown)


def _chosen_label(field) -> str | None:
    """The label of a select's chosen option (None when nothing is chosen)."""
    chosen = str(field.data or "")
    return next((c.label for c in field.choices if c.value and c.value == chosen), None)


def active_filters(filters: queries.QueueFilters, form: Form) -> list[str]:
    """The filters narrowing the list, in words, for the collapsed "Filter and sort" summary."""
    words = []
    if filters.waiting:
        words.append("waiting for us")
    if filters.needs_outcome:
        words.append("needs an outcome")
    for name, what in (("event", "event"), ("type", "accommodation"),
                       ("assignee", "assigned to")):
        label = _chosen_label(getattr(form, name))
        if label:
            words.append(f"{what}: {label}")
    if filters.q:
        words.append(f"search: “{filters.q}”")
    if filters.sort == queries.SORT_NEWEST:
        words.append("newest first")
    return words
