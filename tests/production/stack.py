"""The service as the README deploys it, on this machine: nginx terminating TLS in front of two
gunicorn workers, an outbox sender and a webhook sender, JSON logs, secure cookies, Redis for
rate limits.

Only what cannot be production here differs, each on purpose:
- the certificate comes from a throwaway CA made by ``trustme`` for ``127.0.0.1``;
- nginx listens on a free port, so it forwards ``$http_host`` (host and port) where the
  example config forwards ``$host`` (port 443 is implied there);
- mail goes to an aiosmtpd server of the test instead of a relay.

Every byte the processes write to stdout and stderr is kept in ``logs/`` so tests can read it.
"""

from __future__ import annotations

import os
import re
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

from helpers import REDIS_URL, free_port, redis_available

ROOT = Path(__file__).resolve().parents[2]
STARTUP_SECONDS = 60
NGINX = shutil.which("nginx") or ("/usr/sbin/nginx" if os.path.exists("/usr/sbin/nginx") else None)

NGINX_CONF = """
worker_processes 1;
daemon off;
pid {tmp}/nginx.pid;
error_log {logs}/nginx-error.log notice;
{user}
events {{ worker_connections 256; }}
http {{
    types {{ text/css css; application/javascript js; image/svg+xml svg; }}
    default_type application/octet-stream;
    client_body_temp_path {tmp}/client_body;
    proxy_temp_path {tmp}/proxy;
    fastcgi_temp_path {tmp}/fastcgi;
    uwsgi_temp_path {tmp}/uwsgi;
    scgi_temp_path {tmp}/scgi;
    # As in deploy/nginx.conf.example: status-page paths hold private tokens.
    access_log off;
    server {{
        listen 127.0.0.1:{port} ssl;
        server_name 127.0.0.1;
        ssl_certificate {tmp}/cert.pem;
        ssl_certificate_key {tmp}/key.pem;
        client_max_body_size 1m;
        location /static/ {{
            alias {root}/static/;
            expires 1h;
        }}
        location / {{
            proxy_pass http://127.0.0.1:{app_port};
            proxy_set_header Host $http_host;
            proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
            proxy_set_header X-Forwarded-Proto $scheme;
            proxy_set_header X-Request-ID $request_id;
        }}
    }}
}}
"""


def _wait_for_port(port: int, process: subprocess.Popen, name: str, log: Path) -> None:
    deadline = time.monotonic() + STARTUP_SECONDS
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"{name} exited with {process.returncode}:\n{log.read_text()}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return
        except OSError:
            time.sleep(0.1)
    raise RuntimeError(f"{name} did not listen on {port} within {STARTUP_SECONDS}s:\n"
                       f"{log.read_text()}")


