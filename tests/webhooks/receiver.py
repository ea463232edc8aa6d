"""A real HTTP receiver for webhook tests: http.server in a thread, answering as told."""

from __future__ import annotations

import hashlib
import hmac
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


def verify(secret: str, header: str, body: bytes, tolerance: int = 300) -> bool:
    """The README's receiver check, line for line."""
    parts = dict(item.split("=", 1) for item in header.split(","))
    if abs(time.time() - int(parts["t"])) > tolerance:
        return False  # outside the replay window
    expected = hmac.new(secret.encode(), f"{parts['t']}.".encode() + body, hashlib.sha256).hexdigest()
    return hmac.compare_digest(expected, parts["v1"])


@dataclass
class Received:
    path: str
    headers: dict
    body: bytes


@dataclass
class Receiver:
    # Status codes to answer with, in turn; the last one repeats.
    answers: list[int] = field(default_factory=lambda: [200])
    location: str = ""
    received: list[Received] = field(default_factory=list)
    server: ThreadingHTTPServer | None = None
    # Hold the answer to delivery number ``stall_at`` until ``release`` is set (0: never).
    stall_at: int = 0
    stalled: threading.Event = field(default_factory=threading.Event)
    release: threading.Event = field(default_factory=threading.Event)
    lock: threading.Lock = field(default_factory=threading.Lock)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}/hook"

    def start(self) -> Receiver:
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):  # noqa: N802
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                with receiver.lock:
                    receiver.received.append(Received(self.path, dict(self.headers), body))
                    number = len(receiver.received)
                code = receiver.answers[min(number, len(receiver.answers)) - 1]
                if number == receiver.stall_at:
                    receiver.stalled.set()
                    receiver.release.wait(30)
                self.send_response(code)
                if receiver.location:
                    self.send_header("Location", receiver.location)
                reply = b"thanks" if code < 300 else b"receiver says no"
                self.send_header("Content-Length", str(len(reply)))
                self.end_headers()
                self.wfile.write(reply)

            def log_message(self, *args):
                pass

            def handle(self):
                try:
                    super().handle()
                except OSError:
                    pass  # the sender was killed while we held its answer

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        return self

    def stop(self) -> None:
        self.release.set()
        if self.server:
            self.server.shutdown()
            self.server.server_close()
