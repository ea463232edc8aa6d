"""The IMAP fetcher against a real Dovecot: messages put there with APPEND, fetched with the
real commands, moved or flagged only after the store returned."""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path
from types import SimpleNamespace

import pytest
from flask.cli import AppGroup
from imapclient import IMAPClient
from sqlalchemy.exc import OperationalError

from accessreq.inbound import fetcher
from accessreq.inbound.fetcher import (STORED_KEYWORD, FetchError, ImapSettings,
                                       MailboxPosition, fetch_once)
from accessreq.inbound.imap_cli import register_fetch
from helpers import free_port
import helpers_imap
from helpers_imap import mail

ROOT = Path(__file__).resolve().parents[2]
PROCESSED = "Processed"
_MESSAGE_ID = re.compile(rb"^Message-ID:\s*(<[^>]+>)", re.IGNORECASE | re.MULTILINE)


def message_id(raw: bytes) -> str:
    return _MESSAGE_ID.search(raw).group(1).decode()


class RecordingStore:
    """Records every call; can refuse chosen messages, or find the database down at one."""

    def __init__(self, refuse: set[str] = frozenset(), database_down_at: str | None = None,
                 check=None):
        self.calls: list[tuple[bytes, MailboxPosition]] = []
        self.refuse = refuse
        self.database_down_at = database_down_at
        self.check = check

    def __call__(self, raw: bytes, position: MailboxPosition):
        if self.check is not None:
            self.check(raw, position)
        if message_id(raw) == self.database_down_at:
            raise OperationalError("INSERT INTO inbound_message …", {},
                                   Exception("server closed the connection unexpectedly"))
        if message_id(raw) in self.refuse:
            raise ValueError("this message breaks the store")
        self.calls.append((raw, position))
        return SimpleNamespace(message_id=len(self.calls), duplicate=False, outcome="stored")


class UniqueStore:
    """Idempotent like the real store: a Message-ID seen before is a duplicate, not a row."""

    def __init__(self):
        self.rows: list[str] = []
        self.crash_after: int | None = None

    def __call__(self, raw: bytes, position: MailboxPosition):
        key = message_id(raw)
        if key in self.rows:
            return SimpleNamespace(message_id=self.rows.index(key) + 1, duplicate=True,
                                   outcome="duplicate")
        self.rows.append(key)
        if self.crash_after is not None and len(self.rows) == self.crash_after:
            # Committed, then the process dies before anything is moved (as SIGKILL would).
            raise KeyboardInterrupt
        return SimpleNamespace(message_id=len(self.rows), duplicate=False, outcome="stored")


def settings(dovecot, **changes) -> ImapSettings:
    return ImapSettings.from_config(dovecot.settings(**changes))


def ids_in(dovecot, folder: str = "INBOX") -> list[str]:
    return sorted(message_id(raw) for raw, _flags in dovecot.messages(folder).values())


def uidvalidity(dovecot, folder: str = "INBOX") -> int:
    with dovecot.client() as client:
        return int(client.folder_status(folder, [b"UIDVALIDITY"])[b"UIDVALIDITY"])


def test_messages_are_stored_then_moved_with_their_uidvalidity_and_uid(app, dovecot):
    sent = [mail(n) for n in range(3)]
    dovecot.append(sent)
    before = dovecot.messages()

    def still_waiting(raw, position):
        # While the store runs, the message is still in the INBOX, unflagged, unread.
        raw_now, flags = dovecot.messages()[position.uid]
        assert raw_now == raw and flags in ((), (b"\\Recent",))
        assert message_id(raw) not in ids_in(dovecot, PROCESSED)

    store = RecordingStore(check=still_waiting)
    report = fetch_once(settings(dovecot, IMAP_PROCESSED_FOLDER=PROCESSED), store)

    assert (report.stored, report.duplicates, report.left) == (3, 0, 0)
    assert report.summary() == "Mail: 3 stored, 0 already stored, 0 left for later."
    assert [raw for raw, _ in store.calls] == sent  # the very bytes, in UID order
    expected_validity = uidvalidity(dovecot)
    assert [(p.mailbox, p.uidvalidity, p.uid) for _, p in store.calls] == [
        ("INBOX", expected_validity, uid) for uid in sorted(before)]
    assert dovecot.messages() == {}
    assert ids_in(dovecot, PROCESSED) == sorted(message_id(raw) for raw in sent)


