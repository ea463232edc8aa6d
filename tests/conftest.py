"""Shared fixtures: an app on a migrated database (SQLite, or PostgreSQL via TEST_DATABASE_URL),
a real SMTP server, and factories that build data through the same services the app uses."""

from __future__ import annotations

import os
from datetime import timedelta
from pathlib import Path

import pytest
from flask import g, request_finished, request_started
from flask_migrate import upgrade
from sqlalchemy import select, text

from accessreq import create_app
from accessreq.auth.models import Role, StaffUser
from accessreq.events.models import AccommodationType, Event
from accessreq.extensions import db
from accessreq.requests.models import ContactChannel
from accessreq.requests.services import Submission, submit_request
from accessreq.timeutil import utcnow
from helpers import TEST_PASSWORD, SMTPServer, base_config, sign_in

# The flask processes tests start never read a developer's .env (written by `make run`): each
# test sets the environment it means. Tests of .env itself pass their own environment.
os.environ["FLASK_SKIP_DOTENV"] = "1"

@pytest.fixture(scope="session")
def database_url(tmp_path_factory) -> str:
    return os.environ.get("TEST_DATABASE_URL") or (
        f"sqlite:///{tmp_path_factory.mktemp('db') / 'test.sqlite3'}"
    )


@pytest.fixture(scope="session")
def migrated_database(database_url, tmp_path_factory) -> str:
    """Build the schema once per run from migrations/, as production does."""
    app = create_app(base_config(database_url, tmp_path_factory.mktemp("schema")))
    with app.app_context():
        if db.engine.dialect.name == "postgresql":
            with db.engine.begin() as connection:
                connection.execute(text("DROP SCHEMA public CASCADE"))
                connection.execute(text("CREATE SCHEMA public"))
        upgrade()
        db.engine.dispose()
    return database_url


def _empty_all_tables() -> None:
    with db.engine.begin() as connection:
        if connection.dialect.name == "postgresql":
            names = ", ".join(t.name for t in db.metadata.sorted_tables)
            connection.execute(text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))
        else:
            for table in reversed(db.metadata.sorted_tables):
                connection.execute(table.delete())


def _forget_cached_user(sender, **extra):
    g.pop("_login_user", None)


def _forget_page_language(sender, **extra):
    """A page's language (Flask-Babel keeps it in ``g``) is the page's alone: not the next
    request's, nor the test's own code after it."""
    g.pop("_flask_babel", None)


@pytest.fixture
def app(request, migrated_database, tmp_path):
    config = base_config(migrated_database, tmp_path)
    if "smtp_server" in request.fixturenames:
        smtp = request.getfixturevalue("smtp_server")
        config.update(MAIL_SERVER=smtp.host, MAIL_PORT=smtp.port, MAIL_SUPPRESS_SEND=False)
    marker = request.node.get_closest_marker("app_config")
    if marker:
        config.update(marker.kwargs)
    app = create_app(config)
    with app.app_context():
        _empty_all_tables()
    # The test keeps one app context open so it can use db.session directly. Test-client
    # requests then share its `g`, where Flask-Login caches the user and Flask-Babel the page's
    # language: forget them per request, as a real server (one context per request) would.
    request_started.connect(_forget_cached_user, app)
    request_started.connect(_forget_page_language, app)
    request_finished.connect(_forget_page_language, app)
    ctx = app.app_context()
    ctx.push()
    yield app
    db.session.remove()
    ctx.pop()
    with app.app_context():
        db.engine.dispose()


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


# --- factories ----------------------------------------------------------------------------


@pytest.fixture
def make_type(app):
    counter = iter(range(1, 10_000))

    def make(name: str | None = None, lead_time_days: int = 14, **kwargs) -> AccommodationType:
        n = next(counter)
        kind = AccommodationType(name=name or f"Accommodation {n}", lead_time_days=lead_time_days,
                                 description=kwargs.pop("description", f"Description {n}"),
                                 position=n, **kwargs)
        db.session.add(kind)
        db.session.commit()
        return kind

    return make


@pytest.fixture
def make_event(app, make_type):
    def shared_type(name: str, lead_time_days: int, **kwargs) -> AccommodationType:
        # Type names are unique: the second event offers the types the first one created.
        existing = db.session.scalar(select(AccommodationType).filter_by(name=name))
        return existing or make_type(name, lead_time_days, **kwargs)

    def make(title: str = "Lecture on access", days_ahead: float = 30, types=None,
             **kwargs) -> Event:
        starts = kwargs.pop("starts_at", utcnow() + timedelta(days=days_ahead))
        if types is None:
            types = [shared_type("Sign language interpretation", 14,
                                 details_label="Which sign language?"),
                     shared_type("Wheelchair-accessible seating", 3)]
        event = Event(title=title, starts_at=starts,
                      ends_at=kwargs.pop("ends_at", starts + timedelta(hours=2)),
                      timezone=kwargs.pop("timezone", "Europe/London"),
                      venue=kwargs.pop("venue", "Main Hall"), accommodation_types=list(types),
                      **kwargs)
        db.session.add(event)
        db.session.commit()
        return event

    return make


