"""The command-line interface, run the way an operator runs it (Click's runner, or a real
process where signals matter)."""

from __future__ import annotations

import os
import signal
import smtplib
import socket
import subprocess
import sys
import time
from datetime import timedelta
from email.message import EmailMessage

import pytest
from sqlalchemy import func, select

from accessreq.auth.models import Role, StaffUser
from accessreq.demo import CATALOGUE, DEMO_PASSWORD, DEMO_STAFF, EVENTS
from accessreq.events.models import AccommodationType, Event
from accessreq.extensions import db
from accessreq.routing.models import Organisation, Team
from accessreq.notifications.catcher import list_caught, read_caught, start_catcher
from accessreq.notifications.models import EmailStatus, OutgoingEmail
from accessreq.requests.models import AccessRequest, HistoryKind, StatusLink
from accessreq.requests.services import find_by_token
from accessreq.timeutil import utcnow

from helpers import free_port

GOOD_PASSWORD = "a long enough passphrase"


def _count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def _counts() -> dict[str, int]:
    db.session.expire_all()
    return {m.__name__: _count(m) for m in (Event, AccommodationType, StaffUser)}


# --- flask demo ---------------------------------------------------------------------------


def test_demo_loads_its_events_the_catalogue_and_two_staff_once(runner):
    first = runner.invoke(args=["demo"])
    assert first.exit_code == 0, first.output
    assert f"{len(EVENTS)} events, {len(CATALOGUE)} catalogue entries, 2 staff" in first.output
    assert f"admin@example.org / {DEMO_PASSWORD}" in first.output
    counts = _counts()
    assert counts == {"Event": len(EVENTS), "AccommodationType": len(CATALOGUE), "StaffUser": 2}

    now = utcnow()
    events = db.session.scalars(select(Event)).all()
    upcoming = [e for e in events if now < e.starts_at]
    assert all(e.starts_at < e.ends_at for e in events)
    assert all(e.accepts_requests() and e.accommodation_types for e in upcoming)
    # One talk is already over (its requests wait for their outcomes; test_demo.py).
    [past] = [e for e in events if e not in upcoming]
    assert past.ends_at < now and past.accommodation_types
    for email, _name, role in DEMO_STAFF:
        user = db.session.scalar(select(StaffUser).where(StaffUser.email == email))
        assert user.role == role and user.check_password(DEMO_PASSWORD)

    second = runner.invoke(args=["demo"])
    assert second.exit_code == 0
    assert ("0 events, 0 catalogue entries, 0 staff accounts, 0 providers, 0 requests and 0 "
            "problem reports added") in second.output
    assert _counts() == counts


@pytest.mark.app_config(TESTING=False, SECRET_KEY="a-real-production-secret-0123456789abcdef")
def test_demo_refuses_a_production_configuration_unless_forced(runner):
    refused = runner.invoke(args=["demo"])
    assert refused.exit_code != 0
    assert "published password" in refused.output
    assert _counts()["StaffUser"] == 0
    assert runner.invoke(args=["demo", "--force"]).exit_code == 0
    assert _counts()["StaffUser"] == 2


# --- flask staff create -------------------------------------------------------------------


def _create(runner, email="Ada@Example.org", role="admin", password=GOOD_PASSWORD, name="Ada L"):
    return runner.invoke(args=["staff", "create", "--email", email, "--name", name,
                               "--role", role], input=f"{password}\n")


def test_staff_create_reads_the_password_from_stdin(runner):
    result = _create(runner)
    assert result.exit_code == 0, result.output
    assert "Created admin account for ada@example.org" in result.output
    user = db.session.scalar(select(StaffUser))
    assert (user.email, user.name, user.role) == ("ada@example.org", "Ada L", Role.ADMIN)
    assert user.check_password(GOOD_PASSWORD)
    assert GOOD_PASSWORD not in result.output