def test_without_a_processed_folder_stored_messages_are_flagged_and_skipped(app, dovecot):
    dovecot.append([mail(1), mail(2)])
    store = RecordingStore()
    first = fetch_once(settings(dovecot), store)
    assert first.stored == 2
    flags = [set(f) for _raw, f in dovecot.messages().values()]
    assert flags and all({STORED_KEYWORD, b"\\Seen"} <= f for f in flags)

    again = fetch_once(settings(dovecot), store)
    assert (again.stored, again.duplicates, again.left) == (0, 0, 0)
    assert len(store.calls) == 2

    newer = mail(3)
    dovecot.append([newer])
    third = fetch_once(settings(dovecot), store)
    assert third.stored == 1 and store.calls[-1][0] == newer
    assert len(dovecot.messages()) == 3  # flagged, never moved or deleted


def test_a_message_the_store_refuses_stays_and_the_rest_go_on(app, dovecot, caplog):
    sent = [mail(n) for n in range(5)]
    dovecot.append(sent)
    bad = message_id(sent[1])
    store = RecordingStore(refuse={bad})

    report = fetch_once(settings(dovecot, IMAP_PROCESSED_FOLDER=PROCESSED), store,
                        batch_size=2)

    assert (report.stored, report.left) == (4, 1)
    assert ids_in(dovecot) == [bad]
    assert dovecot.messages()[report.failed_uids[0]][1] in ((), (b"\\Recent",))
    assert len(ids_in(dovecot, PROCESSED)) == 4
    assert "failed; left in the mailbox" in caplog.text

    store.refuse = set()  # fixed: the next run takes it
    assert fetch_once(settings(dovecot, IMAP_PROCESSED_FOLDER=PROCESSED), store).stored == 1
    assert dovecot.messages() == {}


@pytest.mark.parametrize("processed", [PROCESSED, None], ids=["move", "flag"])
def test_a_database_outage_stops_the_batch_and_moves_nothing_unstored(app, dovecot, processed):
    sent = [mail(n) for n in range(4)]
    dovecot.append(sent)
    chosen = settings(dovecot, IMAP_PROCESSED_FOLDER=processed)

    down_at_once = RecordingStore(database_down_at=message_id(sent[0]))
    report = fetch_once(chosen, down_at_once)
    assert report.database_down and (report.stored, report.left) == (0, 4)
    assert ids_in(dovecot) == sorted(map(message_id, sent))
    assert all(STORED_KEYWORD not in flags for _raw, flags in dovecot.messages().values())

    # Down at the third message: the two committed before it are moved or flagged, no other.
    down_later = RecordingStore(database_down_at=message_id(sent[2]))
    report = fetch_once(chosen, down_later)
    assert report.database_down and (report.stored, report.left) == (2, 2)
    done = sorted(map(message_id, sent[:2]))
    if processed:
        assert ids_in(dovecot, PROCESSED) == done
        assert ids_in(dovecot) == sorted(map(message_id, sent[2:]))
    else:
        flagged = sorted(message_id(raw) for raw, flags in dovecot.messages().values()
                         if STORED_KEYWORD in flags)
        assert flagged == done


def test_a_fetcher_stopped_mid_batch_stores_each_message_once_when_run_again(app, dovecot):
    sent = [mail(n) for n in range(7)]
    dovecot.append(sent)
    store = UniqueStore()
    store.crash_after = 3
    chosen = settings(dovecot, IMAP_PROCESSED_FOLDER=PROCESSED)
    with pytest.raises(KeyboardInterrupt):
        fetch_once(chosen, store, batch_size=5)
    assert len(dovecot.messages()) == 7  # committed three, moved none

    store.crash_after = None
    report = fetch_once(chosen, store, batch_size=5)
    assert (report.stored, report.duplicates, report.left) == (4, 3, 0)
    assert sorted(store.rows) == sorted(map(message_id, sent))  # each once
    assert dovecot.messages() == {} and len(ids_in(dovecot, PROCESSED)) == 7


