"""migrations/ builds exactly the schema the models describe, and can be undone and redone.

Each case runs on its own scratch database (SQLite file; PostgreSQL when TEST_DATABASE_URL
points at one), so the session's test schema is never touched.
"""

from __future__ import annotations

import os
import time

import psycopg
import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_migrate import downgrade, upgrade
from sqlalchemy import inspect
from sqlalchemy.engine import make_url

from accessreq import create_app
from accessreq.extensions import db

POSTGRES_URL = os.environ.get("TEST_DATABASE_URL", "")
ON_POSTGRES = POSTGRES_URL.startswith("postgresql")


def _postgres_scratch(name: str):
    """Create database ``name`` next to the test database; return its URL and a drop function."""
    server = make_url(POSTGRES_URL)
    admin = server.set(drivername="postgresql", database="postgres")
    conninfo = admin.render_as_string(hide_password=False)
    with psycopg.connect(conninfo, autocommit=True) as connection:
        connection.execute(f'CREATE DATABASE "{name}"')

    def drop() -> None:
        with psycopg.connect(conninfo, autocommit=True) as connection:
            connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')

    return server.set(database=name).render_as_string(hide_password=False), drop


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.skipif(
    not ON_POSTGRES, reason="TEST_DATABASE_URL is not PostgreSQL"))])
def scratch_app(request, tmp_path):
    """An app bound to a new, empty database of the given kind."""
    drop = None
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'fresh.sqlite3'}"
    else:
        url, drop = _postgres_scratch(f"accessreq_migrations_{os.getpid()}_{time.time_ns()}")
    app = create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": url,
                      "MAIL_CATCHER_DIR": str(tmp_path / "mail")})
    try:
        with app.app_context():
            yield app
            db.session.remove()
            db.engine.dispose()
    finally:
        if drop:
            drop()


def _differences() -> list:
    with db.engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        return compare_metadata(context, db.metadata)


def _tables() -> set[str]:
    return set(inspect(db.engine).get_table_names()) - {"alembic_version"}


def test_upgrade_on_an_empty_database_gives_exactly_the_models_schema(scratch_app):
    assert _tables() == set()
    upgrade()
    assert _tables() == set(db.metadata.tables)
    assert _differences() == []


def test_downgrade_to_base_and_upgrade_again(scratch_app):
    upgrade()
    downgrade(revision="base")
    assert _tables() == set()
    upgrade()
    assert _differences() == []


def _filled(table, **given) -> dict:
    """A row for ``table`` (reflected at an older revision): ``given``, plus a plain value for
    every other required column without a default."""
    from datetime import UTC, datetime

    from sqlalchemy import Boolean, DateTime, Integer, String, Text

    row = dict(given)
    for column in table.columns:
        if column.name in row or column.nullable or column.server_default is not None \
                or column.primary_key:
            continue
        kind = column.type
        row[column.name] = (datetime(2026, 1, 1, tzinfo=UTC) if isinstance(kind, DateTime)
                            else False if isinstance(kind, Boolean)
                            else 0 if isinstance(kind, Integer)
                            else "x" if isinstance(kind, (String, Text)) else None)
    return row


def test_report_facts_are_worked_out_for_existing_requests(scratch_app):
    """c4a7e2d9b3f1 gives requests made before it their first "arranged" time (from the
    history) and whether they came late (asked for after the due day, in the event's zone),
    and every row that refers to a request is still there afterwards."""
    from datetime import UTC, datetime

    from sqlalchemy import MetaData, Table, insert, select

    upgrade(revision="b1e7c4d9a2f6")
    meta = MetaData()
    event, request, history = (Table(name, meta, autoload_with=db.engine)
                               for name in ("event", "access_request", "history_entry"))
    starts = datetime(2026, 3, 20, 18, 0, tzinfo=UTC)
    due = datetime(2026, 3, 6, 18, 0, tzinfo=UTC)  # 14 days before
    with db.engine.begin() as connection:
        connection.execute(insert(event), [_filled(event, id=1, title="Talk", starts_at=starts,
                                                   ends_at=starts, timezone="Europe/London")])
        connection.execute(insert(request), [
            # On its due day, late in the evening (UTC), but still the 6th in London: in time.
            _filled(request, id=1, reference="AR-1", event_id=1, status="arranged",
                    created_at=datetime(2026, 3, 6, 23, 30, tzinfo=UTC), due_at=due),
            # The day after its due day: late.
            _filled(request, id=2, reference="AR-2", event_id=1, status="submitted",
                    created_at=datetime(2026, 3, 7, 9, 0, tzinfo=UTC), due_at=due)])
        connection.execute(insert(history), [
            _filled(history, id=1, request_id=1, kind="status_changed", to_status="arranged",
                    at=datetime(2026, 3, 8, 10, 0, tzinfo=UTC)),
            _filled(history, id=2, request_id=1, kind="status_changed", to_status="arranged",
                    at=datetime(2026, 3, 9, 10, 0, tzinfo=UTC))])
    upgrade()
    with db.engine.connect() as connection:
        rows = connection.execute(select(
            Table("access_request", MetaData(), autoload_with=db.engine).c[
                "id", "received_late", "first_arranged_at", "shortfall_reason"])
            .order_by("id")).all()
        # On SQLite the batch rebuild of access_request must not cascade into its history
        # (migrations/env.py turns foreign keys off while migrating).
        assert connection.execute(select(db.func.count()).select_from(
            Table("history_entry", MetaData(), autoload_with=db.engine))).scalar() == 2
    (one, late_one, arranged_at_one, reason_one), (two, late_two, arranged_at_two, _) = rows
    assert (late_one, late_two) == (False, True)
    assert arranged_at_one.replace(tzinfo=None) == datetime(2026, 3, 8, 10, 0)
    assert arranged_at_two is None and reason_one is None
