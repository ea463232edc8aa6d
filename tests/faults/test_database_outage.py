"""PostgreSQL goes away while people send the public form, and comes back.

The app runs in a real threaded HTTP server on 127.0.0.1 and reaches PostgreSQL through a TCP
proxy of our own (tests/faults/proxy.py). Cutting the proxy drops every live connection and
refuses new ones, then restoring it lets connections through again: to the app this is what a
PostgreSQL restart looks like, without restarting the server that other work on this machine
shares. During the outage every page answers a friendly 503 with ``Retry-After`` (the public
form comes back with everything typed and says nothing was saved), ``/readyz`` answers 503;
afterwards the app serves again without a restart, and no request is half written.

On SQLite there is no connection to cut: its faults (read-only, disk full) are in
test_sqlite_faults.py.
"""

from __future__ import annotations

import http.client
import itertools
import threading
import time
from dataclasses import dataclass
from urllib.parse import urlencode

import pytest
from sqlalchemy.engine import make_url
from sqlalchemy.exc import OperationalError
from werkzeug.serving import make_server

from accessreq import create_app
from accessreq.extensions import db
from accessreq.requests import outage

from helpers import base_config
from faults.checks import (assert_form_kept, assert_no_half_written_request, assert_no_internals,
                           FormFiller, stored_requests)
from faults.proxy import CuttableProxy

OUTAGE_SECONDS = 3
SUBMITTERS = 4


@pytest.fixture
def postgres_url(app):
    url = make_url(app.config["SQLALCHEMY_DATABASE_URI"])
    if url.get_backend_name() != "postgresql":
        pytest.skip("needs PostgreSQL (TEST_DATABASE_URL): SQLite has no connection to cut; "
                    "its faults, read-only and disk full, are in test_sqlite_faults.py")
    return url


@pytest.fixture
def proxy(postgres_url):
    proxy = CuttableProxy(postgres_url.host or "127.0.0.1", postgres_url.port or 5432).start()
    yield proxy
    proxy.stop()


@dataclass
class Served:
    host: str
    port: int
    app: object

    def request(self, method: str, path: str, fields: dict | None = None):
        """One HTTP exchange on a fresh connection: (status, headers, body)."""
        connection = http.client.HTTPConnection(self.host, self.port, timeout=30)
        try:
            body = urlencode(fields, doseq=True) if fields is not None else None
            headers = {"Content-Type": "application/x-www-form-urlencoded"} if body else {}
            connection.request(method, path, body=body, headers=headers)
            response = connection.getresponse()
            return response.status, dict(response.getheaders()), response.read().decode()
        finally:
            connection.close()


