"""Staff sessions end on the server: at sign-out (every copy of the cookie), on a password change,
deactivation or reactivation, after SESSION_IDLE_MINUTES without a request and SESSION_MAX_HOURS
after sign-in; the cookie is hardened; a form posted after the end keeps its text.

Time is driven by a controllable clock (the ``clock`` fixture), never by sleeping.
"""

from __future__ import annotations

import html
import re
from datetime import timedelta

import pytest
from flask import g
from itsdangerous import TimestampSigner
from sqlalchemy import func, select

import accessreq.auth.sessions as sessions
from accessreq.auth.models import Role
from accessreq.auth.services import accept_invitation
from accessreq.extensions import db
from accessreq.notifications.models import OutgoingEmail
from accessreq.requests.models import HistoryEntry
from accessreq.timeutil import utcnow
from helpers import TEST_PASSWORD

SIGN_IN = "/staff/login"


class Clock:
    def __init__(self) -> None:
        self.now = utcnow()

    def __call__(self):
        return self.now

    def advance(self, **delta) -> None:
        self.now += timedelta(**delta)


@pytest.fixture
def clock(monkeypatch) -> Clock:
    clock = Clock()
    monkeypatch.setattr(sessions, "utcnow", clock)
    return clock


def cookie_value(client) -> str:
    cookie = client.get_cookie("session")
    assert cookie is not None
    return cookie.value


def with_cookie(app, value: str):
    """A new browser that presents a copied session cookie."""
    other = app.test_client()
    other.set_cookie("session", value)
    return other


def is_sign_in_redirect(response, next_path: str | None = None) -> bool:
    location = response.headers.get("Location", "")
    return (response.status_code == 302 and location.startswith(SIGN_IN)
            and (next_path is None or f"next={next_path.replace('/', '%2F')}" in location))


# --- ASVS 3.3.1: sign-out ends the session on the server ------------------------------------


def test_asvs_3_3_1_signed_out_cookie_is_refused(app, client, make_staff, login):
    login(make_staff())
    copied = cookie_value(client)
    assert with_cookie(app, copied).get("/staff/").status_code == 200  # the copy works...

    client.post("/staff/logout")
    # ...until sign-out: then neither the browser nor any copy opens a staff page.
    assert is_sign_in_redirect(with_cookie(app, copied).get("/staff/"), "/staff/")
    assert is_sign_in_redirect(client.get("/staff/"))


def test_asvs_3_3_1_sign_out_ends_the_persons_other_sessions(app, make_staff, login, client):
    user = make_staff()
    other_device = app.test_client()
    login(user)
    other_device.post(SIGN_IN, data={"email": user.email, "password": TEST_PASSWORD})
    assert other_device.get("/staff/").status_code == 200
    client.post("/staff/logout")
    assert is_sign_in_redirect(other_device.get("/staff/"))


def test_asvs_3_3_1_deactivation_and_reactivation_end_sessions(app, make_staff, login, client):
    person = make_staff(email="cory@example.org")
    theirs = app.test_client()
    theirs.post(SIGN_IN, data={"email": person.email, "password": TEST_PASSWORD})
    copied = cookie_value(theirs)
    admin = make_staff(Role.ADMIN)
    login(admin)

    client.post(f"/admin/staff/{person.id}", data={"name": person.name, "role": "coordinator"})
    assert is_sign_in_redirect(theirs.get("/staff/"))
    # Reactivated: the cookie from before the deactivation does not come back to life.
    client.post(f"/admin/staff/{person.id}", data={"name": person.name, "role": "coordinator",
                                                   "active": "y"})
    assert is_sign_in_redirect(with_cookie(app, copied).get("/staff/"))
    assert theirs.post(SIGN_IN, data={"email": person.email,
                                      "password": TEST_PASSWORD}).status_code == 302
    assert theirs.get("/staff/").status_code == 200


def test_a_role_change_keeps_the_session_and_applies_at_once(app, make_staff, login, client):
    person = make_staff(Role.ADMIN, email="ada@example.org")
    theirs = app.test_client()
    theirs.post(SIGN_IN, data={"email": person.email, "password": TEST_PASSWORD})
    assert theirs.get("/admin/staff/").status_code == 200
    login(make_staff(Role.ADMIN))
    client.post(f"/admin/staff/{person.id}", data={"name": person.name, "role": "coordinator",
                                                   "active": "y"})
    assert theirs.get("/admin/staff/").status_code == 403
    assert theirs.get("/staff/").status_code == 200


# --- ASVS 3.3.3: a new password ends every other session ------------------------------------


def test_asvs_3_3_3_password_change_ends_other_sessions(app, make_staff):
    user = make_staff()
    laptop = app.test_client()
    laptop.post(SIGN_IN, data={"email": user.email, "password": TEST_PASSWORD})
    copied = cookie_value(laptop)
    assert laptop.get("/staff/").status_code == 200

    accept_invitation(user, "a brand new passphrase for me")  # e.g. after a forgotten password
    assert is_sign_in_redirect(laptop.get("/staff/"))
    assert is_sign_in_redirect(with_cookie(app, copied).get("/staff/"))