@dataclass
class ProductionStack:
    database_url: str
    mail_host: str
    mail_port: int
    workdir: Path
    # Shared with the test process, as every process of one installation shares it: mail that
    # the tests' factories queue is sealed with it and must open in the lane's sender.
    secret_key: str
    port: int = field(default_factory=free_port)
    app_port: int = field(default_factory=free_port)
    processes: dict[str, subprocess.Popen] = field(default_factory=dict)
    # Tokens, addresses, names and message texts the tests sent: none may reach a log.
    private_values: set[str] = field(default_factory=set)

    @property
    def url(self) -> str:
        return f"https://127.0.0.1:{self.port}"

    @property
    def logs(self) -> Path:
        return self.workdir / "logs"

    def environment(self) -> dict[str, str]:
        """The app's environment as deploy/accessreq.env.example shapes it."""
        env = {k: v for k, v in os.environ.items()
               if not k.startswith(("FLASK_", "TEST_", "SQLALCHEMY"))}
        env.update(
            SECRET_KEY=self.secret_key,
            DATABASE_URL=self.database_url,
            BASE_URL=self.url,
            MAIL_SERVER=self.mail_host,
            MAIL_PORT=str(self.mail_port),
            STAFF_INBOX="access-team@example.org",
            TRUSTED_PROXIES="1",
            SESSION_COOKIE_SECURE="true",
            LOG_FORMAT="json",
            LOG_LEVEL="INFO",
            WEB_CONCURRENCY="2",
            BIND=f"127.0.0.1:{self.app_port}",
            PYTHONUNBUFFERED="1",
            # As deployed: a developer's .env in the checkout must not reach the flask commands.
            FLASK_SKIP_DOTENV="1",
            # The lane's webhook receiver listens on this machine (as a local integration's
            # would); the guard against private targets is tested outside the lane.
            WEBHOOKS_ALLOW_PRIVATE_TARGETS="true",
        )
        if redis_available():
            env["RATELIMIT_STORAGE_URI"] = REDIS_URL
            # This run's own counters, so neither an earlier run nor the other database's
            # run can use up the limits.
            env["RATELIMIT_KEY_PREFIX"] = f"accessreq-lane-{secrets.token_hex(6)}"
        return env

    def _spawn(self, name: str, command: list[str], env: dict[str, str] | None) -> subprocess.Popen:
        log = self.logs / f"{name}.log"
        with log.open("wb") as out:
            process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=out,
                                       stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                                       start_new_session=True)
        self.processes[name] = process
        return process

    def _write_certificate(self) -> None:
        import trustme

        authority = trustme.CA()
        certificate = authority.issue_cert("127.0.0.1", "localhost")
        certificate.private_key_pem.write_to_path(str(self.workdir / "key.pem"))
        certificate.cert_chain_pems[0].write_to_path(str(self.workdir / "cert.pem"))

    def start(self) -> None:
        self.logs.mkdir(parents=True, exist_ok=True)
        self._write_certificate()
        env = self.environment()
        web = self._spawn("gunicorn", [sys.executable, "-m", "gunicorn", "-c",
                                       str(ROOT / "gunicorn.conf.py"), "wsgi:app"], env)
        self._spawn("sender", [sys.executable, "-m", "flask", "--app", "accessreq", "outbox",
                               "send", "--loop", "--interval", "0.5"], env)
        self._spawn("webhooks", [sys.executable, "-m", "flask", "--app", "accessreq", "webhooks",
                                 "send", "--loop", "--interval", "0.5"], env)
        user = "user root root;" if os.geteuid() == 0 else ""
        conf = self.workdir / "nginx.conf"
        conf.write_text(NGINX_CONF.format(tmp=self.workdir, logs=self.logs, port=self.port,
                                          app_port=self.app_port, root=ROOT, user=user))
        nginx = self._spawn("nginx", [str(NGINX), "-e",
                                      str(self.logs / "nginx-error.log"), "-c", str(conf)], None)
        try:
            _wait_for_port(self.app_port, web, "gunicorn", self.logs / "gunicorn.log")
            _wait_for_port(self.port, nginx, "nginx", self.logs / "nginx.log")
        except RuntimeError:
            self.stop()
            raise

    def stop(self) -> None:
        for process in self.processes.values():
            if process.poll() is None:
                os.killpg(process.pid, signal.SIGTERM)
        for process in self.processes.values():
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait()

    def log_text(self) -> str:
        """Everything every process wrote, for the tests that read the logs."""
        return "\n".join(path.read_text(encoding="utf-8", errors="replace")
                         for path in sorted(self.logs.glob("*.log")))

    def keep_out_of_logs(self, *values: str) -> None:
        self.private_values.update(v for v in values if v)

    def assert_logs_clean(self) -> None:
        logs = self.log_text().lower()
        found = sorted(v for v in self.private_values if v.lower() in logs)
        assert not found, f"private values in the lane's logs: {found}"

    def sender_failures(self) -> int:
        """Messages the lane's sender gave up on, from its "Outbox: … failed for good." lines."""
        text = (self.logs / "sender.log").read_text(encoding="utf-8")
        return sum(int(n) for n in re.findall(r"(\d+) failed for good", text))

    def app_log_lines(self) -> list[str]:
        return (self.logs / "gunicorn.log").read_text(encoding="utf-8").splitlines()
