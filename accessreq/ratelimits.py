"""The rate limit every public form shares: it slows scripted spam without a CAPTCHA."""

from __future__ import annotations

from flask import current_app

from .extensions import limiter


def _public_form_limit() -> str:
    return current_app.config["PUBLIC_FORM_RATE_LIMIT"]


def _was_accepted(response) -> bool:
    """Only count posts that changed something: a person fixing mistakes is never locked out."""
    return response.status_code == 303


# Applied to each public POST view; each view keeps its own count per client address.
public_post_limit = limiter.limit(_public_form_limit, methods=["POST"], deduct_when=_was_accepted)
