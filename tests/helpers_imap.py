"""A real IMAP server for the tests: Dovecot on a free port, with its own configuration, one
user and a maildir under a temporary folder, running as the current user.

Without Dovecot (``apt-get install -y dovecot-imapd``) the tests that use it are skipped with
the reason, except under CI (``CI=true``), where they fail: CI must run them.
"""

from __future__ import annotations

import grp
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from imapclient import IMAPClient

from helpers import free_port

DOVECOT = os.environ.get("DOVECOT_PATH", "/usr/sbin/dovecot")
IMAP_USER = "access@example.org"
IMAP_PASSWORD = "imap-test-password-1"

_CONFIG = """\
# Written by tests/helpers_imap.py for one test run; nothing here is read from /etc/dovecot.
base_dir = {root}/run
state_dir = {root}/state
log_path = {root}/dovecot.log
info_log_path = {root}/dovecot.log
protocols = imap
listen = 127.0.0.1
ssl = no
disable_plaintext_auth = no
auth_mechanisms = plain login
# Everything runs as whoever runs the tests, with no chroot. As root (CI), the login and mail
# processes, which Dovecot never runs as root, run as an unprivileged user.
default_internal_user = {user}
default_internal_group = {group}
default_login_user = {login_user}
first_valid_uid = {mail_uid}
first_valid_gid = {mail_gid}
mail_location = maildir:{root}/mail/%u
passdb {{
  driver = passwd-file
  args = scheme=PLAIN username_format=%u {root}/passwd
}}
userdb {{
  driver = static
  args = uid={mail_uid} gid={mail_gid} home={root}/home/%u
}}
service imap-login {{
  chroot =
  inet_listener imap {{
    address = 127.0.0.1
    port = {port}
  }}
  inet_listener imaps {{
    port = 0
  }}
}}
service anvil {{
  chroot =
}}
service auth {{
  user = {user}
}}
service auth-worker {{
  user = {user}
}}
service stats {{
  chroot =
}}
"""


def _login_user(user: str) -> str:
    if os.getuid() != 0:
        return user
    for candidate in ("dovenull", "nobody"):  # dovenull comes with the Dovecot package
        try:
            pwd.getpwnam(candidate)
            return candidate
        except KeyError:
            continue
    raise RuntimeError("running as root, Dovecot needs an unprivileged user for its login "
                       "process: neither dovenull nor nobody exists")


def dovecot_available() -> bool:
    return os.access(DOVECOT, os.X_OK)