def test_two_fetchers_on_one_mailbox_store_each_message_once(app, dovecot):
    """Without the lease (as when a slow fetcher's lease ran out and another took over), the
    store's unique key alone still keeps every message once."""
    sent = [mail(n) for n in range(6)]
    dovecot.append(sent)
    store = UniqueStore()
    chosen = settings(dovecot, IMAP_PROCESSED_FOLDER=PROCESSED)
    # The second fetcher runs while the first is between its FETCH and its MOVE.
    inner: list = []

    def second_fetcher_runs_inside(raw, position):
        if not inner:
            inner.append(fetch_once(chosen, store, use_lease=False))
        return store(raw, position)

    # Batches of two: the first one's messages were fetched before the second fetcher moved
    # everything; the next batches are gone by the time the first fetcher asks for them.
    outer = fetch_once(chosen, second_fetcher_runs_inside, batch_size=2, use_lease=False)
    assert inner[0].stored == 6
    assert (outer.stored, outer.duplicates, outer.left) == (0, 2, 0)
    assert sorted(store.rows) == sorted(map(message_id, sent))
    assert dovecot.messages() == {} and len(ids_in(dovecot, PROCESSED)) == 6


def test_with_the_lease_a_second_fetcher_leaves_the_mailbox_to_the_first(app, dovecot, caplog):
    caplog.set_level("INFO")
    sent = [mail(n) for n in range(6)]
    dovecot.append(sent)
    store = UniqueStore()
    chosen = settings(dovecot, IMAP_PROCESSED_FOLDER=PROCESSED)
    inner: list = []

    def second_fetcher_runs_inside(raw, position):
        if not inner:
            inner.append(fetch_once(chosen, store))
        return store(raw, position)

    outer = fetch_once(chosen, second_fetcher_runs_inside, batch_size=2)
    assert inner[0].busy and (inner[0].stored, inner[0].duplicates, inner[0].left) == (0, 0, 0)
    assert inner[0].summary() == ("Mail: another fetcher is working on this mailbox; "
                                  "nothing fetched.")
    assert caplog.text.count("another fetcher is working on INBOX") == 1
    assert (outer.stored, outer.duplicates, outer.left) == (6, 0, 0) and not outer.busy
    assert dovecot.messages() == {}
    assert ids_in(dovecot, PROCESSED) == sorted(map(message_id, sent))  # each exactly once
    # Given back at the end: the next run takes it at once.
    assert not fetch_once(chosen, store).busy


def test_without_move_it_copies_and_expunges_only_what_it_stored(app, dovecot, monkeypatch):
    dovecot.append([mail(1), mail(2)])
    someone_elses = mail(3)
    dovecot.append([someone_elses])
    with dovecot.client() as client:
        client.select_folder("INBOX")
        uid = client.search(["HEADER", "Message-ID", message_id(someone_elses)])[0]
        client.add_flags([uid], [b"\\Deleted"])  # marked by someone, not yet expunged
    real = IMAPClient.has_capability
    monkeypatch.setattr(IMAPClient, "has_capability",
                        lambda self, name: name.upper() != "MOVE" and real(self, name))

    report = fetch_once(settings(dovecot, IMAP_PROCESSED_FOLDER=PROCESSED), RecordingStore())

    assert report.stored == 2  # a message marked deleted is not fetched
    assert len(ids_in(dovecot, PROCESSED)) == 2
    assert ids_in(dovecot) == [message_id(someone_elses)]  # UID EXPUNGE left it alone


def test_progress_after_each_batch_and_a_stop_between_messages(app, dovecot):
    dovecot.append([mail(n) for n in range(7)])
    store = RecordingStore()
    seen: list[tuple[int, int]] = []
    report = fetch_once(settings(dovecot, IMAP_PROCESSED_FOLDER=PROCESSED), store,
                        should_stop=lambda: len(store.calls) >= 3, batch_size=2,
                        progress=lambda r: seen.append((r.stored, r.left)))
    assert report.stopped and (report.stored, report.left) == (3, 4)
    assert seen == [(2, 0), (3, 1)]
    assert len(ids_in(dovecot, PROCESSED)) == 3 and len(dovecot.messages()) == 4


