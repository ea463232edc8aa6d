"""Files attached to an email that came in: which are kept, which are dropped, and reading a
kept one back for a staff download.

A file is kept when its type is on the allow-list (INBOUND_ATTACHMENT_TYPES), its name's
extension fits that type, its first bytes are what that type starts with (when the type has a
known signature) and it is no larger than INBOUND_ATTACHMENT_MAX_BYTES. Anything else is
dropped: its content is cut out of the stored message (a short text part says what was there),
and the message's list of attachments says why, for staff. Nothing else is stored twice: a kept
file stays inside the stored message and is read back from it, checked against the SHA-256
recorded when it came in, so the retention purge deletes files with their email.

Parts are numbered in :func:`leaves` order (a forwarded email counts as one part), which
cutting a dropped part out does not change.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from email.message import EmailMessage, Message
from typing import Any

DEFAULT_MAX_BYTES = 10 * 1024 * 1024


def _starts(*prefixes: bytes) -> Callable[[bytes], bool]:
    return lambda data: data.startswith(prefixes)


def _webp(data: bytes) -> bool:
    return data[:4] == b"RIFF" and data[8:12] == b"WEBP"


def _heic(data: bytes) -> bool:
    return data[4:8] == b"ftyp" and data[8:12] in (b"heic", b"heix", b"mif1", b"msf1", b"hevc")


_ZIP = _starts(b"PK\x03\x04")


@dataclass(frozen=True)
class FileKind:
    extensions: tuple[str, ...]  # the first is used when a file has no usable name
    signature: Callable[[bytes], bool] | None = None  # None: no reliable first bytes


# What people send an access team: letters and forms, photos or scans of them, documents.
# Never HTML, SVG, scripts, archives or programs. A type an admin adds to the allow-list that is
# not described here is kept by its declared type alone.
KINDS: dict[str, FileKind] = {
    "application/pdf": FileKind((".pdf",), _starts(b"%PDF-")),
    "image/jpeg": FileKind((".jpg", ".jpeg"), _starts(b"\xff\xd8\xff")),
    "image/png": FileKind((".png",), _starts(b"\x89PNG\r\n\x1a\n")),
    "image/gif": FileKind((".gif",), _starts(b"GIF87a", b"GIF89a")),
    "image/webp": FileKind((".webp",), _webp),
    "image/heic": FileKind((".heic", ".heif"), _heic),
    "text/plain": FileKind((".txt",)),
    "application/rtf": FileKind((".rtf",), _starts(b"{\\rtf")),
    "application/msword": FileKind((".doc",), _starts(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1")),
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document":
        FileKind((".docx",), _ZIP),
    "application/vnd.oasis.opendocument.text": FileKind((".odt",), _ZIP),
}
DEFAULT_TYPES = tuple(KINDS)
# Declared by mail programs that do not know better; the name's extension then says the type.
_UNKNOWN_TYPES = ("application/octet-stream", "application/x-download", "")
# Parts of a delivery report that belong to the report, not attachments.
_REPORT_PARTS = ("message/delivery-status", "text/rfc822-headers", "message/rfc822")
REMOVED_NAME = "removed-by-accessreq.txt"


@dataclass(frozen=True)
class AttachmentRules:
    max_bytes: int = DEFAULT_MAX_BYTES
    allowed_types: tuple[str, ...] = DEFAULT_TYPES

    @classmethod
    def from_config(cls, config: Mapping[str, Any]) -> AttachmentRules:
        types = config.get("INBOUND_ATTACHMENT_TYPES") or DEFAULT_TYPES
        if isinstance(types, str):
            types = [kind for kind in types.replace(",", " ").split()]
        return cls(max_bytes=int(config.get("INBOUND_ATTACHMENT_MAX_BYTES") or DEFAULT_MAX_BYTES),
                   allowed_types=tuple(kind.strip().lower() for kind in types if kind.strip()))


def leaves(message: Message) -> Iterator[Message]:
    """Every part that holds content, in order; a forwarded email (message/rfc822) is one."""
    if message.get_content_type() == "message/rfc822" or not message.is_multipart():
        yield message
        return
    for part in message.get_payload():
        if isinstance(part, Message):
            yield from leaves(part)


def _is_attachment(part: Message, body: Message | None, report: bool) -> bool:
    if part is body:
        return False
    kind = part.get_content_type()
    if report and kind in _REPORT_PARTS:
        return False
    if part.get_content_disposition() == "attachment" or part.get_filename():
        return True
    # The other half of a text/HTML alternative is not a file; anything else is.
    return part.get_content_maintype() != "text"


def _payload(part: Message) -> bytes:
    if part.get_content_type() == "message/rfc822":
        inner = part.get_payload()
        inner = inner[0] if isinstance(inner, list) and inner else inner
        return inner.as_bytes() if isinstance(inner, Message) else b""
    data = part.get_payload(decode=True)
    return data if isinstance(data, bytes) else b""


def size_in_words(size: int) -> str:
    """A file's size for people: "850 bytes", "12 kB", "10.5 MB"."""
    if size < 1024:
        return f"{size} byte{'' if size == 1 else 's'}"
    if size < 1024 * 1024:
        return f"{round(size / 1024)} kB"
    return f"{size / (1024 * 1024):.1f} MB".replace(".0 MB", " MB")


