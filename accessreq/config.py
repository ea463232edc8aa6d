"""Configuration read from the environment, with safe defaults for local use."""

from __future__ import annotations

import os
from pathlib import Path

INSTANCE_DIR = Path(__file__).resolve().parent.parent / "instance"


def _bool(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def _int(name: str, default: int) -> int:
    value = os.environ.get(name)
    return int(value) if value else default


DEFAULT_SECRET_KEY = "dev-only-insecure-key"


def from_environment() -> dict:
    """Every setting the app reads, documented in the README's configuration table."""
    return {
        "SECRET_KEY": os.environ.get("SECRET_KEY", DEFAULT_SECRET_KEY),
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
        # Where notices of new requests and attendee messages go.
        "STAFF_INBOX": os.environ.get("STAFF_INBOX", "access-team@example.org"),
        # Absolute links in emails are built from this, never from the request's Host header.
        "BASE_URL": os.environ.get("BASE_URL", "http://127.0.0.1:5000").rstrip("/"),
        "SITE_NAME": os.environ.get("SITE_NAME", "accessreq"),
        "INSTITUTION_NAME": os.environ.get("INSTITUTION_NAME", "Example Institute"),
        # Directory the local mail catcher writes to; the admin mail view reads it.
        "MAIL_CATCHER_DIR": os.environ.get("MAIL_CATCHER_DIR"),
        # Days after an event ends before personal and access details are deleted.
        "RETENTION_DAYS": _int("RETENTION_DAYS", 90),
        "OUTBOX_MAX_ATTEMPTS": _int("OUTBOX_MAX_ATTEMPTS", 8),
        "OUTBOX_BACKOFF_SECONDS": _int("OUTBOX_BACKOFF_SECONDS", 30),
        # A row claimed by a sender that has not finished after this long is claimed again.
        "OUTBOX_CLAIM_TIMEOUT_SECONDS": _int("OUTBOX_CLAIM_TIMEOUT_SECONDS", 300),
        "LOGIN_MAX_FAILURES": _int("LOGIN_MAX_FAILURES", 5),
        "LOGIN_LOCKOUT_MINUTES": _int("LOGIN_LOCKOUT_MINUTES", 15),
        "QUEUE_PAGE_SIZE": _int("QUEUE_PAGE_SIZE", 25),
        # hide_parameters: bound values (names, emails, messages) never appear in exception
        # text, so never in a log.
        "SQLALCHEMY_ENGINE_OPTIONS": {"pool_pre_ping": True, "hide_parameters": True},
        # Rate-limit counters: memory:// for one process, redis://host:6379 for several.
        "RATELIMIT_STORAGE_URI": os.environ.get("RATELIMIT_STORAGE_URI", "memory://"),
        "RATELIMIT_ENABLED": _bool("RATELIMIT_ENABLED", True),
        "RATELIMIT_HEADERS_ENABLED": True,
        "PUBLIC_FORM_RATE_LIMIT": os.environ.get("PUBLIC_FORM_RATE_LIMIT", "20 per hour"),
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
        # Half-filled forms must not expire under a person who types slowly.
        "WTF_CSRF_TIME_LIMIT": None,
        "MAX_CONTENT_LENGTH": 1024 * 1024,
    }
