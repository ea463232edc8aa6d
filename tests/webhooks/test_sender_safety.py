"""A webhook sender killed mid-batch loses nothing, and two senders never both deliver one
row (the email outbox's guarantees, tests/test_sender_crash.py and test_concurrency.py)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from accessreq.extensions import db
from accessreq.timeutil import utcnow
from accessreq.webhooks.models import DeliveryState, WebhookDelivery
from accessreq.webhooks.sender import claim_due_deliveries, deliver, send_due_deliveries

LOCAL = pytest.mark.app_config(WEBHOOKS_ALLOW_PRIVATE_TARGETS=True)


def _queue_many(make_request, count: int) -> set[str]:
    event = None
    for n in range(count):
        request, _ = make_request(event=event, contact_email=f"p{n}@example.net")
        event = request.event
    return set(db.session.scalars(select(WebhookDelivery.uid)))


@LOCAL
def test_several_senders_deliver_each_row_once(app, make_request, make_endpoint, receiver):
    make_endpoint(receiver.url, events=["request.created"])
    make_endpoint(receiver.url + "?second", events=["request.created"])
    expected = _queue_many(make_request, 12)  # 24 deliveries

    def sender(_):
        with app.app_context():
            return send_due_deliveries(batch_size=3)

    with ThreadPoolExecutor(max_workers=3) as pool:
        results = list(pool.map(sender, range(3)))
    assert sum(r.sent for r in results) == len(expected) == 24
    ids = Counter(r.headers["Accessreq-Webhook-Id"] for r in receiver.received)
    assert set(ids) == expected and set(ids.values()) == {1}
    assert set(db.session.scalars(select(WebhookDelivery.state))) == {DeliveryState.SENT}


@LOCAL
@pytest.mark.slow  # starts a process
def test_killing_a_sender_mid_batch_loses_nothing(app, make_request, make_endpoint, receiver):
    receiver.stall_at = 3
    make_endpoint(receiver.url, events=["request.created"])
    expected = _queue_many(make_request, 6)
    env = {**os.environ, "DATABASE_URL": app.config["SQLALCHEMY_DATABASE_URI"],
           "SECRET_KEY": app.config["SECRET_KEY"], "WEBHOOKS_ALLOW_PRIVATE_TARGETS": "true"}
    sender = subprocess.Popen(
        [sys.executable, "-m", "flask", "--app", "accessreq", "webhooks", "send"],
        env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    assert receiver.stalled.wait(30), "the sender never reached the third delivery"
    sender.send_signal(signal.SIGKILL)
    sender.wait(10)
    receiver.release.set()

    db.session.expire_all()
    counts = dict(db.session.execute(
        select(WebhookDelivery.state, func.count()).group_by(WebhookDelivery.state)).all())
    assert counts == {DeliveryState.SENT: 2, DeliveryState.SENDING: 4}
    assert send_due_deliveries().claimed == 0  # held by the dead sender, not yet stale

    later = utcnow() + timedelta(seconds=app.config["OUTBOX_CLAIM_TIMEOUT_SECONDS"] + 1)
    assert deliver(claim_due_deliveries(now=later)).sent == 4
    received = [r.headers["Accessreq-Webhook-Id"] for r in receiver.received]
    assert set(received) == expected  # every delivery arrived
    # Only the one in flight when the sender died can arrive twice, with the same id.
    assert len(received) == len(expected) + 1
    assert set(db.session.scalars(select(WebhookDelivery.state))) == {DeliveryState.SENT}