@pytest.mark.parametrize(("kwargs", "message"), [
    ({"password": "short"}, "at least 12 characters"),
    ({"password": ""}, "No password on standard input"),
    ({"email": "not-an-address"}, "Enter an email address in the correct format"),
    ({"name": "   "}, "Enter a name of 1 to 200 characters"),
    ({"role": "owner"}, "Invalid value for '--role'"),
])
def test_staff_create_refuses_bad_input_clearly(runner, kwargs, message):
    result = _create(runner, **kwargs)
    assert result.exit_code != 0
    assert message in result.output
    assert _count(StaffUser) == 0


def test_staff_create_refuses_a_duplicate_in_any_case(runner):
    assert _create(runner).exit_code == 0
    again = _create(runner, email="ADA@example.org", role="coordinator")
    assert again.exit_code != 0
    assert "There is already an account with this email address" in again.output
    assert _count(StaffUser) == 1


def test_staff_create_puts_a_coordinator_in_the_named_teams(runner):
    host = Organisation(name="Example Institute")
    comms = Team(organisation=host, name="Communications access",
                 notification_email="comms@example.org")
    front = Team(organisation=host, name="Front of house", notification_email="foh@example.org")
    db.session.add_all([host, comms, front])
    db.session.commit()
    result = runner.invoke(args=["staff", "create", "--email", "cory@example.org", "--name",
                                 "Cory C", "--team", "communications ACCESS", "--team",
                                 "Front of house"], input=f"{GOOD_PASSWORD}\n")
    assert result.exit_code == 0, result.output
    assert ("Created coordinator account for cory@example.org in Communications access, "
            "Front of house.") in result.output
    user = db.session.scalar(select(StaffUser))
    assert {t.name for t in user.teams} == {"Communications access", "Front of house"}


def test_staff_create_refuses_a_coordinator_without_a_team_once_teams_exist(runner):
    host = Organisation(name="Example Institute")
    db.session.add_all([host, Team(organisation=host, name="Front of house",
                                   notification_email="foh@example.org")])
    db.session.commit()
    no_team = _create(runner, role="coordinator")
    assert no_team.exit_code != 0 and "Choose at least one team" in no_team.output
    unknown = runner.invoke(args=["staff", "create", "--email", "x@example.org", "--name", "X",
                                  "--team", "Box office"], input=f"{GOOD_PASSWORD}\n")
    assert unknown.exit_code != 0
    assert "No team is called 'Box office' (teams: Front of house)." in unknown.output
    assert _count(StaffUser) == 0
    assert _create(runner, role="admin").exit_code == 0  # an admin needs no team


# --- flask outbox send --------------------------------------------------------------------


def test_outbox_send_prints_counts(runner, make_request):
    make_request()
    result = runner.invoke(args=["outbox", "send"])
    assert result.exit_code == 0
    assert result.output.strip() == "Outbox: 2 sent, 0 to retry, 0 failed for good."
    again = runner.invoke(args=["outbox", "send"])
    assert again.output.strip() == "Outbox: 0 sent, 0 to retry, 0 failed for good."


def _flask(app, *args: str, **env: str) -> subprocess.Popen:
    environment = {**os.environ, "DATABASE_URL": app.config["SQLALCHEMY_DATABASE_URI"],
                   "BASE_URL": app.config["BASE_URL"],
                   "SECRET_KEY": app.config["SECRET_KEY"], **env}  # opens the sealed outbox
    return subprocess.Popen([sys.executable, "-m", "flask", "--app", "accessreq", *args],
                            env=environment, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                            text=True)


def _wait_for(condition, seconds: float = 20) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.1)


@pytest.mark.slow  # starts a process
def test_outbox_send_loop_delivers_new_mail_and_stops_cleanly_on_sigterm(
        app, smtp_server, make_request):
    process = _flask(app, "outbox", "send", "--loop", "--interval", "0.2",
                     MAIL_SERVER=smtp_server.host, MAIL_PORT=str(smtp_server.port))
    try:
        make_request()
        _wait_for(lambda: len(smtp_server.messages) == 2)
        process.send_signal(signal.SIGTERM)
        output, _ = process.communicate(timeout=20)
    finally:
        process.kill()
    assert process.returncode == 0, output
    assert "2 sent" in output and "Outbox sender stopped." in output
    db.session.expire_all()
    assert set(db.session.scalars(select(OutgoingEmail.status))) == {EmailStatus.SENT}


