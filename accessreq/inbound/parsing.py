"""Reading an email: headers (RFC 2047), any charset, quoted-printable and base64, the text
body (HTML-only mail converted to text, never rendered), attachments sorted into kept and
dropped (``attachments``: dropped ones are cut out of ``Parsed.raw``), delivery reports
recognised. Defensive: a message that cannot be read gives ``Parsed.unreadable`` with the
reason, never an exception."""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email import message_from_bytes, policy
from email.headerregistry import HeaderRegistry
from email.message import EmailMessage, Message
from email.utils import getaddresses, parseaddr, parsedate_to_datetime

from .attachments import AttachmentRules, sort_attachments
from .html_text import html_to_text
from .trimming import trim_reply

_MESSAGE_ID = re.compile(r"<([^<>\s]{1,900})>")
_MAIL_HEADERS = ("from", "to", "subject", "date", "message-id", "received", "return-path")


class _RememberingHeaders(HeaderRegistry):
    """The standard header parser, remembering what it parsed: the library parses a header
    again on every look-up (Content-Type a dozen times per message while walking it), and a
    parsed header is an immutable value, so the same name and text give the same object."""

    _LIMIT = 4096  # entries kept at most
    _LONGEST = 2000  # longer values (a long References chain) are parsed each time

    def __init__(self) -> None:
        super().__init__()
        self._seen: dict[tuple[str, str], object] = {}

    def __call__(self, name, value):
        if len(value) > self._LONGEST:
            return super().__call__(name, value)
        key = (name.lower(), value)
        found = self._seen.get(key)
        if found is None:
            if len(self._seen) >= self._LIMIT:
                self._seen.clear()
            found = self._seen[key] = super().__call__(name, value)
        return found


# policy.default, with the remembering header parser.
_POLICY = policy.default.clone(header_factory=_RememberingHeaders())


@dataclass
class Parsed:
    """What was read from one message; empty strings for what it does not have."""

    raw: bytes
    dedupe_key: str
    is_mail: bool = True  # False: not an email at all (empty, binary garbage)
    unreadable: str = ""  # why it could not be read; "" when it could
    from_address: str = ""
    from_name: str = ""
    to_addresses: list[str] = field(default_factory=list)
    subject: str = ""
    sent_date: datetime | None = None
    message_id: str = ""
    in_reply_to: list[str] = field(default_factory=list)
    references: list[str] = field(default_factory=list)
    body_text: str = ""
    reply_text: str = ""
    attachments: list[dict] = field(default_factory=list)
    headers: dict[str, str] = field(default_factory=dict)  # lowercase name -> first value
    # Headers that can carry the address a message was delivered to (To, Cc, Delivered-To…).
    recipient_headers: list[str] = field(default_factory=list)
    is_delivery_report: bool = False
    # For a delivery report: the Message-IDs of the message(s) it reports on.
    reported_message_ids: list[str] = field(default_factory=list)
    # For a delivery report: the failed recipients and their status, in words.
    report_summary: str = ""


def message_ids(value: str) -> list[str]:
    """The ``<…>`` ids in a Message-ID, In-Reply-To or References value, as written."""
    return [f"<{found}>" for found in _MESSAGE_ID.findall(value or "")]


def dedupe_key(raw: bytes, message_id: str) -> str:
    key = message_id.strip().strip("<>").lower()
    if key and len(key) <= 250:
        return key
    if key:
        return "message-id-sha256:" + hashlib.sha256(key.encode()).hexdigest()
    return "sha256:" + hashlib.sha256(raw).hexdigest()


def _header(message: Message, name: str) -> str:
    """One header's decoded value; "" when missing or unreadable."""
    try:
        value = message.get(name)
    except Exception:  # a header the parser cannot decode at all  # noqa: BLE001
        return ""
    return " ".join(str(value).split()) if value is not None else ""


def _all(message: Message, name: str) -> list[str]:
    try:
        return [str(v) for v in (message.get_all(name) or [])]
    except Exception:  # noqa: BLE001
        return []


def _decoded_text(part: Message) -> str:
    """A text part's content in any charset; unknown charsets are read as UTF-8 with
    replacement characters rather than failing."""
    try:
        return part.get_content()
    except (LookupError, UnicodeError, AssertionError, ValueError, KeyError):
        payload = part.get_payload(decode=True) or b""
        charset = part.get_content_charset() or "utf-8"
        try:
            return payload.decode(charset, errors="replace")
        except LookupError:
            return payload.decode("utf-8", errors="replace")


def _body(message: EmailMessage) -> str:
    part = message.get_body(preferencelist=("plain", "html"))
    if part is None:
        return ""
    text = _decoded_text(part)
    if part.get_content_subtype() == "html":
        text = html_to_text(text)
    return text.replace("\r\n", "\n").strip()


