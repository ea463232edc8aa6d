"""SQLite that cannot write: opened read-only, and a disk that fills up as requests arrive.

Each test builds its own SQLite file from migrations/, so these run in both CI passes (on the
PostgreSQL pass too): with test_database_outage.py they are the database faults of both. A
write that fails answers the friendly 503, the public form comes back with everything typed,
pages that only read keep working, and afterwards the file passes ``PRAGMA integrity_check``
with no half-written request in it.
"""

from __future__ import annotations

import logging
import sqlite3
from datetime import timedelta

import pytest
from flask_migrate import upgrade
from sqlalchemy import event as sa_event, text

from accessreq import create_app
from accessreq.events.models import AccommodationType, Event
from accessreq.extensions import db
from accessreq.requests.models import ContactChannel
from accessreq.requests.services import Submission, submit_request
from accessreq.timeutil import utcnow

from helpers import base_config
from faults.checks import (FormFiller, assert_form_kept, assert_no_half_written_request,
                           stored_requests)

SEEDED_EMAIL = "seeded@example.net"


@pytest.fixture
def sqlite_file(tmp_path) -> dict:
    """A migrated SQLite file with one event taking requests and one request already in it."""
    path = tmp_path / "faults.sqlite3"
    app = create_app(base_config(f"sqlite:///{path}", tmp_path))
    with app.app_context():
        upgrade()
        kind = AccommodationType(name="Sign language interpretation", lead_time_days=14,
                                 description="An interpreter on stage.", position=1,
                                 details_label="Which sign language?")
        starts = utcnow() + timedelta(days=30)
        event = Event(title="Lecture on access", starts_at=starts,
                      ends_at=starts + timedelta(hours=2), venue="Main Hall",
                      accommodation_types=[kind])
        db.session.add(event)
        db.session.commit()
        _, status_url = submit_request(event, Submission(
            contact_name="Seeded Person", contact_email=SEEDED_EMAIL,
            contact_channel=ContactChannel.EMAIL, accommodations={kind.id: ""}, consented=True))
        info = {"path": path, "event_id": event.id, "status_path": status_url.split("test", 1)[1]}
        db.session.remove()
        db.engine.dispose()
    return info


def _integrity(path) -> str:
    with sqlite3.connect(path) as connection:
        return connection.execute("PRAGMA integrity_check").fetchone()[0]


def _assert_pages_that_only_read_still_work(client, info) -> None:
    for path in ("/", f"/events/{info['event_id']}", f"/events/{info['event_id']}/request",
                 info["status_path"]):
        response = client.get(path)
        assert response.status_code == 200, path


def test_asvs_7_1_2_read_only_database_answers_a_friendly_503_keeps_the_form_logs_nothing(
        sqlite_file, tmp_path, caplog):
    # As root, file permissions would not stop writes: SQLite's own read-only mode does.
    url = f"sqlite:///file:{sqlite_file['path']}?mode=ro&uri=true"
    app = create_app(base_config(url, tmp_path))
    client = app.test_client()
    form_path = f"/events/{sqlite_file['event_id']}/request"
    complaints: list[str] = []
    with app.app_context():
        filler = FormFiller(db.session.get(Event, sqlite_file["event_id"]))
        sa_event.listen(db.engine, "handle_error",
                        lambda context: complaints.append(str(context.original_exception)))
    _assert_pages_that_only_read_still_work(client, sqlite_file)

    fields = filler.fields(1)
    with caplog.at_level(logging.WARNING):
        response = client.post(form_path, data=fields)
    assert response.status_code == 503
    assert response.headers["Retry-After"] == "60"
    assert_form_kept(response.get_data(as_text=True), fields)
    assert complaints == ["attempt to write a readonly database"]
    # The log says what failed and where, by route pattern, with nothing the person typed.
    [record] = [r for r in caplog.records if "Database unavailable" in r.getMessage()]
    message = record.getMessage()
    assert "OperationalError" in message and "/events/<int" in message
    for private in fields.values():
        assert str(private) not in message

    _assert_pages_that_only_read_still_work(client, sqlite_file)  # still, after the refusal
    with app.app_context():
        assert set(stored_requests()) == {SEEDED_EMAIL}
        assert_no_half_written_request()
        db.engine.dispose()
    assert _integrity(sqlite_file["path"]) == "ok"


def test_a_full_disk_answers_a_friendly_503_corrupts_nothing_and_passes(sqlite_file,
                                                                         tmp_path):
    """SQLite really returns SQLITE_FULL: every connection is capped some pages above the
    file's size (``PRAGMA max_page_count``), and submissions fill those pages."""
    app = create_app(base_config(f"sqlite:///{sqlite_file['path']}", tmp_path))
    client = app.test_client()
    form_path = f"/events/{sqlite_file['event_id']}/request"
    disk = {"pages": None}
    complaints: list[str] = []
    with app.app_context():
        filler = FormFiller(db.session.get(Event, sqlite_file["event_id"]))
        disk["pages"] = db.session.execute(text("PRAGMA page_count")).scalar() + 8
        db.session.remove()
        db.engine.dispose()

        # On every checkout, so freeing space later reaches connections already pooled.
        @sa_event.listens_for(db.engine, "checkout")
        def cap_the_disk(dbapi_connection, _record, _proxy):
            cursor = dbapi_connection.cursor()
            cursor.execute(f"PRAGMA max_page_count = {int(disk['pages'])}")
            cursor.close()

        @sa_event.listens_for(db.engine, "handle_error")
        def remember_the_complaint(context):
            complaints.append(str(context.original_exception))

    accepted: set[str] = set()
    for n in range(1, 60):
        fields = filler.fields(n)
        response = client.post(form_path, data=fields)
        if response.status_code != 303:
            break
        accepted.add(fields["contact_email"])
    else:
        pytest.fail("the capped database never filled up")
    assert len(accepted) >= 1, "the disk was full before the first submission: cap it higher"
    assert response.status_code == 503 and response.headers["Retry-After"] == "60"
    assert_form_kept(response.get_data(as_text=True), fields)
    assert complaints == ["database or disk is full"]  # SQLITE_FULL, nothing else

    # Still full: the next one is refused the same way, and reading still works.
    again = client.post(form_path, data=filler.fields(100))
    assert again.status_code == 503
    _assert_pages_that_only_read_still_work(client, sqlite_file)

    with app.app_context():
        assert db.session.execute(text("PRAGMA integrity_check")).scalar() == "ok"
        assert set(stored_requests()) == accepted | {SEEDED_EMAIL}  # exactly the 303s
        assert_no_half_written_request()
        db.session.remove()

    # Space is freed: the same process takes requests again, without a restart.
    disk["pages"] = 1_000_000
    assert client.post(form_path, data=filler.fields(200)).status_code == 303
    with app.app_context():
        assert len(stored_requests()) == len(accepted) + 2
        assert_no_half_written_request()
        db.engine.dispose()
    assert _integrity(sqlite_file["path"]) == "ok"

