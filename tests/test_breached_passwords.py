"""Passwords known from breaches are refused whenever a password is set (ASVS 4.0.3 2.1.7),
from a list shipped with the code: no network call."""

from __future__ import annotations

import re
import socket

import pytest
from sqlalchemy import select

from accessreq.auth.models import Role, StaffUser
from accessreq.auth.services import (BREACHED_PASSWORD, PasswordPolicyError,
                                     check_password_policy)
from accessreq.extensions import db
from accessreq.notifications.models import OutgoingEmail
from helpers import TEST_PASSWORD

LINK = re.compile(r"http://accessreq\.test(/staff/invite/[A-Za-z0-9_\-]+)")
# Each appears in public breach compilations and is long enough for our length rule.
BREACHED = ["1qaz2wsx3edc", "qwertyuiop12", "passwordpassword", "iloveyou1234",
            "Password1234", "PASSWORDPASSWORD"]


@pytest.fixture
def no_network(monkeypatch):
    """Any attempt to open a network connection fails the test."""
    def refuse(*args, **kwargs):
        raise AssertionError("the breached-password check tried to use the network")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)


@pytest.mark.parametrize("password", BREACHED)
def test_asvs_2_1_7_breached_passwords_are_refused_without_the_network(no_network, password):
    with pytest.raises(PasswordPolicyError, match="stolen from other sites"):
        check_password_policy(password)


@pytest.mark.parametrize("password", [TEST_PASSWORD, "purple elephant quietly reads",
                                      "access-demo-2026"])
def test_uncommon_passwords_pass(no_network, password):
    check_password_policy(password)


def test_asvs_2_1_7_breached_password_refused_when_accepting_an_invitation(client, make_staff,
                                                                          login):
    login(make_staff(Role.ADMIN))
    client.post("/admin/staff/new", data={"name": "Nia Newcomer", "email": "nia@example.org",
                                          "role": "coordinator"})
    body = db.session.scalars(select(OutgoingEmail)).one().body_text
    link = LINK.search(body).group(1)
    client.post("/staff/logout")

    response = client.post(link, data={"password": "1qaz2wsx3edc", "confirm": "1qaz2wsx3edc"})
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "<title>Error: Set your password" in page
    # The message is beside the field (its error is joined to it) and in the summary.
    assert page.count(BREACHED_PASSWORD) == 2
    assert 'id="password-error"' in page
    assert "1qaz2wsx3edc" not in page  # the password is never echoed back
    user = db.session.scalars(select(StaffUser).where(StaffUser.email == "nia@example.org")).one()
    assert user.password_hash is None

    response = client.post(link, data={"password": "purple elephant quietly reads",
                                       "confirm": "purple elephant quietly reads"})
    assert response.status_code == 302


def test_asvs_2_1_7_breached_password_refused_by_staff_create(runner):
    result = runner.invoke(args=["staff", "create", "--email", "ops@example.org", "--name", "Ops",
                                 "--role", "admin"], input="qwertyuiop12\n")
    assert result.exit_code != 0
    assert BREACHED_PASSWORD in result.output
    assert db.session.scalar(select(StaffUser).where(StaffUser.email == "ops@example.org")) is None
