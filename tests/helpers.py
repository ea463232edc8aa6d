"""Plain test helpers (no fixtures), imported as `from helpers import ...`: pytest puts tests/ on
sys.path because tests/ is not a package. Fixtures live in conftest.py."""

from __future__ import annotations

import os
import socket
import threading
from contextlib import contextmanager
from dataclasses import dataclass, field
from email import message_from_bytes, policy
from email.message import EmailMessage

from aiosmtpd.controller import Controller
from flask import g, has_app_context
from sqlalchemy import event

from accessreq.auth.models import StaffUser
from accessreq.extensions import db
from accessreq.timeutil import utcnow

TEST_PASSWORD = "correct horse battery staple"


def base_config(database_url: str, tmp_path) -> dict:
    return {
        "TESTING": True,
        "SECRET_KEY": "test-secret-key-of-at-least-32-bytes-0123456789",
        "SQLALCHEMY_DATABASE_URI": database_url,
        "WTF_CSRF_ENABLED": False,
        "BASE_URL": "http://accessreq.test",
        "STAFF_INBOX": "access-team@example.org",
        "MAIL_DEFAULT_SENDER": "Access team <access@example.org>",
        "MAIL_CATCHER_DIR": str(tmp_path / "caught-mail"),
        "OUTBOX_BACKOFF_SECONDS": 30,
        # Limits are tested on their own (test_rate_limits.py); elsewhere they would only
        # make many quick submissions from one test client flaky.
        "RATELIMIT_ENABLED": False,
        # The request form's minimum fill time is off: tests post it straight away through the
        # test client. tests/test_spam_defences.py turns it on; so does the browser live server.
        "PUBLIC_FORM_MIN_SECONDS": 0,
        # scrypt with production cost takes a third of a second; tests hash hundreds of times.
        "PASSWORD_HASH_METHOD": "scrypt:1024:8:1",
    }


def staff_session(user: StaffUser) -> dict:
    """The session keys sign-in writes, for tests that plant a signed-in session directly:
    Flask-Login's versioned id and the sign-in and last-request times (auth/sessions.py)."""
    now = int(utcnow().timestamp())
    return {"_user_id": user.get_id(), "_fresh": True, "signed_in_at": now, "last_seen_at": now}


def sign_in(client, user: StaffUser):
    """Sign `user` in on `client` by planting the session sign-in writes. Tests of sign-in itself
    post the real form instead (the `login` fixture)."""
    if has_app_context():
        # Flask-Login caches the user in `g`, which test-client requests share with the test's
        # open app context: forget it, so the next request loads the planted user.
        g.pop("_login_user", None)
    with client.session_transaction() as session:
        session.update(staff_session(user))
    return client


# --- a real SMTP server -------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class SMTPServer:
    """aiosmtpd on a free port, collecting what it receives; can be stopped and restarted."""

    host: str = "127.0.0.1"
    port: int = field(default_factory=free_port)
    messages: list[EmailMessage] = field(default_factory=list)
    # Offers SMTPUTF8 (RFC 6531), so addresses like zoë@exämple.org can be delivered; a
    # test turns it off to see the outbox fail such a message visibly.
    smtputf8: bool = True
    controller: Controller | None = None
    _lock: threading.Lock = field(default_factory=threading.Lock)

    async def handle_DATA(self, server, session, envelope):  # noqa: N802
        message = message_from_bytes(envelope.original_content or envelope.content,
                                     policy=policy.default)
        with self._lock:
            self.messages.append(message)
        return "250 OK"

    def start(self) -> None:
        self.controller = Controller(self, hostname=self.host, port=self.port,
                                     enable_SMTPUTF8=self.smtputf8)
        self.controller.start()

    def stop(self) -> None:
        if self.controller is not None:
            self.controller.stop()
            self.controller = None

    def to(self, address: str) -> list[EmailMessage]:
        return [m for m in self.messages if address in str(m["To"])]


def text_body(message: EmailMessage) -> str:
    return message.get_body(("plain",)).get_content()


@contextmanager
def count_statements():
    """Collect the SQL statements run inside the block (for N+1 checks)."""
    statements: list[str] = []

    def record(conn, cursor, statement, parameters, context, executemany):
        statements.append(statement)

    event.listen(db.engine, "before_cursor_execute", record)
    try:
        yield statements
    finally:
        event.remove(db.engine, "before_cursor_execute", record)


# The Redis the rate-limit tests and the production lane share (each with its own key prefix).
REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/15")


def redis_available() -> bool:
    try:
        import redis

        redis.Redis.from_url(REDIS_URL, socket_connect_timeout=1).ping()
        return True
    except Exception:
        return False


def cover_everything(access_request, how: str = "In place (test)") -> None:
    """Note every accommodation of the request as met without a booking, so “Arranged” may be
    set (issue 12: it is refused while anything is uncovered)."""
    from accessreq.extensions import db

    for item in access_request.items:
        item.met_by = how
    db.session.commit()


def reason_for(status):
    """The main reason a move to ``status`` needs (Partially arranged, Unable to arrange: the
    reports count it), for set-ups that move requests; None for any other status."""
    from accessreq.requests.outcomes import ShortfallReason
    from accessreq.requests.states import SHORTFALL_STATUSES

    return ShortfallReason.OTHER if status in SHORTFALL_STATUSES else None


def ready_to_close(access_request) -> None:
    """Move the request's event into the past and record every accommodation as delivered, so
    “Closed” may be set (issue 12: closing needs every outcome, after the event). Set-up only:
    the outcomes service and its rules are tested in test_outcomes.py."""
    from datetime import timedelta

    from accessreq.extensions import db
    from accessreq.requests.outcomes import ItemOutcome
    from accessreq.timeutil import utcnow

    event = access_request.event
    event.starts_at = utcnow() - timedelta(days=1, hours=2)
    event.ends_at = utcnow() - timedelta(days=1)
    for item in access_request.items:
        item.outcome = ItemOutcome.DELIVERED
    db.session.commit()


def bearer(token: str, **extra) -> dict:
    """Headers of an API call made with ``token`` (tests/api, the production lane)."""
    return {"Authorization": f"Bearer {token}", **extra}