# --- flask requests purge -----------------------------------------------------------------


def _move_event(event: Event, ended_days_ago: float) -> None:
    event.ends_at = utcnow() - timedelta(days=ended_days_ago)
    event.starts_at = event.ends_at - timedelta(hours=2)
    db.session.commit()


@pytest.mark.app_config(RETENTION_DAYS=30)
def test_purge_removes_details_of_requests_past_retention_only(runner, make_event, make_request,
                                                                make_type):
    types = [make_type("Captioning"), make_type("Quiet room")]
    old_event = make_event("Old", types=types)
    recent_event = make_event("Recent", types=types)
    future_event = make_event("Future", types=types)
    old, old_url = make_request(event=old_event, details={types[0].id: "Private detail"},
                                anything_else="Private note")
    older, _ = make_request(event=old_event, contact_email="second@example.net")
    recent, recent_url = make_request(event=recent_event)
    future, _ = make_request(event=future_event)
    _move_event(old_event, 31)
    _move_event(recent_event, 29)
    references = {r.id: r.reference for r in (old, older, recent, future)}

    dry = runner.invoke(args=["requests", "purge", "--dry-run"])
    assert "2 request(s) whose event ended over 30 days ago would be purged" in dry.output
    assert _count(StatusLink) == 4

    result = runner.invoke(args=["requests", "purge", "--batch", "1"])
    assert result.exit_code == 0, result.output
    assert "Purging 2 request(s) in batches of 1" in result.output
    assert "Purged 2 request(s) whose event ended over 30 days ago." in result.output

    db.session.expire_all()
    for request in (old, older):
        assert request.reference == references[request.id]
        assert request.purged_at is not None
        assert request.contact_name != "Sam Attendee" and "@example.net" not in request.contact_email
        assert request.anything_else == "" and all(i.details == "" for i in request.items)
        assert request.history[-1].kind == HistoryKind.PURGED
        assert request.links == []
    assert find_by_token(old_url.rsplit("/", 1)[-1]) is None
    assert all(r.content_deleted for r in db.session.scalars(
        select(OutgoingEmail).where(OutgoingEmail.request_id == old.id)))

    for request in (recent, future):
        assert request.purged_at is None and request.contact_name == "Sam Attendee"
    assert find_by_token(recent_url.rsplit("/", 1)[-1]).id == recent.id

    again = runner.invoke(args=["requests", "purge"])
    assert "0 request(s) whose event ended over 30 days ago to be purged" in again.output
    assert _count(AccessRequest) == 4


# --- the mail catcher ---------------------------------------------------------------------


def _send(port: int, subject: str) -> None:
    message = EmailMessage()
    message["From"], message["To"], message["Subject"] = ("a@example.org", "b@example.net",
                                                          subject)
    message["Message-ID"] = "<fixed-1@accessreq.test>"
    message.set_content("Plain words, café.")
    message.add_alternative("<p>Plain words, café.</p>", subtype="html")
    with smtplib.SMTP("127.0.0.1", port, timeout=10) as smtp:
        smtp.send_message(message)


def test_catcher_keeps_each_message_for_the_admin_view(tmp_path):
    folder = tmp_path / "mail"
    port = free_port()
    controller = start_catcher(folder, "127.0.0.1", port)
    try:
        _send(port, "First")
        with smtplib.SMTP("127.0.0.1", port, timeout=10) as smtp:
            # Folded straight after the name, as Flask-Mail folds a long subject.
            smtp.sendmail("a@example.org", ["b@example.net"],
                          b"From: a@example.org\r\nTo: b@example.net\r\nSubject:\r\n Second\r\n"
                          b"\r\nBody\r\n")
    finally:
        controller.stop()
    caught = list_caught(folder)
    assert [m.subject for m in caught] == ["Second", "First"]  # newest first
    first = caught[1]
    assert (first.sender, first.to, first.message_id) == ("a@example.org", "b@example.net",
                                                         "<fixed-1@accessreq.test>")
    assert first.text.strip() == "Plain words, café."
    assert first.html.strip() == "<p>Plain words, café.</p>"
    assert read_caught(folder, first.id).subject == "First"
    for bad in ("../../etc/passwd", "", "x" * 300, first.id + "/..", "１２３-abcdef12"):
        assert read_caught(folder, bad) is None
    assert not list(folder.glob(".*.tmp"))