def test_asvs_3_3_3_the_invitation_page_signs_in_with_the_new_password_only(app, client,
                                                                           make_staff, login):
    admin = make_staff(Role.ADMIN)
    person = make_staff(email="cory@example.org")
    old = app.test_client()
    old.post(SIGN_IN, data={"email": person.email, "password": TEST_PASSWORD})
    login(admin)
    client.post(f"/admin/staff/{person.id}/invite")
    text = db.session.scalars(select(OutgoingEmail)).one().body_text
    link = re.search(r"http://accessreq\.test(/staff/invite/\S+)", text).group(1)
    client.post("/staff/logout")
    response = client.post(link, data={"password": "a brand new passphrase for me",
                                       "confirm": "a brand new passphrase for me"})
    assert response.status_code == 302
    assert client.get("/staff/").status_code == 200  # the new session works
    assert is_sign_in_redirect(old.get("/staff/"))  # the old one ended


# --- ASVS 3.3.2: idle timeout and absolute lifetime -----------------------------------------


def test_asvs_3_3_2_idle_timeout_ends_the_session(client, make_staff, login, clock):
    login(make_staff())
    for _ in range(3):  # activity keeps it alive
        clock.advance(minutes=29)
        assert client.get("/staff/").status_code == 200
    clock.advance(minutes=30)
    response = client.get("/staff/?status=all")
    assert is_sign_in_redirect(response, "/staff/")
    assert "status%3Dall" in response.headers["Location"]  # next keeps the query
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "You were signed out after 30 minutes without activity" in page
    # Gone on the server: going back in time does not revive it.
    clock.advance(minutes=-30)
    assert is_sign_in_redirect(client.get("/staff/"))


@pytest.mark.app_config(SESSION_IDLE_MINUTES=5)
def test_asvs_3_3_2_idle_limit_is_configurable(client, make_staff, login, clock):
    login(make_staff())
    clock.advance(minutes=5)
    response = client.get("/staff/")
    assert is_sign_in_redirect(response)
    assert "after 5 minutes without activity" in client.get(
        response.headers["Location"]).get_data(as_text=True)


def test_asvs_3_3_2_absolute_lifetime_ends_a_busy_session(client, make_staff, login, clock):
    login(make_staff())
    for _ in range(35):  # every 20 minutes for 11 h 40 min
        clock.advance(minutes=20)
        assert client.get("/staff/").status_code == 200
    clock.advance(minutes=20)
    response = client.get("/staff/")
    assert is_sign_in_redirect(response)
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "because you had been signed in for 12 hours" in page


def test_asvs_3_3_2_cookie_signed_longer_ago_than_the_lifetime_is_refused(app, client,
                                                                         make_staff, login,
                                                                         monkeypatch):
    """Flask checks the signature's age against PERMANENT_SESSION_LIFETIME (31 days by
    default, which is why cookies "lived 31 days"); it is now SESSION_MAX_HOURS."""
    assert app.config["PERMANENT_SESSION_LIFETIME"] == timedelta(hours=12)
    real = TimestampSigner.get_timestamp
    monkeypatch.setattr(TimestampSigner, "get_timestamp", lambda self: real(self) - 13 * 3600)
    login(make_staff())  # the cookie is signed "13 hours ago"
    monkeypatch.setattr(TimestampSigner, "get_timestamp", real)
    assert is_sign_in_redirect(client.get("/staff/"))


def test_asvs_3_3_2_session_cookie_has_no_expiry_date(client, make_staff, login):
    """A browser-session cookie: closing the browser ends it; the server ends it anyway."""
    response = login(make_staff())
    [cookie] = response.headers.getlist("Set-Cookie")
    assert "Expires" not in cookie and "Max-Age" not in cookie


def test_a_planted_session_without_sign_in_times_is_refused(client, make_staff):
    user = make_staff()
    with client.session_transaction() as session:
        session["_user_id"] = user.get_id()
    assert is_sign_in_redirect(client.get("/staff/"))


# --- nothing typed is lost ------------------------------------------------------------------


