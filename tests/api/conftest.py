"""API fixtures: clients with tokens, and calling the API with one."""

from __future__ import annotations

import pytest

from accessreq.api.models import SCOPES
from accessreq.api.services import create_client, revoke_client


@pytest.fixture
def make_client(app):
    """Returns (client, token); ``revoked`` makes a revoked one."""
    counter = iter(range(1, 10_000))

    def make(scopes=tuple(SCOPES), team=None, revoked: bool = False):
        client, token = create_client(f"Platform {next(counter)}", list(scopes), team, None)
        if revoked:
            revoke_client(client)
        return client, token

    return make


@pytest.fixture
def token(make_client) -> str:
    return make_client()[1]
