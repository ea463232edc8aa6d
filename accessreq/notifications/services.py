"""Render a message from its template pair and put it in the outbox (no sending here)."""

from __future__ import annotations

import re
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from email import policy
from email.message import Message as MimeMessage
from email.utils import parseaddr
from urllib.parse import urlsplit

from flask import current_app, render_template
from flask_babel import force_locale
from flask_mail import Message
from sqlalchemy import case, update

from ..extensions import db
from ..i18n.languages import DEFAULT as DEFAULT_LANGUAGE, language as language_named
from .models import EmailStatus, OutgoingEmail

_WHITESPACE = re.compile(r"\s+")


class InvalidRecipient(ValueError):
    """An address that must never reach an email header."""


def _checked_address(address: str) -> str:
    name, addr = parseaddr(address)
    if not addr or "@" not in addr or any(c in address for c in "\r\n,;") or name:
        raise InvalidRecipient("one plain email address is required")
    return addr


def smtp_address(address: str) -> tuple[str, bool]:
    """How an address goes on the envelope and in the To header, and whether that needs a
    server offering SMTPUTF8 (RFC 6531). A non-ASCII domain is written as IDNA (``xn--…``)
    when the part before the @ is ASCII, so every server takes it; a non-ASCII local part
    (``zoë@…``) can only go as UTF-8."""
    if address.isascii():
        return address, False
    local, _, domain = address.rpartition("@")
    try:
        ascii_domain = domain.encode("idna").decode("ascii")
    except UnicodeError:
        ascii_domain = ""
    if local.isascii() and ascii_domain:
        return f"{local}@{ascii_domain}", False
    return address, True


def external_url(endpoint: str, **values) -> str:
    """An absolute link for emails, built from BASE_URL, never from a request's Host header."""
    base = urlsplit(current_app.config["BASE_URL"])
    adapter = current_app.url_map.bind(base.netloc, script_name=base.path or "/",
                                       url_scheme=base.scheme)
    return adapter.build(endpoint, values, force_external=True)


def _message_id() -> str:
    host = current_app.config["BASE_URL"].split("://", 1)[-1].split("/", 1)[0].split(":", 1)[0]
    return f"<{uuid.uuid4().hex}@{host or 'accessreq.invalid'}>"


def render_email(template: str, **context) -> tuple[str, str, str]:
    """(subject, text, html) from ``emails/<template>.txt`` and ``.html``.

    The subject is the ``subject`` variable the text template sets, folded to one line; the
    text gets the shared signature from ``emails/_footer.txt``.
    """
    context.setdefault("site_name", current_app.config["SITE_NAME"])
    context.setdefault("institution", current_app.config["INSTITUTION_NAME"])
    text_template = current_app.jinja_env.get_template(f"emails/{template}.txt")
    module = text_template.make_module(context)
    subject = _WHITESPACE.sub(" ", str(getattr(module, "subject", ""))).strip()
    if not subject:
        raise ValueError(f"emails/{template}.txt sets no subject")
    # Every plain-text message ends with the same signature the HTML layout shows.
    footer = render_template("emails/_footer.txt", **context)
    text = f"{str(module).strip()}\n\n{footer.strip()}\n"
    html = render_template(f"emails/{template}.html", subject=subject, **context)
    return subject, text, html


def render_in(language: str, template: str, **context) -> tuple[str, str, str]:
    """``render_email`` in ``language`` (its dates, plurals and words; the HTML part's lang and
    dir), whatever the page that queues it is in."""
    written_in = language_named(language)
    with force_locale(written_in.code):
        return render_email(template, email_language=written_in, **context)


# RFC 3834: an answer to a message someone sent us is "auto-replied"; the rest "auto-generated".
_AUTO_SUBMITTED = {"inbound_unmatched_ack": "auto-replied"}


def _thread_headers(row: OutgoingEmail) -> dict[str, str]:
    references = (row.thread_references or "").split()
    if not references:
        return {}
    return {"In-Reply-To": references[-1], "References": " ".join(references)}


def as_message(row: OutgoingEmail, text: str | None = None, html: str | None = None) -> Message:
    """The Flask-Mail message for an outbox row (its bodies unsealed unless given), with its
    Reply-To and threading headers."""
    message = Message(
        subject=row.subject,
        recipients=[smtp_address(row.to_address)[0]],
        body=row.body_text if text is None else text,
        html=row.body_html if html is None else html,
        sender=current_app.config["MAIL_DEFAULT_SENDER"],
        # RFC 3834: tells auto-responders (out-of-office) not to answer.
        extra_headers={"Auto-Submitted": _AUTO_SUBMITTED.get(row.template, "auto-generated"),
                       **_thread_headers(row)},
        reply_to=row.reply_to,
    )
    message.msgId = row.message_id
    return message


