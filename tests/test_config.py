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


# --- keys and debug mode at start-up (issue 8, item 6) -----------------------------------------

ENV_EXAMPLE = README.parent / "deploy" / "accessreq.env.example"
GOOD_KEY = "q" * config.MIN_SECRET_KEY_BYTES


def _start(**settings):
    from accessreq import create_app

    return create_app({"SQLALCHEMY_DATABASE_URI": "sqlite://", **settings})


def _shipped_placeholder() -> str:
    for line in ENV_EXAMPLE.read_text(encoding="utf-8").splitlines():
        if line.startswith("SECRET_KEY="):
            return line.removeprefix("SECRET_KEY=")
    raise AssertionError("deploy/accessreq.env.example has no SECRET_KEY line")


def test_asvs_2_10_4_the_shipped_placeholder_key_is_refused():
    """ASVS 2.10.4 / 6.4.1: a key copied from the example file (or the built-in default) is a
    published secret; outside development the app does not start with it, and says what to do."""
    placeholder = _shipped_placeholder()
    assert placeholder in config.KNOWN_PLACEHOLDER_KEYS
    for known in (placeholder, config.DEFAULT_SECRET_KEY, "change-me " + "x" * 40):
        with pytest.raises(RuntimeError) as refused:
            _start(SECRET_KEY=known)
        message = str(refused.value)
        assert "Set SECRET_KEY" in message and "secrets.token_urlsafe(48)" in message


def test_asvs_6_4_1_keys_shorter_than_32_bytes_are_refused():
    for short in ("", "x" * 31, "é" * 15 + "x"):  # bytes count, not characters (31 bytes)
        with pytest.raises(RuntimeError, match="at least 32 are needed"):
            _start(SECRET_KEY=short)
    assert _start(SECRET_KEY="x" * 32).secret_key == "x" * 32
    assert _start(SECRET_KEY="é" * 16).secret_key  # 32 bytes


def test_a_timezone_that_is_no_time_zone_stops_the_app_in_one_line():
    """Reports, digests and new events read TIMEZONE: a wrong name is refused at start, in
    tests and development too, not found out later on a report page."""
    for wrong in ("Mars/Olympus_Mons", "", "../etc/passwd"):
        with pytest.raises(RuntimeError, match="which is not a time zone: set it to a name "
                                               "such as Europe/London"):
            _start(SECRET_KEY=GOOD_KEY, TIMEZONE=wrong)
    assert _start(SECRET_KEY=GOOD_KEY, TIMEZONE="America/Chicago").config["TIMEZONE"] == \
        "America/Chicago"


def test_asvs_14_3_2_debug_mode_is_refused_with_production_cookies():
    """ASVS 14.3.2: debug mode (tracebacks, and the development key allowed) is development
    only; with SESSION_COOKIE_SECURE on it is a production server, and the app refuses."""
    with pytest.raises(RuntimeError, match="FLASK_DEBUG is on, but SESSION_COOKIE_SECURE"):
        _start(DEBUG=True, SESSION_COOKIE_SECURE=True, SECRET_KEY=GOOD_KEY)
    assert _start(SESSION_COOKIE_SECURE=True, SECRET_KEY=GOOD_KEY)  # production as documented


def test_make_run_still_starts_with_the_development_key(monkeypatch):
    """`make run`: FLASK_DEBUG=1, no SECRET_KEY, no secure cookie."""
    for name in ("SECRET_KEY", "SESSION_COOKIE_SECURE"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("FLASK_DEBUG", "1")
    app = _start()
    assert app.debug and app.secret_key == config.DEFAULT_SECRET_KEY


@pytest.mark.slow  # starts a process
def test_asvs_14_3_2_the_flask_command_refuses_before_serving(tmp_path):
    """The real entry point, as an operator starts it: a clear message, no traceback to decode."""
    import subprocess
    import sys

    base = {k: v for k, v in os.environ.items()
            if k not in {"SECRET_KEY", "FLASK_DEBUG", "SESSION_COOKIE_SECURE"}}
    base["DATABASE_URL"] = f"sqlite:///{tmp_path / 'x.sqlite3'}"
    cases = [({"SECRET_KEY": _shipped_placeholder()}, "deploy/accessreq.env.example"),
             ({"SECRET_KEY": GOOD_KEY, "FLASK_DEBUG": "1", "SESSION_COOKIE_SECURE": "true"},
              "unset FLASK_DEBUG in production")]
    for extra, expected in cases:
        done = subprocess.run([sys.executable, "-m", "flask", "--app", "accessreq", "routes"],
                              env={**base, **extra}, capture_output=True, text=True, timeout=60)
        assert done.returncode != 0
        assert expected in done.stdout + done.stderr
