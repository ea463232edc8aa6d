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
