"""Mail fetcher rate vs IMAPClient fetching the very same messages without storing them.

    python bench/inbound_rate.py [--messages 2000] [--database sqlite|postgresql]

Both sides read the same Dovecot (started here, as the tests start it: tests/helpers_imap.py)
in batches of 50 with BODY.PEEK[]. The fetcher also stores each batch through
``inbound.services.store_batch`` (parse, classify, thread; a savepoint per message, one commit
per batch), with the mailbox lease taken and renewed as in production, and moves each batch to
the processed folder. Every message is a reply from a new sender that matches no request, so
each also queues the automatic answer (the costliest path). Target: ≥ 0.5×. It also prints the
fetcher's rate with a store that does nothing (fetch and MOVE only), to tell the fetcher's share
from the store's.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))

from bench.support import fresh_database, record  # noqa: E402

TARGET = 0.5
BATCH = 50
PROCESSED = "Processed"


def message(number: int) -> bytes:
    """A reply shaped like a real one: a few lines, a quote, a signature, ~1.5 kB."""
    quoted = "".join(f"> Line {line} of what the access team wrote before.\r\n"
                     for line in range(20))
    return (f"From: Attendee {number} <attendee{number}@example.net>\r\n"
            f"To: Access team <access@example.org>\r\n"
            f"Subject: Re: Your request AR-BENC-{number % 100:02d}\r\n"
            f"Message-ID: <bench-{number}-{time.time_ns()}@example.net>\r\n"
            f"In-Reply-To: <not-ours-{number}@example.org>\r\n"
            f"Date: Tue, 01 Dec 2026 10:00:00 +0000\r\n"
            f"MIME-Version: 1.0\r\n"
            f"Content-Type: text/plain; charset=utf-8\r\n\r\n"
            f"Thank you. The interpreter's name is fine, and my companion will come too.\r\n\r\n"
            f"On Mon, 30 Nov 2026, Access team wrote:\r\n{quoted}\r\n"
            f"-- \r\nAttendee {number}\r\n").encode()


def put_messages(dovecot, count: int) -> None:
    print(f"Putting {count} messages in the mailbox…", flush=True)
    with dovecot.client() as client:
        for number in range(count):
            client.append("INBOX", message(number))


def raw_fetch_seconds(dovecot) -> tuple[float, int]:
    """The baseline: log in, select, search and FETCH BODY.PEEK[] every message, 50 at a time."""
    started = time.perf_counter()
    with dovecot.client() as client:
        client.select_folder("INBOX", readonly=True)
        uids = sorted(client.search(["UNDELETED"]))
        fetched = 0
        for start in range(0, len(uids), BATCH):
            fetched += sum(len(data[b"BODY[]"]) > 0 for data in
                           client.fetch(uids[start:start + BATCH], ["BODY.PEEK[]"]).values())
    return time.perf_counter() - started, fetched


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--messages", type=int, default=2000)
    parser.add_argument("--database", choices=["sqlite", "postgresql"], default="sqlite")
    args = parser.parse_args()

    from flask_migrate import upgrade
    from sqlalchemy import func, select

    from accessreq import create_app
    from accessreq.extensions import db
    from accessreq.inbound.fetcher import ImapSettings, fetch_once, store_in_database
    from accessreq.inbound.models import InboundMessage
    from helpers_imap import Dovecot, dovecot_available

    if not dovecot_available():
        sys.exit("Dovecot is needed: apt-get install -y dovecot-imapd")
    dovecot = Dovecot()
    dovecot.start()
    try:
        put_messages(dovecot, args.messages)
        with fresh_database(args.database) as url:
            app = create_app({"SQLALCHEMY_DATABASE_URI": url,
                              "SECRET_KEY": "bench-secret-key-0123456789abcdef",
                              "RATELIMIT_ENABLED": False})
            with app.app_context():
                upgrade()
                db.session.remove()

                raw_seconds, count = raw_fetch_seconds(dovecot)
                assert count == args.messages, count

                settings = ImapSettings.from_config(
                    dovecot.settings(IMAP_PROCESSED_FOLDER=PROCESSED))
                started = time.perf_counter()
                dry = fetch_once(settings, lambda raw, position: None, batch_size=BATCH)
                dry_seconds = time.perf_counter() - started
                assert dry.stored == args.messages, dry
                put_messages(dovecot, args.messages)  # the dry run moved them away

                started = time.perf_counter()
                report = fetch_once(settings, store_in_database, batch_size=BATCH)
                fetcher_seconds = time.perf_counter() - started
                rows = db.session.scalar(select(func.count()).select_from(InboundMessage))
                assert report.stored == args.messages == rows, (report, rows)
                assert not dovecot.messages()
                db.session.remove()
                db.engine.dispose()
    finally:
        dovecot.stop()

    raw_rate, fetcher_rate = count / raw_seconds, count / fetcher_seconds
    ratio = fetcher_rate / raw_rate
    print(f"IMAPClient fetch only: {raw_rate:.0f} msg/s; mail fetch without storing (fetch "
          f"and move): {count / dry_seconds:.0f} msg/s; mail fetch (store and move): "
          f"{fetcher_rate:.0f} msg/s; ratio {ratio:.2f}×")
    record(f"mail fetch, store and move ({args.database})", {
        "measured": f"{fetcher_rate:.0f} msg/s",
        "baseline": f"IMAPClient fetch only {raw_rate:.0f} msg/s",
        "ratio": ratio, "target": f"≥ {TARGET}×", "met": ratio >= TARGET,
        "command": f"python bench/inbound_rate.py --database {args.database}",
    })


if __name__ == "__main__":
    main()
