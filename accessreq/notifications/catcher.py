"""A local SMTP server that keeps every message as a file, for development and tests.

``make run`` starts it; admins read what it caught at /admin/email/caught.
"""

from __future__ import annotations

import email
import email.policy
import re
import time
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from aiosmtpd.controller import Controller

# The file names _SaveToFolder writes: nanosecond time, a dash, 8 hex digits.
_CAUGHT_ID = re.compile(r"[0-9]{10,25}-[0-9a-f]{8}")


class _SaveToFolder:
    def __init__(self, folder: Path) -> None:
        self.folder = folder

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 (aiosmtpd's name)
        name = f"{time.time_ns()}-{uuid.uuid4().hex[:8]}.eml"
        temporary = self.folder / f".{name}.tmp"
        temporary.write_bytes(envelope.original_content or envelope.content)
        temporary.rename(self.folder / name)  # readers never see half a file
        return "250 Message accepted for delivery"


def catcher_folder() -> Path:
    """The catcher's folder for the running app (the ``mailcatcher`` command and the admin
    pages): MAIL_CATCHER_DIR, or the default ``config.mail_catcher_dir`` decides."""
    from flask import current_app

    from ..config import mail_catcher_dir

    return mail_catcher_dir(current_app.config.get("MAIL_CATCHER_DIR"))


def start_catcher(folder: Path, host: str = "127.0.0.1", port: int = 1025) -> Controller:
    """Start the SMTP server in a background thread; call ``.stop()`` on the result to end it."""
    folder.mkdir(parents=True, exist_ok=True)
    controller = Controller(_SaveToFolder(folder), hostname=host, port=port,
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
