"""Health checks for load balancers and orchestrators."""

from __future__ import annotations

from functools import lru_cache

from alembic.config import Config
from alembic.script import ScriptDirectory
from flask import Blueprint, current_app
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

from .extensions import db

bp = Blueprint("health", __name__)


@lru_cache(maxsize=4)
def _migration_heads(directory: str) -> frozenset[str]:
    config = Config()
    config.set_main_option("script_location", directory)
    return frozenset(ScriptDirectory.from_config(config).get_heads())


@bp.get("/healthz")
def healthz():
    """The process is up and serving."""
    return {"status": "ok"}


@bp.get("/readyz")
def readyz():
    """The database answers and its schema is at the newest migration."""
    heads = _migration_heads(current_app.extensions["migrate"].directory)
    try:
        current = set(db.session.scalars(text("SELECT version_num FROM alembic_version")))
    except SQLAlchemyError:
        db.session.rollback()
        return {"status": "unavailable", "database": "unreachable"}, 503
    if current != heads:
        return {"status": "unavailable", "database": "ok", "migrations": "not at head"}, 503
    return {"status": "ok", "database": "ok", "migrations": "at head"}
