"""The rate limit every public form shares: it slows scripted spam without a CAPTCHA."""

from __future__ import annotations

import time

from flask import current_app
from flask_babel import gettext as _
from flask_babel import ngettext

from .extensions import limiter


def _public_form_limit() -> str:
    return current_app.config["PUBLIC_FORM_RATE_LIMIT"]


def _was_accepted(response) -> bool:
    """Only count posts that changed something: a person fixing mistakes is never locked out."""
    return response.status_code == 303


# Applied to each public POST view; each view keeps its own count per client address.
public_post_limit = limiter.limit(_public_form_limit, methods=["POST"], deduct_when=_was_accepted)


def wait_words(now: float | None = None) -> str:
    """How long until the limit that refused this request lets the person try again, as a
    person would say it: 'about 12 minutes', 'about a minute', 'about an hour', 'about 2 hours'. Computed from
    the limiter's window for this client."""
    current = limiter.current_limit
    if current is None:
        # Translators: this and the "about …" phrases complete "you can try again in …".
        return _("a few minutes")
    seconds = max(current.reset_at - (now if now is not None else time.time()), 0)
    minutes = max(round(seconds / 60), 1)
    if minutes == 1:
        return _("about a minute")
    if minutes < 60:
        return ngettext("about %(num)d minute", "about %(num)d minutes", minutes)
    if minutes < 90:
        return _("about an hour")
    return ngettext("about %(num)d hour", "about %(num)d hours", round(minutes / 60))
