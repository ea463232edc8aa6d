"""Property-based calls generated from the OpenAPI document (schemathesis), against the WSGI app
on the test database, with a token holding every scope: no 5xx, every answer as documented
(status, content type, headers, body schema). Bounded and derandomized so it runs in well under
two minutes, on SQLite and on PostgreSQL (TEST_DATABASE_URL).

Each operation is its own test; hypothesis drives the operation's strategy directly (the
schemathesis pytest plugin's fixture loader does not run under pytest 9)."""

from __future__ import annotations

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis.specs.openapi.checks import positive_data_acceptance

from helpers import bearer

# (method, path) of every documented operation; a test below fails if this list falls behind.
OPERATIONS = [
    "GET /api/v1/events", "POST /api/v1/events", "GET /api/v1/events/{event_id}",
    "PATCH /api/v1/events/{event_id}", "GET /api/v1/accommodations",
    "POST /api/v1/requests", "GET /api/v1/requests", "GET /api/v1/requests/{reference}",
    "POST /api/v1/requests/{reference}/status", "POST /api/v1/requests/{reference}/replies",
]


def test_every_documented_operation_is_fuzzed(app):
    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app)
    labels = {result.ok().label for result in schema.get_all_operations()}
    assert labels == set(OPERATIONS)


@pytest.mark.parametrize("label", OPERATIONS)
def test_operation_keeps_to_the_document(app, make_client, make_request, label):
    make_request()  # an event with accommodations, and a request to read
    headers = bearer(make_client()[1])
    operation = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app) \
        .find_operation_by_label(label)

    @given(case=operation.as_strategy())
    @settings(max_examples=20, derandomize=True, deadline=None, database=None,
              suppress_health_check=list(HealthCheck))
    def run(case):
        # Random valid-looking bodies name events and references that do not exist: a
        # documented 4xx is right for them, so "valid data must be accepted" does not apply.
        case.call_and_validate(headers=headers, excluded_checks=[positive_data_acceptance])

    run()


