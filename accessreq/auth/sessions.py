"""How long a staff session lives, and how it ends.

A session ends on the server, not only in the browser:

- **Versions.** The id in the cookie names the account's ``session_version``; signing out,
  changing a password, deactivating or reactivating raises it, so every older cookie is refused
  (auth/loader.py).
- **Idle and absolute limits.** Sign-in writes its time into the (signed) session; every
  request of a signed-in person checks it and the time of their last request against
  ``SESSION_IDLE_MINUTES`` and ``SESSION_MAX_HOURS``. Past either, the session is cleared and
  the person is sent to sign in, with the reason, and ``next`` kept.
- **Nothing typed is lost.** Staff pages warn before the idle end (static/site.js, with a
  "Stay signed in" button posting to ``extend_session``). Without the script, a form posted
  after the end gets the sign-in page with the posted text shown back to copy; it is never kept
  in the cookie.
- **The cookie.** It is a browser-session cookie (no Expires), and Flask refuses any cookie
  whose signature is older than ``SESSION_MAX_HOURS`` (``PERMANENT_SESSION_LIFETIME`` is what
  Flask checks it against, for permanent sessions or not; it was Flask's 31-day default).
  With ``SESSION_COOKIE_SECURE`` the cookie is named ``__Host-session``, so it can only be set
  over HTTPS, by this host, for the whole site.
"""

from __future__ import annotations

from datetime import timedelta
from urllib.parse import urlsplit

from flask import (current_app, flash, g, has_request_context, jsonify, redirect,
                   render_template, request, session, url_for)
from flask_login import current_user, login_required, login_user, logout_user
from flask_login.utils import login_url
from werkzeug.exceptions import HTTPException

from ..extensions import login_manager
from ..timeutil import utcnow
from .views import bp, safe_next

SIGNED_IN_AT = "signed_in_at"
LAST_SEEN_AT = "last_seen_at"
# Posted fields never shown back after a session ended: secrets, form machinery and choices
# (the last part of the name: staff action forms prefix theirs, as in "compose-body").
NOT_KEPT = {"csrf_token", "password", "confirm", "username", "version", "next", "status",
            "assignee", "team", "role", "active", "mode", "action"}
# Names for the texts of the staff action forms; others are named after their field.
KEPT_LABELS = {"compose-body": "Your reply or internal note",
               "move-reason": "Reason for moving the request"}


@bp.record_once
def _configure_cookie(state) -> None:
    """Derive the cookie settings from the session limits, after any test configuration."""
    config = state.app.config
    config["PERMANENT_SESSION_LIFETIME"] = timedelta(hours=config["SESSION_MAX_HOURS"])
    if config["SESSION_COOKIE_SECURE"] and config.get("SESSION_COOKIE_NAME") == "session":
        # The __Host- prefix: browsers accept it only with Secure, Path=/ and no Domain.
        config["SESSION_COOKIE_NAME"] = "__Host-session"
        config["SESSION_COOKIE_PATH"] = "/"
        config["SESSION_COOKIE_DOMAIN"] = None
    # Flask-Login's remember-me cookie is never issued (login_user without remember=True, and
    # the loader refuses sessions sign-in did not start); harden it all the same.
    config.setdefault("REMEMBER_COOKIE_SECURE", config["SESSION_COOKIE_SECURE"])
    config.setdefault("REMEMBER_COOKIE_SAMESITE", "Lax")
    config.setdefault("REMEMBER_COOKIE_DURATION", timedelta(hours=config["SESSION_MAX_HOURS"]))


def _now() -> int:
    return int(utcnow().timestamp())


def _idle_seconds() -> int:
    return current_app.config["SESSION_IDLE_MINUTES"] * 60


def _max_seconds() -> int:
    return current_app.config["SESSION_MAX_HOURS"] * 3600


def start_session(user) -> None:
    """A fresh session for the signed-in person, so no earlier session id can be reused."""
    session.clear()
    login_user(user)
    session[SIGNED_IN_AT] = session[LAST_SEEN_AT] = _now()


def end_session() -> None:
    logout_user()
    session.clear()


def seconds_left(now: int | None = None) -> int:
    """Until the session ends if nothing more happens: the idle or the absolute limit."""
    now = _now() if now is None else now
    idle_end = session.get(LAST_SEEN_AT, 0) + _idle_seconds()
    absolute_end = session.get(SIGNED_IN_AT, 0) + _max_seconds()
    return max(0, min(idle_end, absolute_end) - now)