@pytest.mark.slow  # starts a process
def test_mailcatcher_command_runs_until_sigterm(app, tmp_path):
    folder, port = tmp_path / "caught", free_port()
    process = _flask(app, "mailcatcher", "--port", str(port), MAIL_CATCHER_DIR=str(folder))
    try:
        _wait_for(lambda: folder.is_dir() and _accepts(port))
        _send(port, "Through the command")
        process.send_signal(signal.SIGTERM)
        output, _ = process.communicate(timeout=20)
    finally:
        process.kill()
    assert process.returncode == 0, output
    assert f"Mail catcher on 127.0.0.1:{port}" in output
    assert [m.subject for m in list_caught(folder)] == ["Through the command"]


def _accepts(port: int) -> bool:
    try:
        with smtplib.SMTP("127.0.0.1", port, timeout=2):
            return True
    except OSError:
        return False


def test_demo_adds_fresh_events_once_the_old_ones_are_past(runner):
    from accessreq.demo import load_demo

    load_demo()
    for event in db.session.scalars(select(Event)):
        event.starts_at = utcnow() - timedelta(days=200)
        event.ends_at = event.starts_at + timedelta(hours=2)
    db.session.commit()
    # Fresh upcoming events; the talk that is meant to be over is there already.
    future = [e for e in EVENTS if e[1] > 0]
    assert load_demo()["events"] == len(future)
    upcoming = db.session.scalars(select(Event).where(Event.starts_at > utcnow())).all()
    assert sorted(e.title for e in upcoming) == sorted(e[0] for e in future)
    assert load_demo() == {"catalogue": 0, "events": 0, "staff": 0, "providers": 0}


# --- make run's launcher ------------------------------------------------------------------


@pytest.mark.slow  # starts a process
def test_dev_launcher_starts_everything_prints_the_logins_and_stops_on_sigterm(
        app, tmp_path, make_request):
    import urllib.request

    make_request()  # mail already queued, as the demo's is when `make run` starts
    port, mail_port = free_port(), free_port()
    env = {**os.environ, "DATABASE_URL": app.config["SQLALCHEMY_DATABASE_URI"],
           "PORT": str(port), "MAIL_PORT": str(mail_port),
           "MAIL_CATCHER_DIR": str(tmp_path / "mail"),
           "SECRET_KEY": app.config["SECRET_KEY"]}  # opens the sealed outbox
    env.pop("BASE_URL", None)
    process = subprocess.Popen([sys.executable, "-m", "accessreq.dev"], env=env, text=True,
                               stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    lines: list[str] = []
    try:
        for line in process.stdout:
            lines.append(line)
            if "Press Ctrl-C to stop." in line:
                break
        banner = "".join(lines)
        assert f"accessreq is running at http://127.0.0.1:{port}" in banner, banner
        for email, _name, _role in DEMO_STAFF:
            assert f"{email} / {DEMO_PASSWORD}" in banner
        assert f"http://127.0.0.1:{port}/admin/email/caught" in banner
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=10) as response:
            assert response.status == 200
        assert _accepts(mail_port)
        # The sender starts after the catcher listens, so queued mail is caught at once, not
        # after the backoff (30 s) that a refused first try would cost.
        _wait_for(lambda: len(list_caught(tmp_path / "mail")) == 2, seconds=15)
        process.send_signal(signal.SIGTERM)
        rest, _ = process.communicate(timeout=30)
    finally:
        process.kill()
    assert process.returncode == 0, rest
    assert "accessreq stopped." in rest
    assert not _accepts(mail_port)
    with pytest.raises(OSError):
        socket.create_connection(("127.0.0.1", port), timeout=2).close()
