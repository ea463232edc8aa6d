"""Configuration read from the environment, with safe defaults for local use."""

from __future__ import annotations

import os
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import click

INSTANCE_DIR = Path(__file__).resolve().parent.parent / "instance"


def mail_catcher_dir(configured: str | os.PathLike | None = None) -> Path:
    """The folder the local mail catcher writes and the admin mail view reads: MAIL_CATCHER_DIR,
    or ``instance/mail``. The one place this default is decided (config, ``make run``, the
    ``mailcatcher`` command and the admin page all come here)."""
    return Path(configured) if configured else INSTANCE_DIR / "mail"


def _bool(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def _int(name: str, default: int) -> int:
    value = os.environ.get(name)
    return int(value) if value else default


def _hour(name: str, default: int) -> int | str:
    """A whole hour: "7", "07" or "07:00". Anything else is kept as written, for the command
    that uses it to refuse in one line (the web app need not stop for it)."""
    value = (os.environ.get(name) or "").strip()
    if not value:
        return default
    hour, _, minutes = value.partition(":")
    if hour.isdigit() and minutes in ("", "00"):
        return int(hour)
    return value


DEFAULT_SECRET_KEY = "dev-only-insecure-key"
# Seconds a person takes at least to fill the request form; quicker posts are scripts.
DEFAULT_FORM_MIN_SECONDS = 3
# Values people copy without changing: the default and the placeholder shipped in
# deploy/accessreq.env.example. Anyone who has read this code could forge sessions with them.
KNOWN_PLACEHOLDER_KEYS = frozenset({
    DEFAULT_SECRET_KEY,
    "change-me-to-the-output-of-python3--c-import-secrets;print(secrets.token_urlsafe(48))",
})
MIN_SECRET_KEY_BYTES = 32
NEW_KEY_COMMAND = 'python3 -c "import secrets; print(secrets.token_urlsafe(48))"'


DEVELOPMENT_SETUP = ("in a development checkout, run `make .env` once (it writes a development "
                     "key and FLASK_DEBUG=1 to the git-ignored .env, which the flask command "
                     "reads)")


class UnsafeConfiguration(click.ClickException, RuntimeError):
    """The app refuses to start with these settings. A ClickException, so the ``flask``
    command prints the one-line reason as "Error: …" and exits 1, without a traceback;
    anywhere else (gunicorn) it is an ordinary RuntimeError."""


def is_time_zone(name) -> bool:
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError, TypeError):
        return False
    return True


def unsafe_configuration(settings, *, debug: bool, testing: bool) -> str | None:
    """Why the app must not start with these settings, or None when it may.

    Debug mode is for development only: it is refused with secure cookies (a production
    setting), and it is the only way, besides tests, to run with a known or short key. A
    TIMEZONE that names no time zone is refused everywhere (every page that counts days or
    hours would fail).
    """
    if not is_time_zone(settings.get("TIMEZONE")):
        return (f"TIMEZONE is {settings.get('TIMEZONE')!r}, which is not a time zone: set it to "
                "a name such as Europe/London (the institution's own zone).")
    if debug and settings.get("SESSION_COOKIE_SECURE"):
        return ("FLASK_DEBUG is on, but SESSION_COOKIE_SECURE is set as in production. Debug "
                "mode is for development only (it shows tracebacks and allows the development "
                "SECRET_KEY): unset FLASK_DEBUG in production.")
    if debug or testing:
        return None
    key = settings.get("SECRET_KEY") or ""
    if key == DEFAULT_SECRET_KEY and not os.environ.get("SECRET_KEY"):
        return ("No SECRET_KEY is set, and debug mode is off. Set SECRET_KEY to a long random "
                f"value of your own (make one with: {NEW_KEY_COMMAND}), or, "
                f"{DEVELOPMENT_SETUP}.")
    if isinstance(key, str):
        known = key in KNOWN_PLACEHOLDER_KEYS or key.strip().lower().startswith("change-me")
        size = len(key.encode("utf-8"))
    else:
        known, size = False, len(key)
    if known:
        return ("Set SECRET_KEY to a long random value of your own: the one set is the "
                "development default or the placeholder from deploy/accessreq.env.example, which "
                f"anyone can read. Make one with: {NEW_KEY_COMMAND} (for development only: "
                f"{DEVELOPMENT_SETUP}).")
    if size < MIN_SECRET_KEY_BYTES:
        return (f"Set SECRET_KEY to a long random value: the one set has {size} bytes, and at "
                f"least {MIN_SECRET_KEY_BYTES} are needed. Make one with: {NEW_KEY_COMMAND}")
    return None


