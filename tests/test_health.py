"""Health checks, request ids and JSON logs without personal data."""

from __future__ import annotations

import json
import logging

import pytest
from sqlalchemy import text

from accessreq import create_app
from accessreq.extensions import db
from accessreq.observability import JSONFormatter


def test_healthz_answers_ok(client):
    response = client.get("/healthz")
    assert response.status_code == 200 and response.get_json() == {"status": "ok"}


def test_readyz_is_ok_when_database_is_at_the_newest_migration(client):
    response = client.get("/readyz")
    assert response.status_code == 200
    assert response.get_json()["migrations"] == "at head"


def test_readyz_is_unavailable_when_migrations_are_behind(client):
    (version,) = db.session.execute(text("SELECT version_num FROM alembic_version")).one()
    db.session.execute(text("UPDATE alembic_version SET version_num = 'older'"))
    db.session.commit()
    try:
        response = client.get("/readyz")
        assert response.status_code == 503
        assert response.get_json()["migrations"] == "not at head"
    finally:
        db.session.execute(text("UPDATE alembic_version SET version_num = :v"), {"v": version})
        db.session.commit()


def test_readyz_is_unavailable_when_the_database_is_unreachable(app):
    # A second app whose database cannot be reached (nothing listens on port 1).
    broken = create_app({"TESTING": True, "SECRET_KEY": "x",
                         "SQLALCHEMY_DATABASE_URI": "postgresql+psycopg://nobody@127.0.0.1:1/none"})
    response = broken.test_client().get("/readyz")
    assert response.status_code == 503
    assert response.get_json()["database"] == "unreachable"


def test_every_response_carries_a_request_id(client):
    generated = client.get("/healthz").headers["X-Request-ID"]
    assert len(generated) == 32
    given = client.get("/healthz", headers={"X-Request-ID": "abc12345-from-proxy"})
    assert given.headers["X-Request-ID"] == "abc12345-from-proxy"
    forged = client.get("/healthz", headers={"X-Request-ID": "<script>alert(1)</script>"})
    assert forged.headers["X-Request-ID"] != "<script>alert(1)</script>"


@pytest.mark.app_config(LOG_FORMAT="json")
def test_access_log_is_json_with_route_pattern_not_token(app, client, make_request, caplog):
    _, status_url = make_request(contact_name="Private Person", contact_email="private@example.net")
    token = status_url.rsplit("/", 1)[-1]
    with caplog.at_level(logging.INFO, logger=app.logger.name):
        client.get(f"/r/{token}")
    records = [r for r in caplog.records if r.name.endswith(".access")]
    assert records, "no access log record"
    line = JSONFormatter().format(records[-1])
    entry = json.loads(line)
    assert entry["route"] == "/r/<token>" and entry["method"] == "GET"
    assert "request_id" in entry and "duration_ms" in entry
    for secret in (token, "Private Person", "private@example.net"):
        assert secret not in line


def test_the_app_refuses_to_start_with_the_development_secret_key(migrated_database):
    from accessreq.config import DEFAULT_SECRET_KEY

    settings = {"SQLALCHEMY_DATABASE_URI": migrated_database, "SECRET_KEY": DEFAULT_SECRET_KEY}
    with pytest.raises(RuntimeError, match="Set SECRET_KEY"):
        create_app(settings)
    assert create_app({**settings, "DEBUG": True}).debug  # development is allowed
    assert create_app({**settings, "SECRET_KEY": "a-long-random-production-value-0123456789"})
