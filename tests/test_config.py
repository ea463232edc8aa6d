"""Configuration: every variable the README promises is read from the environment, and the
README's configuration table lists every variable ``from_environment`` reads — no more, no less."""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest

from accessreq import config

README = Path(__file__).resolve().parent.parent / "README.md"

# The interface other tools rely on (issue 2): variable, value set, config key, value expected.
REQUIRED = [
    ("DATABASE_URL", "postgresql+psycopg://u@db/accessreq", "SQLALCHEMY_DATABASE_URI",
     "postgresql+psycopg://u@db/accessreq"),
    ("SECRET_KEY", "s3cret-from-env", "SECRET_KEY", "s3cret-from-env"),
    ("MAIL_SERVER", "smtp.example.org", "MAIL_SERVER", "smtp.example.org"),
    ("MAIL_PORT", "587", "MAIL_PORT", 587),
    ("MAIL_USE_TLS", "true", "MAIL_USE_TLS", True),
    ("MAIL_USERNAME", "mailer", "MAIL_USERNAME", "mailer"),
    ("MAIL_PASSWORD", "mail-pass", "MAIL_PASSWORD", "mail-pass"),
    ("MAIL_DEFAULT_SENDER", "Access <a@example.org>", "MAIL_DEFAULT_SENDER",
     "Access <a@example.org>"),
    ("STAFF_INBOX", "team@example.org", "STAFF_INBOX", "team@example.org"),
    ("BASE_URL", "https://access.example.org/", "BASE_URL", "https://access.example.org"),
]


class _RecordingEnviron(dict):
    """A copy of the environment that remembers every name looked up in it."""

    def __init__(self, *args) -> None:
        super().__init__(*args)
        self.read: set[str] = set()

    def get(self, key, default=None):
        self.read.add(key)
        return super().get(key, default)

    def __getitem__(self, key):
        self.read.add(key)
        return super().__getitem__(key)

    def __contains__(self, key):
        self.read.add(key)
        return super().__contains__(key)


def _names_read() -> set[str]:
    recorder = _RecordingEnviron(os.environ)
    real = os.environ
    os.environ = recorder
    try:
        config.from_environment()
    finally:
        os.environ = real
    return recorder.read


def _readme_configuration_table() -> dict[str, tuple[str, str]]:
    """{variable: (default, meaning)} from the table under the README's "Configuration" heading."""
    text = README.read_text(encoding="utf-8")
    section = re.search(r"^## Configuration\n(.*?)(?=^## )", text, re.S | re.M)
    assert section, "README.md needs a '## Configuration' section"
    rows = {}
    for line in section.group(1).splitlines():
        match = re.match(r"^\|\s*`([A-Z][A-Z0-9_]*)`\s*\|([^|]*)\|([^|]*)\|", line)
        if match:
            rows[match.group(1)] = (match.group(2).strip(), match.group(3).strip())
    return rows


@pytest.mark.parametrize(("variable", "value", "key", "expected"), REQUIRED,
                         ids=[r[0] for r in REQUIRED])
def test_documented_variable_is_read(monkeypatch, variable, value, key, expected):
    monkeypatch.setenv(variable, value)
    assert config.from_environment()[key] == expected


def test_every_variable_read_changes_the_configuration(monkeypatch):
    """Nothing is read and then ignored: setting each variable changes some setting."""
    for name in sorted(_names_read()):
        monkeypatch.delenv(name, raising=False)
    baseline = config.from_environment()
    for name in sorted(_names_read()):
        changed = False
        for candidate in ("7", "false", "true", "x-config-test"):
            monkeypatch.setenv(name, candidate)
            try:
                changed = config.from_environment() != baseline
            except ValueError:
                changed = False
            if changed:
                break
        monkeypatch.delenv(name)
        assert changed, f"{name} is read but setting it changes nothing"


def test_mail_and_cookie_flags_accept_the_usual_spellings(monkeypatch):
    for value, expected in (("1", True), ("yes", True), ("On", True), ("0", False),
                            ("false", False), ("", False)):
        monkeypatch.setenv("MAIL_USE_TLS", value)
        assert config.from_environment()["MAIL_USE_TLS"] is expected


def test_defaults_are_safe_for_local_use(monkeypatch):
    for name in _names_read():
        monkeypatch.delenv(name, raising=False)
    settings = config.from_environment()
    assert settings["SQLALCHEMY_DATABASE_URI"].startswith("sqlite:///")
    assert (settings["MAIL_SERVER"], settings["MAIL_PORT"]) == ("127.0.0.1", 1025)
    assert settings["BASE_URL"] == "http://127.0.0.1:5000"


def test_readme_configuration_table_lists_exactly_what_is_read():
    documented = _readme_configuration_table()
    read = _names_read()
    assert read - set(documented) == set(), "read but not documented in README.md"
    assert set(documented) - read == set(), "documented in README.md but never read"
    for name, (default, meaning) in documented.items():
        assert default and meaning, f"{name} needs a default and a meaning in the README"
    assert {r[0] for r in REQUIRED} <= set(documented)