def ended_message(reason: str) -> str:
    if reason == "idle":
        minutes = current_app.config["SESSION_IDLE_MINUTES"]
        return (f"You were signed out after {minutes} minute{'s' if minutes != 1 else ''} "
                "without activity. Sign in again to go on.")
    if reason == "absolute":
        hours = current_app.config["SESSION_MAX_HOURS"]
        return (f"You were signed out because you had been signed in for {hours} "
                f"hour{'s' if hours != 1 else ''}. Sign in again to go on.")
    return ("You were signed out: you signed out or changed your password elsewhere, or an "
            "admin changed your account. Sign in again to go on.")


@bp.before_app_request
def enforce_session_limits():
    """Runs after the CSRF check (registered first), so a form posted just after the limit
    still passes it and its text can be shown back."""
    if "_user_id" not in session or request.endpoint == "static":
        return
    now = _now()
    signed_in, last_seen = session.get(SIGNED_IN_AT), session.get(LAST_SEEN_AT)
    if not isinstance(signed_in, int) or not isinstance(last_seen, int):
        reason = "revoked"  # not started by sign-in
    elif now - signed_in >= _max_seconds():
        reason = "absolute"
    elif now - last_seen >= _idle_seconds():
        reason = "idle"
    else:
        if last_seen != now:
            session[LAST_SEEN_AT] = now
        return
    end_session()
    g.session_ended = reason


def _kept_fields() -> list[tuple[str, str]]:
    """The text of a form posted after the session ended, to show back (never stored)."""
    kept = []
    for name, value in request.form.items(multi=True):
        if name.rsplit("-", 1)[-1] in NOT_KEPT or not value.strip() or value.strip().isdigit():
            continue
        label = KEPT_LABELS.get(name) or name.rsplit("-", 1)[-1].replace("_", " ").capitalize()
        kept.append((label, value))
    return kept


def _next_for_post() -> str | None:
    """Where to go back after signing in: the posted URL if it is a page, else the page the
    form was on (same site only)."""
    candidates = [request.path]
    referrer = urlsplit(request.referrer or "")
    if referrer.netloc == request.host:
        candidates.append(referrer.path + (f"?{referrer.query}" if referrer.query else ""))
    # An action's URL is its page's plus a verb (/staff/requests/7/reply), and no referrer
    # comes with Referrer-Policy: no-referrer.
    candidates.append(request.path.rstrip("/").rsplit("/", 1)[0] or "/")
    adapter = current_app.url_map.bind("")
    for candidate in candidates:
        path = safe_next(candidate)
        if not path:
            continue
        try:
            adapter.match(urlsplit(path).path, method="GET")
        except HTTPException:
            continue
        return path
    return None


def _wants_json() -> bool:
    return request.accept_mimetypes.best == "application/json"  # the warning's fetch


@login_manager.unauthorized_handler
def unauthorized():
    """Sign-in is needed: say why when a session has just ended, and keep what was posted."""
    reason = g.get("session_ended")
    if _wants_json():
        return jsonify(signed_in=False, message=ended_message(reason or "revoked")), 401
    if request.method == "POST" and reason:
        from .forms import LoginForm

        next_url = _next_for_post()
        return render_template("auth/login.html", form=LoginForm(formdata=None),
                               next_url=next_url, ended=ended_message(reason),
                               kept=_kept_fields()), 401
    flash(ended_message(reason) if reason else login_manager.login_message,
          login_manager.login_message_category)
    return redirect(login_url(login_manager.login_view, request.url))


@bp.post("/session/extend")
@login_required
def extend_session():
    """The warning's "Stay signed in" button (fetch, with the CSRF token in a header). The
    request itself renewed the idle time (enforce_session_limits)."""
    left = seconds_left()
    if _wants_json():
        return jsonify(signed_in=True, seconds_left=left)
    flash("You are still signed in.", "success")
    return redirect(_next_for_post() or url_for("triage.queue"))


def template_values() -> dict:
    """What every page needs to warn before the session ends (see templates/base.html)."""
    if not has_request_context() or not getattr(current_user, "is_authenticated", False):
        return {}  # emails are rendered outside requests too
    return {"session_idle_minutes": current_app.config["SESSION_IDLE_MINUTES"],
            "session_seconds_left": seconds_left(),
            "session_warn_seconds": current_app.config["SESSION_WARN_SECONDS"]}


@bp.app_context_processor
def _session_context() -> dict:
    return template_values()
