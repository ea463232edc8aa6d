"""Spam defences on the public request form that never block a person (no CAPTCHA).

- **A honeypot**: a text box people never see, reach with Tab, or hear (its container is
  hidden by the stylesheet and ``aria-hidden``; the box has ``tabindex="-1"`` and
  ``autocomplete="off"``; its label says to leave it empty). Programs that fill every box fill it.
- **A minimum fill time**: the form carries a signed time it was drawn at (itsdangerous with
  the app's SECRET_KEY, so it cannot be forged or moved back); a post sooner than
  ``PUBLIC_FORM_MIN_SECONDS`` after it is what scripts do, not people.

Neither throws anything away. The form is shown again with every typed value and a plain
message asking the person to check it and send it again; the second post passes, because the
time has passed by then and the hidden box is drawn empty. A script that posts blind stays out.
"""

from __future__ import annotations

import time

from flask import current_app
from flask_babel import gettext as _
from itsdangerous import BadSignature, URLSafeSerializer

from ..translatable import N_

HONEYPOT_FIELD = "website"
STARTED_FIELD = "form_started"
_SALT = "accessreq.request-form-started"

# English here; ``held_back`` gives them in the page's language.
CHECK_AND_SEND_AGAIN = N_("We have not sent your request yet. Please check your answers below, "
                          "then send the form again.")
TOO_QUICK = N_("We have not sent your request yet: the form was sent very quickly after the "
               "page opened, which automated programs do. Please check your answers below, "
               "then send the form again.")


def _serializer() -> URLSafeSerializer:
    config = current_app.config
    # Oldest first, the current key last: itsdangerous signs with the last and accepts all.
    keys = [*config.get("SECRET_KEY_FALLBACKS", []), config["SECRET_KEY"]]
    return URLSafeSerializer(keys, salt=_SALT)


def started_token(event_id: int, at: float | None = None) -> str:
    """The signed moment the form for ``event_id`` was drawn (now, unless ``at`` is given)."""
    return _serializer().dumps({"e": event_id, "t": int(at if at is not None else time.time())})


def seconds_since_started(token: str | None, event_id: int,
                          now: float | None = None) -> float | None:
    """Seconds since the form was drawn; None when the token is missing, forged or for
    another event's form."""
    if not token:
        return None
    try:
        data = _serializer().loads(token)
    except BadSignature:
        return None
    if not isinstance(data, dict) or data.get("e") != event_id or not isinstance(data.get("t"), int):
        return None
    return (now if now is not None else time.time()) - data["t"]


def held_back(form, event_id: int) -> str | None:
    """Why an otherwise valid request form is shown again instead of saved (a message for the
    person), or None to go ahead. Leaves the form ready to be sent again."""
    if form.honeypot_value():
        return _(CHECK_AND_SEND_AGAIN)
    minimum = current_app.config["PUBLIC_FORM_MIN_SECONDS"]
    if minimum <= 0:
        return None
    elapsed = seconds_since_started(form.started_value(), event_id)
    if elapsed is None:
        form.restart_clock(started_token(event_id))  # timed from now on
        return _(TOO_QUICK)
    if elapsed < minimum:
        return _(TOO_QUICK)  # the same start is kept: by the next post it is long enough ago
    return None
