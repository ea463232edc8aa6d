"""Staff sign-in and sign-out: generic failures, throttling, safe redirects, session handling."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from accessreq.auth.models import LoginAttempt, Role, StaffUser
from accessreq.auth.views import safe_next
from accessreq.extensions import db
from helpers import TEST_PASSWORD

GENERIC = "Enter a correct email address and password"


def attempts(email: str) -> int:
    return db.session.scalar(select(func.count()).select_from(LoginAttempt)
                             .where(LoginAttempt.email == email))


def submit_sign_in(client, email, password, **query):
    return client.post("/staff/login", query_string=query,
                       data={"email": email, "password": password})


def test_login_page_fields_have_autocomplete(client):
    page = client.get("/staff/login").get_data(as_text=True)
    assert 'autocomplete="username"' in page
    assert 'autocomplete="current-password"' in page
    assert "<title>Sign in to the staff area" in page


def test_login_success_redirects_to_queue_and_records_time(client, make_staff):
    user = make_staff(email="cory@example.org")
    response = submit_sign_in(client, "Cory@Example.org ", TEST_PASSWORD)
    assert response.status_code == 302
    assert response.headers["Location"] == "/staff/"
    db.session.refresh(user)
    assert user.last_login_at is not None
    with client.session_transaction() as session:
        assert session["_user_id"] == user.get_id()


@pytest.mark.parametrize("email,password", [
    ("cory@example.org", "wrong password entirely"),
    ("nobody@example.org", TEST_PASSWORD),
])
def test_failure_message_is_generic(client, make_staff, email, password):
    make_staff(email="cory@example.org")
    response = submit_sign_in(client, email, password)
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert GENERIC in page
    assert "<title>Error: " in page
    assert "error-summary" in page
    assert f'value="{email}"' in page  # the address is kept
    assert password not in page  # the password is never echoed back
    assert attempts(email) == 1


def test_empty_form_asks_for_both_fields(client):
    page = client.post("/staff/login", data={}).get_data(as_text=True)
    assert "Enter your email address" in page
    assert "Enter your password" in page


def test_huge_input_is_a_field_message_not_a_crash(client):
    response = submit_sign_in(client, "a" * 10_000 + "@example.org", "p" * 10_000)
    assert response.status_code == 200
    assert GENERIC in response.get_data(as_text=True)


def test_deactivated_account_cannot_sign_in(client, make_staff):
    make_staff(email="gone@example.org", active=False)
    response = submit_sign_in(client, "gone@example.org", TEST_PASSWORD)
    assert response.status_code == 200
    assert GENERIC in response.get_data(as_text=True)
    with client.session_transaction() as session:
        assert "_user_id" not in session


def test_account_without_password_cannot_sign_in(client):
    db.session.add(StaffUser(email="invited@example.org", name="Invited", role=Role.COORDINATOR))
    db.session.commit()
    response = submit_sign_in(client, "invited@example.org", "any password at all")
    assert GENERIC in response.get_data(as_text=True)


@pytest.mark.app_config(LOGIN_MAX_FAILURES=3, LOGIN_LOCKOUT_MINUTES=15)
def test_throttle_after_max_failures_refuses_even_correct_password(client, make_staff):
    user = make_staff(email="cory@example.org")
    for _ in range(2):
        assert GENERIC in submit_sign_in(client, user.email, "wrong guess 123").get_data(as_text=True)
    third = submit_sign_in(client, user.email, "wrong guess 123")
    assert third.status_code == 429
    assert "too many times" in third.get_data(as_text=True)

    correct = submit_sign_in(client, user.email, TEST_PASSWORD)
    page = correct.get_data(as_text=True)
    assert correct.status_code == 429
    assert "too many times" in page
    assert "paused until" in page and "about 15 minutes" in page
    with client.session_transaction() as session:
        assert "_user_id" not in session
    # Refused attempts during a lockout do not extend it.
    assert attempts(user.email) == 3


@pytest.mark.app_config(LOGIN_MAX_FAILURES=3, LOGIN_LOCKOUT_MINUTES=15)
def test_lockout_is_per_address(client, make_staff):
    make_staff(email="locked@example.org")
    other = make_staff(email="other@example.org")
    for _ in range(3):
        submit_sign_in(client, "locked@example.org", "wrong guess 123")
    assert submit_sign_in(client, other.email, TEST_PASSWORD).status_code == 302


@pytest.mark.app_config(LOGIN_MAX_FAILURES=3, LOGIN_LOCKOUT_MINUTES=15)
def test_lockout_ends_after_the_window_and_old_rows_are_pruned(client, make_staff):
    user = make_staff(email="cory@example.org")
    for _ in range(3):
        submit_sign_in(client, user.email, "wrong guess 123")
    for row in db.session.scalars(select(LoginAttempt)):
        row.at -= timedelta(minutes=16)
    db.session.commit()
    submit_sign_in(client, "someone-else@example.org", "wrong guess 123")
    assert attempts(user.email) == 0  # pruned by the next attempt, whoever made it
    assert submit_sign_in(client, user.email, TEST_PASSWORD).status_code == 302


@pytest.mark.app_config(LOGIN_MAX_FAILURES=3, LOGIN_LOCKOUT_MINUTES=15)
def test_success_clears_failures(client, make_staff):
    user = make_staff(email="cory@example.org")
    for _ in range(2):
        submit_sign_in(client, user.email, "wrong guess 123")
    assert submit_sign_in(client, user.email, TEST_PASSWORD).status_code == 302
    assert attempts(user.email) == 0
    client.post("/staff/logout")
    for _ in range(2):
        submit_sign_in(client, user.email, "wrong guess 123")
    assert submit_sign_in(client, user.email, TEST_PASSWORD).status_code == 302


def test_safe_next_redirect_is_followed(client, make_staff):
    user = make_staff()
    response = submit_sign_in(client, user.email, TEST_PASSWORD, next="/admin/events?page=2")
    assert response.headers["Location"] == "/admin/events?page=2"


@pytest.mark.parametrize("target", [
    "https://evil.example/", "//evil.example/", "/\\evil.example", "\\\\evil.example",
    "javascript:alert(1)", "http:/evil.example", "/\r\nSet-Cookie: x=1", "evil.example",
])
def test_open_redirect_attempts_are_ignored(client, make_staff, target):
    user = make_staff()
    response = submit_sign_in(client, user.email, TEST_PASSWORD, next=target)
    assert response.status_code == 302
    assert response.headers["Location"] == "/staff/"


@pytest.mark.parametrize("target,expected", [
    ("/staff/requests/3", "/staff/requests/3"),
    ("/admin/events?page=2", "/admin/events?page=2"),
    ("//evil.example", None), ("https://evil.example", None), ("/\\evil.example", None),
    ("/\tevil", None), ("", None), (None, None), ("relative/path", None),
])
def test_safe_next(target, expected):
    assert safe_next(target) == expected


def test_anonymous_staff_page_redirects_to_login_with_next(client):
    response = client.get("/admin/staff/")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/staff/login?next=")


def test_signed_in_user_visiting_login_goes_to_queue(client, make_staff, login):
    login(make_staff())
    response = client.get("/staff/login")
    assert response.status_code == 302
    assert response.headers["Location"] == "/staff/"


def test_login_starts_a_fresh_session(client, make_staff):
    user = make_staff()
    with client.session_transaction() as session:
        session["planted"] = "by someone else"
    submit_sign_in(client, user.email, TEST_PASSWORD)
    with client.session_transaction() as session:
        assert "planted" not in session
        assert session["_user_id"] == user.get_id()


def test_logout_is_post_only(client, make_staff, login):
    login(make_staff(Role.ADMIN))
    assert client.get("/staff/logout").status_code == 405
    response = client.post("/staff/logout")
    assert response.status_code == 302
    assert response.headers["Location"] == "/staff/login"
    assert "You have signed out" in client.get("/staff/login").get_data(as_text=True)
    assert client.get("/admin/staff/").status_code == 302


@pytest.mark.app_config(WTF_CSRF_ENABLED=True)
def test_logout_and_login_need_csrf_token(client, make_staff):
    user = make_staff()
    assert client.post("/staff/logout").status_code == 400
    response = submit_sign_in(client, user.email, TEST_PASSWORD)
    assert response.status_code == 400
    with client.session_transaction() as session:
        assert "_user_id" not in session


def test_passwords_are_stored_as_scrypt_hashes(make_staff):
    user = make_staff(password="a long and secret passphrase")
    stored = db.session.scalar(select(StaffUser.password_hash).where(StaffUser.id == user.id))
    assert stored.startswith("scrypt:")
    assert "a long and secret passphrase" not in stored
    assert user.check_password("a long and secret passphrase")
    assert not user.check_password("a long and secret passphrasE")


@pytest.mark.app_config(RATELIMIT_ENABLED=True, LOGIN_RATE_LIMIT="4 per minute",
                        LOGIN_MAX_FAILURES=100)
def test_sign_in_posts_are_rate_limited_per_address(client, make_staff):
    make_staff(email="cory@example.org")
    for n in range(4):
        assert submit_sign_in(client, f"person{n}@example.org", "wrong guess 123").status_code == 200
    response = submit_sign_in(client, "cory@example.org", TEST_PASSWORD)
    assert response.status_code == 429
    assert "Too many attempts" in response.get_data(as_text=True)
    assert client.get("/staff/login").status_code == 200  # the page itself still opens

