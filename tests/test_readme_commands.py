"""The README's command-line section, run as written: in a development checkout (the .env that
`make` writes) every command works; without a key outside debug mode each says in one line
what to set, never with a traceback; and production settings never read a checkout's .env."""

from __future__ import annotations

import os
import re
import shlex
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from helpers import free_port

ROOT = Path(__file__).resolve().parent.parent
README = ROOT / "README.md"
GOOD_KEY = "k" * 48
# The README's placeholders (by the option they follow), and what the test types for them.
PLACEHOLDERS = {("--email", "E"): "newcomer@example.org", ("--name", "N"): "Nia Newcomer",
                ("--requests", "N"): "3"}
# Commands that run until stopped, and the line that says they are ready.
LONG_RUNNING = {("mailcatcher",): "Mail catcher on", ("outbox", "send", "--loop"):
                "Outbox sender running"}
# Commands that need a service this test does not give them, and the one line they answer with.
REFUSES_WITHOUT = {("mail", "fetch"): "Error: IMAP is not configured: set IMAP_HOST"}
PASSWORD = "a newcomer's long passphrase"
# Files the README's commands read from standard input (`… < message.eml`), and what the test
# gives them instead.
STDIN_FILES = {"message.eml": ROOT / "tests" / "data" / "mail" / "no_message_id.eml"}

pytestmark = pytest.mark.slow  # starts processes


def _cli_section() -> str:
    text = README.read_text(encoding="utf-8")
    return text.split("## Command-line interface", 1)[1].split("\n## ", 1)[0]


def readme_commands() -> list[list[str]]:
    """Every command the section documents: the table's first column, then each
    `flask --app accessreq …` written out in full in its prose."""
    section = _cli_section()
    found = re.findall(r"^\| `([^`]+)` \|", section, flags=re.MULTILINE)
    found += [c for c in re.findall(r"`flask --app accessreq ([^`<…]+)`", section)]
    commands: list[list[str]] = []
    for command in found:
        words = shlex.split(command)
        words = [PLACEHOLDERS.get((before, w), w) for before, w in zip(["", *words], words)]
        if words not in commands:
            commands.append(words)
    return commands


def _environment(workdir: Path, **extra: str) -> dict[str, str]:
    """The caller's environment without any app setting, as in a fresh shell."""
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("FLASK_", "SECRET_KEY", "SESSION_", "MAIL_", "BASE_URL"))
           and k != "DATABASE_URL"}
    env.update(DATABASE_URL=f"sqlite:///{workdir / 'accessreq.sqlite3'}",
               MAIL_CATCHER_DIR=str(workdir / "mail"), MAIL_PORT=str(free_port()), **extra)
    return env


def _split_stdin(words: list[str]) -> tuple[list[str], str]:
    """The command without its ``< file``, and what it reads: the file's stand-in, or the
    password a command that asks for one reads from standard input."""
    if "<" in words:
        at = words.index("<")
        return words[:at], STDIN_FILES[words[at + 1]].read_text()
    return words, f"{PASSWORD}\n"


def _flask(words: list[str]) -> list[str]:
    return [sys.executable, "-m", "flask", "--app", "accessreq", *words]


def _with_free_port(words: list[str]) -> list[str]:
    """A documented port (1025) may be in use on this machine: use a free one instead."""
    return [str(free_port()) if w == "1025" else w for w in words]