def _judge(name: str, declared: str, data: bytes, rules: AttachmentRules) -> tuple[str, str]:
    """The type a file is kept as, and "" — or "" and why it is dropped."""
    extension = os.path.splitext(name)[1].lower()
    kind = declared
    if declared in _UNKNOWN_TYPES:
        kind = next((k for k, known in KINDS.items() if extension in known.extensions), declared)
    if kind not in rules.allowed_types:
        return "", f"files of this type ({declared or 'unknown'}) are not accepted"
    if len(data) > rules.max_bytes:
        return "", f"larger than the {size_in_words(rules.max_bytes)} limit"
    known = KINDS.get(kind)
    if known is not None:
        if extension and extension not in known.extensions:
            return "", f"its name ends in {extension}, which does not fit its type ({kind})"
        if known.signature is not None and not known.signature(data):
            return "", f"its content is not a {kind} file, as its type says"
    return kind, ""


def sort_attachments(message: EmailMessage, rules: AttachmentRules, *,
                     report: bool = False) -> tuple[list[dict], bool]:
    """List the message's attachments, kept or dropped, and cut the dropped ones out of
    ``message`` (in place). Returns the list and whether anything was cut."""
    body = message.get_body(preferencelist=("plain", "html"))
    found: list[dict] = []
    cut = False
    for number, part in enumerate(leaves(message)):
        if not _is_attachment(part, body, report):
            continue
        name = (part.get_filename() or "").strip()[:255]
        declared = part.get_content_type().lower()
        data = _payload(part)
        kind, why_not = _judge(name, declared, data, rules)
        entry = {"filename": name, "content_type": kind or declared, "size": len(data),
                 "part": number, "kept": not why_not, "why_not": why_not}
        if why_not:
            part.set_content(f"An attachment was removed here when the email came in: "
                             f"{name or '(no name)'} ({declared}): {why_not}.\n",
                             disposition="attachment", filename=REMOVED_NAME)
            cut = True
        else:
            entry["sha256"] = hashlib.sha256(data).hexdigest()
        found.append(entry)
    return found, cut


def read_back(raw: bytes, entry: Mapping[str, Any]) -> bytes | None:
    """A kept attachment's bytes, read from the stored message; None when it is not there (or
    not what was recorded)."""
    from email import message_from_bytes, policy

    if not entry.get("kept") or not isinstance(entry.get("part"), int):
        return None
    message = message_from_bytes(raw, policy=policy.default)
    for number, part in enumerate(leaves(message)):
        if number == entry["part"]:
            data = _payload(part)
            if hashlib.sha256(data).hexdigest() == entry.get("sha256"):
                return data
            return None
    return None


def download_name(entry: Mapping[str, Any], number: int) -> str:
    """The file name a download gets: the sender's, when it fits its type; otherwise a plain
    one with the type's extension (a name never decides how a download opens)."""
    name = os.path.basename(str(entry.get("filename") or "").replace("\\", "/")).strip()
    kind = KINDS.get(str(entry.get("content_type")))
    extension = os.path.splitext(name)[1].lower()
    if name and (kind is None or extension in kind.extensions):
        return name
    return f"attachment-{number}{kind.extensions[0] if kind else ''}"
