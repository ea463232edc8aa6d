"""``flask mail …``: email in. ``mail ingest`` takes one message on standard input, for a mail
server's alias or pipe transport, and answers with the exit codes mail servers understand
(sysexits.h): 0 stored (or already stored), 65 not an email at all, 75 try again later."""

from __future__ import annotations

import logging
import sys

import click
from flask.cli import AppGroup
from sqlalchemy.exc import SQLAlchemyError

from ..extensions import db

log = logging.getLogger(__name__)

EX_OK = 0
EX_DATAERR = 65  # the input is not an email; the MTA returns it to the sender
EX_TEMPFAIL = 75  # the database cannot be reached now; the MTA keeps the message and retries

mail_cli = AppGroup("mail", help="Email that comes in to the access address.")

# A message over this size is refused as data error rather than read into memory whole.
MAX_MESSAGE_BYTES = 50 * 1024 * 1024


@mail_cli.command("ingest")
def ingest_command():
    """Store one email read from standard input (for a mail server's pipe)."""
    from .services import store_message

    raw = sys.stdin.buffer.read(MAX_MESSAGE_BYTES + 1)
    if len(raw) > MAX_MESSAGE_BYTES:
        click.echo("Refused: the message is larger than 50 MB.", err=True)
        sys.exit(EX_DATAERR)
    try:
        result = store_message(raw, source="pipe")
    except SQLAlchemyError as error:
        db.session.rollback()
        log.warning("mail ingest: database unavailable (%s)", type(error).__name__)
        click.echo("The database cannot be reached; the mail server should try again later.",
                   err=True)
        sys.exit(EX_TEMPFAIL)
    except Exception:  # never a traceback to the mail server; the message stays with it
        log.exception("mail ingest failed")
        click.echo("The message could not be stored; the mail server should try again later.",
                   err=True)
        sys.exit(EX_TEMPFAIL)
    if result.not_mail:
        kept = f" (kept as message {result.message_id})" if result.message_id else ""
        click.echo(f"Refused: this is not an email{kept}.", err=True)
        sys.exit(EX_DATAERR)
    if result.duplicate:
        click.echo(f"Already stored as message {result.message_id}.")
    else:
        click.echo(f"Stored as message {result.message_id}: {result.outcome}.")
    sys.exit(EX_OK)


def _add_fetch() -> None:
    """``mail fetch`` (the IMAP side) lives in imap_cli.py; it joins this group here."""
    from .imap_cli import register_fetch

    register_fetch(mail_cli)


_add_fetch()
