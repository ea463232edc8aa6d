"""The production-shaped lane: one stack (nginx + TLS, two gunicorn workers, a sender) per
module, on the run's migrated database (SQLite, or PostgreSQL with TEST_DATABASE_URL)."""

from __future__ import annotations

import os

import pytest

from browser.conftest import CHROMIUM_ARGS, browser, chromium_executable  # noqa: F401
from conftest import SMTPServer

from .stack import NGINX, ProductionStack

pytestmark = pytest.mark.production


def _require(condition: bool, reason: str) -> None:
    if condition:
        return
    if os.environ.get("CI"):
        pytest.fail(reason + " — CI must run the production lane")
    pytest.skip(reason)


@pytest.fixture(scope="module")
def lane_smtp():
    server = SMTPServer()
    server.start()
    yield server
    server.stop()


@pytest.fixture(scope="module")
def stack(migrated_database, lane_smtp, tmp_path_factory):
    _require(NGINX is not None,
             "nginx not found: install it (apt-get install -y nginx)")
    running = ProductionStack(database_url=migrated_database, mail_host=lane_smtp.host,
                              mail_port=lane_smtp.port, workdir=tmp_path_factory.mktemp("lane"))
    running.start()
    yield running
    running.stop()


@pytest.fixture
def lane_context(browser, stack):  # noqa: F811
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
