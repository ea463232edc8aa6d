"""Sign-in costs the same password-hashing work for every address, so timing does not tell
which addresses have accounts (ASVS 4.0.3 2.2.1 anti-automation; ASVS 5.0 6.3.8 says it
outright: valid users cannot be deduced from response times).

Counted, not timed: wall-clock timing would be flaky on a shared machine, while counting the
hash checks and their method proves the same work is done in every case.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from werkzeug.security import check_password_hash

import accessreq.auth.services as auth_services
from accessreq.auth.models import StaffUser
from accessreq.extensions import db
from accessreq.timeutil import utcnow
from helpers import TEST_PASSWORD


@pytest.fixture
def hash_checks(monkeypatch):
    """Every password hash checked during sign-in: the method part of each stored hash."""
    checked: list[str] = []

    def spy(pwhash: str, password: str) -> bool:
        checked.append(pwhash.split("$", 1)[0])
        return check_password_hash(pwhash, password)

    monkeypatch.setattr(auth_services, "check_password_hash", spy)
    return checked


def _invited(email: str) -> StaffUser:
    user = StaffUser(email=email, name="Invited Person", invite_token_hash="0" * 64,
                     invite_expires_at=utcnow() + timedelta(days=7))
    db.session.add(user)
    db.session.commit()
    return user


@pytest.mark.parametrize("case", ["wrong password", "unknown address", "invited, no password",
                                  "deactivated, right password", "deactivated, wrong password"])
def test_asvs_2_2_1_every_address_costs_one_hash_with_the_configured_method(
        app, client, make_staff, hash_checks, case):
    make_staff(email="cory@example.org")
    make_staff(email="gone@example.org", active=False)
    _invited("new@example.org")
    email, password = {
        "wrong password": ("cory@example.org", "not the right password"),
        "unknown address": ("nobody@example.org", TEST_PASSWORD),
        "invited, no password": ("new@example.org", TEST_PASSWORD),
        "deactivated, right password": ("gone@example.org", TEST_PASSWORD),
        "deactivated, wrong password": ("gone@example.org", "not the right password"),
    }[case]
    response = client.post("/staff/login", data={"email": email, "password": password})
    assert response.status_code == 200
    assert "Enter a correct email address and password" in response.get_data(as_text=True)
    # One check, with the cost parameters this app is configured to hash with (the tests use
    # cheap scrypt; a dummy hashed with production scrypt would make these cases 10x slower).
    assert hash_checks == [app.config["PASSWORD_HASH_METHOD"]]


def test_a_correct_password_costs_the_same_one_hash(app, client, make_staff, hash_checks):
    make_staff(email="cory@example.org")
    response = client.post("/staff/login", data={"email": "cory@example.org",
                                                 "password": TEST_PASSWORD})
    assert response.status_code == 302
    assert hash_checks == [app.config["PASSWORD_HASH_METHOD"]]


def test_the_dummy_hash_follows_the_configured_method(app):
    assert auth_services._dummy_hash().startswith(app.config["PASSWORD_HASH_METHOD"] + "$")
    assert auth_services._dummy_hash() is auth_services._dummy_hash()  # computed once
    app.config["PASSWORD_HASH_METHOD"] = "pbkdf2:sha256:1000"
    assert auth_services._dummy_hash().startswith("pbkdf2:sha256:1000$")