def test_settings_come_from_the_configuration(app, dovecot):
    chosen = ImapSettings.from_config({"IMAP_HOST": "imap.example.org", "IMAP_USERNAME": "u",
                                       "IMAP_PASSWORD": "p", "IMAP_PORT": None})
    assert (chosen.effective_port, chosen.security, chosen.folder,
            chosen.processed_folder) == (993, "ssl", "INBOX", None)
    assert "password" not in repr(settings(dovecot)) and dovecot.password not in repr(
        settings(dovecot))
    assert ImapSettings.from_config({**dovecot.settings(), "IMAP_PORT": None,
                                     "IMAP_SECURITY": "starttls"}).effective_port == 143
    with pytest.raises(FetchError, match="IMAP_SECURITY must be one of ssl, starttls, none"):
        ImapSettings.from_config({**dovecot.settings(), "IMAP_SECURITY": "tls"})
    with pytest.raises(FetchError, match="set IMAP_HOST, IMAP_PASSWORD"):
        ImapSettings.from_config({"IMAP_USERNAME": "u"})


def test_starttls_is_refused_by_a_server_without_tls(app, dovecot):
    with pytest.raises(FetchError, match="did not let us in"):
        fetch_once(settings(dovecot, IMAP_SECURITY="starttls"), RecordingStore())


# --- the command ------------------------------------------------------------------------


@pytest.fixture
def mail_runner(app, monkeypatch):
    """The app's CLI runner with a throwaway ``mail`` group holding ``fetch``, and a store that
    keeps Message-IDs in a list (the database store belongs to the parsing core)."""
    group = AppGroup("mail")
    register_fetch(group)
    app.cli.add_command(group)
    store = UniqueStore()
    monkeypatch.setattr(fetcher, "store_in_database", store)
    runner = app.test_cli_runner()
    runner.store = store
    return runner


def test_mail_fetch_prints_a_one_line_summary(app, dovecot, mail_runner):
    sent = [mail(n) for n in range(3)]
    dovecot.append([*sent, sent[0]])  # the same message twice: stored once
    app.config.update(dovecot.settings(IMAP_PROCESSED_FOLDER=PROCESSED))
    result = mail_runner.invoke(args=["mail", "fetch"])
    assert result.exit_code == 0, result.output
    assert result.output == "Mail: 3 stored, 1 already stored, 0 left for later.\n"
    assert len(ids_in(dovecot, PROCESSED)) == 4 and len(mail_runner.store.rows) == 3


@pytest.mark.parametrize(("changes", "expected"), [
    ({"IMAP_HOST": None}, "Error: IMAP is not configured: set IMAP_HOST (and IMAP_PORT, "),
    ({"IMAP_PASSWORD": "wrong password"},
     "Error: The IMAP server 127.0.0.1 refused the login for access@example.org: "),
    ({"IMAP_FOLDER": "Nowhere"}, "Error: Cannot open the IMAP folder 'Nowhere': "),
], ids=["not-configured", "bad-password", "no-such-folder"])
def test_mail_fetch_fails_in_one_line(app, dovecot, mail_runner, changes, expected):
    app.config.update(dovecot.settings(**changes))
    result = mail_runner.invoke(args=["mail", "fetch"])
    assert result.exit_code == 1
    assert result.output.startswith(expected) and result.output.count("\n") == 1, result.output
    assert "Traceback" not in result.output


def test_mail_fetch_says_when_the_server_cannot_be_reached(app, dovecot, mail_runner):
    app.config.update(dovecot.settings(IMAP_PORT=free_port()))
    result = mail_runner.invoke(args=["mail", "fetch"])
    assert result.exit_code == 1
    assert result.output.startswith("Error: Cannot reach the IMAP server 127.0.0.1:")
    assert result.output.count("\n") == 1