def test_a_form_posted_after_the_idle_end_shows_its_text_back(client, make_staff, login, clock,
                                                              make_request):
    login(make_staff())
    request, _url = make_request()
    before = db.session.scalar(select(func.count()).select_from(HistoryEntry))
    clock.advance(minutes=31)
    typed = "Thank you.\nWe have booked <b>two</b> interpreters & a captioner."
    response = client.post(f"/staff/requests/{request.id}/compose",
                           data={"compose-mode": "reply", "compose-body": typed,
                                 "compose-action": "reply", "compose-version": "1",
                                 "csrf_token": "x"})
    page = response.get_data(as_text=True)
    assert response.status_code == 401
    assert "You were signed out after 30 minutes without activity" in page
    assert f">{html.escape(typed, quote=False)}</textarea>" in page.replace("&#34;", '"')
    assert "<b>two</b>" not in page  # escaped, never markup
    assert re.search(r"<textarea[^>]*readonly", page)
    assert ">Your reply or internal note</label>" in page
    assert page.count("<textarea") == 1  # the version and token are not shown back
    # Signing in from here comes back to the request's page.
    assert f'action="/staff/login?next=/staff/requests/{request.id}"' in page
    assert db.session.scalar(select(func.count()).select_from(HistoryEntry)) == before
    # And nothing typed went into the cookie.
    with client.session_transaction() as session:
        assert typed not in repr(dict(session))


# --- the warning's endpoint and the page data ----------------------------------------------


def test_extend_renews_the_idle_time(client, make_staff, login, clock):
    login(make_staff())
    clock.advance(minutes=28)
    response = client.post("/staff/session/extend", headers={"Accept": "application/json"})
    assert response.status_code == 200
    assert response.get_json() == {"signed_in": True, "seconds_left": 30 * 60}
    clock.advance(minutes=28)
    assert client.get("/staff/").status_code == 200
    clock.advance(minutes=31)
    response = client.post("/staff/session/extend", headers={"Accept": "application/json"})
    assert response.status_code == 401 and response.get_json()["signed_in"] is False


def test_extend_is_capped_by_the_absolute_lifetime(client, make_staff, login, clock):
    login(make_staff())
    for _ in range(47):
        clock.advance(minutes=15)
        client.post("/staff/session/extend", headers={"Accept": "application/json"})
    response = client.post("/staff/session/extend", headers={"Accept": "application/json"})
    assert response.get_json()["seconds_left"] == 15 * 60  # 12 h after sign-in, not 30 min


@pytest.mark.app_config(WTF_CSRF_ENABLED=True)
def test_extend_needs_the_csrf_token(client, make_staff):
    user = make_staff()
    page = client.get(SIGN_IN).get_data(as_text=True)
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
    client.post(SIGN_IN, data={"email": user.email, "password": TEST_PASSWORD,
                               "csrf_token": token})
    assert client.post("/staff/session/extend",
                       headers={"Accept": "application/json"}).status_code == 400
    g.pop("csrf_token", None)  # the test's app context outlives requests; a server's does not
    queue = client.get("/staff/").get_data(as_text=True)
    token = re.search(r'name="csrf_token" value="([^"]+)"', queue).group(1)
    assert client.post("/staff/session/extend", headers={
        "Accept": "application/json", "X-CSRFToken": token}).status_code == 200


def test_staff_pages_carry_the_limit_for_the_script_and_in_words(client, make_staff, login,
                                                                clock):
    assert "data-session-idle-seconds" not in client.get("/").get_data(as_text=True)
    login(make_staff())
    page = client.get("/staff/").get_data(as_text=True)
    assert 'data-session-idle-seconds="1800"' in page
    assert 'data-session-seconds-left="1800"' in page
    assert 'data-session-warn-seconds="120"' in page
    assert 'data-session-extend-url="/staff/session/extend"' in page
    assert "For your security you are signed out after 30 minutes without activity." in page
    assert 'role="alertdialog"' in page


# --- ASVS 3.4: the cookie -----------------------------------------------------------------


@pytest.mark.app_config(SESSION_COOKIE_SECURE=True)
def test_asvs_3_4_1_to_3_4_5_secure_cookie_attributes(app, client, make_staff):
    user = make_staff()
    response = client.post(SIGN_IN, base_url="https://localhost",
                           data={"email": user.email, "password": TEST_PASSWORD})
    assert response.status_code == 302
    cookies = response.headers.getlist("Set-Cookie")
    assert len(cookies) == 1, cookies  # no remember-me cookie
    name, _, attributes = cookies[0].partition("=")
    parts = {p.split("=")[0].strip().lower(): p.strip() for p in attributes.split(";")[1:]}
    assert name == "__Host-session"  # 3.4.4: only this host, only over HTTPS, whole site
    assert "secure" in parts  # 3.4.1
    assert "httponly" in parts  # 3.4.2
    assert parts["samesite"] == "SameSite=Lax"  # 3.4.3
    assert parts["path"] == "Path=/"  # 3.4.5
    assert "domain" not in parts


def test_remember_me_cookie_is_not_honoured(app, client, make_staff):
    """Flask-Login would sign a person in from a remember_token cookie; none is ever issued,
    and one (even validly signed) is refused because sign-in did not start that session."""
    from flask_login.utils import _cookie_digest

    user = make_staff()
    with app.test_request_context():
        token = f"{user.get_id()}|{_cookie_digest(user.get_id())}"
    client.set_cookie("remember_token", token)
    assert is_sign_in_redirect(client.get("/staff/"))
