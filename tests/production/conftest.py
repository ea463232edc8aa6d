"""The production-shaped lane: one stack (nginx + TLS, two gunicorn workers, a sender) for this
package, on the run's migrated database (SQLite, or PostgreSQL with TEST_DATABASE_URL). It
stops when the package's tests end, so its sender never takes another test's mail.

Every test names the private values it sent (``stack.keep_out_of_logs``); the last test of the
run searches everything the lane's processes wrote for every one of them."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from helpers import SMTPServer, base_config

from .stack import NGINX, ProductionStack

pytestmark = pytest.mark.production


def _require(condition: bool, reason: str) -> None:
    if condition:
        return
    if os.environ.get("CI"):
        pytest.fail(reason + " — CI must run the production lane")
    pytest.skip(reason)


@pytest.fixture(scope="package")
def lane_smtp():
    server = SMTPServer()
    server.start()
    yield server
    server.stop()


@pytest.fixture(scope="package")
def stack(migrated_database, lane_smtp, tmp_path_factory):
    _require(NGINX is not None,
             "nginx not found: install it (apt-get install -y nginx)")
    workdir = tmp_path_factory.mktemp("lane")
    running = ProductionStack(database_url=migrated_database, mail_host=lane_smtp.host,
                              mail_port=lane_smtp.port, workdir=workdir,
                              secret_key=base_config(migrated_database, workdir)["SECRET_KEY"])
    running.start()
    yield running
    running.stop()


WHOLE_LANE_CHECKS = ("test_the_lane_sender_lost_no_message",
                     "test_asvs_7_1_1_the_whole_lane_logged_no_private_value")


def pytest_collection_modifyitems(session, config, items):
    """The checks of the lane's whole output run after every other test of the lane, and
    still inside it, so they read the same stack (the fixture is package-scoped)."""
    here = Path(__file__).parent
    last = [item for item in items if item.name in WHOLE_LANE_CHECKS]
    rest = [item for item in items if item.name not in WHOLE_LANE_CHECKS]
    lane = [i for i, item in enumerate(rest) if here in Path(item.path).parents]
    at = lane[-1] + 1 if lane else len(rest)
    items[:] = rest[:at] + last + rest[at:]


@pytest.fixture(autouse=True)
def _fresh_mailbox(request):
    """Each test counts only the mail it caused."""
    if "lane_smtp" in request.fixturenames:
        request.getfixturevalue("lane_smtp").messages.clear()


@pytest.fixture
def lane_context(browser, stack):
    """Browser contexts on the HTTPS stack; the test CA is not installed, so certificate
    errors are ignored (the connection is still TLS, so Secure cookies and HSTS apply)."""
    contexts = []

    def make(**options):
        options.setdefault("viewport", {"width": 1280, "height": 800})
        context = browser.new_context(base_url=stack.url, ignore_https_errors=True, **options)
        context.set_default_timeout(15_000)
        contexts.append(context)
        return context

    yield make
    for context in contexts:
        context.close()
