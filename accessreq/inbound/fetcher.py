"""The IMAP fetcher: reads the access mailbox and hands each message to the store, then moves it
to the processed folder (or flags it) — never before the store has committed it.

The order for every message is FETCH BODY.PEEK[] (the message stays unread), store (which
commits, and is idempotent: a message stored before counts as a duplicate), and only then
MOVE or flag, a batch at a time. A fetcher killed at any point, or two fetchers on one mailbox,
therefore store every message exactly once: whatever was stored and not yet moved is fetched
again, found to be a duplicate, and moved.

The store is a callable, so tests and benchmarks can give their own; the command line uses
:func:`store_in_database`, which hands the message to ``inbound.services.store_message``.
"""

from __future__ import annotations

import socket
import ssl
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from flask import current_app
from imapclient import IMAPClient
from imapclient.exceptions import IMAPClientError, LoginError
from sqlalchemy.exc import InterfaceError, OperationalError

SECURITY_CHOICES = ("ssl", "starttls", "none")
# The keyword a stored message gets when there is no processed folder to move it to.
STORED_KEYWORD = b"$AccessreqStored"
BATCH_SIZE = 50
TIMEOUT_SECONDS = 60
# What a store raises when the database is away (not the message's fault): stop and retry later.
DATABASE_DOWN = (OperationalError, InterfaceError)


class FetchError(Exception):
    """The mailbox cannot be read (not configured, refused, unreachable); one line for people."""


@dataclass(frozen=True)
class ImapSettings:
    """The IMAP_* settings, checked; the password never appears in a repr (or a log)."""

    host: str
    username: str
    password: str = field(repr=False)
    port: int | None = None  # 993 with ssl, else 143
    folder: str = "INBOX"
    security: str = "ssl"
    processed_folder: str | None = None  # None: flag stored messages instead of moving them

    @classmethod
    def from_config(cls, config: Mapping[str, Any]) -> ImapSettings:
        missing = [key for key in ("IMAP_HOST", "IMAP_USERNAME", "IMAP_PASSWORD")
                   if not config.get(key)]
        if missing:
            raise FetchError(f"IMAP is not configured: set {', '.join(missing)} (and IMAP_PORT, "
                             "IMAP_SECURITY, IMAP_FOLDER, IMAP_PROCESSED_FOLDER as needed).")
        security = (config.get("IMAP_SECURITY") or "ssl").lower()
        if security not in SECURITY_CHOICES:
            raise FetchError(f"IMAP_SECURITY must be one of {', '.join(SECURITY_CHOICES)}, "
                             f"not {security!r}.")
        port = config.get("IMAP_PORT")
        return cls(host=config["IMAP_HOST"], port=int(port) if port else None,
                   username=config["IMAP_USERNAME"], password=config["IMAP_PASSWORD"],
                   folder=config.get("IMAP_FOLDER") or "INBOX", security=security,
                   processed_folder=config.get("IMAP_PROCESSED_FOLDER") or None)

    @property
    def effective_port(self) -> int:
        return self.port or (993 if self.security == "ssl" else 143)


@dataclass(frozen=True)
class MailboxPosition:
    """Where a message was: folder, UIDVALIDITY and UID identify it for as long as it stays."""

    mailbox: str
    uidvalidity: int
    uid: int


Store = Callable[[bytes, MailboxPosition], Any]


@dataclass
class FetchReport:
    stored: int = 0
    duplicates: int = 0  # already stored earlier (a previous run, or another fetcher)
    left: int = 0  # still in the mailbox for a later run: refused by the store, or not reached
    database_down: bool = False
    stopped: bool = False  # asked to stop between messages
    failed_uids: list[int] = field(default_factory=list)

    def summary(self) -> str:
        return (f"Mail: {self.stored} stored, {self.duplicates} already stored, "
                f"{self.left} left for later.")


