"""Browser fixtures: the app served on 127.0.0.1 per test, axe-core (the one Chromium of the run
is in tests/conftest.py, shared with the production lane).

The live server wraps the ``app`` fixture of tests/conftest.py, so it uses the same migrated
database; factories commit before a page is opened, which makes their rows visible to the
server's threads (SQLite file or PostgreSQL alike).
"""

from __future__ import annotations

import threading

import pytest
from werkzeug.serving import make_server

from .helpers import ROOT, World

AXE_PATH = ROOT / "node_modules" / "axe-core" / "axe.min.js"
DEFAULT_TIMEOUT_MS = 10_000
# The request form's minimum fill time on the live server (see live_server).
LIVE_MIN_SECONDS = 1


@pytest.fixture(scope="session")
def axe():
    """axe-core as pinned in package-lock.json, not the copy bundled with the Python wrapper."""
    from axe_playwright_python.sync_playwright import Axe

    if not AXE_PATH.is_file():
        pytest.fail(f"{AXE_PATH.relative_to(ROOT)} is missing: run `npm ci` in {ROOT} "
                    "to install the pinned axe-core")
    return Axe(axe_script=AXE_PATH.read_text(encoding="utf-8"))


class LiveServer:
    """The Flask app on a free 127.0.0.1 port, served by werkzeug in a background thread."""

    def __init__(self, app) -> None:
        self.server = make_server("127.0.0.1", 0, app, threaded=True)
        self.url = f"http://127.0.0.1:{self.server.server_port}"
        self._thread = threading.Thread(target=self.server.serve_forever, kwargs={"poll_interval": 0.05},
                                        daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()
        self._thread.join(timeout=5)


@pytest.fixture
def live_server(app):
    # Render the app's own 500 page (and log the traceback) instead of re-raising in the thread.
    app.config["PROPAGATE_EXCEPTIONS"] = False
    # Pages as people get them: every form carries its CSRF token, so its markup is checked too
    # (the token once brought a duplicate id="csrf_token" that CSRF-off tests never rendered).
    app.config["WTF_CSRF_ENABLED"] = True
    # The spam defences are on here (the honeypot always is), so every journey and page state
    # meets them. The minimum fill time is LIVE_MIN_SECONDS, not the 3 s default: Playwright
    # keyboard journeys type at machine speed and finish the form in about 2 s, which no person
    # does; a test that sets it (test_spam_defences_browser.py: the default) keeps its value.
    if not app.config.get("PUBLIC_FORM_MIN_SECONDS"):
        app.config["PUBLIC_FORM_MIN_SECONDS"] = LIVE_MIN_SECONDS
    World.install_test_routes(app)
    server = LiveServer(app)
    # Links in emails and on the confirmation page must lead back to this server.
    app.config["BASE_URL"] = server.url
    server.start()
    yield server
    server.stop()


@pytest.fixture
def new_context(browser, live_server):
    """Make browser contexts (cookie jars) on the live server; all are closed after the test."""
    contexts = []

    def make(**options):
        options.setdefault("viewport", {"width": 1280, "height": 800})
        context = browser.new_context(base_url=live_server.url, **options)
        context.set_default_timeout(DEFAULT_TIMEOUT_MS)
        contexts.append(context)
        return context

    yield make
    for context in contexts:
        context.close()


@pytest.fixture
def page(new_context):
    return new_context().new_page()


@pytest.fixture
def world(app, live_server, new_context, make_event, make_type, make_request):
    """Everything a page state needs to build its data and reach its page."""
    return World(app=app, server=live_server, new_context=new_context, make_event=make_event,
                 make_type=make_type, make_request=make_request)
