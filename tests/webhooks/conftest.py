"""Fixtures for webhooks: a real local HTTP receiver and registered endpoints."""

from __future__ import annotations

import pytest

from accessreq.webhooks.services import create_endpoint
from webhooks.receiver import Receiver


@pytest.fixture
def receiver():
    server = Receiver().start()
    yield server
    server.stop()


@pytest.fixture
def make_endpoint(app):
    def make(url: str, events=("request.created", "request.status_changed", "request.replied",
                               "request.cancelled", "event.changed"), personal: bool = False):
        return create_endpoint(url, list(events), personal)
    return make
