"""The JSON API and webhooks as deployed: an event platform calls the API with curl over HTTPS
through nginx (a bearer token, no cookie, no CSRF token, no Referer), two gunicorn workers
answer, rate limits count in Redis, the outbox sender emails and the webhook sender calls a
receiver on this machine with signed deliveries."""

from __future__ import annotations

import json
import subprocess
import time

import pytest
from sqlalchemy import func, select

from accessreq.api.services import create_client
from accessreq.extensions import db
from accessreq.requests.models import AccessRequest
from accessreq.webhooks.services import create_endpoint
from helpers import text_body
from webhooks.receiver import Receiver, verify

from .test_https_journeys import wait_for_mail

pytestmark = pytest.mark.production

NAME = "Philippa Curlwright"
EMAIL = "philippa.curlwright@example.net"
DETAILS = "Palantype captioning for the Q and A"


def curl(stack, method: str, path: str, token: str, body: dict | None = None,
         **headers: str) -> tuple[int, dict, dict]:
    """One call as an integrator's script makes it: curl, TLS (the lane's own certificate is
    not in curl's store, hence -k), JSON in and out. Returns (status, headers, body)."""
    command = ["curl", "-sS", "-k", "-X", method, "-D", "-", stack.url + path,
               "-H", f"Authorization: Bearer {token}", "-H", "Accept: application/json"]
    for name, value in headers.items():
        command += ["-H", f"{name.replace('_', '-')}: {value}"]
    if body is not None:
        command += ["-H", "Content-Type: application/json", "--data-binary", json.dumps(body)]
    done = subprocess.run(command, capture_output=True, text=True, timeout=30, check=True)
    head, _, text = done.stdout.replace("\r\n", "\n").partition("\n\n")
    lines = head.splitlines()
    status = int(lines[0].split()[1])
    answer_headers = {k.strip().lower(): v.strip() for k, _, v in
                      (line.partition(":") for line in lines[1:])}
    return status, answer_headers, json.loads(text) if text.strip() else {}


def wait_for(receiver: Receiver, event_type: str, timeout: float = 20.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        found = [r for r in receiver.received if r.headers.get("Accessreq-Event") == event_type]
        if found:
            return found
        time.sleep(0.2)
    raise AssertionError(f"no {event_type} delivery within {timeout}s: "
                         f"{[r.headers.get('Accessreq-Event') for r in receiver.received]}")


@pytest.fixture
def receiver():
    server = Receiver().start()
    yield server
    server.stop()


def test_a_platform_creates_a_request_with_curl_and_a_webhook_hears_each_change(
        stack, lane_smtp, make_event, receiver):
    event = make_event(title="Lane screening booked through a platform")
    kind = event.offered_types[0]
    _, token = create_client("Lane ticketing platform", ["requests:create", "requests:read",
                                                         "requests:write"], None, None)
    endpoint, secret = create_endpoint(receiver.url, ["request.created",
                                                      "request.status_changed"], False)
    stack.keep_out_of_logs(token, secret, NAME, EMAIL, DETAILS)
    before = db.session.scalar(select(func.count(AccessRequest.id)))
    body = {"event_id": event.id, "contact_name": NAME, "contact_email": EMAIL,
            "contact_channel": "email", "consent": True,
            "accommodations": [{"id": kind.id, "details": DETAILS}]}

    status, headers, created = curl(stack, "POST", "/api/v1/requests", token, body,
                                    Idempotency_Key="lane-booking-1")
    assert status == 201, created
    assert headers["content-type"].startswith("application/json")
    assert "set-cookie" not in headers  # the API never starts a session
    assert headers["location"] == created["url"]
    reference = created["reference"]
    # The attendee's confirmation and the team's notice, sent by the lane's outbox sender.
    confirmation = wait_for_mail(lane_smtp, EMAIL)
    assert reference in confirmation[0]["Subject"] + text_body(confirmation[0])

    # A retry with the same key (the platform's connection dropped) answers the first answer.
    again, _, repeated = curl(stack, "POST", "/api/v1/requests", token, body,
                              Idempotency_Key="lane-booking-1")
    assert (again, repeated) == (201, created)
    db.session.expire_all()
    assert db.session.scalar(select(func.count(AccessRequest.id))) == before + 1

    # The webhook sender delivered request.created, signed with the endpoint's secret.
    delivered = wait_for(receiver, "request.created")[0]
    assert verify(secret, delivered.headers["Accessreq-Signature"], delivered.body)
    payload = json.loads(delivered.body)
    assert payload["request"]["reference"] == reference
    assert NAME not in delivered.body.decode() and DETAILS not in delivered.body.decode()

    # A status change needs the ETag of what the platform last read.
    status, headers, read = curl(stack, "GET", f"/api/v1/requests/{reference}", token)
    assert status == 200 and read["status"] == "submitted", read
    etag = headers["etag"]
    status, _, refused = curl(stack, "POST", f"/api/v1/requests/{reference}/status", token,
                              {"status": "in_review"})
    assert status == 428, refused
    assert refused["status"] == 428 and refused["title"]
    status, _, changed = curl(stack, "POST", f"/api/v1/requests/{reference}/status", token,
                              {"status": "in_review"}, If_Match=etag)
    assert status == 200, changed
    moved = wait_for(receiver, "request.status_changed")[0]
    assert verify(secret, moved.headers["Accessreq-Signature"], moved.body)
    assert json.loads(moved.body)["change"]["to_status"] == "in_review"
    stack.assert_logs_clean()


def test_the_api_answers_problems_not_pages_over_https(stack):
    status, headers, problem = curl(stack, "GET", "/api/v1/requests", "not-a-token")
    assert status == 401
    assert headers["content-type"].startswith("application/problem+json")
    assert headers["www-authenticate"].startswith("Bearer")
    assert problem["status"] == 401 and "token" in problem["detail"].lower()
    assert "access-control-allow-origin" not in headers  # CORS stays off
