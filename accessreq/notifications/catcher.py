"""A local SMTP server that keeps every message as a file, for development and tests.

``make run`` starts it; admins read what it caught at /admin/email/caught. Given the app and a
``store`` function (``flask mailcatcher`` passes the inbound core's ``store_message``), mail
addressed to the access address (or a ``+`` variant) is also handed to it, as the real mail
server's pipe would: email in works end to end on one machine. "Reply as the attendee" on the
admin pages writes such mail as an attendee's mail program would and sends it here over SMTP.
"""

from __future__ import annotations

import asyncio
import email
import email.policy
import logging
import re
import smtplib
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from email.message import EmailMessage
from email.utils import format_datetime, getaddresses, make_msgid, parseaddr
from pathlib import Path

from aiosmtpd.controller import Controller

from .addresses import is_access_address

log = logging.getLogger(__name__)

# The file names _SaveToFolder writes: nanosecond time, a dash, 8 hex digits.
_CAUGHT_ID = re.compile(r"[0-9]{10,25}-[0-9a-f]{8}")


class _SaveToFolder:
    def __init__(self, folder: Path, app=None, store: Callable[[bytes], object] | None = None
                 ) -> None:
        self.folder = folder
        self.app = app
        self.store = store

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 (aiosmtpd's name)
        raw = envelope.original_content or envelope.content
        if self.app is not None and self.store is not None:
            # The database work runs beside the SMTP loop, which keeps answering meanwhile.
            refused = await asyncio.get_running_loop().run_in_executor(
                None, self._store_inbound, raw, list(envelope.rcpt_tos))
            if refused:
                return refused
        name = f"{time.time_ns()}-{uuid.uuid4().hex[:8]}.eml"
        temporary = self.folder / f".{name}.tmp"
        temporary.write_bytes(raw)
        temporary.rename(self.folder / name)  # readers never see half a file
        return "250 Message accepted for delivery"

    def _store_inbound(self, raw: bytes, recipients: list[str]) -> str | None:
        """Hand mail for the access address to ``store``; an SMTP refusal when it failed (4xx:
        the sender keeps the message and tries again, as with a real server's pipe)."""
        with self.app.app_context():
            if not any(is_access_address(address) for address in recipients):
                return None
            try:
                self.store(raw)
            except Exception:  # the database is away, say: the sender tries again later
                log.exception("the mail catcher could not store a message for the access address")
                return "451 4.3.0 Could not store the message now; try again later"
        return None


def catcher_folder() -> Path:
    """The catcher's folder for the running app (the ``mailcatcher`` command and the admin
    pages): MAIL_CATCHER_DIR, or the default ``config.mail_catcher_dir`` decides."""
    from flask import current_app

    from ..config import mail_catcher_dir

    return mail_catcher_dir(current_app.config.get("MAIL_CATCHER_DIR"))


def start_catcher(folder: Path, host: str = "127.0.0.1", port: int = 1025, *, app=None,
                  store: Callable[[bytes], object] | None = None) -> Controller:
    """Start the SMTP server in a background thread; call ``.stop()`` on the result to end it.

    With ``app`` and ``store``, mail to the access address is also given to ``store(raw)``
    inside an app context before it is accepted (a copy is kept in ``folder`` as for all mail).
    """
    folder.mkdir(parents=True, exist_ok=True)
    controller = Controller(_SaveToFolder(folder, app, store), hostname=host, port=port,
                            enable_SMTPUTF8=True)  # takes zoë@exämple.org as real servers do
    controller.start()
    return controller


@dataclass
class CaughtMessage:
    id: str
    received_at: datetime
    sender: str
    to: str
    subject: str
    message_id: str
    text: str
    html: str
    reply_to: str = ""
    references: str = ""
    date: str = ""

    @property
    def answerable(self) -> bool:
        """An email we sent an attendee: its replies go to the access address (Reply-To)."""
        return any(is_access_address(address)
                   for _name, address in getaddresses([self.reply_to]) if address)


def _content(part) -> str:
    if part is None:
        return ""
    try:
        return part.get_content()
    except (LookupError, ValueError):  # an unknown charset or a broken encoding
        return part.get_payload(decode=True).decode("utf-8", "replace")


def _parse(path: Path) -> CaughtMessage:
    message = email.message_from_bytes(path.read_bytes(), policy=email.policy.default)
    return CaughtMessage(
        id=path.stem,
        received_at=datetime.fromtimestamp(path.stat().st_mtime, UTC),
        # A long header may be folded right after its name; unfolded, it starts with a space.
        sender=str(message["From"] or "").strip(),
        to=str(message["To"] or "").strip(),
        subject=str(message["Subject"] or "").strip(),
        message_id=str(message["Message-ID"] or "").strip(),
        text=_content(message.get_body(("plain",))),
        html=_content(message.get_body(("html",))),
        reply_to=str(message["Reply-To"] or "").strip(),
        references=str(message["References"] or "").strip(),
        date=str(message["Date"] or "").strip(),
    )


def list_caught(folder: Path, limit: int = 100) -> list[CaughtMessage]:
    """Newest first."""
    if not folder.is_dir():
        return []
    paths = sorted(folder.glob("*.eml"), reverse=True)[:limit]
    return [_parse(p) for p in paths]


def read_caught(folder: Path, message_id: str) -> CaughtMessage | None:
    """One caught message by the id ``list_caught`` gave it; None for anything else."""
    if not _CAUGHT_ID.fullmatch(message_id):
        return None
    path = folder / f"{message_id}.eml"
    return _parse(path) if path.is_file() else None


class CannotDeliver(Exception):
    """The reply could not be handed to the mail server; the text says why."""


def attendee_reply(caught: CaughtMessage, text: str) -> EmailMessage:
    """A reply to ``caught`` as the attendee's mail program writes one: from the address it
    went to, to its Reply-To, "Re: " and the threading headers, the original quoted below."""
    attendee = parseaddr(caught.to)[1]
    reply = EmailMessage()
    reply["From"] = caught.to
    reply["To"] = caught.reply_to or caught.sender
    subject = caught.subject
    reply["Subject"] = subject if subject.lower().startswith("re:") else f"Re: {subject}"
    reply["Date"] = format_datetime(datetime.now(UTC))
    reply["Message-ID"] = make_msgid(domain=attendee.rpartition("@")[2] or "localhost")
    if caught.message_id:
        reply["In-Reply-To"] = caught.message_id
        reply["References"] = " ".join(x for x in (caught.references, caught.message_id) if x)
    quoted = "\n".join(f"> {line}" if line else ">" for line in caught.text.splitlines())
    reply.set_content(f"{text.strip()}\n\nOn {caught.date or 'an earlier day'}, "
                      f"{caught.sender} wrote:\n{quoted}\n")
    return reply


def send_to_mail_server(message: EmailMessage, host: str, port: int, timeout: float = 30) -> None:
    """Deliver ``message`` over SMTP (in development: to the catcher ``make run`` started)."""
    try:
        with smtplib.SMTP(host, port, timeout=timeout) as smtp:
            smtp.send_message(message)
    except (OSError, smtplib.SMTPException) as error:
        raise CannotDeliver(f"The mail server at {host}:{port} did not take the reply "
                            f"({error}). Is the mail catcher running?") from None