@dataclass(frozen=True)
class Attachment:
    """A file sent with a message (a calendar file): its name, MIME type (``text/calendar``),
    the type's parameters (``{"method": "PUBLISH"}``) and its bytes. It is part of the message
    bytes built when queued, sealed with them, and gone with them once sent; "Send again"
    builds it afresh through the template's rebuilder."""
    filename: str
    content_type: str
    data: bytes
    params: tuple[tuple[str, str], ...] = ()


def _mime_bytes(row: OutgoingEmail, text: str, html: str,
                attachments: Sequence[Attachment] = ()) -> bytes | None:
    """The message as it will be sent; None when it cannot be built now (an address that
    cannot be written in a header), so the sender records that failure where admins see it."""
    message = as_message(row, text, html)
    for attachment in attachments:
        message.attach(attachment.filename, attachment.content_type, attachment.data,
                       disposition="attachment")
    if message.has_bad_headers():
        return None
    address, needs_utf8 = smtp_address(row.to_address)
    try:
        if needs_utf8:
            # Flask-Mail cannot write a non-ASCII local part in a header: build the message
            # for a stand-in, then put the real address in To and write the headers as UTF-8
            # (RFC 6532), for a server that offers SMTPUTF8 (the sender asks for it).
            message.recipients = ["stand-in@accessreq.invalid"]
        mime = message._message()
        _add_type_params(mime, attachments)
        if needs_utf8:
            mime.replace_header("To", address)
            return mime.as_bytes(policy=policy.SMTPUTF8)
        return mime.as_bytes()
    except (ValueError, UnicodeError):
        return None


def _add_type_params(mime: MimeMessage, attachments: Sequence[Attachment]) -> None:
    """Flask-Mail writes an attachment's bare MIME type; add its parameters (``method``)."""
    by_name = {a.filename: a for a in attachments if a.params}
    if not by_name:
        return
    for part in mime.walk():
        attachment = by_name.get(part.get_filename() or "")
        if attachment is not None:
            for key, value in attachment.params:
                part.set_param(key, value)


def queue_email(template: str, to: str, *, recipe: dict, request_id: int | None = None,
                report_id: int | None = None, reply_to: str | None = None,
                references: tuple[str, ...] = (), attachments: Sequence[Attachment] = (),
                language: str = DEFAULT_LANGUAGE, **context) -> OutgoingEmail:
    """Add a message to the outbox in the caller's transaction; it is sent after commit.

    ``recipe`` is what the message is built from: ids and plain values, never a token or a
    link. With it, ``rebuild.send_again`` can build the message afresh once the sent copy's
    content has been cleared (see the rebuilders registered per template). ``reply_to`` and
    ``references`` (earlier Message-IDs of the conversation, oldest first) thread the message.
    ``attachments`` go into the message bytes built here (and nowhere else: a row built at
    send time has none). ``language`` is the reader's (an attendee's request records theirs);
    staff are written to in English whatever page queued the message.
    """
    subject, text, html = render_in(language, template, **context)
    row = OutgoingEmail(
        template=template,
        to_address=_checked_address(to),
        subject=subject[:300],
        message_id=_message_id(),
        recipe=recipe,
        request_id=request_id,
        report_id=report_id,
        reply_to=reply_to,
        thread_references=" ".join(references),
    )
    # Sealed at rest: the bodies carry live status and invitation links until sent.
    row.body_text = text
    row.body_html = html
    row.mime = _mime_bytes(row, text, html, attachments)
    db.session.add(row)
    return row


DELETED_ADDRESS = "deleted@deleted.invalid"
PURGED_BEFORE_SENDING = "Deleted by the retention purge before it was sent."


def forget_emails(*conditions) -> int:
    """Delete what outbox rows matching ``conditions`` say about a person (the retention purge).

    Content, recipient, subject, error text (an SMTP refusal quotes the address) and the recipe
    (staff's own words are sealed in some) go; the template, ids, status and times stay for the
    counts. A row still waiting is never sent.
    Runs in the caller's transaction; returns how many rows were changed.
    """
    waiting = OutgoingEmail.status.in_([EmailStatus.PENDING.value, EmailStatus.SENDING.value])
    return db.session.execute(
        update(OutgoingEmail).where(*conditions)
        .values(sealed_text=None, sealed_html=None, sealed_mime=None,
                to_address=DELETED_ADDRESS, subject="[deleted]",
                status=case((waiting, EmailStatus.DEAD.value), else_=OutgoingEmail.status),
                last_error=case((waiting, PURGED_BEFORE_SENDING), else_=""),
                claim_token=None, claimed_at=None, recipe=None)
        .execution_options(synchronize_session=False)
    ).rowcount
