"""Shared pieces of the benchmark scripts: servers, wrk, databases and the results file.

Benchmarks are scripts, not tests: each measures the project against a baseline in the same
run and writes the ratio to bench/README.md, so results compare across machines.
"""

from __future__ import annotations

import json
import os
import platform
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results.json"
README = ROOT / "bench" / "README.md"
PYTHON = sys.executable
GUNICORN_WORKERS = int(os.environ.get("BENCH_WORKERS", "4"))
PG_ADMIN_URL = os.environ.get("BENCH_PG", "postgresql://postgres@127.0.0.1:5432/postgres")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def require_wrk() -> str:
    path = shutil.which("wrk")
    if not path:
        sys.exit("wrk is needed: apt-get install -y wrk")
    return path


def machine() -> str:
    return f"{platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}"


# --- databases -------------------------------------------------------------------------------


def postgres_available() -> bool:
    try:
        import psycopg

        with psycopg.connect(PG_ADMIN_URL, connect_timeout=3):
            return True
    except Exception:
        return False


@contextmanager
def fresh_database(kind: str):
    """Yield a SQLAlchemy URL for an empty database of ``kind`` ('sqlite' or 'postgresql')."""
    if kind == "sqlite":
        with tempfile.TemporaryDirectory() as folder:
            yield f"sqlite:///{folder}/bench.sqlite3"
        return
    import psycopg

    name = f"accessreq_bench_{os.getpid()}_{int(time.time())}"
    with psycopg.connect(PG_ADMIN_URL, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    try:
        yield f"postgresql+psycopg://postgres@127.0.0.1:5432/{name}"
    finally:
        with psycopg.connect(PG_ADMIN_URL, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def app_env(database_url: str, **extra: str) -> dict[str, str]:
    return {
        **os.environ,
        "DATABASE_URL": database_url,
        "SECRET_KEY": "bench-secret-key-0123456789abcdef",
        "RATELIMIT_ENABLED": "false",
        "LOG_FORMAT": "text",
        "FLASK_APP": "accessreq",
        **extra,
    }


def flask(env: dict[str, str], *args: str, input: str | None = None) -> str:
    done = subprocess.run([PYTHON, "-m", "flask", *args], env=env, cwd=ROOT, text=True,
                          input=input, capture_output=True)
    if done.returncode:
        sys.exit(f"flask {' '.join(args)} failed:\n{done.stdout}\n{done.stderr}")
    return done.stdout


# --- servers and load ------------------------------------------------------------------------


@contextmanager
def gunicorn(app_spec: str, env: dict[str, str] | None = None, workers: int = GUNICORN_WORKERS):
    """Serve ``app_spec`` with the project's gunicorn.conf.py; yield the base URL."""
    port = free_port()
    process = subprocess.Popen(
        [PYTHON, "-m", "gunicorn", "-c", str(ROOT / "gunicorn.conf.py"), "--bind",
         f"127.0.0.1:{port}", "--workers", str(workers), "--max-requests", "0", app_spec],
        cwd=ROOT, env=env or dict(os.environ), stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.time() + 30
        while True:
            try:
                urllib.request.urlopen(base + "/healthz" if "wsgi" in app_spec else base + "/",
                                       timeout=2)
                break
            except Exception:
                if time.time() > deadline or process.poll() is not None:
                    raise RuntimeError(f"gunicorn did not start: {process.stderr.read().decode()}")
                time.sleep(0.2)
        yield base
    finally:
        process.terminate()
        process.wait(20)


_LATENCY = re.compile(r"Latency\s+([\d.]+)(us|ms|s)")
_RPS = re.compile(r"Requests/sec:\s+([\d.]+)")
_UNIT = {"us": 0.001, "ms": 1.0, "s": 1000.0}


def wrk(url: str, seconds: int = 10, connections: int = 8, threads: int = 2,
        script: str | None = None, headers: dict[str, str] | None = None) -> dict:
    """Run wrk; return requests/s, mean latency (ms) and the count of non-2xx/3xx answers."""
    command = [require_wrk(), f"-t{threads}", f"-c{connections}", f"-d{seconds}s", "--latency"]
    for name, value in (headers or {}).items():
        command += ["-H", f"{name}: {value}"]
    script_file = None
    if script:
        script_file = tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False)
        script_file.write(script)
        script_file.close()
        command += ["-s", script_file.name]
    output = subprocess.run(command + [url], capture_output=True, text=True, check=True).stdout
    if script_file:
        os.unlink(script_file.name)
    latency = _LATENCY.search(output)
    bad = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", output)
    return {
        "rps": float(_RPS.search(output).group(1)),
        "latency_ms": float(latency.group(1)) * _UNIT[latency.group(2)],
        "errors": int(bad.group(1)) if bad else 0,
    }


# --- statements per page ---------------------------------------------------------------------


def statements_per_page(database_url: str, email: str, path: str) -> int:
    """Statements one GET of ``path``, signed in as ``email``, runs (counted on the engine,
    in-process, after a warm-up GET)."""
    from flask import g
    from sqlalchemy import event, select

    from accessreq import create_app
    from accessreq.auth.models import StaffUser
    from accessreq.extensions import db

    app = create_app({"SQLALCHEMY_DATABASE_URI": database_url,
                      "SECRET_KEY": "bench-secret-key-0123456789abcdef",
                      "RATELIMIT_ENABLED": False})
    client = app.test_client()
    with app.app_context():
        user = db.session.scalar(select(StaffUser).where(StaffUser.email == email))
        now = int(time.time())
        with client.session_transaction() as session:  # what sign-in writes (auth/sessions.py)
            session.update({"_user_id": user.get_id(), "_fresh": True, "signed_in_at": now,
                            "last_seen_at": now})
        client.get(path)  # warm up
        g.pop("_login_user", None)
        seen: list[str] = []
        listener = lambda *args: seen.append(args[2])  # noqa: E731
        event.listen(db.engine, "before_cursor_execute", listener)
        response = client.get(path)
        event.remove(db.engine, "before_cursor_execute", listener)
        assert response.status_code == 200, f"GET {path}: {response.status_code}"
        db.engine.dispose()
    return len(seen)


# --- results ---------------------------------------------------------------------------------


def record(name: str, result: dict) -> None:
    """Keep the newest result of each benchmark in results.json and rewrite the README table."""
    results = json.loads(RESULTS.read_text()) if RESULTS.exists() else {}
    results[name] = {**result, "date": datetime.now(UTC).strftime("%Y-%m-%d"),
                     "machine": machine()}
    RESULTS.write_text(json.dumps(results, indent=2, sort_keys=True) + "\n")
    _rewrite_readme(results)


def _rewrite_readme(results: dict) -> None:
    start, end = "<!-- results:start -->", "<!-- results:end -->"
    text = README.read_text() if README.exists() else f"# Benchmarks\n\n{start}\n{end}\n"
    rows = ["| benchmark | measured | baseline | ratio | target | met | command | date | machine |",
            "|---|---|---|---|---|---|---|---|---|"]
    for name, r in sorted(results.items()):
        rows.append(f"| {name} | {r['measured']} | {r['baseline']} | {r['ratio']:.2f}× | "
                    f"{r['target']} | {'yes' if r['met'] else '**no**'} | `{r['command']}` | "
                    f"{r['date']} | {r['machine']} |")
    before, _, rest = text.partition(start)
    _, _, after = rest.partition(end)
    README.write_text(f"{before}{start}\n" + "\n".join(rows) + f"\n{end}{after}")


# --- signed-in and CSRF-carrying sessions ----------------------------------------------------

_CSRF = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')


class Browser:
    """A cookie-keeping HTTP client for setting up a benchmark (not for the load itself)."""

    def __init__(self, base: str) -> None:
        import http.cookiejar

        self.base = base
        self.jar = http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(self.jar))

    def get(self, path: str) -> str:
        with self.opener.open(self.base + path, timeout=30) as response:
            return response.read().decode()

    def post(self, path: str, fields: dict[str, str | list[str]]) -> int:
        from urllib.parse import urlencode

        body = urlencode(fields, doseq=True).encode()
        with self.opener.open(self.base + path, data=body, timeout=30) as response:
            return response.status

    def csrf_token(self, path: str) -> str:
        return _CSRF.search(self.get(path)).group(1)

    @property
    def cookie_header(self) -> str:
        return "; ".join(f"{c.name}={c.value}" for c in self.jar)

    def sign_in(self, email: str, password: str) -> None:
        token = self.csrf_token("/staff/login")
        self.post("/staff/login", {"csrf_token": token, "email": email, "password": password})
        if "Sign out" not in self.get("/staff/"):
            raise RuntimeError("benchmark sign-in failed")