def store_in_database(raw: bytes, position: MailboxPosition):
    """The store the command line uses: parse, thread and commit one message."""
    from ..extensions import db
    from .services import store_message

    try:
        return store_message(raw, source="imap", mailbox=position.mailbox,
                             uidvalidity=position.uidvalidity, uid=position.uid)
    except Exception:
        db.session.rollback()  # the next message starts with a clean session
        raise


def connect(settings: ImapSettings) -> IMAPClient:
    """An IMAPClient logged in to the mailbox, over TLS unless IMAP_SECURITY is none."""
    context = ssl.create_default_context()  # verifies the certificate and the host name
    try:
        client = IMAPClient(settings.host, port=settings.effective_port,
                            ssl=settings.security == "ssl", ssl_context=context,
                            timeout=TIMEOUT_SECONDS)
    except (OSError, IMAPClientError) as error:
        raise FetchError(f"Cannot reach the IMAP server {settings.host}:"
                         f"{settings.effective_port}: {_reason(error)}.") from error
    try:
        if settings.security == "starttls":
            client.starttls(context)
        client.login(settings.username, settings.password)
    except LoginError as error:
        _close(client)
        raise FetchError(f"The IMAP server {settings.host} refused the login for "
                         f"{settings.username}: {_reason(error)}.") from error
    except (OSError, IMAPClientError) as error:
        _close(client)
        raise FetchError(f"The IMAP server {settings.host} did not let us in: "
                         f"{_reason(error)}.") from error
    return client


def fetch_once(settings: ImapSettings, store: Store = store_in_database, *,
               should_stop: Callable[[], bool] = lambda: False,
               progress: Callable[[FetchReport], None] | None = None,
               batch_size: int = BATCH_SIZE) -> FetchReport:
    """Store every message waiting in the folder, then move or flag it; say what happened.

    A message the store refuses with an error is logged and left where it is, and the rest go
    on; a database outage stops the run (what was stored is still moved, nothing else), and so
    does ``should_stop`` between messages. IMAP failures raise :class:`FetchError`.
    """
    log = current_app.logger
    report = FetchReport()
    client = connect(settings)
    try:
        uidvalidity = _select(client, settings)
        if settings.processed_folder and not client.folder_exists(settings.processed_folder):
            client.create_folder(settings.processed_folder)
        criteria = ["UNDELETED"] if settings.processed_folder else [
            "UNDELETED", "NOT", "KEYWORD", STORED_KEYWORD.decode()]
        uids = sorted(client.search(criteria))
        if uids:
            log.info("mail fetch: %d message(s) waiting in %s", len(uids), settings.folder)
        for start in range(0, len(uids), batch_size):
            batch = uids[start:start + batch_size]
            done = _fetch_batch(client, settings, uidvalidity, batch, store, report,
                                should_stop)
            _mark_stored(client, settings, done)
            if len(uids) > batch_size:
                log.info("mail fetch: %d of %d handled (%d stored, %d already stored, "
                         "%d left)", min(start + len(batch), len(uids)), len(uids),
                         report.stored, report.duplicates, report.left)
            if progress is not None:
                progress(report)
            if report.database_down or report.stopped:
                report.left += len(uids) - start - len(batch)
                break
    except (OSError, IMAPClientError) as error:
        raise FetchError(f"The IMAP server {settings.host} failed during the fetch: "
                         f"{_reason(error)}.") from error
    finally:
        _close(client)
    log.info("mail fetch: %d stored, %d already stored, %d left for later%s", report.stored,
             report.duplicates, report.left,
             " (database unavailable)" if report.database_down else "")
    return report


def _select(client: IMAPClient, settings: ImapSettings) -> int:
    try:
        selected = client.select_folder(settings.folder)
    except IMAPClientError as error:
        raise FetchError(f"Cannot open the IMAP folder {settings.folder!r}: "
                         f"{_reason(error)}.") from error
    return int(selected[b"UIDVALIDITY"])


