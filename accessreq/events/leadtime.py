"""Lead times in words: the one place that says how much notice an accommodation needs.

``notice`` and ``day_count`` are template filters (accessreq/templating.py); Python callers
import the functions.
"""

from __future__ import annotations

from flask_babel import gettext as _
from flask_babel import ngettext


def day_count(days: int) -> str:
    """'1 day', '7 days'."""
    return ngettext("%(num)d day", "%(num)d days", days)


def notice_words(days: int) -> str:
    """For attendees, as a person would say it: 'usually needs 2 weeks' notice'."""
    if days <= 0:
        # Translators: said of an accommodation ("Sign language interpretation: usually
        # needs 2 weeks' notice"); a page may make the first letter upper case.
        return _("can usually be arranged at short notice")
    if days % 7 == 0:
        return ngettext("usually needs %(num)d week's notice",
                        "usually needs %(num)d weeks' notice", days // 7)
    return ngettext("usually needs %(num)d day's notice",
                    "usually needs %(num)d days' notice", days)


def notice_needed(days: int) -> str:
    """For admins choosing an event's accommodations: 'no notice needed', '14 days’ notice'."""
    if days <= 0:
        return "no notice needed"
    return f"{day_count(days)}’s notice" if days == 1 else f"{day_count(days)}’ notice"