@pytest.fixture
def served(app, proxy, postgres_url, tmp_path):
    """The app in a threaded server, its database reached only through the proxy."""
    proxied = postgres_url.set(host=proxy.host, port=proxy.port)
    web = create_app(base_config(proxied.render_as_string(hide_password=False), tmp_path))
    assert web.config["SQLALCHEMY_ENGINE_OPTIONS"]["pool_pre_ping"]  # as in production
    server = make_server("127.0.0.1", 0, web, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    outage._copies.clear()  # each test starts as a freshly started process would
    yield Served("127.0.0.1", server.server_port, web)
    server.shutdown()
    thread.join(10)
    with web.app_context():
        db.engine.dispose()


@dataclass
class Attempt:
    fields: dict
    started: float
    status: int
    headers: dict
    body: str


def _wait_for(condition, timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.05)


@pytest.mark.slow
def test_asvs_7_4_1_database_restart_while_submissions_flow_answers_a_friendly_503(
        app, make_event, served, proxy):
    event = make_event()
    path = f"/events/{event.id}/request"
    assert served.request("GET", path)[0] == 200  # people open the form before sending it
    filler = FormFiller(event)
    numbers = itertools.count(1)
    attempts: list[Attempt] = []
    lock = threading.Lock()
    stop = threading.Event()

    def submit_until_stopped() -> None:
        while not stop.is_set():
            fields = filler.fields(next(numbers))
            started = time.monotonic()
            status, headers, body = served.request("POST", path, fields)
            with lock:
                attempts.append(Attempt(fields, started, status, headers, body))
            time.sleep(0.02)

    def count(status: int, since: float = 0.0) -> int:
        with lock:
            return sum(a.status == status and a.started >= since for a in attempts)

    submitters = [threading.Thread(target=submit_until_stopped) for _ in range(SUBMITTERS)]
    for thread in submitters:
        thread.start()
    try:
        _wait_for(lambda: count(303) >= 5, 20, "submissions before the outage")
        assert proxy.live_connections > 0  # the pool holds connections for the cut to drop

        proxy.cut()
        cut_at = time.monotonic()
        _wait_for(lambda: count(503, cut_at) >= 3, 10, "answers during the outage")
        status, headers, body = served.request("GET", "/readyz")
        assert status == 503 and '"unreachable"' in body
        status, headers, body = served.request("GET", "/")  # any other page: the general 503
        assert status == 503 and headers["Retry-After"] == "60"
        assert "Sorry, this service is unavailable for a moment" in body
        assert "try again in a minute" in body
        assert_no_internals(body)
        time.sleep(max(0.0, cut_at + OUTAGE_SECONDS - time.monotonic()))

        proxy.restore()
        restored_at = time.monotonic()
        _wait_for(lambda: count(303, restored_at) >= 5, 20, "recovery after the restore")
    finally:
        stop.set()
        for thread in submitters:
            thread.join(30)

    statuses = {a.status for a in attempts}
    assert statuses <= {303, 503}, statuses  # never a 500, never a dropped answer
    during = [a for a in attempts if a.status == 503]
    for attempt in during:
        assert attempt.headers["Retry-After"] == "60"
        assert_form_kept(attempt.body, attempt.fields)
    # pool_pre_ping replaces the dropped connections on checkout: after the restore, not a
    # single submission fails, and no process had to be restarted.
    after = [a for a in attempts if a.started >= restored_at + 0.05]
    assert after and {a.status for a in after} == {303}
    assert served.request("GET", "/readyz")[0] == 200
    with served.app.app_context():
        assert db.engine.pool.checkedout() == 0  # failed requests gave their connections back

    stored = stored_requests()
    accepted = {a.fields["contact_email"] for a in attempts if a.status == 303}
    tried = {a.fields["contact_email"] for a in attempts}
    assert accepted <= set(stored), "a request the person was told was received is missing"
    # A 503 whose commit reached the server just before the cut can be stored (the answer
    # was lost, not the request); nothing is stored that nobody sent.
    assert set(stored) <= tried
    assert_no_half_written_request()


@pytest.mark.slow
def test_a_form_sent_to_a_process_that_never_showed_it_still_says_nothing_was_saved(
        app, make_event, served, proxy):
    """A fresh web process has no copy of the event to draw the form from; the general page
    then says so and points back to the form, which the browser still holds."""
    event = make_event()
    fields = FormFiller(event).fields(1)
    proxy.cut()
    try:
        status, headers, body = served.request("POST", f"/events/{event.id}/request", fields)
    finally:
        proxy.restore()
    assert status == 503 and headers["Retry-After"] == "60"
    assert "Nothing was saved" in body and "Back" in body
    assert fields["contact_email"] not in body  # it could not draw the form: nothing to echo
    assert_no_internals(body)
    status, _, _ = served.request("POST", f"/events/{event.id}/request", fields)
    assert status == 303
    assert set(stored_requests()) == {fields["contact_email"]}
    assert_no_half_written_request()


def test_a_database_error_that_is_a_bug_stays_a_500_not_a_503(app, client):
    """Only a database that is away earns "try again in a minute"; a broken constraint or bad
    SQL is our bug and takes the usual 500 path."""
    from sqlalchemy.exc import IntegrityError

    @app.get("/_test/integrity")
    def integrity():
        raise IntegrityError("INSERT …", {}, Exception("duplicate key"))

    @app.get("/_test/unreachable")
    def unreachable():
        raise OperationalError("SELECT 1", {}, Exception("connection refused"))

    app.config["PROPAGATE_EXCEPTIONS"] = False
    broken = client.get("/_test/integrity")
    assert broken.status_code == 500 and "Retry-After" not in broken.headers
    away = client.get("/_test/unreachable")
    assert away.status_code == 503 and away.headers["Retry-After"] == "60"
    assert "Sorry, this service is unavailable for a moment" in away.get_data(as_text=True)


def test_a_signed_in_page_during_an_outage_is_the_general_503(app, client, make_staff, login):
    """Staff pages load the signed-in person from the database; when that fails too, the
    general 503 page is still drawn (with the public header) instead of a second error."""
    from sqlalchemy import event as sa_event

    login(make_staff())

    def refuse(_conn, _cursor, statement, *_args):
        raise OperationalError(statement, None, Exception("the database went away"))

    sa_event.listen(db.engine, "before_cursor_execute", refuse)
    try:
        response = client.get("/staff/")
    finally:
        sa_event.remove(db.engine, "before_cursor_execute", refuse)
    assert response.status_code == 503 and response.headers["Retry-After"] == "60"
    body = response.get_data(as_text=True)
    assert "Sorry, this service is unavailable for a moment" in body
    assert_no_internals(body)
    assert client.get("/staff/").status_code == 200  # and the same session works again after
