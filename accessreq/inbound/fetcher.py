"""The IMAP fetcher: reads the access mailbox and hands each batch to the store, then moves it
to the processed folder (or flags it) — never before the store has committed it.

The order for every batch is: take (or renew) the mailbox's lease, FETCH BODY.PEEK[] (the
messages stay unread), store (which commits the whole batch at once, and is idempotent: a
message stored before counts as a duplicate), renew the lease, and only then MOVE or flag what
that commit made durable. A fetcher killed at any point therefore stores every message exactly
once: whatever was committed and not yet moved is fetched again, found to be a duplicate, and
moved; a batch killed before its commit is simply fetched again. The lease (``lease.py``) lets
one fetcher at a time work on a mailbox, so two fetchers never move the same batch; should a
lease run out under a slow fetcher, the unique key still stores each message once.

The store is a callable, so tests and benchmarks can give their own: a batch store (marked
with :func:`batch_store`: takes the batch, commits once) or a store of one message at a time
(commits each). The command line uses :func:`store_in_database`, a batch store over
``inbound.services.store_batch``.
"""

from __future__ import annotations

import socket
import ssl
import time
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
# How long a fetcher's hold on a mailbox lasts without renewal (renewed before every batch and
# every move), unless IMAP_LEASE_SECONDS says otherwise; far longer than a batch takes.
LEASE_SECONDS = 120
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


# One message at a time: store (and commit) it, return a result with ``duplicate``.
Store = Callable[[bytes, MailboxPosition], Any]
# A batch (marked with @batch_store): store every message, commit once, return one result per
# message handled — an exception instance for one it could not store — fewer when
# ``should_stop`` said stop; raise a DATABASE_DOWN error when nothing could be committed.
BatchStore = Callable[[list[tuple[bytes, MailboxPosition]], Callable[[], bool]], list[Any]]


def batch_store(function: BatchStore) -> BatchStore:
    """Mark ``function`` as a store that takes a whole batch."""
    function.stores_batches = True  # type: ignore[attr-defined]
    return function


@dataclass
class FetchReport:
    stored: int = 0
    duplicates: int = 0  # already stored earlier (a previous run, or another fetcher)
    left: int = 0  # still in the mailbox for a later run: refused by the store, or not reached
    database_down: bool = False
    stopped: bool = False  # asked to stop between messages
    busy: bool = False  # another fetcher holds the mailbox's lease: nothing was fetched
    lease_lost: bool = False  # our lease ran out and another fetcher took over: we stopped
    failed_uids: list[int] = field(default_factory=list)

    def summary(self) -> str:
        if self.busy:
            return "Mail: another fetcher is working on this mailbox; nothing fetched."
        return (f"Mail: {self.stored} stored, {self.duplicates} already stored, "
                f"{self.left} left for later.")


@batch_store
def store_in_database(messages: list[tuple[bytes, MailboxPosition]],
                      should_stop: Callable[[], bool]) -> list[Any]:
    """The store the command line uses: parse, thread and store a batch, one commit."""
    from .services import store_batch

    return store_batch(messages, source="imap", should_stop=should_stop)


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


def fetch_once(settings: ImapSettings, store: Store | BatchStore = store_in_database, *,
               should_stop: Callable[[], bool] = lambda: False,
               progress: Callable[[FetchReport], None] | None = None,
               batch_size: int = BATCH_SIZE, use_lease: bool = True) -> FetchReport:
    """Store every message waiting in the folder, then move or flag it; say what happened.

    Only one fetcher works on a mailbox at a time: when another holds its lease, this logs one
    line and returns a report with ``busy`` set. A message the store refuses with an error is
    logged and left where it is, and the rest go on; a database outage stops the run (what was
    committed is still moved, nothing else), and so does ``should_stop`` between messages.
    IMAP failures raise :class:`FetchError`. ``use_lease=False`` is for callers that keep
    fetchers apart themselves (tests of the store's own exactly-once guarantee).
    """
    log = current_app.logger
    report = FetchReport()
    hold = _Hold(settings) if use_lease else None
    if hold is not None:
        try:
            if not hold.take():
                log.info("mail fetch: another fetcher is working on %s; leaving it to them",
                         settings.folder)
                report.busy = True
                return report
        except DATABASE_DOWN:
            _database_down_at_lease(log, report)
            return report
    try:
        _fetch_all(settings, store, report, should_stop, progress, batch_size, hold)
    finally:
        if hold is not None:
            hold.give_back()
    log.info("mail fetch: %d stored, %d already stored, %d left for later%s", report.stored,
             report.duplicates, report.left,
             " (database unavailable)" if report.database_down else "")
    return report


def _database_down_at_lease(log, report: FetchReport) -> None:
    from ..extensions import db

    db.session.rollback()
    log.warning("mail fetch: the database is unavailable; nothing fetched, trying next run")
    report.database_down = True