@dataclass
class Dovecot:
    """One Dovecot process with one user; ``client()`` opens an IMAPClient logged in as it."""

    port: int = field(default_factory=free_port)
    root: Path | None = None
    process: subprocess.Popen | None = None
    host: str = "127.0.0.1"
    username: str = IMAP_USER
    password: str = IMAP_PASSWORD

    def start(self) -> None:
        # Short, because Dovecot's unix sockets live under base_dir (108 bytes at most).
        self.root = Path(tempfile.mkdtemp(prefix="dovecot-"))
        for folder in ("run", "state", "mail", "home"):
            (self.root / folder).mkdir()
        self.root.chmod(0o755)  # the login process may run as another user (below)
        user = pwd.getpwuid(os.getuid()).pw_name
        group = grp.getgrgid(os.getgid()).gr_name
        unprivileged = pwd.getpwnam(_login_user(user))
        for folder in ("mail", "home"):
            os.chown(self.root / folder, unprivileged.pw_uid, unprivileged.pw_gid)
        (self.root / "passwd").write_text(f"{self.username}:{{PLAIN}}{self.password}::::::\n")
        config = self.root / "dovecot.conf"
        config.write_text(_CONFIG.format(root=self.root, user=user, group=group,
                                         login_user=_login_user(user),
                                         mail_uid=unprivileged.pw_uid,
                                         mail_gid=unprivileged.pw_gid, port=self.port))
        self.process = subprocess.Popen([DOVECOT, "-F", "-c", str(config)],
                                        stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + 15
        while True:
            try:
                with socket.create_connection((self.host, self.port), timeout=1) as s:
                    if s.recv(200).startswith(b"* OK"):
                        return
            except OSError:
                pass
            if self.process.poll() is not None or time.monotonic() > deadline:
                log = self.log()
                self.stop()
                raise RuntimeError(f"Dovecot did not start:\n{log}")
            time.sleep(0.05)

    def log(self) -> str:
        path = self.root / "dovecot.log" if self.root else None
        text = path.read_text(errors="replace") if path and path.exists() else ""
        if self.process is not None and self.process.stdout and self.process.poll() is not None:
            text += self.process.stdout.read().decode(errors="replace")
        return text

    def stop(self) -> None:
        if self.process is not None:
            self.process.terminate()
            try:
                self.process.wait(15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(5)
            self.process = None
        if self.root is not None:
            shutil.rmtree(self.root, ignore_errors=True)
            self.root = None

    def client(self) -> IMAPClient:
        client = IMAPClient(self.host, port=self.port, ssl=False, timeout=30)
        client.login(self.username, self.password)
        return client

    def settings(self, **changes) -> dict:
        """The app configuration that points the fetcher at this server."""
        return {"IMAP_HOST": self.host, "IMAP_PORT": self.port, "IMAP_USERNAME": self.username,
                "IMAP_PASSWORD": self.password, "IMAP_FOLDER": "INBOX",
                "IMAP_SECURITY": "none", "IMAP_PROCESSED_FOLDER": None, **changes}

    def reset(self) -> None:
        """Delete every folder but INBOX and every message, for the next test."""
        with self.client() as client:
            for _flags, _delimiter, name in client.list_folders():
                if name.upper() != "INBOX":
                    client.delete_folder(name)
            client.select_folder("INBOX")
            uids = client.search(["ALL"])
            if uids:
                client.delete_messages(uids)
                client.expunge()

    def append(self, messages: list[bytes], folder: str = "INBOX") -> None:
        with self.client() as client:
            for raw in messages:
                client.append(folder, raw)

    def messages(self, folder: str = "INBOX") -> dict[int, tuple[bytes, tuple]]:
        """{uid: (raw bytes, flags)} of the folder's messages, read without changing them."""
        with self.client() as client:
            if not client.folder_exists(folder):
                return {}
            client.select_folder(folder, readonly=True)
            uids = client.search(["ALL"])
            fetched = client.fetch(uids, ["BODY.PEEK[]", "FLAGS"]) if uids else {}
            return {uid: (data[b"BODY[]"], data[b"FLAGS"]) for uid, data in fetched.items()}


def require_dovecot() -> None:
    if not dovecot_available():
        reason = (f"Dovecot is not installed at {DOVECOT} (apt-get install -y dovecot-imapd); "
                  "the IMAP fetcher tests need a real IMAP server")
        if os.environ.get("CI") == "true":
            pytest.fail(reason + " — and CI must run them")
        pytest.skip(reason)


@pytest.fixture(scope="session")
def dovecot_server():
    """One Dovecot for the whole run (starting it takes a moment)."""
    require_dovecot()
    server = Dovecot()
    server.start()
    yield server
    server.stop()


@pytest.fixture
def dovecot(dovecot_server) -> Dovecot:
    """The shared Dovecot with an empty INBOX and no other folders."""
    dovecot_server.reset()
    return dovecot_server


def mail(number: int, *, subject: str | None = None, message_id: str | None = None) -> bytes:
    """A small plain-text message with a unique Message-ID."""
    message_id = message_id or f"<test-{number}-{time.time_ns()}@example.net>"
    return (f"From: Attendee {number} <attendee{number}@example.net>\r\n"
            f"To: access@example.org\r\n"
            f"Subject: {subject or f'Message {number}'}\r\n"
            f"Message-ID: {message_id}\r\n"
            f"Date: Tue, 01 Dec 2026 10:00:00 +0000\r\n"
            f"Content-Type: text/plain; charset=utf-8\r\n\r\n"
            f"Hello, this is message {number}.\r\n").encode()