def _run_until_ready(words: list[str], ready: str, env: dict, cwd: Path) -> tuple[int, str]:
    process = subprocess.Popen(_flask(words), cwd=cwd, env=env, text=True,
                               stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    lines = []
    try:
        for line in process.stdout:
            lines.append(line)
            if ready in line:
                process.send_signal(signal.SIGTERM)
                break
        rest, _ = process.communicate(timeout=30)
    finally:
        process.kill()
    return process.returncode, "".join(lines) + rest


def _development_checkout(tmp_path: Path) -> Path:
    """A directory with the .env the Makefile writes (its real rule, run there)."""
    done = subprocess.run(["make", "-s", "-f", str(ROOT / "Makefile"), ".env",
                           f"PYTHON={sys.executable}"], cwd=tmp_path, capture_output=True,
                          text=True, timeout=60)
    assert done.returncode == 0, done.stdout + done.stderr
    settings = (tmp_path / ".env").read_text()
    assert "FLASK_DEBUG=1" in settings
    key = re.search(r"^SECRET_KEY=(\S+)$", settings, flags=re.MULTILINE).group(1)
    assert len(key) >= 48 and key not in (ROOT / "Makefile").read_text()
    assert oct((tmp_path / ".env").stat().st_mode & 0o777) == "0o600"
    return tmp_path


def test_the_readme_lists_the_commands_this_test_runs():
    commands = readme_commands()
    assert commands[:2] == [["db", "upgrade"], ["demo"]]
    assert ["staff", "create", "--email", "newcomer@example.org", "--name", "Nia Newcomer",
            "--role", "admin"] in commands
    assert ["bench", "load", "--requests", "3"] in commands
    assert {"outbox", "requests", "mailcatcher", "bench", "mail"} <= {c[0] for c in commands}
    assert ["mail", "ingest", "<", "message.eml"] in commands


def test_every_readme_command_works_as_written_in_a_development_checkout(tmp_path):
    checkout = _development_checkout(tmp_path)
    env = _environment(checkout)
    for words in readme_commands():
        words = _with_free_port(words)
        ready = next((line for prefix, line in LONG_RUNNING.items()
                      if tuple(words[:len(prefix)]) == prefix), None)
        if ready:
            code, output = _run_until_ready(words, ready, env, checkout)
        else:
            words, stdin = _split_stdin(words)
            done = subprocess.run(_flask(words), cwd=checkout, env=env, text=True,
                                  input=stdin, capture_output=True, timeout=120)
            code, output = done.returncode, done.stdout + done.stderr
        refusal = REFUSES_WITHOUT.get(tuple(words))
        if refusal:  # works as written, and says in one line what it is missing here
            assert code == 1 and output.strip().startswith(refusal), output
            assert len(output.strip().splitlines()) == 1, output
        else:
            assert code == 0, f"flask {shlex.join(words)}:\n{output}"
        assert "Traceback" not in output, f"flask {shlex.join(words)}:\n{output}"
    # `.env` had what the commands needed: the demo loaded, the account was made.
    assert (checkout / "accessreq.sqlite3").is_file()


def test_without_a_key_outside_debug_mode_each_command_says_what_to_set(tmp_path):
    env = _environment(tmp_path)  # no .env here, no SECRET_KEY, no FLASK_DEBUG
    for words in readme_commands():
        words, stdin = _split_stdin(words)
        done = subprocess.run(_flask(_with_free_port(words)), cwd=tmp_path, env=env,
                              text=True, input=stdin, capture_output=True, timeout=60)
        output = (done.stdout + done.stderr).strip()
        assert done.returncode != 0, f"flask {shlex.join(words)} started without a key"
        assert "Traceback" not in output
        assert len(output.splitlines()) == 1, output
        assert output.startswith("Error: No SECRET_KEY is set"), output
        assert "secrets.token_urlsafe(48)" in output and "make .env" in output


def test_production_settings_never_read_a_checkouts_env(tmp_path):
    """deploy/accessreq.env.example sets FLASK_SKIP_DOTENV=1: a developer's .env (debug mode)
    in the directory must not turn a production command into a debug one."""
    checkout = _development_checkout(tmp_path)
    example = (ROOT / "deploy" / "accessreq.env.example").read_text()
    assert re.search(r"^FLASK_SKIP_DOTENV=1$", example, flags=re.MULTILINE)
    production = _environment(checkout, SECRET_KEY=GOOD_KEY, SESSION_COOKIE_SECURE="true")
    done = subprocess.run(_flask(["routes"]), cwd=checkout, text=True, capture_output=True,
                          env={**production, "FLASK_SKIP_DOTENV": "1"}, timeout=60)
    assert done.returncode == 0, done.stdout + done.stderr
    # Without the guard the .env's FLASK_DEBUG=1 would be read, and refused with secure cookies.
    unguarded = subprocess.run(_flask(["routes"]), cwd=checkout, env=production, text=True,
                               capture_output=True, timeout=60)
    assert unguarded.returncode != 0
    assert "unset FLASK_DEBUG in production" in unguarded.stderr
    assert "Traceback" not in unguarded.stderr
