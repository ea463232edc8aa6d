"""``flask bench load``: bulk synthetic requests for the benchmarks (never for production data).

Rows are written with Core inserts in batches, with explicit ids, so a million requests load in
minutes; a progress bar shows how far it is.
"""

from __future__ import annotations

import random
from datetime import timedelta

import click
from flask.cli import AppGroup
from sqlalchemy import func, insert, select, text

from .demo import load_demo
from .events.models import AccommodationType, Event
from .extensions import db
from .requests import counts
from .requests.models import AccessRequest, HistoryEntry, HistoryKind, RequestedAccommodation
from .requests.outcomes import ShortfallReason
from .requests.states import SHORTFALL_STATUSES, RequestStatus
from .security import REFERENCE_ALPHABET
from .timeutil import utcnow

bench_cli = AppGroup("bench", help="Synthetic data for the benchmarks.")

# History grows without bound and is nearly all finished; open work is bounded by the
# upcoming events, so the loader keeps a fixed number of open requests (--open).
FINISHED_WEIGHTS = {
    RequestStatus.CLOSED: 60, RequestStatus.ARRANGED: 20, RequestStatus.CANCELLED: 12,
    RequestStatus.UNABLE: 3, RequestStatus.PARTIALLY_ARRANGED: 5,
}
# Most closed requests were arranged first (the reports' "arranged" facts).
ARRANGED_ONCE = frozenset({RequestStatus.ARRANGED, RequestStatus.CLOSED})
OPEN_WEIGHTS = {RequestStatus.SUBMITTED: 4, RequestStatus.IN_REVIEW: 4, RequestStatus.NEEDS_INFO: 2}


def _reference(n: int) -> str:
    """A unique reference per number (the bench never collides with random ones in AR-…)."""
    chars = []
    for _ in range(6):
        n, digit = divmod(n, len(REFERENCE_ALPHABET))
        chars.append(REFERENCE_ALPHABET[digit])
    code = "".join(reversed(chars))
    return f"BR-{code[:4]}-{code[4:]}"


def _events(count: int, older_than: int | None = None) -> list[Event]:
    """The bench's events: from about two years ago to four months ahead, or (``older_than``
    days) only events that took place before then, for a history that is longer, not busier."""
    title = "Bench event" if older_than is None else "Bench history event"
    existing = list(db.session.scalars(select(Event).where(Event.title.like(f"{title} %"))))
    types = list(db.session.scalars(select(AccommodationType)))
    now = utcnow()
    for n in range(len(existing), count):
        days = (random.randint(-700, 120) if older_than is None
                else -older_than - random.randint(0, 3000))
        starts = now + timedelta(days=days, hours=random.randint(9, 20))
        event = Event(title=f"{title} {n}", starts_at=starts, ends_at=starts + timedelta(hours=2),
                      venue="Bench Hall", accommodation_types=types)
        db.session.add(event)
        existing.append(event)
    db.session.commit()
    return existing


@bench_cli.command("load")
@click.option("--requests", "total", type=int, default=1000, show_default=True)
@click.option("--events", "event_count", type=int, default=200, show_default=True)
@click.option("--batch", type=int, default=10_000, show_default=True)
@click.option("--open", "open_count", type=int, default=500, show_default=True,
              help="How many of them are still open (for upcoming events).")
@click.option("--seed", type=int, default=1, show_default=True)
@click.option("--older-than", type=int, default=None,
              help="Only for events over this many days ago (a longer history, not a busier "
                   "present); none of them open.")
def load(total: int, event_count: int, batch: int, open_count: int, seed: int,
         older_than: int | None) -> None:
    """Add TOTAL synthetic requests (with an item and a history entry each)."""
    random.seed(seed)
    load_demo()
    if older_than is not None:
        open_count = 0
    events = [(e.id, e.starts_at, e.created_at) for e in _events(event_count, older_than)]
    types = [(t.id, t.lead_time_days) for t in db.session.scalars(select(AccommodationType))]
    finished, finished_weights = zip(*FINISHED_WEIGHTS.items())
    open_, open_weights = zip(*OPEN_WEIGHTS.items())
    upcoming = [e for e in events if e[1] > utcnow()] or events
    open_every = max(1, total // max(1, open_count)) if open_count else 0
    start_id = (db.session.scalar(select(func.max(AccessRequest.id))) or 0) + 1
    history_id = (db.session.scalar(select(func.max(HistoryEntry.id))) or 0) + 1
    item_id = (db.session.scalar(select(func.max(RequestedAccommodation.id))) or 0) + 1
    now = utcnow()
    with click.progressbar(length=total, label="Loading requests") as bar:
        for offset in range(0, total, batch):
            size = min(batch, total - offset)
            requests, items, history = [], [], []
            for k in range(size):
                rid = start_id + offset + k
                n = offset + k
                if open_every and n % open_every == 0 and n // open_every < open_count:
                    event_id, starts_at, _ = random.choice(upcoming)
                    status = random.choices(open_, open_weights)[0]
                else:
                    event_id, starts_at, _ = random.choice(events)
                    status = random.choices(finished, finished_weights)[0]
                type_id, lead = random.choice(types)
                created = min(now, starts_at) - timedelta(days=random.randint(1, 60))
                due = starts_at - timedelta(days=lead)
                arranged = (min(created + timedelta(days=random.uniform(0.5, 12)), now)
                            if status in ARRANGED_ONCE else None)
                requests.append({
                    "id": rid, "reference": _reference(rid), "event_id": event_id,
                    "status": status.value, "version": 1, "contact_name": f"Bench Person {rid}",
                    "contact_email": f"person{rid}@bench.invalid", "contact_phone": "",
                    "contact_channel": "email", "attendee_name": None, "anything_else": "",
                    "consented_at": created, "assignee_id": None,
                    "due_at": due, "created_at": created,
                    "updated_at": created, "purged_at": None,
                    "received_late": created.date() > due.date(),
                    "first_arranged_at": arranged,
                    "shortfall_reason": (random.choice(list(ShortfallReason)).value
                                         if status in SHORTFALL_STATUSES else None),
                })
                items.append({"id": item_id + offset + k, "request_id": rid,
                              "accommodation_type_id": type_id, "details": ""})
                history.append({"id": history_id + offset + k, "request_id": rid,
                                "kind": HistoryKind.SUBMITTED.value, "at": created,
                                "to_status": RequestStatus.SUBMITTED.value, "body": ""})
            db.session.execute(insert(AccessRequest.__table__), requests)
            db.session.execute(insert(RequestedAccommodation.__table__), items)
            db.session.execute(insert(HistoryEntry.__table__), history)
            db.session.commit()
            bar.update(size)
    if db.engine.dialect.name == "postgresql":
        for table in ("access_request", "requested_accommodation", "history_entry"):
            db.session.execute(text(
                f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT max(id) FROM {table}))"))
        db.session.execute(text("ANALYZE"))
        db.session.commit()
    counts.recount()
    count = db.session.scalar(select(func.count()).select_from(AccessRequest))
    click.echo(f"Done: {count} requests in the database.")
