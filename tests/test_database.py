"""The embedded default is set up for several processes: WAL, a busy timeout, foreign keys."""

from __future__ import annotations

import pytest
from sqlalchemy import text

from accessreq.extensions import db


@pytest.fixture
def sqlite_only(app):
    if db.engine.dialect.name != "sqlite":
        pytest.skip("SQLite settings; this run uses PostgreSQL")


def _pragma(name: str):
    return db.session.execute(text(f"PRAGMA {name}")).scalar()


def test_sqlite_uses_wal_busy_timeout_and_foreign_keys(sqlite_only):
    assert _pragma("journal_mode") == "wal"
    assert _pragma("busy_timeout") == 5000
    assert _pragma("foreign_keys") == 1
    assert _pragma("synchronous") == 1  # NORMAL


def test_foreign_keys_are_enforced(app):
    from sqlalchemy.exc import IntegrityError

    with pytest.raises(IntegrityError):
        db.session.execute(text(
            "INSERT INTO requested_accommodation (request_id, accommodation_type_id, details) "
            "VALUES (999999, 999999, '')"))
        db.session.flush()
    db.session.rollback()