def from_environment() -> dict:
    """Every setting the app reads, documented in the README's configuration table."""
    return {
        "SECRET_KEY": os.environ.get("SECRET_KEY", DEFAULT_SECRET_KEY),
        # Earlier keys, comma-separated, still accepted after a rotation: they open sessions
        # and outbox content sealed before it (new content always uses SECRET_KEY).
        "SECRET_KEY_FALLBACKS": [key.strip() for key in
                                 os.environ.get("SECRET_KEY_FALLBACKS", "").split(",")
                                 if key.strip()],
        "SQLALCHEMY_DATABASE_URI": os.environ.get(
            "DATABASE_URL", f"sqlite:///{INSTANCE_DIR / 'accessreq.sqlite3'}"
        ),
        "MAIL_SERVER": os.environ.get("MAIL_SERVER", "127.0.0.1"),
        "MAIL_PORT": _int("MAIL_PORT", 1025),
        "MAIL_USE_TLS": _bool("MAIL_USE_TLS"),
        "MAIL_USE_SSL": _bool("MAIL_USE_SSL"),
        "MAIL_USERNAME": os.environ.get("MAIL_USERNAME"),
        "MAIL_PASSWORD": os.environ.get("MAIL_PASSWORD"),
        "MAIL_DEFAULT_SENDER": os.environ.get(
            "MAIL_DEFAULT_SENDER", "Access team <access@example.org>"
        ),
        # The access address attendees reply to ("" = MAIL_DEFAULT_SENDER's address), and
        # whether the mail host delivers access+anything@ to it (then each request's mail gets
        # its own signed reply address, access+<token>@…).
        "INBOUND_REPLY_ADDRESS": os.environ.get("INBOUND_REPLY_ADDRESS", ""),
        "INBOUND_PLUS_ADDRESSING": _bool("INBOUND_PLUS_ADDRESSING"),
        # Files attached to incoming email: the largest kept (bytes) and the types kept, comma-
        # separated ("" = the default list in inbound/attachments.py); others are dropped.
        "INBOUND_ATTACHMENT_MAX_BYTES": _int("INBOUND_ATTACHMENT_MAX_BYTES", 10 * 1024 * 1024),
        "INBOUND_ATTACHMENT_TYPES": os.environ.get("INBOUND_ATTACHMENT_TYPES", ""),
        # The currency of bookings' costs (an ISO 4217 code, shown beside the amounts).
        "CURRENCY": os.environ.get("CURRENCY", "GBP"),
        # Where notices of new requests and attendee messages go.
        "STAFF_INBOX": os.environ.get("STAFF_INBOX", "access-team@example.org"),
        # Absolute links in emails are built from this, never from the request's Host header.
        "BASE_URL": os.environ.get("BASE_URL", "http://127.0.0.1:5000").rstrip("/"),
        "SITE_NAME": os.environ.get("SITE_NAME", "accessreq"),
        "INSTITUTION_NAME": os.environ.get("INSTITUTION_NAME", "Example Institute"),
        # Directory the local mail catcher writes to; the admin mail view reads it.
        "MAIL_CATCHER_DIR": str(mail_catcher_dir(os.environ.get("MAIL_CATCHER_DIR"))),
        # Days after an event ends before personal and access details are deleted.
        "RETENTION_DAYS": _int("RETENTION_DAYS", 90),
        # Days after it was sent before an accessibility report that was never resolved is
        # deleted (resolved ones go RETENTION_DAYS after they were resolved).
        "REPORT_RETENTION_DAYS": _int("REPORT_RETENTION_DAYS", 365),
        "OUTBOX_MAX_ATTEMPTS": _int("OUTBOX_MAX_ATTEMPTS", 8),
        "OUTBOX_BACKOFF_SECONDS": _int("OUTBOX_BACKOFF_SECONDS", 30),
        # A row claimed by a sender that has not finished after this long is claimed again.
        "OUTBOX_CLAIM_TIMEOUT_SECONDS": _int("OUTBOX_CLAIM_TIMEOUT_SECONDS", 300),
        # How long the sender waits for any answer from the SMTP server before it gives up on
        # the connection (the unsent messages are retried with backoff).
        "OUTBOX_SMTP_TIMEOUT_SECONDS": _int("OUTBOX_SMTP_TIMEOUT_SECONDS", 30),
        # Webhooks (accessreq/webhooks): tries before a delivery is dead, the first retry's
        # wait in seconds (doubling each time), the wait for an answer, and whether endpoints
        # may be on loopback or private addresses (local integrations and tests only).
        "WEBHOOK_MAX_ATTEMPTS": _int("WEBHOOK_MAX_ATTEMPTS", 8),
        "WEBHOOK_BACKOFF_SECONDS": _int("WEBHOOK_BACKOFF_SECONDS", 30),
        "WEBHOOK_TIMEOUT_SECONDS": _int("WEBHOOK_TIMEOUT_SECONDS", 10),
        "WEBHOOKS_ALLOW_PRIVATE_TARGETS": _bool("WEBHOOKS_ALLOW_PRIVATE_TARGETS"),
        # The access mailbox `flask mail fetch` reads (inbound/fetcher.py); unset: no fetching.
        "IMAP_HOST": os.environ.get("IMAP_HOST") or None,
        "IMAP_PORT": _int("IMAP_PORT", 0) or None,  # None: 993 with ssl, 143 otherwise
        "IMAP_USERNAME": os.environ.get("IMAP_USERNAME") or None,
        "IMAP_PASSWORD": os.environ.get("IMAP_PASSWORD") or None,
        "IMAP_FOLDER": os.environ.get("IMAP_FOLDER") or "INBOX",
        # ssl (TLS from the first byte), starttls, or none (only for a server on this machine).
        "IMAP_SECURITY": (os.environ.get("IMAP_SECURITY") or "ssl").strip().lower(),
        # Stored messages are moved here; unset, they are flagged ($AccessreqStored) instead.
        "IMAP_PROCESSED_FOLDER": os.environ.get("IMAP_PROCESSED_FOLDER") or None,
        # Seconds a fetcher's hold on the mailbox lasts unless renewed (before every batch and
        # every move); a killed fetcher's hold runs out after this and the next one takes over.
        "IMAP_LEASE_SECONDS": _int("IMAP_LEASE_SECONDS", 120),
        "LOGIN_MAX_FAILURES": _int("LOGIN_MAX_FAILURES", 5),
        "LOGIN_LOCKOUT_MINUTES": _int("LOGIN_LOCKOUT_MINUTES", 15),
        "QUEUE_PAGE_SIZE": _int("QUEUE_PAGE_SIZE", 25),
        # The institution's own time zone: new events start in it, the reports count days in
        # it, and the daily digest goes by its clock and its calendar day.
        "TIMEZONE": os.environ.get("TIMEZONE") or "Europe/London",
        # The daily digest (triage/digest.py): `flask digest send` sends nothing before this
        # hour (0-23) of the day in TIMEZONE, so a timer may fire hourly or early; the day in
        # that zone is the one each person gets one digest for.
        "DIGEST_HOUR": _hour("DIGEST_HOUR", 7),
        # hide_parameters: bound values (names, emails, messages) never appear in exception
        # text, so never in a log.
        "SQLALCHEMY_ENGINE_OPTIONS": {"pool_pre_ping": True, "hide_parameters": True},
        # Rate-limit counters: memory:// for one process, redis://host:6379 for several.
        "RATELIMIT_STORAGE_URI": os.environ.get("RATELIMIT_STORAGE_URI", "memory://"),
        # Names this installation's counters, for when several share one Redis.
        "RATELIMIT_KEY_PREFIX": os.environ.get("RATELIMIT_KEY_PREFIX", ""),
        "RATELIMIT_ENABLED": _bool("RATELIMIT_ENABLED", True),
        "RATELIMIT_HEADERS_ENABLED": True,
        # Per client address: a shared campus network or a charity asking for its clients
        # sends many real requests from one address.
        "PUBLIC_FORM_RATE_LIMIT": os.environ.get("PUBLIC_FORM_RATE_LIMIT", "60 per hour"),
        # Calls per API client (its token), whatever the address (accessreq/api).
        "API_RATE_LIMIT": os.environ.get("API_RATE_LIMIT", "600 per minute"),
        # A request form sent sooner than this after it was drawn is shown again to be sent
        # again (requests/spam.py); 0 turns the check off.
        "PUBLIC_FORM_MIN_SECONDS": _int("PUBLIC_FORM_MIN_SECONDS", DEFAULT_FORM_MIN_SECONDS),
        "LOGIN_RATE_LIMIT": os.environ.get("LOGIN_RATE_LIMIT", "30 per 15 minutes"),
        # "json" for one JSON object per line on stderr (production); anything else: Flask's default.
        "LOG_FORMAT": os.environ.get("LOG_FORMAT", "text"),
        "LOG_LEVEL": os.environ.get("LOG_LEVEL", "INFO"),
        # How many reverse proxies (nginx, a load balancer) sit in front of the app; their
        # X-Forwarded-For/-Proto are trusted that many hops deep, so rate limits see the
        # person's address and links know HTTPS. 0: nothing is trusted.
        "TRUSTED_PROXIES": _int("TRUSTED_PROXIES", 0),
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "SESSION_COOKIE_SECURE": _bool("SESSION_COOKIE_SECURE"),
        # A staff session ends after this long without a request, and this long after
        # sign-in whatever happens; pages warn SESSION_WARN_SECONDS before the idle end.
        # (auth/sessions.py also derives the cookie's lifetime and name from these.)
        "SESSION_IDLE_MINUTES": _int("SESSION_IDLE_MINUTES", 30),
        "SESSION_MAX_HOURS": _int("SESSION_MAX_HOURS", 12),
        "SESSION_WARN_SECONDS": _int("SESSION_WARN_SECONDS", 120),
        # Half-filled forms must not expire under a person who types slowly.
        "WTF_CSRF_TIME_LIMIT": None,
        "MAX_CONTENT_LENGTH": 1024 * 1024,
    }
