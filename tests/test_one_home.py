"""Issue 9 item 5: each state change and each rule about one in one place, so the command line,
the admin pages and the services cannot drift apart."""

from __future__ import annotations

import re
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select

from accessreq import config
from accessreq.auth.models import Role, StaffUser
from accessreq.auth.services import StaffAccountError, create_staff
from accessreq.extensions import db
from accessreq.feedback.services import submit_report
from accessreq.retention import due_for_purge, purge_everything
from accessreq.timeutil import utcnow
from helpers import TEST_PASSWORD

GOOD_PASSWORD = "correct horse battery staple 42"
PACKAGE = Path(__file__).resolve().parent.parent / "accessreq"


def _accounts() -> int:
    return db.session.scalar(select(func.count(StaffUser.id)))


# --- flask staff create and create_staff: the same checks ---------------------------------------


@pytest.mark.parametrize(("name", "email"), [
    ("Ada Lovelace", "ADA@example.org"),  # taken, in another case
    ("Ada Lovelace", "not-an-address"),
    ("   ", "someone@example.org"),
    ("x" * 201, "someone@example.org"),
])
def test_staff_create_refuses_what_create_staff_refuses(app, runner, make_staff, name, email):
    admin = make_staff(Role.ADMIN, name="Ada Lovelace", email="ada@example.org")
    with pytest.raises(StaffAccountError) as refused:
        create_staff(name, email, Role.COORDINATOR, admin)
    db.session.rollback()
    result = runner.invoke(args=["staff", "create", "--email", email, "--name", name],
                           input=f"{GOOD_PASSWORD}\n")
    assert result.exit_code != 0
    assert str(refused.value) in result.output
    assert _accounts() == 1


def test_staff_create_and_create_staff_normalise_alike(app, runner, make_staff):
    admin = make_staff(Role.ADMIN)
    invited = create_staff("  Nia   Newcomer ", " Nia@Example.ORG ", Role.COORDINATOR, admin)
    result = runner.invoke(args=["staff", "create", "--email", " Bo@Example.ORG ",
                                 "--name", "  Bo   Builder "], input=f"{GOOD_PASSWORD}\n")
    assert result.exit_code == 0, result.output
    made = db.session.scalar(select(StaffUser).where(StaffUser.email == "bo@example.org"))
    assert (invited.email, invited.name) == ("nia@example.org", "Nia Newcomer")
    assert made.name == "Bo Builder" and made.check_password(GOOD_PASSWORD)


def test_staff_create_refuses_a_breached_password_without_creating(app, runner):
    result = runner.invoke(args=["staff", "create", "--email", "new@example.org",
                                 "--name", "New Person"], input="password1234\n")
    assert result.exit_code != 0 and "stolen" in result.output
    assert _accounts() == 0


# --- the mail catcher's folder --------------------------------------------------------------------


@pytest.mark.app_config(MAIL_CATCHER_DIR=None)
def test_cli_and_admin_page_use_the_same_catcher_folder(app, runner, client, make_staff, login,
                                                        monkeypatch):
    import accessreq.notifications.catcher as catcher

    started = []

    class Started(Exception):
        pass

    def fake_start(folder, host, port, **_wiring):  # wiring: the app and the email-in store
        started.append(folder)
        raise Started

    monkeypatch.setattr(catcher, "start_catcher", fake_start)
    result = runner.invoke(args=["mailcatcher"])
    assert isinstance(result.exception, Started)
    assert started == [config.mail_catcher_dir()] == [config.INSTANCE_DIR / "mail"]

    login(make_staff(Role.ADMIN))
    page = client.get("/admin/email/caught").get_data(as_text=True)
    assert f">{started[0]}</span>" in page


def test_catcher_folder_follows_the_setting(app, runner, client, make_staff, login, monkeypatch):
    import accessreq.notifications.catcher as catcher

    started = []
    monkeypatch.setattr(catcher, "start_catcher",
                        lambda folder, host, port, **_wiring: started.append(folder) or 1 / 0)
    runner.invoke(args=["mailcatcher"])
    assert started == [Path(app.config["MAIL_CATCHER_DIR"])]
    login(make_staff(Role.ADMIN))
    assert f">{started[0]}</span>" in client.get("/admin/email/caught").get_data(as_text=True)


def test_the_catcher_default_is_decided_once():
    sources = {path: path.read_text() for path in PACKAGE.rglob("*.py")}
    deciding = [path.name for path, text in sources.items() if re.search(r'/ "mail"', text)]
    assert deciding == ["config.py"]


# --- the purge: one selection for the dry run and the purge ---------------------------------------


@pytest.mark.app_config(RETENTION_DAYS=30, REPORT_RETENTION_DAYS=60)
def test_dry_run_counts_exactly_what_the_purge_deletes(app, make_event, make_request, make_type):
    types = [make_type("Captioning")]
    now = utcnow()
    for ended_days_ago in (31, 30.5, 29.9, -5):  # just past, and just inside, the cutoff
        event = make_event(types=types)
        make_request(event=event)
        event.ends_at = now - timedelta(days=ended_days_ago)
        event.starts_at = event.ends_at - timedelta(hours=2)
        db.session.commit()
    for resolved_days_ago, received_days_ago in ((31, 40), (29, 40), (None, 61), (None, 59)):
        report = submit_report("A button I could not reach")
        report.created_at = now - timedelta(days=received_days_ago)
        if resolved_days_ago is not None:
            report.resolved_at = now - timedelta(days=resolved_days_ago)
        db.session.commit()

    due = due_for_purge(now)
    assert (due.requests, due.resolved_reports, due.unresolved_reports) == (2, 1, 1)
    assert purge_everything(now, batch_size=1) == due
    assert due_for_purge(now) == type(due)(0, 0, 0)


# --- no view commits: the services own their transactions ----------------------------------------


def test_no_view_commits_or_changes_state_itself():
    views = [path for path in PACKAGE.rglob("*views.py")]
    assert views
    committing = [path.relative_to(PACKAGE).as_posix() for path in views
                  if "session.commit(" in path.read_text()]
    assert committing == []


def test_outbox_retry_of_an_unbuildable_message_keeps_nothing(app, client, make_staff, login):
    from accessreq.notifications.models import EmailStatus, OutgoingEmail

    login(make_staff(Role.ADMIN, password=TEST_PASSWORD))
    row = OutgoingEmail(template="old_template", to_address="a@example.org", subject="Old",
                        message_id="<old-template@example.org>", status=EmailStatus.SENT)
    db.session.add(row)
    db.session.commit()
    response = client.post(f"/admin/email/{row.id}/retry", follow_redirects=True)
    assert "cannot be sent again" in response.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.scalar(select(func.count(OutgoingEmail.id))) == 1
    assert db.session.get(OutgoingEmail, row.id).status == EmailStatus.SENT
