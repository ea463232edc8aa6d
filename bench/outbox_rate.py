"""Outbox delivery rate vs raw smtplib sending the same messages over one connection.

    python bench/outbox_rate.py [--messages 2000] [--database sqlite|postgresql]

Both sides send to the same local aiosmtpd sink (its own process). Target: ≥ 0.8×.
"""

from __future__ import annotations

import argparse
import smtplib
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.support import PYTHON, fresh_database, free_port, record  # noqa: E402

TARGET = 0.8


def start_sink(port: int) -> subprocess.Popen:
    process = subprocess.Popen([PYTHON, "-m", "aiosmtpd", "-n", "-c", "aiosmtpd.handlers.Sink",
                                "-l", f"127.0.0.1:{port}"])
    deadline = time.time() + 15
    while time.time() < deadline:
        try:
            smtplib.SMTP("127.0.0.1", port, timeout=2).quit()
            return process
        except OSError:
            time.sleep(0.1)
    process.kill()
    sys.exit("the aiosmtpd sink did not start")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--messages", type=int, default=2000)
    parser.add_argument("--database", choices=["sqlite", "postgresql"], default="sqlite")
    args = parser.parse_args()

    from flask_migrate import upgrade
    from sqlalchemy import func, select, update

    from accessreq import create_app
    from accessreq.demo import load_demo
    from accessreq.events.models import Event
    from accessreq.extensions import db
    from accessreq.notifications.models import EmailStatus, OutgoingEmail
    from accessreq.notifications.sender import send_due_emails
    from accessreq.requests.models import ContactChannel
    from accessreq.requests.services import Submission, submit_request

    port = free_port()
    sink = start_sink(port)
    try:
        with fresh_database(args.database) as url:
            app = create_app({"SQLALCHEMY_DATABASE_URI": url,
                              "SECRET_KEY": "bench-secret-key-0123456789abcdef",
                              "MAIL_SERVER": "127.0.0.1", "MAIL_PORT": port,
                              "MAIL_SUPPRESS_SEND": False, "RATELIMIT_ENABLED": False})
            with app.app_context():
                upgrade()
                load_demo()
                event = db.session.scalars(select(Event).order_by(Event.starts_at.desc())).first()
                print(f"Queuing {args.messages} messages…", flush=True)
                for n in range(args.messages // 2):  # each request queues two messages
                    submit_request(event, Submission(
                        contact_name=f"Bench {n}", contact_email=f"bench{n}@example.net",
                        contact_channel=ContactChannel.EMAIL,
                        accommodations={event.offered_types[0].id: ""}, consented=True))
                rows = list(db.session.scalars(select(OutgoingEmail).order_by(OutgoingEmail.id)))
                # The baseline sends the very bytes the outbox will send.
                prepared = [("access@example.org", [r.to_address], r.mime) for r in rows]
                count = len(prepared)
                db.session.remove()  # a sender process starts with an empty session

                started = time.perf_counter()
                with smtplib.SMTP("127.0.0.1", port) as raw:
                    for sender, to, data in prepared:
                        raw.sendmail(sender, to, data)
                raw_seconds = time.perf_counter() - started

                started = time.perf_counter()
                result = send_due_emails(batch_size=50)
                outbox_seconds = time.perf_counter() - started
                sent = db.session.scalar(select(func.count()).select_from(OutgoingEmail)
                                         .where(OutgoingEmail.status == EmailStatus.SENT))
                assert result.sent == count == sent, (result, count, sent)
                db.session.execute(update(OutgoingEmail).values(status=EmailStatus.PENDING))
                db.session.remove()
                db.engine.dispose()
    finally:
        sink.terminate()
        sink.wait(10)

    raw_rate, outbox_rate = count / raw_seconds, count / outbox_seconds
    ratio = outbox_rate / raw_rate
    print(f"raw smtplib: {raw_rate:.0f} msg/s; outbox: {outbox_rate:.0f} msg/s; ratio {ratio:.2f}×")
    record(f"outbox delivery ({args.database})", {
        "measured": f"{outbox_rate:.0f} msg/s", "baseline": f"raw smtplib {raw_rate:.0f} msg/s",
        "ratio": ratio, "target": f"≥ {TARGET}×", "met": ratio >= TARGET,
        "command": f"python bench/outbox_rate.py --database {args.database}",
    })


if __name__ == "__main__":
    main()