class _Hold:
    """This run's lease on the mailbox (see lease.py)."""

    def __init__(self, settings: ImapSettings) -> None:
        from . import lease

        self._lease = lease
        self.key = lease.mailbox_key(settings.host, settings.username, settings.folder)
        self.holder = lease.new_holder()
        self.seconds = float(current_app.config.get("IMAP_LEASE_SECONDS") or LEASE_SECONDS)
        self._renewed_at = 0.0

    def take(self) -> bool:
        started = time.monotonic()
        taken = self._lease.acquire(self.key, self.holder, self.seconds)
        self._renewed_at = started
        return taken

    def renew(self) -> bool:
        """Still ours (renewed)? Raises when the database is away."""
        started = time.monotonic()
        kept = self._lease.renew(self.key, self.holder, self.seconds)
        self._renewed_at = started
        return kept

    def safe_to_move(self) -> bool:
        """Renew before moving; with the database away, move only while the lease surely has
        not run out yet (less than half its time since the last renewal)."""
        from ..extensions import db

        try:
            return self.renew()
        except DATABASE_DOWN:
            db.session.rollback()
            return time.monotonic() < self._renewed_at + self.seconds / 2

    def give_back(self) -> None:
        from ..extensions import db

        try:
            self._lease.release(self.key, self.holder)
        except Exception:  # noqa: BLE001 (the lease expires by itself)
            db.session.rollback()
            current_app.logger.warning("mail fetch: could not give the mailbox lease back; "
                                       "it expires in %gs", self.seconds)


def _fetch_all(settings: ImapSettings, store, report: FetchReport,
               should_stop: Callable[[], bool],
               progress: Callable[[FetchReport], None] | None, batch_size: int,
               hold: _Hold | None) -> None:
    log = current_app.logger
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
            if hold is not None and start and not _still_held(hold, log, settings, report):
                report.left += len(uids) - start
                break
            if getattr(store, "stores_batches", False):
                done = _store_batch(client, settings, uidvalidity, batch, store, report,
                                    should_stop)
            else:
                done = _fetch_batch(client, settings, uidvalidity, batch, store, report,
                                    should_stop)
            if hold is not None and done and not hold.safe_to_move():
                # Committed, not moved: the fetcher that took over finds them stored.
                _lost(log, settings, report)
                report.left += len(uids) - start - len(batch)
                break
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


def _still_held(hold: _Hold, log, settings: ImapSettings, report: FetchReport) -> bool:
    """Renew the lease before the next batch; False (and why, in the report) when the batch
    must not be fetched: the lease was lost, or the database is away."""
    from ..extensions import db

    try:
        if hold.renew():
            return True
    except DATABASE_DOWN:
        db.session.rollback()
        log.warning("mail fetch: the database is unavailable; the rest of %s is left for the "
                    "next run", settings.folder)
        report.database_down = True
        return False
    _lost(log, settings, report)
    return False


def _lost(log, settings: ImapSettings, report: FetchReport) -> None:
    log.warning("mail fetch: the lease on %s ran out and another fetcher took over; stopping",
                settings.folder)
    report.lease_lost = True


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
        except Exception as error:
            log.exception("mail fetch: storing UID %d of %s failed; left in the mailbox",
                          uid, settings.folder)
            result = error
        if _counted(report, uid, result):
            done.append(uid)
    return done


def _counted(report: FetchReport, uid: int, result: Any) -> bool:
    """Count one message's outcome in the report; True when it is safely stored (so it may be
    moved), False when the store refused it (it stays in the mailbox)."""
    if isinstance(result, BaseException):
        report.left += 1
        report.failed_uids.append(uid)
        return False
    if getattr(result, "duplicate", False):
        report.duplicates += 1
    else:
        report.stored += 1
    return True


def _store_batch(client: IMAPClient, settings: ImapSettings, uidvalidity: int,
                 batch: list[int], store: BatchStore, report: FetchReport,
                 should_stop: Callable[[], bool]) -> list[int]:
    """Store the batch in one go; return the UIDs its commit made safe."""
    log = current_app.logger
    fetched = client.fetch(batch, ["BODY.PEEK[]"])
    held = [(uid, fetched[uid][b"BODY[]"]) for uid in batch
            if uid in fetched and b"BODY[]" in fetched[uid]]  # gone: another fetcher moved it
    if not held:
        return []
    try:
        results = store([(raw, MailboxPosition(settings.folder, uidvalidity, uid))
                         for uid, raw in held], should_stop)
    except DATABASE_DOWN:
        log.warning("mail fetch: the database is unavailable; the batch from UID %d of %s is "
                    "not stored and left in the mailbox for the next run", held[0][0],
                    settings.folder)
        report.database_down = True
        report.left += len(held)
        return []
    done: list[int] = []
    for (uid, _raw), result in zip(held, results):
        if isinstance(result, BaseException):
            log.error("mail fetch: storing UID %d of %s failed (%s); left in the mailbox",
                      uid, settings.folder, type(result).__name__)
        if _counted(report, uid, result):
            done.append(uid)
    if len(results) < len(held):
        report.stopped = True
        report.left += len(held) - len(results)
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


def run_loop(settings: ImapSettings, store: Store | BatchStore = store_in_database, *,
             interval: float, should_stop: Callable[[], bool],
             sleep: Callable[[float], None],
             on_report: Callable[[FetchReport], None] | None = None,
             after_round: Callable[[], None] | None = None,
             batch_size: int = BATCH_SIZE) -> None:
    """Fetch every ``interval`` seconds until ``should_stop``; IMAP and database failures, and
    a mailbox another fetcher is working on, are logged and tried again next round, so the
    service recovers by itself."""
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