def _fetch_batch(client: IMAPClient, settings: ImapSettings, uidvalidity: int,
                 batch: list[int], store: Store, report: FetchReport,
                 should_stop: Callable[[], bool]) -> list[int]:
    """Store the batch's messages one by one; return the UIDs that are safely stored."""
    log = current_app.logger
    done: list[int] = []
    fetched = client.fetch(batch, ["BODY.PEEK[]"])
    for position_in_batch, uid in enumerate(batch):
        if should_stop():
            report.stopped = True
            report.left += len(batch) - position_in_batch
            break
        data = fetched.get(uid)
        if data is None or b"BODY[]" not in data:
            continue  # gone meanwhile: another fetcher moved it (it was stored first)
        position = MailboxPosition(settings.folder, uidvalidity, uid)
        try:
            result = store(data[b"BODY[]"], position)
        except DATABASE_DOWN:
            log.warning("mail fetch: the database is unavailable; stopping at UID %d of %s, "
                        "left in the mailbox for the next run", uid, settings.folder)
            report.database_down = True
            report.left += len(batch) - position_in_batch
            break
        except Exception:
            log.exception("mail fetch: storing UID %d of %s failed; left in the mailbox",
                          uid, settings.folder)
            report.left += 1
            report.failed_uids.append(uid)
            continue
        if getattr(result, "duplicate", False):
            report.duplicates += 1
        else:
            report.stored += 1
        done.append(uid)
    return done


def _mark_stored(client: IMAPClient, settings: ImapSettings, uids: list[int]) -> None:
    """Move the stored messages to the processed folder, or flag them as stored.

    Another fetcher may have moved some of them meanwhile (after storing them: the store
    found them duplicates here); the server then refuses the whole command, so it is tried
    again with the ones still there.
    """
    if not uids:
        return
    try:
        _move_or_flag(client, settings, uids)
    except IMAPClientError:
        still_here = client.search(["UID", ",".join(map(str, uids)), "UNDELETED"])
        if still_here:
            _move_or_flag(client, settings, sorted(still_here))


def _move_or_flag(client: IMAPClient, settings: ImapSettings, uids: list[int]) -> None:
    if not settings.processed_folder:
        client.add_flags(uids, [STORED_KEYWORD, b"\\Seen"], silent=True)
        return
    if client.has_capability("MOVE"):
        client.move(uids, settings.processed_folder)
        return
    # Without MOVE (RFC 6851): copy, mark deleted, and expunge only these UIDs when the server
    # can (UIDPLUS); a plain EXPUNGE would also remove what others marked deleted.
    client.copy(uids, settings.processed_folder)
    client.add_flags(uids, [b"\\Deleted"], silent=True)
    if client.has_capability("UIDPLUS"):
        client.uid_expunge(uids)
    else:
        client.expunge()


def _close(client: IMAPClient) -> None:
    try:
        client.logout()
    except (OSError, IMAPClientError):
        try:
            client.shutdown()
        except OSError:
            pass


def _reason(error: BaseException) -> str:
    if isinstance(error, socket.timeout):
        return "no answer in time"
    text = error.args[0] if error.args else error
    if isinstance(text, bytes):
        text = text.decode(errors="replace")
    return str(text).strip().rstrip(".") or type(error).__name__


def run_loop(settings: ImapSettings, store: Store = store_in_database, *,
             interval: float, should_stop: Callable[[], bool],
             sleep: Callable[[float], None],
             on_report: Callable[[FetchReport], None] | None = None,
             after_round: Callable[[], None] | None = None,
             batch_size: int = BATCH_SIZE) -> None:
    """Fetch every ``interval`` seconds until ``should_stop``; IMAP and database failures are
    logged and tried again next round, so the service recovers by itself."""
    log = current_app.logger
    while not should_stop():
        try:
            report = fetch_once(settings, store, should_stop=should_stop,
                                batch_size=batch_size)
        except FetchError as error:
            log.error("mail fetch failed; retrying in %gs: %s", interval, error)
        else:
            if on_report is not None:
                on_report(report)
        if after_round is not None:
            after_round()
        if not should_stop():
            sleep(interval)
