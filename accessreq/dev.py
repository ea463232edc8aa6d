"""``make run``: the mail catcher, the outbox sender and the Flask dev server, started together.

Run as ``python -m accessreq.dev`` after ``flask db upgrade`` and ``flask demo``. Mail never
leaves the machine: every child is pointed at the local catcher, whose messages admins read at
/admin/email/caught. Ctrl-C (or SIGTERM) stops all three. Ports: ``PORT`` (default 5000) and
``MAIL_PORT`` (default 1025).
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

from .config import mail_catcher_dir
from .demo import DEMO_PASSWORD, DEMO_STAFF

HOST = "127.0.0.1"
STARTUP_SECONDS = 60
STOP_SECONDS = 5


def _port_free(port: int) -> bool:
    """Whether a server could listen on ``port`` now. Like the servers themselves (Werkzeug's
    and aiosmtpd's both set SO_REUSEADDR), the probe reuses the address, so connections left
    in TIME_WAIT by a server stopped a moment ago (Ctrl-C, then ``make run`` again) do not
    count as taken; a program still listening does."""
    with socket.socket() as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((HOST, port))
        except OSError:
            return False
    return True


def _accepting(port: int) -> bool:
    try:
        with socket.create_connection((HOST, port), timeout=0.5):
            return True
    except OSError:
        return False


def child_environment(port: int, mail_port: int, mail_dir: Path) -> dict[str, str]:
    """The environment for every child: the caller's, with mail forced to the local catcher."""
    env = dict(os.environ)
    for name in ("MAIL_USERNAME", "MAIL_PASSWORD", "MAIL_USE_TLS", "MAIL_USE_SSL"):
        env.pop(name, None)
    env.update(MAIL_SERVER=HOST, MAIL_PORT=str(mail_port), MAIL_CATCHER_DIR=str(mail_dir),
               PYTHONUNBUFFERED="1")
    env.setdefault("BASE_URL", f"http://{HOST}:{port}")
    env.setdefault("FLASK_DEBUG", "1")  # development: allows the built-in SECRET_KEY
    return env


class Children:
    """Child processes, each in its own process group so stopping one stops its helpers too."""

    def __init__(self, env: dict[str, str]) -> None:
        self.env = env
        self.running: dict[str, subprocess.Popen] = {}

    def start(self, name: str, *flask_args: str) -> None:
        command = [sys.executable, "-m", "flask", "--app", "accessreq", *flask_args]
        self.running[name] = subprocess.Popen(command, env=self.env, start_new_session=True)

    def exited(self) -> tuple[str, int] | None:
        for name, process in self.running.items():
            if process.poll() is not None:
                return name, process.returncode
        return None

    def stop(self) -> None:
        for process in self.running.values():
            self._signal(process, signal.SIGTERM)
        deadline = time.monotonic() + STOP_SECONDS
        for process in self.running.values():
            try:
                process.wait(max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                self._signal(process, signal.SIGKILL)
                process.wait()

    @staticmethod
    def _signal(process: subprocess.Popen, signum: int) -> None:
        if process.poll() is None:
            try:
                os.killpg(process.pid, signum)
            except ProcessLookupError:
                pass


def _banner(port: int, mail_port: int, mail_dir: Path) -> str:
    url = f"http://{HOST}:{port}"
    width = max(len(role.value) for _, _, role in DEMO_STAFF) + 1
    logins = "\n".join(f"    {role.value + ':':<{width}} {email} / {DEMO_PASSWORD}"
                       for email, _name, role in DEMO_STAFF)
    return (
        f"\naccessreq is running at {url}\n"
        f"  Staff sign-in: {url}/staff/login\n{logins}\n"
        f"  Caught email: {url}/admin/email/caught (signed in as admin)\n"
        f"    mail catcher on {HOST}:{mail_port}, files in {mail_dir}\n"
        f"  Press Ctrl-C to stop.\n"
    )


def main() -> int:
    port = int(os.environ.get("PORT", "5000"))
    mail_port = int(os.environ.get("MAIL_PORT", "1025"))
    mail_dir = mail_catcher_dir(os.environ.get("MAIL_CATCHER_DIR")).resolve()
    for variable, number in (("PORT", port), ("MAIL_PORT", mail_port)):
        if not _port_free(number):
            print(f"Port {number} is already in use. Stop the program using it, or choose "
                  f"another: {variable}={number + 1} make run", file=sys.stderr)
            return 1

    stopping = False

    def request_stop(_signum, _frame) -> None:
        nonlocal stopping
        stopping = True

    signal.signal(signal.SIGINT, request_stop)
    signal.signal(signal.SIGTERM, request_stop)

    children = Children(child_environment(port, mail_port, mail_dir))
    status = 0
    try:
        deadline = time.monotonic() + STARTUP_SECONDS

        def wait_until_accepting(*ports: int) -> bool:
            while not stopping and not all(_accepting(p) for p in ports):
                if children.exited() or time.monotonic() > deadline:
                    print("accessreq did not start; see the messages above.", file=sys.stderr)
                    return False
                time.sleep(0.2)
            return True

        children.start("mail catcher", "mailcatcher", "--host", HOST, "--port", str(mail_port))
        # The sender starts once the catcher listens: mail already queued (the demo's) is then
        # delivered at once, not put off by the backoff after a refused connection.
        if not wait_until_accepting(mail_port):
            return 1
        if not stopping:
            children.start("outbox sender", "outbox", "send", "--loop", "--interval", "2")
            children.start("web server", "run", "--host", HOST, "--port", str(port), "--debug")
        if not wait_until_accepting(mail_port, port):
            return 1
        if not stopping:
            print(_banner(port, mail_port, mail_dir), flush=True)
        while not stopping:
            ended = children.exited()
            if ended:
                print(f"The {ended[0]} stopped (exit {ended[1]}); stopping the rest.",
                      file=sys.stderr)
                status = 1
                break
            time.sleep(0.5)
    finally:
        children.stop()
    print("accessreq stopped.", flush=True)
    return status


if __name__ == "__main__":
    sys.exit(main())