def _fetch_process(app, dovecot, *args: str, **env: str) -> subprocess.Popen:
    settings_env = {key: str(value) for key, value in
                    dovecot.settings(IMAP_PROCESSED_FOLDER=PROCESSED).items() if value}
    environment = {**os.environ, "DATABASE_URL": app.config["SQLALCHEMY_DATABASE_URI"],
                   "SECRET_KEY": app.config["SECRET_KEY"], "BASE_URL": app.config["BASE_URL"],
                   **settings_env, **env}
    return subprocess.Popen(
        [sys.executable, "-m", "flask", "--app", "tests/inbound/fetch_app.py:create", "mail",
         "fetch", *args], cwd=ROOT, env=environment, stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT, text=True)


@pytest.mark.slow  # starts a process
def test_sigterm_stops_the_loop_between_messages(app, dovecot, tmp_path):
    sent = [mail(n) for n in range(40)]
    dovecot.append(sent)
    record = tmp_path / "stored.txt"
    process = _fetch_process(app, dovecot, "--loop", "--interval", "0.2", "--batch", "50",
                             TEST_FETCH_RECORD=str(record))
    try:
        deadline = time.monotonic() + 30
        while not (record.exists() and len(record.read_text().splitlines()) >= 5):
            assert time.monotonic() < deadline and process.poll() is None, process.stdout.read()
            time.sleep(0.02)
        process.send_signal(signal.SIGTERM)
        output, _ = process.communicate(timeout=30)
    finally:
        process.kill()
    assert process.returncode == 0, output
    assert output.startswith("Mail fetcher running every 0.2s on INBOX at 127.0.0.1")
    assert output.rstrip().endswith("Mail fetcher stopped."), output
    assert "Traceback" not in output
    stored = [line.split()[0] for line in record.read_text().splitlines()]
    assert 5 <= len(stored) < 40, "stopped mid-batch, between messages"
    # What was stored was moved; what was not is waiting, untouched: nothing lost, none twice.
    assert sorted(stored) == ids_in(dovecot, PROCESSED)
    assert sorted(set(stored) | set(ids_in(dovecot))) == sorted(map(message_id, sent))
    assert len(set(stored)) == len(stored)


@pytest.mark.slow  # starts a process
def test_the_loop_keeps_going_when_the_server_refuses_and_stops_on_sigterm(app, dovecot):
    process = _fetch_process(app, dovecot, "--loop", "--interval", "0.2",
                             IMAP_PASSWORD="wrong password", LOG_FORMAT="json")
    lines: list[str] = []
    reader = threading.Thread(target=lambda: lines.extend(process.stdout), daemon=True)
    reader.start()
    try:
        # Signal once the loop has run a round (its first refusal is logged), however slowly
        # the process started: a fixed sleep raced the start-up on a busy machine.
        deadline = time.monotonic() + 60
        while not any("mail fetch failed" in line for line in lines):
            assert process.poll() is None and time.monotonic() < deadline, "".join(lines)
            time.sleep(0.05)
        process.send_signal(signal.SIGTERM)
        process.wait(timeout=30)
        reader.join(timeout=30)
    finally:
        process.kill()
    output = "".join(lines)
    assert process.returncode == 0, output
    logged = [json.loads(line) for line in output.splitlines() if line.startswith("{")]
    assert logged and all(entry["level"] == "ERROR" for entry in logged)
    assert logged[0]["message"].startswith(
        "mail fetch failed; retrying in 0.2s: The IMAP server 127.0.0.1 refused the login")
    assert "wrong password" not in output
    assert output.rstrip().endswith("Mail fetcher stopped.")


def test_without_dovecot_the_tests_skip_except_under_ci(monkeypatch):
    monkeypatch.setattr(helpers_imap, "DOVECOT", "/nonexistent/dovecot")
    monkeypatch.delenv("CI", raising=False)
    with pytest.raises(pytest.skip.Exception, match="apt-get install -y dovecot-imapd"):
        helpers_imap.require_dovecot()
    monkeypatch.setenv("CI", "true")
    with pytest.raises(pytest.fail.Exception, match="CI must run them"):
        helpers_imap.require_dovecot()
