"""Lead times in words: the one place that says how much notice an accommodation needs.

``notice`` and ``day_count`` are template filters (accessreq/templating.py); Python callers
import the functions.
"""

from __future__ import annotations


def day_count(days: int) -> str:
    """'1 day', '7 days'."""
    return "1 day" if days == 1 else f"{days} days"


def notice_words(days: int) -> str:
    """For attendees, as a person would say it: 'usually needs 2 weeks' notice'."""
    if days <= 0:
        return "can usually be arranged at short notice"
    if days % 7 == 0:
        weeks = days // 7
        return "usually needs 1 week's notice" if weeks == 1 else \
            f"usually needs {weeks} weeks' notice"
    return "usually needs 1 day's notice" if days == 1 else f"usually needs {days} days' notice"


def notice_needed(days: int) -> str:
    """For admins choosing an event's accommodations: 'no notice needed', '14 days’ notice'."""
    if days <= 0:
        return "no notice needed"
    return f"{day_count(days)}’s notice" if days == 1 else f"{day_count(days)}’ notice"

