"""Several app processes and mail senders at once: nothing duplicated, nothing lost."""

from __future__ import annotations

import threading
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

from sqlalchemy import func, select

from accessreq.events.models import Event
from accessreq.extensions import db
from accessreq.notifications.models import EmailStatus, OutgoingEmail
from accessreq.notifications.sender import claim_due_emails, deliver, send_due_emails
from accessreq.requests.models import AccessRequest, ContactChannel
from accessreq.requests.services import StaleRequestError, Submission, submit_request
from accessreq.requests.states import RequestStatus
from accessreq.timeutil import utcnow
from accessreq.triage.services import change_status



def _submission(event, n: int) -> Submission:
    return Submission(contact_name=f"Person {n}", contact_email=f"p{n}@example.net",
                      contact_channel=ContactChannel.EMAIL,
                      accommodations={event.offered_types[0].id: ""}, consented=True)


def test_concurrent_submissions_get_unique_references(app, make_event):
    event_id = make_event().id

    def submit(n: int) -> str:
        with app.app_context():
            event = db.session.get(Event, event_id)
            request, _ = submit_request(event, _submission(event, n))
            return request.reference

    with ThreadPoolExecutor(max_workers=8) as pool:
        references = list(pool.map(submit, range(40)))
    assert len(set(references)) == 40
    assert db.session.scalar(select(func.count()).select_from(AccessRequest)) == 40


def test_second_of_two_simultaneous_edits_is_refused(app, make_request, make_staff):
    request, _ = make_request()
    first, second = make_staff(), make_staff()
    request_id = request.id
    loaded = threading.Barrier(2)
    outcomes: dict[str, object] = {}

    def edit(name: str, staff_id: int, target: RequestStatus, delay: float):
        with app.app_context():
            from accessreq.auth.models import StaffUser

            mine = db.session.get(AccessRequest, request_id)
            version = mine.version
            loaded.wait()  # both have read the same version
            time.sleep(delay)
            try:
                change_status(mine, db.session.get(StaffUser, staff_id), target,
                              message="Details please", expected_version=version)
                outcomes[name] = "saved"
            except StaleRequestError as error:
                outcomes[name] = error

    threads = [
        threading.Thread(target=edit, args=("a", first.id, RequestStatus.IN_REVIEW, 0)),
        threading.Thread(target=edit, args=("b", second.id, RequestStatus.NEEDS_INFO, 0.5)),
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert outcomes["a"] == "saved"
    assert isinstance(outcomes["b"], StaleRequestError)
    assert "changed while you were editing" in str(outcomes["b"])
    db.session.expire_all()
    saved = db.session.get(AccessRequest, request_id)
    assert saved.status == RequestStatus.IN_REVIEW
    assert saved.version == 2


def _queue_many(make_request, count: int) -> set[str]:
    event = None
    for n in range(count):
        request, _ = make_request(event=event, contact_email=f"p{n}@example.net")
        event = request.event
    return set(db.session.scalars(select(OutgoingEmail.message_id)))


def test_several_senders_deliver_each_message_exactly_once(app, smtp_server, make_request):
    expected = _queue_many(make_request, 15)  # 30 messages

    def sender():
        with app.app_context():
            return send_due_emails(batch_size=4)

    with ThreadPoolExecutor(max_workers=3) as pool:
        results = list(pool.map(lambda _: sender(), range(3)))
    assert sum(r.sent for r in results) == len(expected)
    delivered = [m["Message-ID"] for m in smtp_server.messages]
    assert sorted(delivered) == sorted(expected)
    statuses = db.session.scalars(select(OutgoingEmail.status)).all()
    assert set(statuses) == {EmailStatus.SENT}


def test_rows_claimed_by_a_dead_sender_are_claimed_again_after_the_timeout(
        app, smtp_server, make_request):
    expected = _queue_many(make_request, 3)  # 6 messages
    abandoned = claim_due_emails(limit=4)  # this sender dies before delivering
    assert len(abandoned) == 4
    assert send_due_emails().sent == 2  # only the unclaimed ones are due now
    later = utcnow() + timedelta(seconds=app.config["OUTBOX_CLAIM_TIMEOUT_SECONDS"] + 1)
    reclaimed = claim_due_emails(now=later)
    assert {r.id for r in reclaimed} == {r.id for r in abandoned}
    assert deliver(reclaimed).sent == 4
    assert sorted(m["Message-ID"] for m in smtp_server.messages) == sorted(expected)