@pytest.fixture
def make_staff(app):
    counter = iter(range(1, 10_000))

    def make(role: Role | str = Role.COORDINATOR, name: str | None = None,
             email: str | None = None, password: str = TEST_PASSWORD, active: bool = True
             ) -> StaffUser:
        n = next(counter)
        user = StaffUser(email=email or f"staff{n}@example.org", name=name or f"Staff {n}",
                         role=Role(role), active=active)
        user.set_password(password)
        db.session.add(user)
        db.session.commit()
        return user

    return make


@pytest.fixture
def make_teams(app, make_type, make_event, make_staff):
    """The host organisation with two teams: "Communications access" (its default team: what
    no rule routes goes there, and unmatched mail) and "Front of house"; two accommodation
    types and an event of the organisation offering both. Returns the pieces by name:
    centre, comms, front, sign, seat, event.

    ``route_seating``: a rule sends seating requests to Front of house. ``members``: each team
    gets a coordinator (``comms_member`` "Cam Comms", ``front_member`` "Fran Front")."""

    def make(*, route_seating: bool = False, members: bool = False) -> dict:
        from accessreq.routing.models import Organisation, Team
        from accessreq.routing.services import save_rule

        centre = Organisation(name="Museum Centre")
        comms = Team(organisation=centre, name="Communications access",
                     notification_email="comms@example.org", is_default=True)
        front = Team(organisation=centre, name="Front of house",
                     notification_email="foh@example.org")
        db.session.add_all([centre, comms, front])
        db.session.commit()
        sign, seat = make_type("Sign language", 14), make_type("Seating", 3)
        if route_seating:
            save_rule(None, team=front, organisation=None, accommodation_type=seat, event=None)
        event = make_event("Lecture", types=[sign, seat], organisation=centre)
        made = dict(centre=centre, comms=comms, front=front, sign=sign, seat=seat, event=event)
        if members:
            made["comms_member"] = make_staff(name="Cam Comms")
            made["front_member"] = make_staff(name="Fran Front")
            comms.members.append(made["comms_member"])
            front.members.append(made["front_member"])
            db.session.commit()
        return made

    return make


@pytest.fixture
def make_request(app, make_event):
    """Submit a request through the real service; returns (request, status_url)."""

    def make(event: Event | None = None, types=None, details: dict | None = None, **kwargs):
        event = event or make_event()
        chosen = types if types is not None else event.offered_types[:1]
        submission = Submission(
            contact_name=kwargs.pop("contact_name", "Sam Attendee"),
            contact_email=kwargs.pop("contact_email", "sam@example.net"),
            contact_channel=kwargs.pop("contact_channel", ContactChannel.EMAIL),
            accommodations={t.id: (details or {}).get(t.id, "") for t in chosen},
            consented=True,
            **kwargs,
        )
        return submit_request(event, submission)

    return make


@pytest.fixture
def admin(make_staff) -> StaffUser:
    return make_staff(Role.ADMIN, name="Ada Admin", email="ada@example.org")


@pytest.fixture
def admin_client(client, admin):
    """The test client, signed in as `admin` (override `admin` in a module for another one)."""
    sign_in(client, admin)
    return client


@pytest.fixture
def staff(make_staff) -> StaffUser:
    """A coordinator (the usual staff member of a test); files with teams define their own."""
    return make_staff(name="Casey Coordinator")


@pytest.fixture
def signed_in(client, staff):
    """The test client, signed in as ``staff``."""
    return sign_in(client, staff)


@pytest.fixture
def login(client):
    """Sign in through the real form: for tests of sign-in itself (others use `sign_in`)."""

    def do_login(user: StaffUser, password: str = TEST_PASSWORD):
        response = client.post("/staff/login", data={"email": user.email, "password": password})
        assert response.status_code == 302, response.get_data(as_text=True)
        return response

    return do_login


# --- a real SMTP server -------------------------------------------------------------------


@pytest.fixture
def smtp_server():
    server = SMTPServer()
    server.start()
    yield server
    server.stop()


# --- one Chromium for the whole run (browser tests and the production lane) ---------------
# Playwright's sync API allows one instance per thread, so the fixture lives here, once.

CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]


@pytest.fixture(scope="session")
def chromium_executable() -> str:
    path = os.environ.get("CHROMIUM_PATH") or "/usr/bin/chromium"
    if not Path(path).is_file():
        reason = (f"Chromium not found at {path}: install it (apt-get install -y chromium) "
                  "or set CHROMIUM_PATH")
        if os.environ.get("CI"):
            pytest.fail(reason + " — CI must run the browser tests")
        pytest.skip(reason)
    return path


@pytest.fixture(scope="session")
def browser(chromium_executable):
    from playwright.sync_api import sync_playwright

    playwright = sync_playwright().start()
    chromium = playwright.chromium.launch(executable_path=chromium_executable, args=CHROMIUM_ARGS)
    yield chromium
    chromium.close()
    playwright.stop()
