"""A local SMTP server that keeps every message as a file, for development and tests.

``make run`` starts it; admins read what it caught at /admin/email/caught.
"""

from __future__ import annotations

import email
import email.policy
import time
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from aiosmtpd.controller import Controller


class _SaveToFolder:
    def __init__(self, folder: Path) -> None:
        self.folder = folder

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 (aiosmtpd's name)
        name = f"{time.time_ns()}-{uuid.uuid4().hex[:8]}.eml"
        temporary = self.folder / f".{name}.tmp"
        temporary.write_bytes(envelope.original_content or envelope.content)
        temporary.rename(self.folder / name)  # readers never see half a file
        return "250 Message accepted for delivery"


def start_catcher(folder: Path, host: str = "127.0.0.1", port: int = 1025) -> Controller:
    folder.mkdir(parents=True, exist_ok=True)
    controller = Controller(_SaveToFolder(folder), hostname=host, port=port)
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


def _parse(path: Path) -> CaughtMessage:
    message = email.message_from_bytes(path.read_bytes(), policy=email.policy.default)
    text_part = message.get_body(("plain",))
    html_part = message.get_body(("html",))
    return CaughtMessage(
        id=path.stem,
        received_at=datetime.fromtimestamp(path.stat().st_mtime, UTC),
        sender=str(message["From"] or ""),
        to=str(message["To"] or ""),
        subject=str(message["Subject"] or ""),
        message_id=str(message["Message-ID"] or ""),
        text=text_part.get_content() if text_part else "",
        html=html_part.get_content() if html_part else "",
    )


def list_caught(folder: Path, limit: int = 100) -> list[CaughtMessage]:
    """Newest first."""
    if not folder.is_dir():
        return []
    paths = sorted(folder.glob("*.eml"), reverse=True)[:limit]
    return [_parse(p) for p in paths]


def read_caught(folder: Path, message_id: str) -> CaughtMessage | None:
    if not message_id.replace("-", "").isalnum():
        return None
    path = folder / f"{message_id}.eml"
    return _parse(path) if path.is_file() else None
