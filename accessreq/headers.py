"""Security headers on every response, decided in one place.

Every response gets a strict Content-Security-Policy (no inline script or style anywhere),
nosniff, a frame ban, ``Referrer-Policy: same-origin`` and, over HTTPS, HSTS. Every response is
``Cache-Control: no-store`` except the few public pages listed in ``CACHEABLE_ENDPOINTS`` and the
static files, and even those are ``no-store`` for a signed-in person.

``same-origin`` rather than ``no-referrer``: over HTTPS, Flask-WTF's CSRF check needs a
same-origin Referer on every POST, and ``same-origin`` sends none to any other site, so the
private token in a status page's URL never leaves the service.
"""

from __future__ import annotations

from flask import Flask, Response, request
from flask_login import current_user

CSP = ("default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
       "form-action 'self'; frame-ancestors 'none'; base-uri 'none'; object-src 'none'")

# The HTML of a caught email, shown framed in the admin caught-message page. Its styles are
# inline (that is how email is written), so this one response allows inline styles, and
# nothing else: no script, no request anywhere, sandboxed even when opened on its own, and
# framed only by our own pages.
EMAIL_FRAME_CSP = ("default-src 'none'; style-src 'unsafe-inline'; img-src data:; "
                   "form-action 'none'; frame-ancestors 'self'; base-uri 'none'; sandbox")

# Endpoints whose policy differs from CSP above (and that may be framed by our own pages).
ENDPOINT_CSP = {"mail_admin.caught_message_html": EMAIL_FRAME_CSP}

# Public pages with no personal data and no form; everything else is no-store.
CACHEABLE_ENDPOINTS = frozenset({"events.index", "events.detail", "pages.accessibility"})

HSTS = "max-age=31536000; includeSubDomains"


def is_cacheable(response: Response) -> bool:
    """May a browser or proxy keep a copy of this response?"""
    if request.endpoint == "static":
        return True  # the stylesheet and script: the same for everyone
    if request.endpoint not in CACHEABLE_ENDPOINTS or response.status_code != 200:
        return False
    return not current_user.is_authenticated


def add_security_headers(response: Response) -> Response:
    policy = ENDPOINT_CSP.get(request.endpoint or "")
    headers = response.headers
    headers["Content-Security-Policy"] = policy or CSP
    headers["X-Frame-Options"] = "SAMEORIGIN" if policy else "DENY"
    headers["X-Content-Type-Options"] = "nosniff"
    headers["Referrer-Policy"] = "same-origin"
    if request.is_secure:
        headers["Strict-Transport-Security"] = HSTS
    if not is_cacheable(response):
        headers["Cache-Control"] = "no-store"
        headers.pop("Expires", None)
    return response


def register(app: Flask) -> None:
    app.after_request(add_security_headers)
