"""The production-shaped lane: one stack (nginx + TLS, two gunicorn workers, a sender) for this
package, on the run's migrated database (SQLite, or PostgreSQL with TEST_DATABASE_URL). It
stops when the package's tests end, so its sender never takes another test's mail.

Every test names the private values it sent (``stack.keep_out_of_logs``); the last test of the
run searches everything the lane's processes wrote for every one of them."""

from __future__ import annotations

import os

import pytest

from helpers import SMTPServer

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
    running = ProductionStack(database_url=migrated_database, mail_host=lane_smtp.host,
                              mail_port=lane_smtp.port, workdir=tmp_path_factory.mktemp("lane"))
    running.start()
    yield running
    running.stop()


WHOLE_LANE_CHECK = "test_asvs_7_1_1_the_whole_lane_logged_no_private_value"


def pytest_collection_modifyitems(session, config, items):
    """The check of the lane's whole log output runs after every other test."""
    last = [item for item in items if item.name == WHOLE_LANE_CHECK]
    items[:] = [item for item in items if item.name != WHOLE_LANE_CHECK] + last


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