def _delivery_report(message: EmailMessage, parsed: Parsed) -> None:
    """RFC 3464: the ids of the reported message and who could not be reached."""
    ids: list[str] = []
    summary: list[str] = []
    for part in message.walk():
        kind = part.get_content_type()
        if kind == "message/rfc822":
            inner = part.get_payload()
            inner = inner[0] if isinstance(inner, list) and inner else inner
            if isinstance(inner, Message):
                ids += message_ids(_header(inner, "message-id"))
        elif kind == "text/rfc822-headers":
            inner = message_from_bytes(part.get_payload(decode=True) or b"",
                                       policy=policy.default)
            ids += message_ids(_header(inner, "message-id"))
        elif kind == "message/delivery-status":
            for block in part.get_payload() or []:
                if not isinstance(block, Message):
                    continue
                recipient = _header(block, "final-recipient") or _header(block,
                                                                          "original-recipient")
                action = _header(block, "action")
                if recipient and action.lower() in ("failed", ""):
                    address = recipient.split(";", 1)[-1].strip()
                    status = _header(block, "status")
                    diagnostic = _header(block, "diagnostic-code").split(";", 1)[-1].strip()
                    summary.append(" ".join(x for x in (address, f"(status {status})" if status
                                                        else "", diagnostic) if x))
    parsed.reported_message_ids = list(dict.fromkeys(ids))
    parsed.report_summary = "; ".join(summary)[:500]


def _looks_like_mail(message: Message) -> bool:
    try:
        names = {name.lower() for name in message.keys()}
    except Exception:  # noqa: BLE001
        return False
    return bool(names & set(_MAIL_HEADERS))


def parse(raw: bytes, rules: AttachmentRules | None = None) -> Parsed:
    """Read ``raw``; never raises for bad input (``unreadable`` says what went wrong).
    ``rules`` decide which attachments are kept (the defaults when not given)."""
    try:
        message = message_from_bytes(raw, policy=_POLICY)
    except Exception as error:  # noqa: BLE001
        return Parsed(raw=raw, dedupe_key=dedupe_key(raw, ""), is_mail=False,
                      unreadable=f"The message could not be parsed ({type(error).__name__}).")
    message_id = (message_ids(_header(message, "message-id")) or [""])[0]
    parsed = Parsed(raw=raw, dedupe_key=dedupe_key(raw, message_id), message_id=message_id)
    if not raw.strip() or not _looks_like_mail(message) or b"\0" in raw[:4096]:
        parsed.is_mail = False
        parsed.unreadable = "This is not an email: it has no mail headers."
        return parsed
    try:
        _read(message, parsed, rules or AttachmentRules())
    except Exception as error:  # a structure the library cannot walk  # noqa: BLE001
        parsed.unreadable = f"The message could not be read ({type(error).__name__})."
    return parsed


_BROKEN_STRUCTURE = ("NoBoundaryInMultipartDefect", "StartBoundaryNotFoundDefect",
                     "MultipartInvariantViolationDefect")


def _read(message: EmailMessage, parsed: Parsed, rules: AttachmentRules) -> None:
    name, address = parseaddr(_header(message, "from"))
    parsed.from_name, parsed.from_address = name[:300], address.lower()[:320]
    parsed.to_addresses = [a.lower() for _, a in getaddresses(_all(message, "to") +
                                                              _all(message, "cc")) if a]
    parsed.recipient_headers = [v for h in ("to", "cc", "delivered-to", "x-original-to",
                                            "envelope-to") for v in _all(message, h)]
    parsed.subject = _header(message, "subject")
    try:
        date = parsedate_to_datetime(_header(message, "date"))
        parsed.sent_date = date if date.tzinfo else date.replace(tzinfo=UTC)
    except (TypeError, ValueError, IndexError):
        parsed.sent_date = None
    parsed.in_reply_to = message_ids(_header(message, "in-reply-to"))
    parsed.references = message_ids(_header(message, "references"))
    for key in ("auto-submitted", "precedence", "list-id", "list-unsubscribe", "x-autoreply",
                "x-autorespond", "x-auto-response-suppress", "return-path", "content-type"):
        parsed.headers[key] = _header(message, key)
    defects = {type(d).__name__ for part in message.walk() for d in part.defects}
    if defects & set(_BROKEN_STRUCTURE):
        parsed.unreadable = ("The message's MIME structure is broken ("
                             + ", ".join(sorted(defects & set(_BROKEN_STRUCTURE))) + ").")
        return
    parsed.is_delivery_report = (
        message.get_content_type() == "multipart/report"
        and str(message.get_param("report-type", "")).lower() == "delivery-status")
    if parsed.is_delivery_report:
        _delivery_report(message, parsed)
    parsed.body_text = _body(message)
    parsed.reply_text = trim_reply(parsed.body_text)
    parsed.attachments, cut = sort_attachments(message, rules,
                                               report=parsed.is_delivery_report)
    if cut:
        parsed.raw = _without_dropped(message, parsed.raw)


def _without_dropped(message: EmailMessage, raw: bytes) -> bytes:
    """The message to store once dropped attachments are cut out; its headers alone, with a
    line saying why, in the unlikely case it cannot be written out again."""
    try:
        return message.as_bytes()
    except Exception:  # noqa: BLE001
        headers = re.split(rb"\r?\n\r?\n", raw, maxsplit=1)[0]
        return headers + (b"\n\n(The content was not kept: it held attachments that are not "
                          b"accepted and they could not be cut out.)\n")
